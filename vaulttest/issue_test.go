package vaulttest

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func fullPolicy(t *testing.T, kp gen.KeyProperties) *policy {
	t.Helper()
	p, err := defaultPolicy().applyWire(gen.CertificatePolicy{
		KeyProperties: kp,
		X509CertificateProperties: gen.X509CertificateProperties{
			Subject: "CN=www.example.com, O=Example",
			SubjectAlternativeNames: gen.SubjectAlternativeNames{
				DNSNames: []string{"www.example.com", "example.com"}, Emails: []string{"ops@example.com"},
				Upns: []string{"svc@example.com"}, IPAddresses: []string{"192.0.2.7", "2001:db8::1"},
				Uris: []string{"spiffe://example.com/svc"},
			},
			Ekus:             []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.311.10.3.12"},
			KeyUsage:         []gen.KeyUsageType{gen.KeyUsageTypeDigitalSignature, gen.KeyUsageTypeKeyEncipherment, gen.KeyUsageTypeDecipherOnly},
			ValidityInMonths: 13,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.completeForIssuance(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIssueSelfSigned(t *testing.T) {
	t.Parallel()
	p := fullPolicy(t, gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP256})
	key, err := generateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 31, 10, 0, 0, 500, time.UTC)
	der, err := issue(p, key, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	got := map[string]any{
		"subject":   cert.Subject.String(),
		"dns":       cert.DNSNames,
		"emails":    cert.EmailAddresses,
		"ips":       []string{cert.IPAddresses[0].String(), cert.IPAddresses[1].String()},
		"uris":      []string{cert.URIs[0].String()},
		"upns":      upnsOf(cert),
		"ekus":      ekusOf(cert),
		"usages":    keyUsagesOf(cert),
		"notBefore": cert.NotBefore,
		"notAfter":  cert.NotAfter,
	}
	want := map[string]any{
		"subject":   "CN=www.example.com,O=Example",
		"dns":       []string{"www.example.com", "example.com"},
		"emails":    []string{"ops@example.com"},
		"ips":       []string{"192.0.2.7", "2001:db8::1"},
		"uris":      []string{"spiffe://example.com/svc"},
		"upns":      []string{"svc@example.com"},
		"ekus":      []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.311.10.3.12"},
		"usages":    []string{"digitalSignature", "keyEncipherment", "decipherOnly"},
		"notBefore": time.Date(2025, 1, 31, 10, 0, 0, 0, time.UTC),
		"notAfter":  time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), // AddDate(0, 13, 0) normalizes Feb 31
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("certificate (-want +got):\n%s", diff)
	}
	if cert.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %v is not positive", cert.SerialNumber)
	}
	// The SAN extension is not critical when there is a subject.
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtSAN) && ext.Critical {
			t.Error("SAN extension is critical despite a subject")
		}
	}
}

func TestIssueSANOnlyIsCritical(t *testing.T) {
	t.Parallel()
	p, err := defaultPolicy().applyWire(gen.CertificatePolicy{
		KeyProperties: gen.KeyProperties{KeyType: gen.JSONWebKeyTypeEC},
		X509CertificateProperties: gen.X509CertificateProperties{
			SubjectAlternativeNames: gen.SubjectAlternativeNames{DNSNames: []string{"only.example"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.completeForIssuance(); err != nil {
		t.Fatal(err)
	}
	key, _ := generateKey(p)
	der, err := issue(p, key, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	critical := false
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtSAN) {
			critical = ext.Critical
		}
	}
	if len(cert.RawSubject) != 2 || !critical {
		t.Errorf("subject %x, SAN critical %v; want an empty subject and a critical SAN", cert.RawSubject, critical)
	}
}

func TestGenerateKeyShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kp    gen.KeyProperties
		kty   string
		size  int
		curve string
	}{
		// Larger RSA keys take seconds to make; TestPolicyKeyDefaults
		// covers their policies.
		{gen.KeyProperties{KeySize: 2048}, "RSA", 2048, ""},
		{gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP256}, "EC", 256, "P-256"},
		{gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP384}, "EC", 384, "P-384"},
		{gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP521}, "EC", 521, "P-521"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.kty, tt.size), func(t *testing.T) {
			t.Parallel()
			p, err := defaultPolicy().applyWire(gen.CertificatePolicy{KeyProperties: tt.kp})
			if err != nil {
				t.Fatal(err)
			}
			key, err := generateKey(p)
			if err != nil {
				t.Fatal(err)
			}
			kty, size, curve, err := keyShape(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([3]any{tt.kty, tt.size, tt.curve}, [3]any{kty, size, curve}); diff != "" {
				t.Errorf("key shape (-want +got):\n%s", diff)
			}
			if !keyFits(p, key) {
				t.Error("keyFits is false for the policy's own key")
			}
		})
	}
}

func TestNewCSR(t *testing.T) {
	t.Parallel()
	p := fullPolicy(t, gen.KeyProperties{})
	der, err := newCSR(p, rsaKey(t))
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Errorf("CSR signature: %v", err)
	}
	if _, ok := csr.PublicKey.(*rsa.PublicKey); !ok {
		t.Errorf("CSR key is %T, want RSA", csr.PublicKey)
	}
	got := []any{csr.Subject.String(), csr.DNSNames, csr.IPAddresses[0].Equal(net.ParseIP("192.0.2.7")), len(csr.Extensions)}
	want := []any{"CN=www.example.com,O=Example", []string{"www.example.com", "example.com"}, true, 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSR (-want +got):\n%s", diff)
	}
}

func TestIssueFromCA(t *testing.T) {
	t.Parallel()
	ca, err := newCertAuthority()
	if err != nil {
		t.Fatal(err)
	}
	p := fullPolicy(t, gen.KeyProperties{Curve: gen.JSONWebKeyCurveNameP384})
	key, _ := generateKey(p)
	der, err := issue(p, key, ca, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("issued certificate does not verify against the CA: %v", err)
	}
	if _, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key %T, want ECDSA", cert.PublicKey)
	}
}

func TestMonthsBetween(t *testing.T) {
	t.Parallel()
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		a, b time.Time
		want int
	}{
		{d(2020, 1, 1), d(2021, 1, 1), 12},
		{d(2020, 1, 15), d(2020, 3, 14), 1},
		{d(2020, 1, 15), d(2020, 1, 20), 1},
		{d(2015, 4, 29), d(2039, 12, 31), 296},
	}
	for _, tt := range tests {
		if got := monthsBetween(tt.a, tt.b); got != tt.want {
			t.Errorf("monthsBetween(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
