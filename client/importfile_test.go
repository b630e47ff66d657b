package client

import (
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"software.sslmate.com/src/go-pkcs12"
)

// TestImportKeyPairRequest checks the import body that ImportKeyPair sends
// for each secret format.
func TestImportKeyPairRequest(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	kp, err := NewKeyPair([]*x509.Certificate{p.root, p.leaf, p.inter}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   *ImportKeyPairOptions
		wantCT string
	}{
		{"default", nil, "application/x-pkcs12"},
		{"policy without content type", &ImportKeyPairOptions{Policy: &CertificatePolicy{Subject: "CN=leaf"}, Tags: map[string]string{"a": "b"}}, "application/x-pkcs12"},
		{"PEM", &ImportKeyPairOptions{Policy: &CertificatePolicy{ContentType: ContentTypePEM}, PreserveCertOrder: true}, "application/x-pem-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			got := importBody(t, mux)
			var before ImportKeyPairOptions
			if tt.opts != nil {
				before = *tt.opts
			}
			if _, err := c.ImportKeyPair(t.Context(), "web", kp, tt.opts); err != nil {
				t.Fatal(err)
			}
			body := *got
			if ct := body["policy"].(map[string]any)["secret_props"].(map[string]any)["contentType"]; ct != tt.wantCT {
				t.Errorf("contentType = %v, want %s", ct, tt.wantCT)
			}
			if _, ok := body["pwd"]; ok {
				t.Error("a password was sent")
			}
			value := body["value"].(string)
			var chain []*x509.Certificate
			if tt.wantCT == "application/x-pem-file" {
				back, err := ParseKeyPair([]byte(value), "")
				if err != nil {
					t.Fatal(err)
				}
				chain = back.Chain
				if !strings.HasSuffix(value, "-----END PRIVATE KEY-----\n") {
					t.Error("the PEM does not end with the PKCS #8 key")
				}
			} else {
				data, err := base64.StdEncoding.DecodeString(value)
				if err != nil {
					t.Fatal(err)
				}
				_, leaf, cas, err := pkcs12.DecodeChain(data, "")
				if err != nil {
					t.Fatal(err)
				}
				chain = append([]*x509.Certificate{leaf}, cas...)
			}
			want := []string{"leaf", "root", "intermediate"}
			if tt.wantCT == "application/x-pem-file" {
				want = []string{"root", "leaf", "intermediate"}
			}
			if diff := diffNames(chain, want...); diff != "" {
				t.Errorf("chain sent (-want +got):\n%s", diff)
			}
			if tt.opts != nil {
				if diff := cmp.Diff(before, *tt.opts); diff != "" {
					t.Errorf("the caller's options changed (-before +after):\n%s", diff)
				}
			}
		})
	}
}

// TestImportKeyPairRefused checks that bad key pairs and options fail
// before any request.
func TestImportKeyPairRefused(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	p := newPKI(t, ecKey(t, elliptic.P256()))
	good, err := NewKeyPair([]*x509.Certificate{p.leaf}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kp   *KeyPair
		opts *ImportKeyPairOptions
		want string
	}{
		{"nil", nil, nil, "nil"},
		{"empty chain", &KeyPair{Leaf: p.leaf, PrivateKey: p.key}, nil, "Chain is empty"},
		{"wrong key", &KeyPair{Leaf: p.leaf, Chain: []*x509.Certificate{p.leaf}, PrivateKey: ecKey(t, elliptic.P256())}, nil, "does not belong to the leaf"},
		{"no key", &KeyPair{Leaf: p.leaf, Chain: []*x509.Certificate{p.leaf}}, nil, "no private key"},
		{"content type", good, &ImportKeyPairOptions{Policy: &CertificatePolicy{ContentType: "text/plain"}}, `"text/plain"`},
	}
	for _, tt := range tests {
		_, err := c.ImportKeyPair(t.Context(), "web", tt.kp, tt.opts)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument saying %q", tt.name, err, tt.want)
		}
	}
	if _, err := c.ImportKeyPair(t.Context(), "bad name", good, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad name: err = %v", err)
	}
}

func TestImportKeyPairFromTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t, testRSAKey())
	tc, err := tls.X509KeyPair(pemCerts(p.leaf, p.inter), pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(testRSAKey())))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := KeyPairFromTLS(tc)
	if err != nil {
		t.Fatal(err)
	}
	c, mux, _ := setup(t)
	got := importBody(t, mux)
	if _, err := c.ImportKeyPair(t.Context(), "web", kp, &ImportKeyPairOptions{Policy: &CertificatePolicy{ContentType: ContentTypePEM}}); err != nil {
		t.Fatal(err)
	}
	back, err := ParseKeyPair([]byte((*got)["value"].(string)), "")
	if err != nil {
		t.Fatal(err)
	}
	if !testRSAKey().Equal(back.PrivateKey) || diffNames(back.Chain, "leaf", "intermediate") != "" {
		t.Errorf("sent %v", back)
	}
}

func TestImportCertificateFileRefused(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	p := newPKI(t, ecKey(t, elliptic.P256()))
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keyDER := pkcs8(t, p.key)
	certOnly := write("cert.pem", pemCerts(p.leaf))
	full := write("full.pem", append(pemBlock("PRIVATE KEY", keyDER), pemCerts(p.leaf)...))

	if _, err := c.ImportCertificateFile(t.Context(), "web", filepath.Join(dir, "missing.pfx"), nil); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.pfx") {
		t.Errorf("missing file: err = %v", err)
	}
	_, err := c.ImportCertificateFile(t.Context(), "web", certOnly, nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "no private key") || !strings.Contains(err.Error(), certOnly) {
		t.Errorf("certificate only: err = %v", err)
	}
	_, err = c.ImportCertificateFile(t.Context(), "web", full, &ImportCertificateFileOptions{Password: "pw"})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "takes no password") {
		t.Errorf("PEM with a password: err = %v", err)
	}
	checkNoSecret(t, "the error", err.Error(), keyDER)
	if _, err := c.ImportCertificateFile(t.Context(), "bad name", full, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad name: err = %v", err)
	}
}
