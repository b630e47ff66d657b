package vaulttest

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

func TestCreateCertificateAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithRealisticDelays())
	var op gen.CertificateOperation
	hdr := h.call("POST", "/certificates/new-cert/create",
		gen.CertificateCreateParameters{CertificatePolicy: selfPolicy("CN=new")}, http.StatusAccepted, &op)

	if got := hdr.Get("Retry-After"); got != "10" {
		t.Errorf("Retry-After = %q, want 10", got)
	}
	loc := regexp.MustCompile(`^https://myvault\.vault\.localhost:\d+/certificates/new-cert/pending\?api-version=` + regexp.QuoteMeta(gen.APIVersion) + `&request_id=([0-9a-f]{32})$`).FindStringSubmatch(hdr.Get("Location"))
	if loc == nil {
		t.Fatalf("Location = %q", hdr.Get("Location"))
	}
	csr, err := x509.ParseCertificateRequest(op.Csr)
	if err != nil {
		t.Fatalf("csr: %v", err)
	}
	if csr.Subject.CommonName != "new" {
		t.Errorf("csr subject %q", csr.Subject)
	}
	want := gen.CertificateOperation{
		ID:                    h.srv.URL + "/certificates/new-cert/pending",
		IssuerParameters:      gen.IssuerParameters{Name: "Self"},
		Csr:                   op.Csr,
		CancellationRequested: new(false),
		Status:                "inProgress",
		StatusDetails:         detailsInProgress,
		RequestID:             loc[1],
	}
	if diff := cmp.Diff(want, op); diff != "" {
		t.Errorf("operation (-want +got):\n%s", diff)
	}
	// Until the create delay has passed, there is no version to read.
	h.fail("GET", "/certificates/new-cert/", nil, http.StatusNotFound, "CertificateNotFound", "")
	var p gen.CertificatePolicy
	h.call("GET", "/certificates/new-cert/policy", nil, http.StatusOK, &p)
}

func TestCreateCompletesAfterDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithDelays(Delays{Create: 5 * time.Second}))
	h.create("slow", selfPolicy("CN=slow"))
	var op gen.CertificateOperation
	h.call("GET", "/certificates/slow/pending", nil, http.StatusOK, &op)
	if op.Status != "inProgress" || op.Target != "" {
		t.Fatalf("before the delay: %s", mustJSON(op))
	}
	h.clock.Advance(5 * time.Second)
	var done gen.CertificateOperation
	h.call("GET", "/certificates/slow/pending", nil, http.StatusOK, &done)
	if done.Status != "completed" || done.Target != h.srv.URL+"/certificates/slow" || done.StatusDetails != "" {
		t.Fatalf("after the delay: %s", mustJSON(done))
	}
	var b certificateAnswer
	h.call("GET", "/certificates/slow/", nil, http.StatusOK, &b)
	if b.Attributes.Created.Time() != h.clock.Now() {
		t.Errorf("created %v, want the completion time %v", b.Attributes.Created.Time(), h.clock.Now())
	}
	if b.Pending != nil {
		t.Errorf("after the operation: pending = %+v, want none", b.Pending)
	}

	// While a new version is being created, answers about the certificate
	// refer to the operation, as the service's do; answers about a version
	// do not.
	h.create("slow", selfPolicy("CN=slow"))
	var renewing certificateAnswer
	h.call("GET", "/certificates/slow/", nil, http.StatusOK, &renewing)
	if renewing.Pending == nil || renewing.Pending.ID != h.srv.URL+"/certificates/slow/pending" {
		t.Errorf("while renewing: pending = %+v, want the operation's URL", renewing.Pending)
	}
	var version certificateAnswer
	h.call("GET", "/certificates/slow/"+path.Base(b.ID), nil, http.StatusOK, &version)
	if version.Pending != nil {
		t.Errorf("a version's answer: pending = %+v, want none", version.Pending)
	}
}

func TestCreateCompletesAfterPolls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithDelays(Delays{PendingPolls: 2}))
	h.create("polled", selfPolicy("CN=p"))
	for i, want := range []string{"inProgress", "inProgress", "completed", "completed"} {
		var op gen.CertificateOperation
		h.call("GET", "/certificates/polled/pending", nil, http.StatusOK, &op)
		if got := op.Status; got != want {
			t.Errorf("poll %d: status %q, want %q", i+1, got, want)
		}
	}
}

func TestCreateErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fail("POST", "/certificates/x/create", gen.CertificateCreateParameters{CertificatePolicy: gen.CertificatePolicy{
		KeyProperties: gen.KeyProperties{KeyType: "oct"},
	}}, http.StatusBadRequest, "BadParameter", "")
	h.fail("POST", "/certificates/x/create", gen.CertificateCreateParameters{}, http.StatusBadRequest, "BadParameter", "")
	// An empty policy is validated as sent: the defaults have no subject.
	if msg := h.fail("POST", "/certificates/x/create", json.RawMessage(`{"policy":{}}`), http.StatusBadRequest, "BadParameter", ""); !strings.Contains(msg, "needs a subject") {
		t.Errorf("create with an empty policy: %q, want the subject required", msg)
	}
	h.fail("POST", "/certificates/x/create", gen.CertificateCreateParameters{CertificatePolicy: gen.CertificatePolicy{
		IssuerParameters: gen.IssuerParameters{Name: "Self"},
	}}, http.StatusBadRequest, "BadParameter", "")
	h.fail("POST", "/certificates/x/create", "not an object", http.StatusBadRequest, "BadParameter", "")
	h.fail("POST", "/certificates/bad.name/create", gen.CertificateCreateParameters{}, http.StatusBadRequest, "BadParameter", "")

	// A pending Unknown-issuer request blocks another create (and import).
	unknown := selfPolicy("CN=u")
	unknown.IssuerParameters.Name = "Unknown"
	h.create("busy", unknown)
	h.fail("POST", "/certificates/busy/create", gen.CertificateCreateParameters{CertificatePolicy: unknown},
		http.StatusConflict, "Conflict", "")
}

func TestCreateNewVersionReusesPolicyAndKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	latest := func() gen.CertificateBundle {
		var b gen.CertificateBundle
		h.call("GET", "/certificates/renew/", nil, http.StatusOK, &b)
		return b
	}
	first := h.createDone("renew")
	h.create("renew", selfPolicy("CN=renew"))
	second := latest()
	reuse := selfPolicy("CN=renew")
	reuse.KeyProperties.ReuseKey = new(true)
	h.create("renew", reuse)
	third := latest()
	// A create without a policy makes a new version with the stored one.
	h.call("POST", "/certificates/renew/create", gen.CertificateCreateParameters{}, http.StatusAccepted, nil)
	fourth := latest()

	key := func(b gen.CertificateBundle) any {
		c, err := x509.ParseCertificate(b.Cer)
		if err != nil {
			t.Fatal(err)
		}
		return c.PublicKey
	}
	ids := map[string]bool{first.ID: true, second.ID: true, third.ID: true, fourth.ID: true}
	if len(ids) != 4 {
		t.Fatal("creates did not make new versions")
	}
	if publicKeyEqual(key(first), key(second)) {
		t.Error("a new key was expected without reuse_key")
	}
	if !publicKeyEqual(key(second), key(third)) || !publicKeyEqual(key(third), key(fourth)) {
		t.Error("reuse_key did not reuse the previous key")
	}
}

func TestCreateAttributesAndTags(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call("POST", "/certificates/tagged/create", gen.CertificateCreateParameters{
		CertificatePolicy:     selfPolicy("CN=t"),
		CertificateAttributes: gen.CertificateAttributes{Enabled: new(false)},
		Tags:                  map[string]string{"env": "test"},
	}, http.StatusAccepted, nil)
	var b gen.CertificateBundle
	h.call("GET", "/certificates/tagged/", nil, http.StatusOK, &b)
	if deref(b.Attributes.Enabled) || b.Tags["env"] != "test" {
		t.Errorf("attributes %s tags %v", mustJSON(b.Attributes), b.Tags)
	}
}

// newExternalCA returns a certificate authority outside the vault, to sign
// the CSRs of pending certificates.
func newExternalCA(t *testing.T) *testcert.CA {
	t.Helper()
	return testcert.NewCA(t, "External Test CA")
}

func unknownPolicy(subject string) gen.CertificatePolicy {
	p := selfPolicy(subject)
	p.IssuerParameters.Name = "Unknown"
	return p
}

func TestMergeCertificate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	op := h.create("merged", unknownPolicy("CN=merged.example"))
	if op.StatusDetails != detailsUnknown {
		t.Errorf("status_details = %q", op.StatusDetails)
	}
	var still gen.CertificateOperation
	h.call("GET", "/certificates/merged/pending", nil, http.StatusOK, &still)
	if still.Status != "inProgress" {
		t.Fatalf("Unknown-issuer operation completed by itself: %s", mustJSON(still))
	}

	ca := newExternalCA(t)
	leaf := ca.SignCSR(t, op.Csr, testcert.Template{}).Raw
	// A certificate for another key is refused.
	other := newExternalCA(t)
	h.fail("POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{other.Cert.Raw}},
		http.StatusBadRequest, "BadParameter", "")
	h.fail("POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{[]byte("junk")}},
		http.StatusBadRequest, "BadParameter", "")
	h.fail("POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{},
		http.StatusBadRequest, "BadParameter", "")

	// The chain may come in any order; the leaf goes first.
	var b gen.CertificateBundle
	h.call("POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{
		X509Certificates: [][]byte{ca.Cert.Raw, leaf},
		Tags:             map[string]string{"merged": "yes"},
	}, http.StatusCreated, &b)
	if diff := cmp.Diff(leaf, b.Cer); diff != "" {
		t.Errorf("cer is not the merged leaf")
	}
	if b.Tags["merged"] != "yes" {
		t.Errorf("tags = %v", b.Tags)
	}
	h.call("GET", "/certificates/merged/pending", nil, http.StatusOK, &still)
	if still.Status != "completed" {
		t.Errorf("operation after merge: %s", mustJSON(still))
	}
	var s gen.SecretBundle
	h.call("GET", "/secrets/merged/?outContentType=application/x-pem-file", nil, http.StatusOK, &s)
	blocks := pemTypes(s.Value)
	if diff := cmp.Diff([]string{"CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"}, blocks); diff != "" {
		t.Errorf("PEM secret blocks (-want +got):\n%s", diff)
	}
	h.fail("POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{leaf}},
		http.StatusNotFound, "PendingCertificateNotFound", "")
	h.fail("POST", "/certificates/never/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{leaf}},
		http.StatusNotFound, "PendingCertificateNotFound", "")
}

func TestMergeOnlyForUnknownIssuer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithDelays(Delays{Create: time.Hour}))
	op := h.create("selfish", selfPolicy("CN=s"))
	leaf := newExternalCA(t).SignCSR(t, op.Csr, testcert.Template{}).Raw
	h.fail("POST", "/certificates/selfish/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{leaf}},
		http.StatusBadRequest, "BadParameter", "")
}

func pemTypes(s string) []string {
	var types []string
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return types
		}
		types = append(types, b.Type)
	}
}

func TestCancelOperation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.create("cancel-me", unknownPolicy("CN=c"))
	var op gen.CertificateOperation
	h.call("PATCH", "/certificates/cancel-me/pending", gen.CertificateOperationUpdateParameter{CancellationRequested: true}, http.StatusOK, &op)
	if !deref(op.CancellationRequested) || op.Status != "inProgress" {
		t.Fatalf("right after the cancel request: %s", mustJSON(op))
	}
	h.call("GET", "/certificates/cancel-me/pending", nil, http.StatusOK, &op)
	if op.Status != "cancelled" || op.StatusDetails != detailsCancelled {
		t.Errorf("after the cancel request: %s", mustJSON(op))
	}
	h.fail("PATCH", "/certificates/missing/pending", gen.CertificateOperationUpdateParameter{CancellationRequested: true},
		http.StatusNotFound, "PendingCertificateNotFound", "")
	// A cancelled request no longer blocks a new create.
	h.create("cancel-me", selfPolicy("CN=c"))
}

func TestDeleteOperation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	created := h.create("drop-op", unknownPolicy("CN=d"))
	var op gen.CertificateOperation
	h.call("DELETE", "/certificates/drop-op/pending", nil, http.StatusOK, &op)
	if diff := cmp.Diff(created, op); diff != "" {
		t.Errorf("deleted operation (-created +deleted):\n%s", diff)
	}
	h.fail("GET", "/certificates/drop-op/pending", nil, http.StatusNotFound, "PendingCertificateNotFound", "")
	// The name had no version, so it is gone altogether.
	h.fail("GET", "/certificates/drop-op/policy", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("DELETE", "/certificates/drop-op/pending", nil, http.StatusNotFound, "PendingCertificateNotFound", "")

	// With a version, the certificate stays.
	h.createDone("keeps")
	h.call("DELETE", "/certificates/keeps/pending", nil, http.StatusOK, nil)
	h.call("GET", "/certificates/keeps/", nil, http.StatusOK, nil)
}

func TestConfiguredIssuer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call("PUT", "/certificates/issuers/my-ca", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusOK, nil)
	p := selfPolicy("CN=issued.example")
	p.IssuerParameters.Name = "my-ca"
	h.create("issued", p)
	var op gen.CertificateOperation
	h.call("GET", "/certificates/issued/pending", nil, http.StatusOK, &op)
	if op.Status != "completed" {
		t.Fatalf("operation: %s", mustJSON(op))
	}
	var s gen.SecretBundle
	h.call("GET", "/secrets/issued/?outContentType=application/x-pem-file", nil, http.StatusOK, &s)
	var certs []*x509.Certificate
	rest := []byte(s.Value)
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			certs = append(certs, c)
		}
	}
	if len(certs) != 2 {
		t.Fatalf("chain has %d certificates, want leaf and CA", len(certs))
	}
	block, _ := pem.Decode(h.srv.CACertPEM())
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !certs[1].Equal(ca) {
		t.Error("the chain's second certificate is not the emulator CA")
	}
	if err := certs[0].CheckSignatureFrom(ca); err != nil {
		t.Errorf("issued certificate is not signed by the emulator CA: %v", err)
	}
}

func TestFailedOperations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call("PUT", "/certificates/issuers/off", gen.CertificateIssuerSetParameters{
		Provider: "Test", Attributes: gen.IssuerAttributes{Enabled: new(false)},
	}, http.StatusOK, nil)
	tests := []struct{ issuer, code string }{
		{"nobody", "CertificateIssuerNotFound"},
		{"off", "BadParameter"},
	}
	for _, tt := range tests {
		p := selfPolicy("CN=f")
		p.IssuerParameters.Name = tt.issuer
		name := "fail-" + tt.issuer
		h.create(name, p)
		var op gen.CertificateOperation
		h.call("GET", "/certificates/"+name+"/pending", nil, http.StatusOK, &op)
		if op.Status != "failed" || op.Error.Code != tt.code ||
			!strings.Contains(op.StatusDetails, tt.issuer) {
			t.Errorf("issuer %s: operation %s", tt.issuer, mustJSON(op))
		}
		h.fail("GET", "/certificates/"+name+"/", nil, http.StatusNotFound, "CertificateNotFound", "")
	}
}

func TestListIncludePending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("done")
	h.create("waiting", unknownPolicy("CN=w"))
	ids := func(path string) []string {
		var l gen.CertificateListResult
		h.call("GET", path, nil, http.StatusOK, &l)
		var out []string
		for _, it := range l.Value {
			out = append(out, strings.TrimPrefix(it.ID, h.srv.URL))
		}
		return out
	}
	if diff := cmp.Diff([]string{"/certificates/done"}, ids("/certificates")); diff != "" {
		t.Errorf("without pending (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/certificates/done", "/certificates/waiting"}, ids("/certificates?includePending=true")); diff != "" {
		t.Errorf("with pending (-want +got):\n%s", diff)
	}
	h.fail("GET", "/certificates?includePending=maybe", nil, http.StatusBadRequest, "BadParameter", "")
}
