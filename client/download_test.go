package client

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/internal/keyfile"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
	"software.sslmate.com/src/go-pkcs12"
)

// newVault starts an emulator for the test and returns it with a client.
func newVault(t *testing.T, opts ...Option) (*vaulttest.Server, *Client) {
	t.Helper()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.TokenSource(), append([]Option{WithHTTPClient(srv.Client()), WithPollFrequency(time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// create makes a version of the certificate name with policy and waits for it.
func create(t *testing.T, c *Client, name string, policy *CertificatePolicy) *Certificate {
	t.Helper()
	p, err := c.BeginCreateCertificate(t.Context(), name, policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return res.Certificate
}

// keyPolicy returns a self-signed policy with the given key.
func keyPolicy(kty KeyType, size int, curve KeyCurveName, ct ContentType) *CertificatePolicy {
	p := DefaultPolicy()
	p.KeyType, p.KeySize, p.KeyCurve, p.ContentType = kty, size, curve, ct
	p.SubjectAlternativeNames.DNSNames = []string{"localhost"}
	if kty == KeyTypeEC {
		p.KeySize = 0
		p.KeyUsages = []KeyUsage{KeyUsageDigitalSignature}
	}
	return p
}

// checkDownload checks dc against the version it came from.
func checkDownload(t *testing.T, dc *DownloadedCertificate, want *Certificate) {
	t.Helper()
	if dc.Certificate.Properties.Version != want.Properties.Version {
		t.Errorf("version = %s, want %s", dc.Certificate.Properties.Version, want.Properties.Version)
	}
	if !bytes.Equal(dc.Leaf.Raw, want.CER) {
		t.Error("Leaf is not the version's certificate")
	}
	if !keyfile.Matches(dc.Leaf, dc.PrivateKey) {
		t.Error("PrivateKey does not belong to Leaf")
	}
	tc := dc.TLSCertificate()
	if tc.Leaf != dc.Leaf || !bytes.Equal(tc.Certificate[0], want.CER) {
		t.Error("TLSCertificate does not start with the leaf")
	}
}

// TestDownloadRoundTrip creates a certificate of every key type with a
// PKCS #12 secret, downloads it, imports the download with a PEM secret
// and downloads that too.
func TestDownloadRoundTrip(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	tests := []struct {
		name  string
		kty   KeyType
		size  int
		curve KeyCurveName
		want  string
	}{
		{"rsa2048", KeyTypeRSA, 2048, "", "RSA 2048"},
		{"rsa3072", KeyTypeRSA, 3072, "", "RSA 3072"},
		{"rsa4096", KeyTypeRSA, 4096, "", "RSA 4096"},
		{"ec256", KeyTypeEC, 0, KeyCurveP256, "EC P-256"},
		{"ec384", KeyTypeEC, 0, KeyCurveP384, "EC P-384"},
		{"ec521", KeyTypeEC, 0, KeyCurveP521, "EC P-521"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			created := create(t, c, tt.name, keyPolicy(tt.kty, tt.size, tt.curve, ContentTypePKCS12))
			dc, err := c.DownloadCertificate(ctx, tt.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkDownload(t, dc, created)
			if got := keyfile.Describe(dc.PrivateKey); got != tt.want {
				t.Errorf("key = %s, want %s", got, tt.want)
			}

			imported, err := c.ImportKeyPair(ctx, tt.name+"-pem", &dc.KeyPair, &ImportKeyPairOptions{Policy: &CertificatePolicy{ContentType: ContentTypePEM}})
			if err != nil {
				t.Fatal(err)
			}
			if imported.Policy == nil || imported.Policy.ContentType != ContentTypePEM {
				t.Fatalf("imported policy = %+v, want a PEM secret", imported.Policy)
			}
			back, err := c.DownloadCertificate(ctx, tt.name+"-pem", &DownloadCertificateOptions{Version: imported.Properties.Version})
			if err != nil {
				t.Fatal(err)
			}
			checkDownload(t, back, imported)
			if !bytes.Equal(back.Leaf.Raw, dc.Leaf.Raw) || !back.PrivateKey.(interface{ Equal(crypto.PrivateKey) bool }).Equal(dc.PrivateKey) {
				t.Error("the PEM download differs from the PKCS #12 one")
			}
		})
	}
}

func TestDownloadVersion(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	policy := keyPolicy(KeyTypeEC, 0, KeyCurveP256, ContentTypePEM)
	first := create(t, c, "web", policy)
	second := create(t, c, "web", policy)
	for _, tt := range []struct {
		opts *DownloadCertificateOptions
		want *Certificate
	}{
		{nil, second},
		{&DownloadCertificateOptions{}, second},
		{&DownloadCertificateOptions{Version: first.Properties.Version}, first},
	} {
		dc, err := c.DownloadCertificate(t.Context(), "WEB", tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		checkDownload(t, dc, tt.want)
	}
	if _, err := c.DownloadCertificate(t.Context(), "missing", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing certificate: err = %v", err)
	}
	if _, err := c.DownloadCertificate(t.Context(), "web", &DownloadCertificateOptions{Version: strings.Repeat("0", 32)}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing version: err = %v", err)
	}
}

func TestDownloadNotExportable(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	for _, ct := range []ContentType{ContentTypePKCS12, ContentTypePEM} {
		policy := keyPolicy(KeyTypeEC, 0, KeyCurveP256, ct)
		policy.Exportable = new(false)
		name := "locked-" + strings.ReplaceAll(string(ct), "/", "-")
		create(t, c, name, policy)
		dc, err := c.DownloadCertificate(t.Context(), name, nil)
		if !errors.Is(err, ErrKeyNotExportable) || dc != nil {
			t.Fatalf("%s: got %v, %v; want ErrKeyNotExportable", ct, dc, err)
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: the error does not name the certificate: %v", ct, err)
		}
	}
}

// TestDownloadChainOrder imports a chain of three and checks the order of
// the download with and without preserved order, in both formats.
func TestDownloadChainOrder(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	p := newPKI(t, ecKey(t, elliptic.P256()))
	tests := []struct {
		name     string
		chain    []*x509.Certificate
		ct       ContentType
		preserve bool
		want     []string
	}{
		{"pem-preserved", []*x509.Certificate{p.root, p.inter, p.leaf}, ContentTypePEM, true, []string{"root", "intermediate", "leaf"}},
		{"pem-default", []*x509.Certificate{p.root, p.leaf, p.inter}, ContentTypePEM, false, []string{"leaf", "intermediate", "root"}},
		{"pfx-default", []*x509.Certificate{p.inter, p.root, p.leaf}, ContentTypePKCS12, false, []string{"leaf", "intermediate", "root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kp, err := NewKeyPair(tt.chain, p.key)
			if err != nil {
				t.Fatal(err)
			}
			imported, err := c.ImportKeyPair(t.Context(), tt.name, kp, &ImportKeyPairOptions{
				Policy: &CertificatePolicy{ContentType: tt.ct}, PreserveCertOrder: tt.preserve,
			})
			if err != nil {
				t.Fatal(err)
			}
			dc, err := c.DownloadCertificate(t.Context(), tt.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkDownload(t, dc, imported)
			if diff := diffNames(dc.Chain, tt.want...); diff != "" {
				t.Errorf("Chain (-want +got):\n%s", diff)
			}
			tc := dc.TLSCertificate()
			if len(tc.Certificate) != 3 || !bytes.Equal(tc.Certificate[1], p.inter.Raw) || !bytes.Equal(tc.Certificate[2], p.root.Raw) {
				t.Error("TLSCertificate is not leaf, intermediate, root")
			}
		})
	}
}

// TestImportPFXFileWithPassword imports password-protected PFX files, as
// tools make them, and downloads them again.
func TestImportPFXFileWithPassword(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	p := newPKI(t, testRSAKey())
	dir := t.TempDir()
	for name, enc := range map[string]*pkcs12.Encoder{"legacy": pkcs12.LegacyDES, "modern": pkcs12.Modern2023} {
		data, err := enc.Encode(p.key, p.leaf, []*x509.Certificate{p.inter}, "s3cret-"+name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".pfx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ImportCertificateFile(t.Context(), name, path, &ImportCertificateFileOptions{Password: "wrong"}); !errors.Is(err, ErrInvalidArgument) ||
			!strings.Contains(err.Error(), "password is wrong") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s with a wrong password: err = %v", name, err)
		}
		imported, err := c.ImportCertificateFile(t.Context(), name, path, &ImportCertificateFileOptions{Password: "s3cret-" + name})
		if err != nil {
			t.Fatal(err)
		}
		if imported.Policy == nil || imported.Policy.ContentType != ContentTypePKCS12 {
			t.Errorf("%s: imported policy = %+v, want a PKCS #12 secret", name, imported.Policy)
		}
		dc, err := c.DownloadCertificate(t.Context(), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkDownload(t, dc, imported)
		if !testRSAKey().Equal(dc.PrivateKey) || diffNames(dc.Chain, "leaf", "intermediate") != "" {
			t.Errorf("%s: downloaded %v", name, dc)
		}
	}
}

// TestImportPEMFile imports a PEM file with a SEC 1 key, which the service
// would refuse as it is.
func TestImportPEMFile(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	p := newPKI(t, ecKey(t, elliptic.P384()))
	sec1, err := x509.MarshalECPrivateKey(p.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "web.pem")
	if err := os.WriteFile(path, append(pemCerts(p.leaf, p.inter), pemBlock("EC PRIVATE KEY", sec1)...), 0o600); err != nil {
		t.Fatal(err)
	}
	imported, err := c.ImportCertificateFile(t.Context(), "web", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if imported.Policy == nil || imported.Policy.ContentType != ContentTypePEM {
		t.Errorf("imported policy = %+v, want a PEM secret", imported.Policy)
	}
	dc, err := c.DownloadCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkDownload(t, dc, imported)
	if !p.key.(*ecdsa.PrivateKey).Equal(dc.PrivateKey) {
		t.Error("the downloaded key differs")
	}
}

// fakeBundle returns a certificate bundle for the fake vault of setup:
// version testVersion of "web", with cer and sid.
func fakeBundle(t *testing.T, cer []byte, sid string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id":  testVault + "/certificates/web/" + testVersion,
		"cer": base64.StdEncoding.EncodeToString(cer),
		"sid": sid,
		"kid": testVault + "/keys/web/" + testVersion,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func secretJSON(t *testing.T, contentType string, value *string) string {
	t.Helper()
	m := map[string]any{"id": testVault + "/secrets/web/" + testVersion, "managed": true}
	if contentType != "" {
		m["contentType"] = contentType
	}
	if value != nil {
		m["value"] = *value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// setupLogged is setup with the client's whole pipeline, logging at level
// Debug to the returned buffer.
func setupLogged(t *testing.T) (*Client, *http.ServeMux, *bytes.Buffer) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusTeapot)
	})
	logs := new(bytes.Buffer)
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "token"}),
		WithTransport(&handlerTransport{h: mux}), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	return c, mux, logs
}

// TestDownloadBadSecrets serves secrets that are corrupt or do not match
// their certificate, and checks the errors say what is wrong without
// revealing the value, in errors and in the client's logs.
func TestDownloadBadSecrets(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	other := newPKI(t, ecKey(t, elliptic.P256()))
	keyPEM := string(pemBlock("PRIVATE KEY", pkcs8(t, p.key)))
	goodPEM := keyPEM + string(pemCerts(p.leaf, p.inter))
	pfx, err := pkcs12.LegacyDES.Encode(p.key, p.leaf, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	pfx64 := base64.StdEncoding.EncodeToString(pfx)
	corrupt := bytes.Clone(pfx)
	corrupt[len(corrupt)/2] ^= 0x01
	certsOnly, err := pkcs12.LegacyDES.EncodeTrustStore([]*x509.Certificate{p.leaf}, "")
	if err != nil {
		t.Fatal(err)
	}
	const pemType, pfxType = "application/x-pem-file", "application/x-pkcs12"
	tests := []struct {
		name        string
		cer         []byte
		contentType string
		value       *string
		want        string
		is          error
	}{
		{"not base64", p.leaf.Raw, pfxType, new("%%" + pfx64), "not base64", nil},
		{"corrupt PKCS #12", p.leaf.Raw, pfxType, new(base64.StdEncoding.EncodeToString(corrupt)), "PKCS #12", nil},
		{"PEM garbage", p.leaf.Raw, pemType, new("this is no PEM" + keyPEM[40:80]), "no PEM block", nil},
		{"PEM key only", p.leaf.Raw, pemType, new(keyPEM), "no CERTIFICATE block", nil},
		{"PEM key of another certificate", p.leaf.Raw, pemType, new(keyPEM + string(pemCerts(other.leaf))), "belongs to none of the 1 certificates", nil},
		{"leaf is not the CER", other.leaf.Raw, pemType, new(goodPEM), `leaf certificate "CN=leaf" is not the version's certificate`, nil},
		{"unknown content type", p.leaf.Raw, "application/json", new(goodPEM), `content type "application/json"`, nil},
		{"no value", p.leaf.Raw, pemType, nil, "the secret has no value", nil},
		{"empty value", p.leaf.Raw, pfxType, new(""), "the secret has no value", nil},
		{"PKCS #12 without key", p.leaf.Raw, pfxType, new(base64.StdEncoding.EncodeToString(certsOnly)), "holds the certificate only", ErrKeyNotExportable},
		{"PEM without key", p.leaf.Raw, pemType, new(string(pemCerts(p.leaf))), "holds the certificate only", ErrKeyNotExportable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, logs := setupLogged(t)
			handle(t, mux, "GET /certificates/web/", "", 200, fakeBundle(t, tt.cer, testVault+"/secrets/web/"+testVersion))
			handle(t, mux, "GET /secrets/web/"+testVersion, "", 200, secretJSON(t, tt.contentType, tt.value))
			dc, err := c.DownloadCertificate(t.Context(), "web", nil)
			if err == nil || dc != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error saying %q", dc, err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if logs.Len() == 0 {
				t.Error("nothing was logged; the check below would prove nothing")
			}
			secrets := append(keyMaterial(p.key), pfx, []byte(pfx64), pkcs8(t, p.key))
			checkNoSecret(t, "the error", err.Error(), secrets...)
			checkNoSecret(t, "the log", logs.String(), secrets...)
		})
	}
}

// TestDownloadWithoutContentType reads secrets whose content type is
// missing by their look.
func TestDownloadWithoutContentType(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	kp, err := NewKeyPair([]*x509.Certificate{p.leaf, p.inter}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	pemText, err := kp.PEM()
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.LegacyDES.Encode(p.key, p.leaf, []*x509.Certificate{p.inter}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range []string{string(pemText), base64.StdEncoding.EncodeToString(pfx)} {
		c, mux, _ := setup(t)
		handle(t, mux, "GET /certificates/web/", "", 200, fakeBundle(t, p.leaf.Raw, testVault+"/secrets/web/"+testVersion))
		handle(t, mux, "GET /secrets/web/"+testVersion, "", 200, secretJSON(t, "", &value))
		dc, err := c.DownloadCertificate(t.Context(), "web", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !dc.Leaf.Equal(p.leaf) || diffNames(dc.Chain, "leaf", "intermediate") != "" {
			t.Errorf("downloaded %v", dc)
		}
	}
}

// TestDownloadRefusesForeignSecretIDs checks that a secret id that is not
// this vault's secret of the same name is never requested.
func TestDownloadRefusesForeignSecretIDs(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	for _, sid := range []string{
		"",
		"https://evil.example/secrets/web/" + testVersion,
		"https://myvault.vault.azure.net.evil.example/secrets/web/" + testVersion,
		"http://myvault.vault.azure.net/secrets/web/" + testVersion,
		"https://myvault.vault.azure.net:8443/secrets/web/" + testVersion,
		testVault + "/secrets/other/" + testVersion,
		testVault + "/keys/web/" + testVersion,
		testVault + "/secrets/web",
		testVault + "/secrets/web/" + testVersion + "?redirect=https://evil.example",
	} {
		c, mux, tr := setup(t)
		handle(t, mux, "GET /certificates/web/", "", 200, fakeBundle(t, p.leaf.Raw, sid))
		_, err := c.DownloadCertificate(t.Context(), "web", nil)
		if err == nil || !strings.Contains(err.Error(), "is not a version of secret") {
			t.Errorf("sid %q: err = %v", sid, err)
		}
		if n := tr.calls.Load(); n != 1 {
			t.Errorf("sid %q: %d requests, want only the certificate's", sid, n)
		}
	}
}

func TestDownloadInvalidArguments(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	for _, tt := range []struct {
		name string
		opts *DownloadCertificateOptions
	}{
		{"bad_name", nil},
		{"web", &DownloadCertificateOptions{Version: "v1"}},
	} {
		if _, err := c.DownloadCertificate(t.Context(), tt.name, tt.opts); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s %+v: err = %v", tt.name, tt.opts, err)
		}
	}
}

// TestDownloadSecretRefused checks that a refusal to read the secret, as
// for a disabled version, is returned as the vault's error.
func TestDownloadSecretRefused(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/web/", "", 200, fakeBundle(t, p.leaf.Raw, testVault+"/secrets/web/"+testVersion))
	handle(t, mux, "GET /secrets/web/"+testVersion, "", 403,
		`{"error":{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}}`)
	dc, err := c.DownloadCertificate(t.Context(), "web", nil)
	var re *ResponseError
	if dc != nil || !errors.Is(err, ErrForbidden) || !errors.As(err, &re) || re.InnerCode != "SecretDisabled" ||
		re.URL != testVault+"/secrets/web/"+testVersion {
		t.Errorf("got %v, %v; want the secret's 403", dc, err)
	}
}
