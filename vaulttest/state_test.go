package vaulttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

// populated starts a vault holding one of everything state must keep and
// returns it with its saved state.
func populated(t *testing.T) (*harness, []byte) {
	t.Helper()
	h := newHarness(t)
	h.createDone("live")
	h.call("PATCH", "/certificates/live/", gen.CertificateUpdateParameters{Tags: map[string]string{"a": "b"}}, http.StatusOK, nil)
	h.createDone("gone")
	h.call("DELETE", "/certificates/gone", nil, http.StatusOK, nil)
	h.create("waiting", unknownPolicy("CN=waiting"))
	h.call("PUT", "/certificates/issuers/iss", gen.CertificateIssuerSetParameters{
		Provider: "Test", Credentials: gen.IssuerCredentials{AccountID: "id", Password: "pw"},
	}, http.StatusOK, nil)
	h.call("PUT", "/certificates/contacts", gen.Contacts{ContactList: []gen.Contact{{EmailAddress: "a@example.com"}}}, http.StatusOK, nil)
	if _, err := h.srv.Seed(50, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := h.srv.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	return h, buf.Bytes()
}

// snapshotOf reads what a client sees, with the vault URL cut out so two
// servers compare equal.
func snapshotOf(h *harness) string {
	h.t.Helper()
	var b strings.Builder
	for _, path := range []string{
		"/certificates?includePending=true&maxresults=25", "/certificates/live/", "/certificates/live/versions",
		"/certificates/live/policy", "/certificates/waiting/pending", "/certificates/waiting/policy",
		"/deletedcertificates", "/deletedcertificates/gone", "/certificates/issuers/iss", "/certificates/contacts",
		"/certificates/cert-42/",
	} {
		status, _, body := h.do("GET", path, nil)
		b.WriteString(path + " " + http.StatusText(status) + "\n")
		b.Write(body)
		b.WriteString("\n")
	}
	return strings.ReplaceAll(b.String(), h.srv.URL, "VAULT")
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	a, saved := populated(t)
	var st stateFile
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Keys) > 6 || len(st.DERs) > 6 {
		t.Errorf("state has %d keys and %d certificates; seeded ones must share", len(st.Keys), len(st.DERs))
	}

	b := newHarness(t, WithState(bytes.NewReader(saved)))
	if diff := cmp.Diff(snapshotOf(a), snapshotOf(b)); diff != "" {
		t.Errorf("restored vault differs (-saved +restored):\n%s", diff)
	}
	if !bytes.Equal(a.srv.CACertPEM(), b.srv.CACertPEM()) {
		t.Error("the CA changed across WithState")
	}
	// The backup key came along too.
	blob := backup(a, "live")
	b.call("DELETE", "/certificates/live", nil, http.StatusOK, nil)
	b.call("DELETE", "/deletedcertificates/live", nil, http.StatusNoContent, nil)
	b.call("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusOK, nil)
	// The pending operation still merges.
	var op gen.CertificateOperation
	b.call("GET", "/certificates/waiting/pending", nil, http.StatusOK, &op)
	leaf := newExternalCA(t).SignCSR(t, op.Csr, testcert.Template{}).Raw
	b.call("POST", "/certificates/waiting/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{leaf}}, http.StatusCreated, nil)
	// Creating again adds a version to the restored one.
	b.createDone("live")
	var versions listPage[gen.CertificateItem]
	b.call("GET", "/certificates/live/versions", nil, http.StatusOK, &versions)
	if n := len(versions.Value); n != 2 {
		t.Errorf("%d versions, want 2", n)
	}
}

func TestLoadState(t *testing.T) {
	t.Parallel()
	a, saved := populated(t)
	c := newHarness(t)
	c.createDone("replaced")
	ca := c.srv.CACertPEM()
	if err := c.srv.LoadState(bytes.NewReader(saved)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snapshotOf(a), snapshotOf(c)); diff != "" {
		t.Errorf("loaded vault differs (-saved +loaded):\n%s", diff)
	}
	c.fail("GET", "/certificates/replaced/", nil, http.StatusNotFound, "CertificateNotFound", "")
	if !bytes.Equal(ca, c.srv.CACertPEM()) {
		t.Error("LoadState replaced the running CA")
	}
	// The token key stayed: the old token still works.
	c.call("GET", "/certificates", nil, http.StatusOK, nil)
}

func TestStateErrors(t *testing.T) {
	t.Parallel()
	h, err := NewHandler()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "{", `{"format":"other"}`, `{"format":"kvcerts-vaulttest/1","keys":["AAAA"]}`,
		`{"format":"kvcerts-vaulttest/1","certificates":[{"name":"x y"}]}`} {
		if err := h.LoadState(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadState(%q) succeeded", bad)
		}
		if _, err := NewHandler(WithState(strings.NewReader(bad))); err == nil {
			t.Errorf("WithState(%q) succeeded", bad)
		}
	}
	// Version ids are skip tokens of the versions list: they must be ids
	// as the vault makes them.
	bad := `{"format":"kvcerts-vaulttest/1","certificates":[{"name":"x","policy":{},"versions":[{"id":"v1"}]}]}`
	if err := h.LoadState(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), `"v1"`) {
		t.Errorf("LoadState with version v1: %v, want an error naming v1", err)
	}
}

func TestStateKeepsTimesAndDelays(t *testing.T) {
	t.Parallel()
	delays := WithDelays(Delays{Delete: time.Minute, Purge: time.Minute})
	a := newHarness(t, delays)
	a.createDone("t")
	a.call("DELETE", "/certificates/t", nil, http.StatusOK, nil)
	var buf bytes.Buffer
	if err := a.srv.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	b := newHarness(t, WithState(&buf), delays)
	// Both clocks start at the same fake time: still being deleted.
	b.fail("GET", "/deletedcertificates/t", nil, http.StatusNotFound, "CertificateNotFound", "")
	b.clock.Advance(time.Minute)
	b.call("GET", "/deletedcertificates/t", nil, http.StatusOK, nil)
	b.call("DELETE", "/deletedcertificates/t", nil, http.StatusNoContent, nil)
	buf.Reset()
	if err := b.srv.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	// The purge started a minute in, so it runs until two minutes in,
	// whatever the delays of the vault that loads the state.
	c := newHarness(t, WithState(&buf))
	c.clock.Advance(time.Minute)
	c.fail("POST", "/certificates/t/create", gen.CertificateCreateParameters{CertificatePolicy: selfPolicy("CN=t")},
		http.StatusConflict, "Conflict", "ObjectIsBeingDeleted")
	c.clock.Advance(time.Minute)
	c.create("t", selfPolicy("CN=t"))
}

// TestSaveStateWhileServing saves while requests and LoadState change the
// vault; -race finds any part of the state the encoder reads unlocked.
func TestSaveStateWhileServing(t *testing.T) {
	t.Parallel()
	h, saved := populated(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			body := gen.Contacts{ContactList: []gen.Contact{{EmailAddress: fmt.Sprintf("c%d@example.com", i)}}}
			if status, _, data := h.do("PUT", "/certificates/contacts", body); status != http.StatusOK {
				t.Errorf("set contacts: %d %s", status, data)
				return
			}
		}
	})
	wg.Go(func() {
		for range 20 {
			if err := h.srv.LoadState(bytes.NewReader(saved)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 20 {
		if err := h.srv.SaveState(io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
