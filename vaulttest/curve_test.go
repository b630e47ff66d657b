package vaulttest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// TestP256KPolicy: a policy on curve P-256K is accepted and stored, as by
// the service; issuing on it is refused with a 400 that says so, and a
// renewal on it fails as an operation.
func TestP256KPolicy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.create("k1", renewPolicy("CN=k1", 1, atPercent(50, gen.CertificatePolicyActionAutoRenew)))
	var p gen.CertificatePolicy
	h.call("PATCH", "/certificates/k1/policy", gen.CertificatePolicy{KeyProperties: gen.KeyProperties{Curve: "P-256K"}}, http.StatusOK, &p)
	if p.KeyProperties.Curve != "P-256K" || p.KeyProperties.KeySize != 256 || p.KeyProperties.KeyType != gen.JSONWebKeyTypeEC {
		t.Fatalf("updated policy key_props %s, want EC P-256K 256", mustJSON(p.KeyProperties))
	}
	h.call("GET", "/certificates/k1/policy", nil, http.StatusOK, &p)
	if p.KeyProperties.Curve != "P-256K" {
		t.Fatalf("stored policy key_props %s, want P-256K", mustJSON(p.KeyProperties))
	}

	msg := h.fail("POST", "/certificates/k1/create", gen.CertificateCreateParameters{}, http.StatusBadRequest, "BadParameter", "")
	if !strings.Contains(msg, "P-256K") || !strings.Contains(msg, "emulator") {
		t.Errorf("create on P-256K: %q, want a message naming the curve and the emulator's limit", msg)
	}
	created := renewPolicy("CN=k2", 12)
	created.KeyProperties.Curve = "P-256K"
	h.fail("POST", "/certificates/k2/create", gen.CertificateCreateParameters{CertificatePolicy: created}, http.StatusBadRequest, "BadParameter", "")

	h.advance(20 * 24 * time.Hour)
	var op gen.CertificateOperation
	h.call("GET", "/certificates/k1/pending", nil, http.StatusOK, &op)
	if op.Status != statusFailed || !strings.Contains(op.Error.Message, "P-256K") {
		t.Errorf("renewal on P-256K: %s, want a failed operation naming the curve", mustJSON(op))
	}
	if n := len(h.versionsOf("k1")); n != 1 {
		t.Errorf("%d versions after the failed renewal, want 1", n)
	}
}
