package vaulttest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func TestSeed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	names, err := h.srv.Seed(1000, &SeedOptions{Prefix: "load-", Versions: 2, Tags: map[string]string{"seed": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1000 || names[0] != "load-000" || names[999] != "load-999" {
		t.Fatalf("names %v...%v", names[:2], names[len(names)-2:])
	}
	var b gen.CertificateBundle
	h.call("GET", "/certificates/load-123/", nil, http.StatusOK, &b)
	cert := mustParse(t, b.Cer)
	if cert.Subject.CommonName != "vaulttest-seed" || b.Tags["seed"] != "yes" {
		t.Errorf("seeded certificate %s tags %v", cert.Subject, b.Tags)
	}
	var versions listPage[gen.CertificateItem]
	h.call("GET", "/certificates/load-123/versions", nil, http.StatusOK, &versions)
	if len(versions.Value) != 2 {
		t.Errorf("%d versions, want 2", len(versions.Value))
	}
	h.call("GET", "/secrets/load-999/", nil, http.StatusOK, nil)

	// A clash loads nothing.
	if _, err := h.srv.Seed(1000, &SeedOptions{Prefix: "load-"}); err == nil || !strings.Contains(err.Error(), "load-") {
		t.Errorf("overlapping seed: %v", err)
	}
	if ids, _ := pageThrough(h, "/certificates"); len(ids) != 1000 {
		t.Errorf("%d certificates after a failed seed, want 1000", len(ids))
	}
}

func TestSeedOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.srv.Seed(3, &SeedOptions{Prefix: "old-", Deleted: true}); err != nil {
		t.Fatal(err)
	}
	if ids, _ := pageThrough(h, "/deletedcertificates"); len(ids) != 3 {
		t.Errorf("%d deleted certificates, want 3", len(ids))
	}
	h.call("POST", "/deletedcertificates/old-1/recover", nil, http.StatusOK, nil)
	if _, err := h.srv.Seed(1, &SeedOptions{Prefix: "pem-", ContentType: contentPEM}); err != nil {
		t.Fatal(err)
	}
	var s gen.SecretBundle
	h.call("GET", "/secrets/pem-0/", nil, http.StatusOK, &s)
	if s.ContentType != contentPEM {
		t.Errorf("content type %q", s.ContentType)
	}
	for _, o := range []*SeedOptions{{Prefix: "bad_"}, {ContentType: "text/plain"}, {Versions: -1}} {
		if _, err := h.srv.Seed(1, o); err == nil {
			t.Errorf("Seed with %+v succeeded", *o)
		}
	}
	if names, err := h.srv.Seed(0, nil); err != nil || len(names) != 0 {
		t.Errorf("Seed(0) = %v, %v", names, err)
	}
}

func TestAddCertificate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id, err := h.srv.AddCertificate(SeedCertificate{Name: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	var b gen.CertificateBundle
	h.call("GET", strings.TrimPrefix(id, h.srv.URL), nil, http.StatusOK, &b)
	if c := mustParse(t, b.Cer); c.Subject.CommonName != "plain" || b.ID != id {
		t.Errorf("AddCertificate made %s with id %s", c.Subject, b.ID)
	}

	key := ecKey(t)
	chain := leafWithCA(t, key)
	id2, err := h.srv.AddCertificate(SeedCertificate{
		Name: "plain", Key: key, Chain: chain, ContentType: contentPEM, Disabled: true, NotExportable: true,
		Tags: map[string]string{"k": "v"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.call("GET", strings.TrimPrefix(id2, h.srv.URL), nil, http.StatusOK, &b)
	if !bytes.Equal(b.Cer, chain[0].Raw) || deref(b.Attributes.Enabled) || b.Tags["k"] != "v" {
		t.Errorf("second version %s", mustJSON(b))
	}
	h.fail("GET", "/secrets/plain/", nil, http.StatusForbidden, "Forbidden", "SecretDisabled")
	h.call("PATCH", "/certificates/plain/", gen.CertificateUpdateParameters{CertificateAttributes: gen.CertificateAttributes{Enabled: new(true)}}, http.StatusOK, nil)
	var s gen.SecretBundle
	h.call("GET", "/secrets/plain/", nil, http.StatusOK, &s)
	if diff := cmp.Diff([]string{"CERTIFICATE", "CERTIFICATE"}, pemTypes(s.Value)); diff != "" {
		t.Errorf("non-exportable PEM secret (-want +got):\n%s", diff)
	}

	if _, err := h.srv.AddCertificate(SeedCertificate{Name: "x", Key: ecKey(t), Chain: chain}); err == nil {
		t.Error("a chain for another key was accepted")
	}
	if _, err := h.srv.AddCertificate(SeedCertificate{Name: "bad name"}); err == nil {
		t.Error("an invalid name was accepted")
	}
	h.create("busy", unknownPolicy("CN=b"))
	if _, err := h.srv.AddCertificate(SeedCertificate{Name: "busy"}); err == nil {
		t.Error("a name with a pending operation was accepted")
	}
}

func TestSeedDeletedNeedsSoftDelete(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(WithoutSoftDelete())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Seed(1, &SeedOptions{Deleted: true}); err == nil || !strings.Contains(err.Error(), "WithoutSoftDelete") {
		t.Errorf("Seed of deleted certificates without soft delete: %v, want an error naming WithoutSoftDelete", err)
	}
}
