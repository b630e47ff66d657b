package vaulttest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func TestPlatformManagedRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pm := gen.PlatformManaged{CertificateUsage: "frontdoor", Metadata: map[string]any{"owner": "team-a", "tier": float64(2)}}

	p := selfPolicy("CN=platform")
	p.PlatformManaged = pm
	h.create("platform", p)
	var b gen.CertificateBundle
	h.call("GET", "/certificates/platform/", nil, http.StatusOK, &b)
	if diff := cmp.Diff(pm, b.Policy.PlatformManaged); diff != "" {
		t.Errorf("GetCertificate policy.platformManaged (-want +got):\n%s", diff)
	}
	var got gen.CertificatePolicy
	h.call("GET", "/certificates/platform/policy", nil, http.StatusOK, &got)
	if diff := cmp.Diff(pm, got.PlatformManaged); diff != "" {
		t.Errorf("GetCertificatePolicy (-want +got):\n%s", diff)
	}

	// An update without platformManaged keeps it; one with it replaces it.
	h.call("PATCH", "/certificates/platform/policy", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: 6}}, http.StatusOK, &got)
	if diff := cmp.Diff(pm, got.PlatformManaged); diff != "" {
		t.Errorf("after an update leaving it out (-want +got):\n%s", diff)
	}
	pm2 := gen.PlatformManaged{CertificateUsage: "gateway"}
	h.call("PATCH", "/certificates/platform/policy", gen.CertificatePolicy{PlatformManaged: pm2}, http.StatusOK, &got)
	if diff := cmp.Diff(pm2, got.PlatformManaged); diff != "" {
		t.Errorf("after an update setting it (-want +got):\n%s", diff)
	}

	// Import stores it too.
	key := ecKey(t)
	h.call("POST", "/certificates/platform-import/import", gen.CertificateImportParameters{
		Base64EncodedCertificate: pemBundle(t, key, leafWithCA(t, key)...),
		CertificatePolicy:        gen.CertificatePolicy{PlatformManaged: pm},
	}, http.StatusOK, &b)
	if diff := cmp.Diff(pm, b.Policy.PlatformManaged); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}

	// A policy without it answers without it.
	h.createDone("plain")
	h.call("GET", "/certificates/plain/policy", nil, http.StatusOK, &got)
	if _, ok := rawPolicy(t, h, "/certificates/plain/policy")["platformManaged"]; ok {
		t.Error("a policy without platformManaged answers with one")
	}
}

// rawPolicy gets a policy as plain JSON values.
func rawPolicy(t *testing.T, h *harness, path string) map[string]any {
	t.Helper()
	status, _, data := h.do("GET", path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, data)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlatformManagedNeedsCertificateUsage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("existing")
	key := ecKey(t)
	pemText := pemBundle(t, key, leafWithCA(t, key)...)
	for _, pm := range []string{`{}`, `{"metadata":{"a":1}}`, `{"certificateUsage":""}`, `{"certificateUsage":null}`} {
		policy := json.RawMessage(`{"key_props":{"kty":"EC"},"issuer":{"name":"Self"},"x509_props":{"subject":"CN=x"},"platformManaged":` + pm + `}`)
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/certificates/bad-create/create", map[string]any{"policy": policy}},
			{"POST", "/certificates/bad-import/import", map[string]any{"value": pemText, "policy": policy}},
			{"PATCH", "/certificates/existing/policy", policy},
			{"PATCH", "/certificates/existing/", map[string]any{"policy": policy}},
		} {
			msg := h.fail(req.method, req.path, req.body, http.StatusBadRequest, "BadParameter", "")
			if msg != "policy platformManaged.certificateUsage is required" {
				t.Errorf("%s %s with platformManaged %s: message %q", req.method, req.path, pm, msg)
			}
		}
	}
	// Nothing was created or changed.
	h.fail("GET", "/certificates/bad-create/", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("GET", "/certificates/bad-import/", nil, http.StatusNotFound, "CertificateNotFound", "")
	if _, ok := rawPolicy(t, h, "/certificates/existing/policy")["platformManaged"]; ok {
		t.Error("a refused update changed the policy")
	}
	// null means not sent.
	h.call("PATCH", "/certificates/existing/policy", json.RawMessage(`{"platformManaged":null}`), http.StatusOK, nil)
}

func TestPlatformManagedOlderAPIVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := selfPolicy("CN=platform")
	p.PlatformManaged = gen.PlatformManaged{CertificateUsage: "frontdoor"}
	h.create("stored", p)

	// An older version neither shows what is stored...
	for _, path := range []string{"/certificates/stored/policy?api-version=2025-07-01", "/certificates/stored/?api-version=7.6"} {
		status, _, data := h.do("GET", path, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, data)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if pol, ok := m["policy"].(map[string]any); ok {
			m = pol
		}
		if _, ok := m["platformManaged"]; ok {
			t.Errorf("GET %s shows platformManaged: %s", path, data)
		}
	}
	// ...nor takes it, not even an invalid one.
	h.call("PATCH", "/certificates/stored/policy?api-version=2025-07-01", json.RawMessage(`{"platformManaged":{"certificateUsage":"other"}}`), http.StatusOK, nil)
	h.call("PATCH", "/certificates/stored/policy?api-version=2025-07-01", json.RawMessage(`{"platformManaged":{}}`), http.StatusOK, nil)
	var got gen.CertificatePolicy
	h.call("GET", "/certificates/stored/policy", nil, http.StatusOK, &got)
	if got.PlatformManaged.CertificateUsage != "frontdoor" {
		t.Errorf("an update with api-version 2025-07-01 changed platformManaged to %+v", got.PlatformManaged)
	}
}

func TestWithOnlyAPIVersions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithOnlyAPIVersions("2025-07-01"))
	h.fail("GET", "/certificates?api-version="+gen.APIVersion, nil, http.StatusBadRequest, "BadParameter", "")
	h.call("GET", "/certificates?api-version=2025-07-01", nil, http.StatusOK, nil)

	h2 := newHarness(t, WithOnlyAPIVersions("2025-07-01"), WithAPIVersions("2099-01-01"))
	h2.call("GET", "/certificates?api-version=2099-01-01", nil, http.StatusOK, nil)
	h2.fail("GET", "/certificates?api-version=7.6", nil, http.StatusBadRequest, "BadParameter", "")

	for _, bad := range [][]string{nil, {""}} {
		if _, err := NewHandler(WithOnlyAPIVersions(bad...)); err == nil {
			t.Errorf("WithOnlyAPIVersions(%q) was accepted", bad)
		}
	}
}

func TestSpeaksPlatformManaged(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"2026-04-01": true, "2026-04-01-preview": true, "2027-01-01": true,
		"2025-07-01": false, "2026-03-31": false, "7.6": false, "": false, "2026x04-01": false,
	} {
		if got := speaksPlatformManaged(v); got != want {
			t.Errorf("speaksPlatformManaged(%q) = %v, want %v", v, got, want)
		}
	}
}
