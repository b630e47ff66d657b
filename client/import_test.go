package client

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/internal/testcert"
)

// selfSigned returns a throwaway certificate and its key.
func selfSigned(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := testcert.ECKey(t)
	return testcert.SelfSigned(t, testcert.Template{}, key), key
}

// importBody captures the body of an import request.
func importBody(t *testing.T, mux *http.ServeMux) *map[string]any {
	var got map[string]any
	mux.HandleFunc("POST /certificates/web/import", func(w http.ResponseWriter, r *http.Request) {
		checkAPIVersion(t, r)
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		reply(w, 200, bundleJSON)
	})
	return &got
}

func TestImportPKCS12(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	got := importBody(t, mux)
	pfx := []byte{0x30, 0x82, 0x0a, 0x00, 0xff}
	cert, err := c.ImportCertificate(t.Context(), "web", pfx, &ImportCertificateOptions{
		Password: "pw", Tags: map[string]string{"a": "b"}, Enabled: new(false), PreserveCertOrder: true,
		Policy: &CertificatePolicy{IssuerName: IssuerUnknown},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Properties.Name != "web" {
		t.Errorf("name = %q", cert.Properties.Name)
	}
	b, _ := json.Marshal(*got)
	want := `{"attributes":{"enabled":false},"policy":{"issuer":{"name":"Unknown"}},"preserveCertOrder":true,"pwd":"pw","tags":{"a":"b"},"value":"` +
		base64.StdEncoding.EncodeToString(pfx) + `"}`
	if string(b) != want {
		t.Errorf("body = %s\nwant   %s", b, want)
	}
}

func TestImportPEM(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)

	for _, policy := range []*CertificatePolicy{nil, {IssuerName: IssuerSelf}, {ContentType: ContentTypePEM}} {
		c, mux, _ := setup(t)
		got := importBody(t, mux)
		var before CertificatePolicy
		if policy != nil {
			before = *policy
		}
		if _, err := c.ImportCertificate(t.Context(), "web", data, &ImportCertificateOptions{Policy: policy}); err != nil {
			t.Fatal(err)
		}
		if (*got)["value"] != string(data) {
			t.Errorf("value = %v, want the PEM text", (*got)["value"])
		}
		sp, _ := (*got)["policy"].(map[string]any)["secret_props"].(map[string]any)
		if sp["contentType"] != "application/x-pem-file" {
			t.Errorf("policy = %v, want the PEM content type", (*got)["policy"])
		}
		if policy != nil && policy.ContentType != before.ContentType {
			t.Errorf("the caller's policy was changed")
		}
	}
}

func TestImportPEMRefused(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	cert, key := selfSigned(t)
	ecDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	sec1 := append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})...)
	_, err = c.ImportCertificate(t.Context(), "web", sec1, nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "PKCS #8") {
		t.Errorf("SEC 1 key: err = %v", err)
	}
	if strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(ecDER)[:20]) {
		t.Error("the error contains key material")
	}
	_, err = c.ImportCertificate(t.Context(), "web", certPEM, &ImportCertificateOptions{Policy: &CertificatePolicy{ContentType: ContentTypePKCS12}})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "application/x-pkcs12") {
		t.Errorf("PEM with a PKCS #12 policy: err = %v", err)
	}
}

func TestMergeCertificate(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	leaf, _ := selfSigned(t)
	ca, _ := selfSigned(t)
	want := `{"x5c":["` + base64.StdEncoding.EncodeToString(leaf.Raw) + `","` + base64.StdEncoding.EncodeToString(ca.Raw) + `"],"tags":{"t":"1"},"attributes":{"enabled":true}}`
	handle(t, mux, "POST /certificates/web/pending/merge", want, 201, bundleJSON)
	got, err := c.MergeCertificate(t.Context(), "web", DERChain(leaf, ca), &MergeCertificateOptions{Tags: map[string]string{"t": "1"}, Enabled: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Properties.Name != "web" {
		t.Errorf("name = %q", got.Properties.Name)
	}
}

func TestMergeCertificateRefusesNonDER(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	leaf, _ := selfSigned(t)
	pemLeaf := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})
	_, err := c.MergeCertificate(t.Context(), "web", [][]byte{leaf.Raw, pemLeaf}, nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "chain[1]") {
		t.Errorf("err = %v", err)
	}
}

func TestMergeCertificateNoOperation(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	leaf, _ := selfSigned(t)
	handle(t, mux, "POST /certificates/web/pending/merge", "", 404, `{"error":{"code":"PendingCertificateNotFound","message":"none"}}`)
	if _, err := c.MergeCertificate(t.Context(), "web", DERChain(leaf), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}
