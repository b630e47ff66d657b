package vaulttest

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

func TestGetCertificate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.createDone("web-01")

	id := regexp.MustCompile(`^https://myvault\.vault\.localhost:\d+/certificates/web-01/([0-9a-f]{32})$`).FindStringSubmatch(b.ID)
	if id == nil {
		t.Fatalf("id %q is not https://{vault}/certificates/{name}/{32 hex}", b.ID)
	}
	version := id[1]
	base := h.srv.URL
	if got, want := b.Kid, base+"/keys/web-01/"+version; got != want {
		t.Errorf("kid = %q, want %q", got, want)
	}
	if got, want := b.Sid, base+"/secrets/web-01/"+version; got != want {
		t.Errorf("sid = %q, want %q", got, want)
	}
	cert, err := x509.ParseCertificate(b.Cer)
	if err != nil {
		t.Fatalf("cer: %v", err)
	}
	sum := sha1.Sum(cert.Raw)
	if diff := cmp.Diff(gen.Base64URL(sum[:]), b.X509Thumbprint); diff != "" {
		t.Errorf("x5t is not the SHA-1 of cer (-want +got):\n%s", diff)
	}
	a := b.Attributes
	wantAttrs := gen.CertificateAttributes{
		Enabled:         new(true),
		NotBefore:       gen.NewUnixTime(cert.NotBefore),
		Expires:         gen.NewUnixTime(cert.NotAfter),
		Created:         gen.NewUnixTime(h.clock.Now()),
		Updated:         gen.NewUnixTime(h.clock.Now()),
		RecoveryLevel:   gen.DeletionRecoveryLevelRecoverablePurgeable,
		RecoverableDays: 90,
	}
	if diff := cmp.Diff(wantAttrs, a); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if got := b.Policy.ID; got != base+"/certificates/web-01/policy" {
		t.Errorf("policy id = %q", got)
	}

	// The same version as the latest with and without the slash, and
	// case-insensitively; by its id it comes without the policy.
	byVersion := b
	byVersion.Policy = gen.CertificatePolicy{}
	for _, tt := range []struct {
		path string
		want gen.CertificateBundle
	}{
		{"/certificates/web-01", b},
		{"/certificates/WEB-01/", b},
		{"/certificates/web-01/" + version, byVersion},
	} {
		var again gen.CertificateBundle
		h.call("GET", tt.path, nil, http.StatusOK, &again)
		if diff := cmp.Diff(tt.want, again); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.path, diff)
		}
	}
}

// TestPolicyInAnswers checks which certificate answers carry the policy:
// those about the certificate as a whole, as in the service's examples
// (GetCertificate, ImportCertificate, MergeCertificate, DeleteCertificate,
// GetDeletedCertificate, RecoverDeletedCertificate, RestoreCertificate), and
// not those about a named version (UpdateCertificate's example).
func TestPolicyInAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	created := h.createDone("whole")
	version := created.ID[strings.LastIndexByte(created.ID, '/')+1:]
	key := ecKey(t)
	imported := gen.CertificateImportParameters{Base64EncodedCertificate: pemBundle(t, key, leafWithCA(t, key)[0])}
	op := h.create("merged", unknownPolicy("CN=merged"))
	signed := newExternalCA(t).SignCSR(t, op.Csr, testcert.Template{}).Raw
	h.createDone("saved")
	saved := gen.CertificateRestoreParameters{CertificateBundleBackup: backup(h, "saved")}
	h.call("DELETE", "/certificates/saved", nil, http.StatusOK, nil)
	h.call("DELETE", "/deletedcertificates/saved", nil, http.StatusNoContent, nil)

	// The steps run in order: recover needs delete first.
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		status     int
		wantPolicy bool
	}{
		{"get latest", "GET", "/certificates/whole/", nil, http.StatusOK, true},
		{"get latest without slash", "GET", "/certificates/whole", nil, http.StatusOK, true},
		{"get version", "GET", "/certificates/whole/" + version, nil, http.StatusOK, false},
		{"update latest", "PATCH", "/certificates/whole/", gen.CertificateUpdateParameters{Tags: map[string]string{"a": "1"}}, http.StatusOK, true},
		{"update version", "PATCH", "/certificates/whole/" + version, gen.CertificateUpdateParameters{Tags: map[string]string{"a": "2"}}, http.StatusOK, false},
		{"update version with a policy", "PATCH", "/certificates/whole/" + version, gen.CertificateUpdateParameters{
			CertificatePolicy: gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: 6}},
		}, http.StatusOK, false},
		{"import", "POST", "/certificates/imported/import", imported, http.StatusOK, true},
		{"merge", "POST", "/certificates/merged/pending/merge", gen.CertificateMergeParameters{X509Certificates: [][]byte{signed}}, http.StatusCreated, true},
		{"delete", "DELETE", "/certificates/whole", nil, http.StatusOK, true},
		{"get deleted", "GET", "/deletedcertificates/whole", nil, http.StatusOK, true},
		{"recover", "POST", "/deletedcertificates/whole/recover", nil, http.StatusOK, true},
		{"restore", "POST", "/certificates/restore", saved, http.StatusOK, true},
	}
	for _, tt := range tests {
		var got map[string]json.RawMessage
		h.call(tt.method, tt.path, tt.body, tt.status, &got)
		if got["id"] == nil || got["cer"] == nil {
			t.Errorf("%s: answer %s is not a certificate", tt.name, mustJSON(got))
		}
		if _, has := got["policy"]; has != tt.wantPolicy {
			t.Errorf("%s: the answer has a policy: %v, want %v", tt.name, has, tt.wantPolicy)
		}
	}
}

func TestGetCertificateErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("known")
	h.fail("GET", "/certificates/missing/", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("GET", "/certificates/known/00000000000000000000000000000000", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("GET", "/certificates/bad_name/", nil, http.StatusBadRequest, "BadParameter", "")
	h.fail("PUT", "/certificates/known/", nil, http.StatusMethodNotAllowed, "MethodNotAllowed", "")
	h.fail("GET", "/nothing/here", nil, http.StatusNotFound, "NotFound", "")
}

func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithRegion("northeurope"))
	req, _ := http.NewRequestWithContext(t.Context(), "GET", h.url("/certificates/none/"), nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("x-ms-client-request-id", "client-42")
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := map[string]string{}
	for _, k := range []string{"x-ms-keyvault-region", "x-ms-keyvault-service-version", "x-ms-client-request-id", "Content-Type"} {
		got[k] = resp.Header.Get(k)
	}
	want := map[string]string{
		"x-ms-keyvault-region":          "northeurope",
		"x-ms-keyvault-service-version": serviceVersion,
		"x-ms-client-request-id":        "client-42",
		"Content-Type":                  "application/json; charset=utf-8",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(resp.Header.Get("x-ms-request-id")) {
		t.Errorf("x-ms-request-id = %q, want a UUID", resp.Header.Get("x-ms-request-id"))
	}
}

func TestAPIVersionChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	msg := h.fail("GET", "/certificates?api-version=-", nil, http.StatusBadRequest, "BadParameter", "")
	if !regexp.MustCompile(`api-version`).MatchString(msg) {
		t.Errorf("message %q does not name api-version", msg)
	}
	h.fail("GET", "/certificates?api-version=1999-01-01", nil, http.StatusBadRequest, "BadParameter", "")
	for _, v := range []string{"7.4", "2025-07-01", "2026-04-01"} {
		h.call("GET", "/certificates?api-version="+v, nil, http.StatusOK, nil)
	}
	h2 := newHarness(t, WithAPIVersions("2099-01-01-preview"))
	h2.call("GET", "/certificates?api-version=2099-01-01-preview", nil, http.StatusOK, nil)
}

func TestUpdateCertificate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.createDone("upd")
	h.clock.Advance(60e9)
	var got gen.CertificateBundle
	h.call("PATCH", "/certificates/upd/", gen.CertificateUpdateParameters{
		CertificateAttributes: gen.CertificateAttributes{Enabled: new(false)},
		Tags:                  map[string]string{"team": "blue"},
		CertificatePolicy: gen.CertificatePolicy{
			LifetimeActions: []gen.LifetimeAction{{
				Trigger: gen.Trigger{DaysBeforeExpiry: 30},
				Action:  gen.Action{ActionType: gen.CertificatePolicyActionEmailContacts},
			}},
		},
	}, http.StatusOK, &got)
	if deref(got.Attributes.Enabled) {
		t.Error("enabled is still true")
	}
	if diff := cmp.Diff(map[string]string{"team": "blue"}, got.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if got.Attributes.Updated.Time().Sub(first.Attributes.Updated.Time()) != 60e9 {
		t.Errorf("updated = %v, want a minute after %v", got.Attributes.Updated.Time(), first.Attributes.Updated.Time())
	}
	la := got.Policy.LifetimeActions
	if len(la) != 1 || la[0].Trigger.DaysBeforeExpiry != 30 {
		t.Errorf("lifetime actions = %s", mustJSON(la))
	}
	// Tags are per version and are kept by later reads.
	var again gen.CertificateBundle
	h.call("GET", "/certificates/upd/", nil, http.StatusOK, &again)
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("GET after PATCH differs (-patch +get):\n%s", diff)
	}
	h.fail("PATCH", "/certificates/upd/", gen.CertificateUpdateParameters{CertificatePolicy: gen.CertificatePolicy{
		X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: -1},
	}}, http.StatusBadRequest, "BadParameter", "")
	h.fail("PATCH", "/certificates/nope/", gen.CertificateUpdateParameters{}, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("PATCH", "/certificates/upd/", nil, http.StatusBadRequest, "BadParameter", "")
}

// TestUpdateCertificateOnTheWire sends PATCH bodies as raw JSON and reads
// the answers as raw JSON: a field left out changes nothing, "tags": {}
// clears the tags and stays on the wire as {}, and a disabled version says
// "enabled": false.
func TestUpdateCertificateOnTheWire(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("wire")
	tests := []struct {
		body        string
		tags        string // the raw "tags" of the answer; "" when left out
		enabled     string
		validMonths int32
	}{
		{`{}`, "", "true", 12},
		{`{"tags":{"a":"1"}}`, `{"a":"1"}`, "true", 12},
		{`{"attributes":{"enabled":false}}`, `{"a":"1"}`, "false", 12},
		{`{"tags":null,"attributes":{}}`, `{"a":"1"}`, "false", 12},
		{`{"policy":{"x509_props":{"validity_months":6}}}`, `{"a":"1"}`, "false", 6},
		{`{"tags":{}}`, `{}`, "false", 6},
		{`{"attributes":{"enabled":true}}`, `{}`, "true", 6},
	}
	for _, tt := range tests {
		var got struct {
			Tags       json.RawMessage
			Attributes struct{ Enabled json.RawMessage }
			Policy     gen.CertificatePolicy
		}
		h.call("PATCH", "/certificates/wire/", json.RawMessage(tt.body), http.StatusOK, &got)
		if string(got.Tags) != tt.tags || string(got.Attributes.Enabled) != tt.enabled {
			t.Errorf("PATCH %s: tags %s enabled %s, want %s and %s", tt.body, got.Tags, got.Attributes.Enabled, tt.tags, tt.enabled)
		}
		if m := got.Policy.X509CertificateProperties.ValidityInMonths; m != tt.validMonths {
			t.Errorf("PATCH %s: validity_months %d, want %d", tt.body, m, tt.validMonths)
		}
	}
}

func TestCertificateVersions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string // oldest first
	for range 7 {
		b := h.createDone("multi")
		ids = append(ids, strings.TrimPrefix(b.ID, h.srv.URL))
		h.clock.Advance(1e9)
	}
	var list gen.CertificateListResult
	h.call("GET", "/certificates/multi/versions", nil, http.StatusOK, &list)
	var got []string
	for _, it := range list.Value {
		got = append(got, strings.TrimPrefix(it.ID, h.srv.URL))
		if len(it.X509Thumbprint) == 0 || it.Attributes.Enabled == nil || it.Attributes.RecoveryLevel != "" {
			t.Errorf("item %s: want x5t and attributes without recoveryLevel", mustJSON(it))
		}
	}
	// The service lists versions by id, whatever their age.
	byID := slices.Sorted(slices.Values(ids))
	if diff := cmp.Diff(byID, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if list.NextLink != "" {
		t.Errorf("nextLink = %q, want none", list.NextLink)
	}
	got, sizes := pageThrough(h, "/certificates/multi/versions?maxresults=3")
	if diff := cmp.Diff(byID, got); diff != "" {
		t.Errorf("versions paged by 3 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	// The latest is the newest version; older ones stay readable.
	var latest, oldest gen.CertificateBundle
	h.call("GET", "/certificates/multi/", nil, http.StatusOK, &latest)
	h.call("GET", ids[0], nil, http.StatusOK, &oldest)
	if latest.ID != h.srv.URL+ids[6] || oldest.ID != h.srv.URL+ids[0] {
		t.Errorf("latest %s oldest %s, want %s and %s", latest.ID, oldest.ID, ids[6], ids[0])
	}
	h.fail("GET", "/certificates/none/versions", nil, http.StatusNotFound, "CertificateNotFound", "")
}

// TestCertificateVersionsPagingIsStable adds a version between two pages:
// every version is listed once, in id order, and the new one shows up only
// if its id sorts after the first page.
func TestCertificateVersionsPagingIsStable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for range 6 {
		ids = append(ids, strings.TrimPrefix(h.createDone("grow").ID, h.srv.URL))
	}
	var first listPage[gen.CertificateItem]
	h.call("GET", "/certificates/grow/versions?maxresults=3", nil, http.StatusOK, &first)
	added := strings.TrimPrefix(h.createDone("grow").ID, h.srv.URL)
	rest, _ := pageThrough(h, deref(first.NextLink))

	var got []string
	for _, it := range first.Value {
		got = append(got, strings.TrimPrefix(it.ID, h.srv.URL))
	}
	got = append(got, rest...)
	want := slices.Sorted(slices.Values(ids))
	if added > want[2] {
		want = slices.Sorted(slices.Values(append(ids, added)))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
}

func TestCertificatePolicy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("pol")
	var p gen.CertificatePolicy
	h.call("GET", "/certificates/pol/policy", nil, http.StatusOK, &p)
	want := gen.CertificatePolicy{
		ID: h.srv.URL + "/certificates/pol/policy",
		KeyProperties: gen.KeyProperties{
			KeyType: gen.JSONWebKeyTypeEC, Curve: gen.JSONWebKeyCurveNameP256, KeySize: 256,
			Exportable: new(true), ReuseKey: new(false),
		},
		SecretProperties: gen.SecretProperties{ContentType: contentPKCS12},
		X509CertificateProperties: gen.X509CertificateProperties{
			Subject: "CN=pol", Ekus: []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"},
			KeyUsage: []gen.KeyUsageType{gen.KeyUsageTypeDigitalSignature}, ValidityInMonths: 12,
		},
		IssuerParameters: gen.IssuerParameters{Name: "Self"},
		LifetimeActions: []gen.LifetimeAction{{
			Trigger: gen.Trigger{LifetimePercentage: 80},
			Action:  gen.Action{ActionType: gen.CertificatePolicyActionAutoRenew},
		}},
		Attributes: gen.CertificateAttributes{
			Enabled: new(true), Created: gen.NewUnixTime(h.clock.Now()), Updated: gen.NewUnixTime(h.clock.Now()),
		},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}

	h.clock.Advance(5e9)
	var updated gen.CertificatePolicy
	h.call("PATCH", "/certificates/pol/policy", gen.CertificatePolicy{
		SecretProperties:          gen.SecretProperties{ContentType: contentPEM},
		X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: 6},
	}, http.StatusOK, &updated)
	want.SecretProperties.ContentType = contentPEM
	want.X509CertificateProperties.ValidityInMonths = 6
	want.Attributes.Updated = gen.NewUnixTime(h.clock.Now())
	if diff := cmp.Diff(want, updated); diff != "" {
		t.Errorf("updated policy (-want +got):\n%s", diff)
	}
	h.fail("PATCH", "/certificates/pol/policy", gen.CertificatePolicy{
		KeyProperties: gen.KeyProperties{KeySize: 1000},
	}, http.StatusBadRequest, "BadParameter", "")
	h.fail("GET", "/certificates/none/policy", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("PATCH", "/certificates/none/policy", gen.CertificatePolicy{}, http.StatusNotFound, "CertificateNotFound", "")
}
