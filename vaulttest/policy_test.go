package vaulttest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func TestPolicyKeyDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		kp      gen.KeyProperties
		kty     string
		size    int
		curve   string
		export  bool
		wantErr string
	}{
		{"empty", gen.KeyProperties{}, "RSA", 2048, "", true, ""},
		{"rsa 4096", gen.KeyProperties{KeySize: 4096}, "RSA", 4096, "", true, ""},
		{"rsa-hsm 3072", gen.KeyProperties{KeyType: "RSA-HSM", KeySize: 3072}, "RSA-HSM", 3072, "", true, ""},
		{"ec default curve", gen.KeyProperties{KeyType: "EC"}, "EC", 256, "P-256", true, ""},
		{"ec by size", gen.KeyProperties{KeyType: "EC", KeySize: 384}, "EC", 384, "P-384", true, ""},
		{"curve implies ec", gen.KeyProperties{Curve: "P-521"}, "EC", 521, "P-521", true, ""},
		{"not exportable", gen.KeyProperties{Exportable: new(false)}, "RSA", 2048, "", false, ""},
		{"rsa 1024", gen.KeyProperties{KeySize: 1024}, "", 0, "", false, "key_size 1024"},
		{"oct", gen.KeyProperties{KeyType: "oct"}, "", 0, "", false, `kty "oct"`},
		{"p-256k", gen.KeyProperties{Curve: "P-256K"}, "EC", 256, "P-256K", true, ""},
		{"p-256k by size", gen.KeyProperties{KeyType: "EC-HSM", Curve: "P-256K", KeySize: 256}, "EC-HSM", 256, "P-256K", true, ""},
		{"secp256k1", gen.KeyProperties{Curve: "SECP256K1"}, "", 0, "", false, `crv "SECP256K1"`},
		{"ec size mismatch", gen.KeyProperties{Curve: "P-256", KeySize: 384}, "", 0, "", false, "does not match curve"},
		{"rsa with curve", gen.KeyProperties{KeyType: "RSA", Curve: "P-256"}, "", 0, "", false, "not valid for key type"},
	}
	for _, tt := range tests {
		p, err := defaultPolicy().applyWire(gen.CertificatePolicy{KeyProperties: tt.kp})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := [4]any{p.keyType, p.keySize, p.curve, p.exportable}
		if diff := cmp.Diff([4]any{tt.kty, tt.size, tt.curve, tt.export}, got); diff != "" {
			t.Errorf("%s: key (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestPolicyUpdateSwitchesKeyFamily(t *testing.T) {
	t.Parallel()
	ec, err := defaultPolicy().applyWire(gen.CertificatePolicy{KeyProperties: gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP384}})
	if err != nil {
		t.Fatal(err)
	}
	rsa, err := ec.applyWire(gen.CertificatePolicy{KeyProperties: gen.KeyProperties{KeyType: gen.JSONWebKeyTypeRSA}})
	if err != nil {
		t.Fatal(err)
	}
	if rsa.keySize != 2048 || rsa.curve != "" {
		t.Errorf("switching to RSA gave size %d curve %q, want 2048 and no curve", rsa.keySize, rsa.curve)
	}
	if ec.keyType != "EC" || ec.keySize != 384 {
		t.Errorf("the original policy changed: %s %d", ec.keyType, ec.keySize)
	}
}

func TestPolicyValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		w    gen.CertificatePolicy
		want string
	}{
		{"content type", gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: "text/plain"}}, "contentType"},
		{"validity", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: -1}}, "validity_months -1"},
		{"long validity", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{ValidityInMonths: 1201}}, "validity_months 1201"},
		{"subject", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{Subject: "CN"}}, "subject"},
		{"key usage", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{KeyUsage: []gen.KeyUsageType{"fly"}}}, "key_usage"},
		{"eku", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{Ekus: []string{"serverAuth"}}}, "ekus"},
		{"dns", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{SubjectAlternativeNames: gen.SubjectAlternativeNames{DNSNames: []string{"a b"}}}}, "dns_names"},
		{"email", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{SubjectAlternativeNames: gen.SubjectAlternativeNames{Emails: []string{"nobody"}}}}, "emails"},
		{"upn", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{SubjectAlternativeNames: gen.SubjectAlternativeNames{Upns: []string{"nobody"}}}}, "upns"},
		{"ip", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{SubjectAlternativeNames: gen.SubjectAlternativeNames{IPAddresses: []string{"10.0.0"}}}}, "ipAddresses"},
		{"uri", gen.CertificatePolicy{X509CertificateProperties: gen.X509CertificateProperties{SubjectAlternativeNames: gen.SubjectAlternativeNames{Uris: []string{"relative/path"}}}}, "uris"},
		{"action", gen.CertificatePolicy{LifetimeActions: []gen.LifetimeAction{{Action: gen.Action{ActionType: "Explode"}, Trigger: gen.Trigger{DaysBeforeExpiry: 3}}}}, "action_type"},
		{"trigger both", gen.CertificatePolicy{LifetimeActions: []gen.LifetimeAction{{
			Action:  gen.Action{ActionType: gen.CertificatePolicyActionAutoRenew},
			Trigger: gen.Trigger{DaysBeforeExpiry: 3, LifetimePercentage: 50},
		}}}, "exactly one"},
		{"percentage", gen.CertificatePolicy{LifetimeActions: []gen.LifetimeAction{{
			Action:  gen.Action{ActionType: gen.CertificatePolicyActionAutoRenew},
			Trigger: gen.Trigger{LifetimePercentage: 100},
		}}}, "lifetime_percentage 100"},
	}
	for _, tt := range tests {
		_, err := defaultPolicy().applyWire(tt.w)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestPolicyCompleteForIssuance(t *testing.T) {
	t.Parallel()
	p := defaultPolicy()
	if err := p.completeForIssuance(); err == nil {
		t.Error("a policy without subject or SANs completed, want an error")
	}
	p.subject = "CN=x"
	if err := p.completeForIssuance(); err != nil {
		t.Fatal(err)
	}
	want := []gen.LifetimeAction{{
		Trigger: gen.Trigger{LifetimePercentage: 80},
		Action:  gen.Action{ActionType: gen.CertificatePolicyActionEmailContacts},
	}}
	if diff := cmp.Diff(want, p.lifetimeActions); diff != "" {
		t.Errorf("Unknown issuer lifetime actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"digitalSignature", "keyEncipherment"}, p.keyUsage); diff != "" {
		t.Errorf("RSA key usage (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}, p.ekus); diff != "" {
		t.Errorf("EKUs (-want +got):\n%s", diff)
	}
}

// TestPolicyWireRoundTrip checks that a stored policy survives its JSON
// shape, as state files and backups rely on.
func TestPolicyWireRoundTrip(t *testing.T) {
	t.Parallel()
	w := gen.CertificatePolicy{
		KeyProperties:    gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP384, Exportable: new(false), ReuseKey: new(true)},
		SecretProperties: gen.SecretProperties{ContentType: contentPEM},
		X509CertificateProperties: gen.X509CertificateProperties{
			Subject: "CN=round, O=Trip",
			SubjectAlternativeNames: gen.SubjectAlternativeNames{
				DNSNames: []string{"a.example"}, Emails: []string{"a@example.com"}, Upns: []string{"u@example.com"},
				IPAddresses: []string{"10.1.2.3"}, Uris: []string{"spiffe://example/a"},
			},
			Ekus:             []string{"1.3.6.1.5.5.7.3.1"},
			KeyUsage:         []gen.KeyUsageType{gen.KeyUsageTypeDigitalSignature},
			ValidityInMonths: 24,
		},
		IssuerParameters: gen.IssuerParameters{Name: "Self", CertificateType: "OV-SSL", CertificateTransparency: new(true)},
	}
	p, err := defaultPolicy().applyWire(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.completeForIssuance(); err != nil {
		t.Fatal(err)
	}
	p.created = time.Unix(1700000000, 0).UTC()
	p.updated = time.Unix(1700000100, 0).UTC()
	back, err := decodePolicy(new(p.wire("")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.wire("id"), back.wire("id")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseOID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"1.3.6.1.5.5.7.3.1", "2.5.29.37.0", "0.9.2342"} {
		if _, err := parseOID(ok); err != nil {
			t.Errorf("parseOID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1", "1.", "a.b", "1.-2", "3.1", "1.40", "1.02"} {
		if _, err := parseOID(bad); err == nil {
			t.Errorf("parseOID(%q) succeeded", bad)
		}
	}
}
