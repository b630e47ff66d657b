package vaulttest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
	"software.sslmate.com/src/go-pkcs12"
)

// leafWithCA returns a leaf certificate for key signed by a new CA, and
// the CA: the chain [leaf, ca].
func leafWithCA(t *testing.T, key crypto.Signer) []*x509.Certificate {
	t.Helper()
	ca := newExternalCA(t)
	leaf := ca.Issue(t, testcert.Template{
		SerialNumber: big.NewInt(99),
		Subject:      pkix.Name{CommonName: "imported.example", Organization: []string{"Import Test"}},
		DNSNames:     []string{"imported.example"},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, key.Public())
	return []*x509.Certificate{leaf, ca.Cert}
}

// rsaKey returns the RSA 2048 key Seed shares: making RSA keys is slow, so
// the tests share one.
func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	shared, err := seedMaterial()
	if err != nil {
		t.Fatal(err)
	}
	return shared.key.(*rsa.PrivateKey)
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	return testcert.ECKey(t)
}

// pemBundle writes certs and then the PKCS#8 key, as the service's PEM
// secrets hold them.
func pemBundle(t *testing.T, key crypto.Signer, certs ...*x509.Certificate) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return b.String()
}

func TestImportPFX(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := rsaKey(t)
	chain := leafWithCA(t, key)
	pfx, err := pkcs12.Modern.Encode(key, chain[0], chain[1:], "s3cret!")
	if err != nil {
		t.Fatal(err)
	}
	value := base64.StdEncoding.EncodeToString(pfx)

	msg := h.fail("POST", "/certificates/pfx/import", gen.CertificateImportParameters{Base64EncodedCertificate: value, Password: "hunter2-guess"},
		http.StatusBadRequest, "BadParameter", "")
	if bytes.Contains([]byte(msg), []byte("hunter2")) {
		t.Errorf("the error message repeats the password: %q", msg)
	}

	var b gen.CertificateBundle
	h.call("POST", "/certificates/pfx/import", gen.CertificateImportParameters{
		Base64EncodedCertificate: value, Password: "s3cret!",
		Tags: map[string]string{"src": "pfx"},
	}, http.StatusOK, &b)
	if !bytes.Equal(b.Cer, chain[0].Raw) {
		t.Error("cer is not the imported leaf")
	}
	want := gen.CertificatePolicy{
		ID: h.srv.URL + "/certificates/pfx/policy",
		KeyProperties: gen.KeyProperties{
			KeyType: gen.JSONWebKeyTypeRSA, KeySize: 2048, Exportable: new(true), ReuseKey: new(false),
		},
		SecretProperties: gen.SecretProperties{ContentType: contentPKCS12},
		X509CertificateProperties: gen.X509CertificateProperties{
			Subject:                 "CN=imported.example,O=Import Test",
			SubjectAlternativeNames: gen.SubjectAlternativeNames{DNSNames: []string{"imported.example"}},
			Ekus:                    []string{"1.3.6.1.5.5.7.3.1"},
			KeyUsage:                []gen.KeyUsageType{gen.KeyUsageTypeDigitalSignature},
			ValidityInMonths:        24,
		},
		IssuerParameters: gen.IssuerParameters{Name: "Unknown"},
		LifetimeActions: []gen.LifetimeAction{{
			Trigger: gen.Trigger{LifetimePercentage: 80},
			Action:  gen.Action{ActionType: gen.CertificatePolicyActionEmailContacts},
		}},
		Attributes: gen.CertificateAttributes{Enabled: new(true), Created: gen.NewUnixTime(h.clock.Now()), Updated: gen.NewUnixTime(h.clock.Now())},
	}
	if diff := cmp.Diff(want, b.Policy); diff != "" {
		t.Errorf("derived policy (-want +got):\n%s", diff)
	}
	if b.Attributes.NotBefore.Time() != chain[0].NotBefore || b.Tags["src"] != "pfx" {
		t.Errorf("attributes %s tags %v", mustJSON(b.Attributes), b.Tags)
	}

	// The secret gives the key and chain back.
	var s gen.SecretBundle
	h.call("GET", "/secrets/pfx/", nil, http.StatusOK, &s)
	data, err := base64.StdEncoding.DecodeString(s.Value)
	if err != nil {
		t.Fatal(err)
	}
	gotKey, gotLeaf, gotCAs, err := pkcs12.DecodeChain(data, "")
	if err != nil {
		t.Fatalf("decode secret PFX: %v", err)
	}
	if !key.Equal(gotKey) || !gotLeaf.Equal(chain[0]) || len(gotCAs) != 1 || !gotCAs[0].Equal(chain[1]) {
		t.Error("the secret's PKCS#12 does not hold the imported key and chain")
	}
}

func TestImportPEM(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := ecKey(t)
	chain := leafWithCA(t, key)
	text := pemBundle(t, key, chain[1], chain[0]) // CA first
	i := strings.Index(text, "-----BEGIN PRIVATE KEY-----")
	keyFirst := text[i:] + text[:i]

	tests := []struct {
		name     string
		value    string
		preserve bool
		policy   gen.CertificatePolicy
		wantPEM  []*x509.Certificate
	}{
		{"text, leaf first", text, false, gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: contentPEM}}, chain},
		{"base64, detected", base64.StdEncoding.EncodeToString([]byte(text)), false, gen.CertificatePolicy{}, chain},
		{"order kept", text, true, gen.CertificatePolicy{}, []*x509.Certificate{chain[1], chain[0]}},
		{"key first", keyFirst, true, gen.CertificatePolicy{}, []*x509.Certificate{chain[1], chain[0]}},
	}
	for i, tt := range tests {
		name := []string{"pem-a", "pem-b", "pem-c", "pem-d"}[i]
		var b gen.CertificateBundle
		h.call("POST", "/certificates/"+name+"/import", gen.CertificateImportParameters{
			Base64EncodedCertificate: tt.value, CertificatePolicy: tt.policy, PreserveCertOrder: new(tt.preserve),
		}, http.StatusOK, &b)
		if !bytes.Equal(b.Cer, chain[0].Raw) || b.Policy.SecretProperties.ContentType != contentPEM {
			t.Errorf("%s: bundle %s", tt.name, mustJSON(b))
		}
		if deref(b.PreserveCertOrder) != tt.preserve {
			t.Errorf("%s: preserveCertOrder = %v", tt.name, deref(b.PreserveCertOrder))
		}
		var s gen.SecretBundle
		h.call("GET", "/secrets/"+name+"/", nil, http.StatusOK, &s)
		if diff := cmp.Diff(pemBundle(t, key, tt.wantPEM...), s.Value); diff != "" {
			t.Errorf("%s: PEM secret (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := ecKey(t)
	chain := leafWithCA(t, key)
	ecDER, _ := x509.MarshalECPrivateKey(key)
	sec1 := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[0].Raw}))
	otherKey := ecKey(t)
	pemCT := gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: contentPEM}}
	pfxCT := gen.CertificatePolicy{SecretProperties: gen.SecretProperties{ContentType: contentPKCS12}}
	rsaPolicy := gen.CertificatePolicy{KeyProperties: gen.KeyProperties{KeyType: gen.JSONWebKeyTypeRSA}}
	tests := []struct {
		name string
		body gen.CertificateImportParameters
	}{
		{"empty value", gen.CertificateImportParameters{}},
		{"pkcs1/sec1 key", gen.CertificateImportParameters{Base64EncodedCertificate: sec1}},
		{"no key", gen.CertificateImportParameters{Base64EncodedCertificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[0].Raw}))}},
		{"no certificate", gen.CertificateImportParameters{Base64EncodedCertificate: pemBundle(t, key)}},
		{"key does not match", gen.CertificateImportParameters{Base64EncodedCertificate: pemBundle(t, otherKey, chain[0])}},
		{"pem says pfx", gen.CertificateImportParameters{Base64EncodedCertificate: pemBundle(t, key, chain[0]), CertificatePolicy: pfxCT}},
		{"pfx says pem", gen.CertificateImportParameters{Base64EncodedCertificate: "AAAA", CertificatePolicy: pemCT}},
		{"not base64", gen.CertificateImportParameters{Base64EncodedCertificate: "!!!"}},
		{"policy key mismatch", gen.CertificateImportParameters{Base64EncodedCertificate: pemBundle(t, key, chain[0]), CertificatePolicy: rsaPolicy}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.with(t).fail("POST", "/certificates/bad-import/import", tt.body, http.StatusBadRequest, "BadParameter", "")
		})
	}
	h.fail("GET", "/certificates/bad-import/", nil, http.StatusNotFound, "CertificateNotFound", "")
}

func TestImportConflicts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := ecKey(t)
	body := gen.CertificateImportParameters{Base64EncodedCertificate: pemBundle(t, key, leafWithCA(t, key)[0])}
	h.create("pending", unknownPolicy("CN=p"))
	h.fail("POST", "/certificates/pending/import", body, http.StatusConflict, "Conflict", "")
	h.call("POST", "/certificates/gone/import", body, http.StatusOK, nil)
	h.call("DELETE", "/certificates/gone", nil, http.StatusOK, nil)
	h.fail("POST", "/certificates/gone/import", body, http.StatusConflict, "Conflict", "ObjectIsDeletedButRecoverable")
	// Importing again under a live name adds a version.
	h.call("POST", "/certificates/twice/import", body, http.StatusOK, nil)
	h.call("POST", "/certificates/twice/import", body, http.StatusOK, nil)
	var l gen.CertificateListResult
	h.call("GET", "/certificates/twice/versions", nil, http.StatusOK, &l)
	if n := len(l.Value); n != 2 {
		t.Errorf("%d versions after two imports, want 2", n)
	}
}
