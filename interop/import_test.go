package interop

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/internal/testcert"
	"software.sslmate.com/src/go-pkcs12"
)

// externalCert is a key and certificate made outside the vault, signed by
// a test CA.
type externalCert struct {
	key  crypto.Signer
	leaf *x509.Certificate
	ca   *x509.Certificate
}

func newExternalCert(t *testing.T, cn string, key crypto.Signer) externalCert {
	t.Helper()
	ca := testcert.NewCA(t, "Import Test CA")
	leaf := issueServer(t, ca, pkix.Name{CommonName: cn, Organization: []string{"Fabrikam"}}, []string{cn}, key.Public())
	return externalCert{key: key, leaf: leaf, ca: ca.Cert}
}

// pemBundle writes the PKCS#8 key and then the certificates in order.
func pemBundle(t *testing.T, key crypto.Signer, certs ...*x509.Certificate) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.String()
}

// checkImported checks what the SDK returns for an imported certificate.
func (v *vault) checkImported(t *testing.T, name string, got azcertificates.Certificate, ext externalCert, wantKey, wantContent string) {
	t.Helper()
	v.wantIDs(t, name, got.ID, got.KID, got.SID)
	cert := parseCER(t, got.CER, got.X509Thumbprint)
	if !cert.Equal(ext.leaf) {
		t.Errorf("CER is %q, want the imported leaf %q", cert.Subject, ext.leaf.Subject)
	}
	if a := got.Attributes; a == nil || !*a.Enabled || !a.NotBefore.Equal(ext.leaf.NotBefore) || !a.Expires.Equal(ext.leaf.NotAfter) {
		t.Errorf("Attributes = %+v, want enabled with the leaf's validity", a)
	}
	p := got.Policy
	if p == nil {
		t.Fatal("imported certificate has no policy")
	}
	if describePolicyKey(p.KeyProperties) != wantKey || str(p.SecretProperties.ContentType) != wantContent ||
		str(p.IssuerParameters.Name) != "Unknown" {
		t.Errorf("policy key %s, content type %s, issuer %s; want %s, %s, Unknown",
			describePolicyKey(p.KeyProperties), str(p.SecretProperties.ContentType), str(p.IssuerParameters.Name), wantKey, wantContent)
	}
	if x := p.X509CertificateProperties; x == nil || x.Subject == nil || x.SubjectAlternativeNames == nil ||
		!slices.Equal(derefAll(x.SubjectAlternativeNames.DNSNames), ext.leaf.DNSNames) {
		t.Errorf("policy x509 properties %+v, want the leaf's subject and DNS names %v", x, ext.leaf.DNSNames)
	}
}

func TestImportPFXWithPassword(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ext := newExternalCert(t, "pfx.example.com", key)
	pfx, err := pkcs12.Modern.Encode(key, ext.leaf, []*x509.Certificate{ext.ca}, "s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	params := azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: new(base64.StdEncoding.EncodeToString(pfx)),
		Password:                 new("s3cret-pass"),
		CertificatePolicy: &azcertificates.CertificatePolicy{
			SecretProperties: &azcertificates.SecretProperties{ContentType: new("application/x-pkcs12")},
		},
		Tags: tags("source", "pfx"),
	}

	wrong := params
	wrong.Password = new("not-the-password")
	_, err = v.certs.ImportCertificate(ctx, "pfx", wrong, nil)
	wantResponseError(t, err, 400, "BadParameter")

	resp, err := v.certs.ImportCertificate(ctx, "pfx", params, nil)
	if err != nil {
		t.Fatalf("ImportCertificate: %v", err)
	}
	got := resp.Certificate
	v.checkImported(t, "pfx", got, ext, "RSA 2048", "application/x-pkcs12")
	if diff := cmp.Diff(tags("source", "pfx"), got.Tags); diff != "" {
		t.Errorf("Tags (-want +got):\n%s", diff)
	}
	again, err := v.certs.GetCertificate(ctx, "pfx", "", nil)
	if err != nil {
		t.Fatalf("GetCertificate: %v", err)
	}
	if diff := cmp.Diff(got, again.Certificate); diff != "" {
		t.Errorf("GetCertificate after import (-import answer +get):\n%s", diff)
	}

	checkSecretKey(t, ctx, v, "pfx", got)
	s, err := v.secrets.GetSecret(ctx, "pfx", got.SID.Version(), nil)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if _, chain := decodeSecret(t, s.Secret); len(chain) != 2 || !chain[1].Equal(ext.ca) {
		t.Errorf("PKCS#12 secret holds %d certificates, want the leaf and its CA", len(chain))
	}
}

func TestImportPEM(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ext := newExternalCert(t, "pem.example.com", key)
	tests := []struct {
		name      string
		value     string
		preserve  bool
		wantChain []*x509.Certificate // in the PEM secret
	}{
		{"pem text", pemBundle(t, key, ext.leaf, ext.ca), false, []*x509.Certificate{ext.leaf, ext.ca}},
		{"base64 of pem", base64.StdEncoding.EncodeToString([]byte(pemBundle(t, key, ext.leaf, ext.ca))), false, []*x509.Certificate{ext.leaf, ext.ca}},
		{"leaf put first", pemBundle(t, key, ext.ca, ext.leaf), false, []*x509.Certificate{ext.leaf, ext.ca}},
		{"order preserved", pemBundle(t, key, ext.ca, ext.leaf), true, []*x509.Certificate{ext.ca, ext.leaf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			v := newVault(t)
			params := azcertificates.ImportCertificateParameters{
				Base64EncodedCertificate: new(tt.value),
				CertificatePolicy: &azcertificates.CertificatePolicy{
					SecretProperties: &azcertificates.SecretProperties{ContentType: new("application/x-pem-file")},
				},
			}
			if tt.preserve {
				params.PreserveCertOrder = new(true)
			}
			resp, err := v.certs.ImportCertificate(ctx, "pem", params, nil)
			if err != nil {
				t.Fatalf("ImportCertificate: %v", err)
			}
			got := resp.Certificate
			v.checkImported(t, "pem", got, ext, "EC P-256", "application/x-pem-file")
			if tt.preserve != (got.PreserveCertOrder != nil && *got.PreserveCertOrder) {
				t.Errorf("PreserveCertOrder = %v, want %v", got.PreserveCertOrder, tt.preserve)
			}

			s, err := v.secrets.GetSecret(ctx, "pem", got.SID.Version(), nil)
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			secretKey, chain := decodeSecret(t, s.Secret)
			if secretKey == nil {
				t.Fatal("PEM secret has no private key")
			}
			sameKey(t, secretKey, ext.leaf)
			if !slices.EqualFunc(chain, tt.wantChain, (*x509.Certificate).Equal) {
				var subjects []string
				for _, c := range chain {
					subjects = append(subjects, c.Subject.CommonName)
				}
				t.Errorf("PEM secret chain = %v, want %d certificates in the expected order", subjects, len(tt.wantChain))
			}
		})
	}
}

func TestImportRejectsAKeyWithoutItsCertificate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ext := newExternalCert(t, "mismatch.example.com", key)
	_, err = v.certs.ImportCertificate(ctx, "mismatch", azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: new(pemBundle(t, other, ext.leaf)),
	}, nil)
	wantResponseError(t, err, 400, "BadParameter")
}
