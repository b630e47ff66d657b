package client

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

// viaJSON sends v through JSON, as a request and its echo would.
func viaJSON[T any](t *testing.T, v *T) *T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func fullPolicy() *CertificatePolicy {
	return &CertificatePolicy{
		IssuerName:              "digi",
		CertificateType:         "OV-SSL",
		CertificateTransparency: new(true),
		Subject:                 "CN=www.example.com, O=Example",
		SubjectAlternativeNames: SubjectAlternativeNames{
			DNSNames:           []string{"www.example.com", "example.com"},
			Emails:             []string{"admin@example.com"},
			UserPrincipalNames: []string{"admin@example.com"},
			URIs:               []string{"https://example.com/"},
			IPAddresses:        []string{"192.0.2.1"},
		},
		EnhancedKeyUsages: []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"},
		KeyUsages:         []KeyUsage{KeyUsageDigitalSignature, KeyUsageKeyAgreement},
		ValidityInMonths:  24,
		KeyType:           KeyTypeECHSM,
		KeyCurve:          KeyCurveP384,
		Exportable:        new(false),
		ReuseKey:          new(true),
		ContentType:       ContentTypePEM,
		LifetimeActions: []LifetimeAction{
			{Action: ActionEmailContacts, DaysBeforeExpiry: 30},
			{Action: ActionAutoRenew, LifetimePercentage: 90},
		},
		Enabled: new(false),
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]*CertificatePolicy{
		"default":  DefaultPolicy(),
		"full":     fullPolicy(),
		"issuer":   {IssuerName: IssuerUnknown},
		"key size": {KeySize: 4096},
		"empty lists": {
			SubjectAlternativeNames: SubjectAlternativeNames{DNSNames: []string{}},
			EnhancedKeyUsages:       []string{},
			KeyUsages:               []KeyUsage{},
			LifetimeActions:         []LifetimeAction{},
		},
	} {
		w := policyToWire(p)
		got := policyFromWire(viaJSON(t, &w))
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("%s: round trip mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func TestPolicyReadOnlyFieldsNotSent(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.ID = testVault + "/certificates/a/policy"
	p.Created = time.Unix(1700000000, 0)
	p.Updated = time.Unix(1700000001, 0)
	w := policyToWire(p)
	if w.ID != "" || w.Attributes != (gen.CertificateAttributes{}) {
		t.Errorf("read-only fields sent: id %q, attributes %+v", w.ID, w.Attributes)
	}
}

// TestNoPolicy checks that a request without a policy sends none, and that
// a response without one (or with an empty one) gives a nil policy.
func TestNoPolicy(t *testing.T) {
	t.Parallel()
	for _, p := range []*CertificatePolicy{nil, {}} {
		b, err := json.Marshal(gen.CertificateCreateParameters{CertificatePolicy: policyToWire(p)})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != `{}` {
			t.Errorf("policy %+v encodes as %s, want {}", p, b)
		}
	}
	for _, js := range []string{`{}`, `{"policy":{}}`, `{"policy":null}`, `{"pending":null}`, `{"pending":{}}`} {
		var b certificateBundle
		if err := json.Unmarshal([]byte(js), &b); err != nil {
			t.Fatal(err)
		}
		got := certificateFromBundle(&b)
		if got.Policy != nil {
			t.Errorf("%s: policy = %+v, want nil", js, got.Policy)
		}
		if got.PendingOperationID != "" || got.ContentType != "" {
			t.Errorf("%s: PendingOperationID %q, ContentType %q, want empty", js, got.PendingOperationID, got.ContentType)
		}
	}
}

func TestDefaultPolicyWire(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(policyToWire(DefaultPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"issuer":{"name":"Self"},"key_props":{"exportable":true,"key_size":2048,"kty":"RSA","reuse_key":false},` +
		`"lifetime_actions":[{"action":{"action_type":"AutoRenew"},"trigger":{"lifetime_percentage":80}}],` +
		`"secret_props":{"contentType":"application/x-pkcs12"},` +
		`"x509_props":{"key_usage":["digitalSignature","keyEncipherment"],"subject":"CN=DefaultPolicy","validity_months":12}}`
	if string(b) != want {
		t.Errorf("DefaultPolicy on the wire:\n got %s\nwant %s", b, want)
	}
	a, b2 := DefaultPolicy(), DefaultPolicy()
	a.KeyUsages[0], a.LifetimeActions[0].LifetimePercentage, *a.Exportable = KeyUsageCRLSign, 50, false
	if diff := cmp.Diff(DefaultPolicy(), b2); diff != "" {
		t.Errorf("changing one DefaultPolicy changed another (-want +got):\n%s", diff)
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	bad := map[string]*CertificatePolicy{
		"ValidityInMonths -1":      {ValidityInMonths: -1},
		"KeySize -2048":            {KeySize: -2048},
		"KeySize 1099511627776":    {KeySize: 1 << 40},
		"Action is empty":          {LifetimeActions: []LifetimeAction{{LifetimePercentage: 80}}},
		"set exactly one":          {LifetimeActions: []LifetimeAction{{Action: ActionAutoRenew}}},
		"exactly one of":           {LifetimeActions: []LifetimeAction{{Action: ActionAutoRenew, LifetimePercentage: 80, DaysBeforeExpiry: 10}}},
		"LifetimePercentage 100":   {LifetimeActions: []LifetimeAction{{Action: ActionAutoRenew, LifetimePercentage: 100}}},
		"DaysBeforeExpiry -1 must": {LifetimeActions: []LifetimeAction{{Action: ActionAutoRenew, DaysBeforeExpiry: -1}}},
		"DaysBeforeExpiry 4294967296 must be between 1 and 2147483647": {
			LifetimeActions: []LifetimeAction{{Action: ActionAutoRenew, DaysBeforeExpiry: 1 << 32}},
		},
	}
	for want, p := range bad {
		if err := p.validate(); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), want) {
			t.Errorf("validate = %v, want an error saying %q", err, want)
		}
	}
	if err := fullPolicy().validate(); err != nil {
		t.Errorf("validate(full) = %v", err)
	}
}

const bundleJSON = `{
  "id": "https://myvault.vault.azure.net/certificates/web/` + testVersion + `",
  "kid": "https://myvault.vault.azure.net/keys/web/` + testVersion + `",
  "sid": "https://myvault.vault.azure.net/secrets/web/` + testVersion + `",
  "x5t": "fLi3U52HunIVNXubkEnf8tP6Wbo",
  "cer": "MIIBAg==",
  "contentType": "application/x-pkcs12",
  "preserveCertOrder": true,
  "pending": {"id": "https://myvault.vault.azure.net/certificates/web/pending"},
  "attributes": {"enabled": true, "nbf": 1700000000, "exp": 1731536000, "created": 1700000100, "updated": 1700000200,
                 "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
  "tags": {"env": "prod"},
  "policy": {"id": "https://myvault.vault.azure.net/certificates/web/policy", "issuer": {"name": "Self"},
             "x509_props": {"subject": "CN=web"}, "attributes": {"enabled": true, "created": 1700000000, "updated": 1700000000}}
}`

func wantProperties() CertificateProperties {
	return CertificateProperties{
		ID:              testVault + "/certificates/web/" + testVersion,
		Name:            "web",
		Version:         testVersion,
		VaultURL:        testVault,
		Enabled:         true,
		NotBefore:       time.Unix(1700000000, 0).UTC(),
		Expires:         time.Unix(1731536000, 0).UTC(),
		Created:         time.Unix(1700000100, 0).UTC(),
		Updated:         time.Unix(1700000200, 0).UTC(),
		RecoveryLevel:   RecoveryLevelRecoverablePurgeable,
		RecoverableDays: 90,
		Tags:            map[string]string{"env": "prod"},
		X509Thumbprint:  []byte{0x7c, 0xb8, 0xb7, 0x53, 0x9d, 0x87, 0xba, 0x72, 0x15, 0x35, 0x7b, 0x9b, 0x90, 0x49, 0xdf, 0xf2, 0xd3, 0xfa, 0x59, 0xba},
	}
}

func wantCertificate() *Certificate {
	return &Certificate{
		Properties: wantProperties(),
		Policy: &CertificatePolicy{
			ID: testVault + "/certificates/web/policy", IssuerName: "Self", Subject: "CN=web",
			Enabled: new(true), Created: time.Unix(1700000000, 0).UTC(), Updated: time.Unix(1700000000, 0).UTC(),
		},
		CER:                []byte{0x30, 0x82, 0x01, 0x02},
		KeyID:              testVault + "/keys/web/" + testVersion,
		SecretID:           testVault + "/secrets/web/" + testVersion,
		ContentType:        ContentTypePKCS12,
		PendingOperationID: testVault + "/certificates/web/pending",
		PreserveCertOrder:  true,
	}
}

func TestCertificateFromBundle(t *testing.T) {
	t.Parallel()
	var b certificateBundle
	if err := json.Unmarshal([]byte(bundleJSON), &b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCertificate(), certificateFromBundle(&b)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestDeletedFromWire(t *testing.T) {
	t.Parallel()
	var b deletedBundle
	js := bundleJSON[:len(bundleJSON)-1] + `, "recoveryId": "https://myvault.vault.azure.net/deletedcertificates/web",
	  "deletedDate": 1700000300, "scheduledPurgeDate": 1707776300}`
	if err := json.Unmarshal([]byte(js), &b); err != nil {
		t.Fatal(err)
	}
	want := &DeletedCertificate{
		Certificate:        *wantCertificate(),
		RecoveryID:         testVault + "/deletedcertificates/web",
		DeletedOn:          time.Unix(1700000300, 0).UTC(),
		ScheduledPurgeDate: time.Unix(1707776300, 0).UTC(),
	}
	if diff := cmp.Diff(want, deletedFromBundle(&b)); diff != "" {
		t.Errorf("bundle mismatch (-want +got):\n%s", diff)
	}

	var it gen.DeletedCertificateItem
	if err := json.Unmarshal([]byte(js), &it); err != nil {
		t.Fatal(err)
	}
	want.Policy, want.CER, want.KeyID, want.SecretID, want.PreserveCertOrder = nil, nil, "", "", false
	want.ContentType, want.PendingOperationID = "", ""
	if diff := cmp.Diff(*want, deletedFromItem(&it)); diff != "" {
		t.Errorf("item mismatch (-want +got):\n%s", diff)
	}
}

func TestOperationFromWire(t *testing.T) {
	t.Parallel()
	var w gen.CertificateOperation
	js := `{"id":"https://myvault.vault.azure.net/certificates/web/pending","issuer":{"name":"Unknown","cty":"OV-SSL","cert_transparency":false},
	  "csr":"MIIBAg==","cancellation_requested":true,"status":"Failed","status_details":"no",
	  "error":{"code":"CertificateAuthorityError","message":"bad","innererror":{"code":"Inner"}},
	  "target":"https://myvault.vault.azure.net/certificates/web","request_id":"r-9","preserveCertOrder":true}`
	if err := json.Unmarshal([]byte(js), &w); err != nil {
		t.Fatal(err)
	}
	want := &CertificateOperation{
		ID: testVault + "/certificates/web/pending", Name: "web", VaultURL: testVault,
		IssuerName: "Unknown", CertificateType: "OV-SSL", CertificateTransparency: new(false),
		CSR: []byte{0x30, 0x82, 0x01, 0x02}, CancellationRequested: true,
		Status: OperationStatusFailed, StatusDetails: "no",
		Error:  &ServiceError{Code: "CertificateAuthorityError", Message: "bad", Inner: &ServiceError{Code: "Inner"}},
		Target: testVault + "/certificates/web", RequestID: "r-9", PreserveCertOrder: true,
	}
	if diff := cmp.Diff(want, operationFromWire(&w)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestOperationStatus(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]OperationStatus{
		"inProgress": OperationStatusInProgress, "InProgress": OperationStatusInProgress,
		"COMPLETED": OperationStatusCompleted, "failed": OperationStatusFailed,
		"Cancelled": OperationStatusCancelled, "queued": "queued", "": "",
	} {
		if got := operationStatus(in); got != want {
			t.Errorf("operationStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIssuerRoundTrip(t *testing.T) {
	t.Parallel()
	f := issuerFields{
		accountID: "acct", password: "hunter2", organizationID: "org-1",
		admins:  []AdministratorContact{{FirstName: "A", LastName: "B", Email: "a@example.com", Phone: "555"}},
		enabled: new(false),
	}
	cred, org, attrs := f.toWire()
	w := viaJSON(t, &gen.IssuerBundle{
		ID: testVault + "/certificates/issuers/digi", Provider: "DigiCert",
		Credentials: cred, OrganizationDetails: org, Attributes: attrs,
	})
	want := &Issuer{
		Properties:     IssuerProperties{ID: testVault + "/certificates/issuers/digi", Name: "digi", Provider: "DigiCert"},
		AccountID:      "acct",
		OrganizationID: "org-1",
		Administrators: f.admins,
		Enabled:        false,
	}
	if diff := cmp.Diff(want, issuerFromWire(w)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	body := gen.CertificateIssuerUpdateParameters{}
	body.Credentials, body.OrganizationDetails, body.Attributes = issuerFields{}.toWire()
	if b, err := json.Marshal(body); err != nil || string(b) != `{}` {
		t.Errorf("empty fields encode as %s, %v; want {}", b, err)
	}
}

func TestContactsRoundTrip(t *testing.T) {
	t.Parallel()
	cs := []Contact{{Name: "Ops", Email: "ops@example.com", Phone: "555"}, {Email: "sec@example.com"}}
	w := contactsToWire(cs)
	if diff := cmp.Diff(cs, contactsFromWire(viaJSON(t, &w))); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if got := contactsFromWire(&gen.Contacts{}); got != nil {
		t.Errorf("no contacts = %v", got)
	}
}

func TestIssuerPropertiesFromItem(t *testing.T) {
	t.Parallel()
	got := issuerPropertiesFromItem(&gen.CertificateIssuerItem{ID: testVault + "/certificates/issuers/x", Provider: "p"})
	want := IssuerProperties{ID: testVault + "/certificates/issuers/x", Name: "x", Provider: "p"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
