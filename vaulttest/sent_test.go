package vaulttest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
)

// TestExplicitZeroValidatedAsSent: an explicit 0, "" or {} in a request is
// checked as sent, not taken for a field left out.
func TestExplicitZeroValidatedAsSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("zero")
	h.call("PUT", "/certificates/issuers/ca1", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusOK, nil)
	base := `"key_props":{"kty":"EC"},"issuer":{"name":"Self"},"x509_props":{"subject":"CN=zero"`
	tests := []struct {
		name, policy, want string
	}{
		{"validity_months 0", `{` + base + `,"validity_months":0}}`, "validity_months 0"},
		{"key_size 0", `{"key_props":{"kty":"RSA","key_size":0},"issuer":{"name":"Self"},"x509_props":{"subject":"CN=zero"}}`, "key_size 0"},
		{"kty empty", `{"key_props":{"kty":""},"issuer":{"name":"Self"},"x509_props":{"subject":"CN=zero"}}`, `kty ""`},
		{"crv empty", `{"key_props":{"kty":"EC","crv":""},"issuer":{"name":"Self"},"x509_props":{"subject":"CN=zero"}}`, `crv ""`},
		{"contentType empty", `{` + base + `},"secret_props":{"contentType":""}}`, `contentType ""`},
		{"issuer name empty", `{"key_props":{"kty":"EC"},"issuer":{"name":""},"x509_props":{"subject":"CN=zero"}}`, `issuer.name ""`},
		{"lifetime_percentage 0", `{` + base + `},"lifetime_actions":[{"trigger":{"lifetime_percentage":0,"days_before_expiry":30},"action":{"action_type":"AutoRenew"}}]}`, "lifetime_percentage 0"},
		{"days_before_expiry 0", `{` + base + `},"lifetime_actions":[{"trigger":{"days_before_expiry":0},"action":{"action_type":"AutoRenew"}}]}`, "days_before_expiry 0"},
		{"empty trigger", `{` + base + `},"lifetime_actions":[{"trigger":{},"action":{"action_type":"AutoRenew"}}]}`, "exactly one"},
	}
	for _, tt := range tests {
		requests := []struct{ method, path, body string }{
			{"POST", "/certificates/zero2/create", `{"policy":` + tt.policy + `}`},
			{"PATCH", "/certificates/zero/policy", tt.policy},
			{"PATCH", "/certificates/zero/", `{"policy":` + tt.policy + `}`},
		}
		for _, r := range requests {
			msg := h.fail(r.method, r.path, json.RawMessage(r.body), http.StatusBadRequest, "BadParameter", "")
			if !strings.Contains(msg, tt.want) {
				t.Errorf("%s: %s %s: %q, want it to name %q", tt.name, r.method, r.path, msg, tt.want)
			}
		}
	}
	// Nothing was changed or created by the refused requests.
	var p gen.CertificatePolicy
	h.call("GET", "/certificates/zero/policy", nil, http.StatusOK, &p)
	if p.X509CertificateProperties.ValidityInMonths != 12 || p.IssuerParameters.Name != "Self" {
		t.Errorf("policy after refused updates: %s", mustJSON(p))
	}
	h.fail("GET", "/certificates/zero2/", nil, http.StatusNotFound, "CertificateNotFound", "")

	// The same fields left out, or null, keep their defaults.
	h.call("PATCH", "/certificates/zero/policy", json.RawMessage(`{"x509_props":{"validity_months":null},"key_props":{}}`), http.StatusOK, &p)
	if p.X509CertificateProperties.ValidityInMonths != 12 {
		t.Errorf("validity after null: %d, want 12", p.X509CertificateProperties.ValidityInMonths)
	}
	// An explicit empty provider is refused too; a left-out one is kept.
	h.fail("PATCH", "/certificates/issuers/ca1", json.RawMessage(`{"provider":""}`), http.StatusBadRequest, "BadParameter", "")
	var is gen.IssuerBundle
	h.call("PATCH", "/certificates/issuers/ca1", json.RawMessage(`{"attributes":{"enabled":false}}`), http.StatusOK, &is)
	if is.Provider != "Test" {
		t.Errorf("provider %q after a PATCH without one, want Test", is.Provider)
	}
}

// TestIssuerNamesIgnoreCase: "self" and "UNKNOWN" are the Self and Unknown
// issuers, and a configured issuer answers to any case, as on the service.
func TestIssuerNamesIgnoreCase(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := selfPolicy("CN=lower")
	p.IssuerParameters.Name = "self"
	if op := h.create("lower", p); op.Status != statusCompleted && op.Status != statusInProgress {
		t.Fatalf("create with issuer self: %s", mustJSON(op))
	}
	var b gen.CertificateBundle
	h.call("GET", "/certificates/lower/", nil, http.StatusOK, &b)
	p.IssuerParameters.Name = "UNKNOWN"
	op := h.create("upper", p)
	if !strings.Contains(op.StatusDetails, "merge") {
		t.Errorf("create with issuer UNKNOWN: %s, want a pending merge", mustJSON(op))
	}
	h.call("PUT", "/certificates/issuers/DigiCertCA", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusOK, nil)
	h.call("GET", "/certificates/issuers/digicertca", nil, http.StatusOK, nil)
	p.IssuerParameters.Name = "DIGICERTCA"
	h.create("mixed", p)
	h.call("GET", "/certificates/mixed/", nil, http.StatusOK, &b)
	if !strings.Contains(b.ID, "/mixed/") {
		t.Errorf("create with issuer DIGICERTCA: %s", mustJSON(b))
	}
}
