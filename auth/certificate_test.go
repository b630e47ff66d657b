package auth

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"software.sslmate.com/src/go-pkcs12"
)

// verifyAssertion checks the signature of a client assertion with the certificate's public
// key and returns its header and claims, as decoded JSON (numbers are float64).
func verifyAssertion(t *testing.T, assertion string, cert *x509.Certificate) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		t.Fatalf("assertion has %d parts, want 3", len(parts))
	}
	var h, c map[string]any
	decodeSegment(t, parts[0], &h)
	decodeSegment(t, parts[1], &c)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	pub := cert.PublicKey.(*rsa.PublicKey)
	switch h["alg"] {
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	default:
		t.Fatalf("alg %v", h["alg"])
	}
	if err != nil {
		t.Fatalf("%v signature does not verify with the certificate's key: %v", h["alg"], err)
	}
	return h, c
}

// hardwareKey is a crypto.Signer that is not an *rsa.PrivateKey, like a key in an HSM.
type hardwareKey struct{ key *rsa.PrivateKey }

func (k hardwareKey) Public() crypto.PublicKey { return k.key.Public() }
func (k hardwareKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.key.Sign(r, digest, opts)
}

// MSAL signs the assertion (PS256, with the certificate's SHA-256 thumbprint and, when
// asked, the x5c chain), for the tenant each request names.
func TestClientCertificateAssertion(t *testing.T) {
	t.Parallel()
	tc := newTestCert(t)
	thumbprint := sha256.Sum256(tc.chain[0].Raw)
	chainB64 := []any{
		base64.StdEncoding.EncodeToString(tc.chain[0].Raw),
		base64.StdEncoding.EncodeToString(tc.chain[1].Raw),
	}
	tests := []struct {
		name    string
		opts    CertificateOptions
		wantX5c []any
	}{
		{"leaf only", CertificateOptions{}, nil},
		{"UsePSS has no effect", CertificateOptions{UsePSS: true}, nil},
		{"with chain", CertificateOptions{SendCertificateChain: true}, chainB64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newEntraServer(t, nil)
			tt.opts.Options = srv.options()
			tt.opts.AdditionallyAllowedTenants = []string{"*"}
			cred, err := NewClientCertificate("my-tenant", "my-client", tc.chain, tc.key, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cred.Token(); err != nil {
				t.Fatal(err)
			}
			if _, err := cred.ChallengeToken(t.Context(), "", "guest-tenant", ""); err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d token requests, want 2", len(reqs))
			}
			var jtis []string
			for i, r := range reqs {
				tenant := []string{"my-tenant", "guest-tenant"}[i]
				if r.Path != "/"+tenant+"/oauth2/v2.0/token" || r.Form.Get("client_id") != "my-client" ||
					r.Form.Get("grant_type") != "client_credentials" || r.Form.Has("client_secret") ||
					r.Form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
					t.Errorf("request %d: %s %v", i, r.Path, r.Form)
				}
				h, c := verifyAssertion(t, r.Form.Get("client_assertion"), tc.chain[0])
				wantHeader := map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(thumbprint[:])}
				if tt.wantX5c != nil {
					wantHeader["x5c"] = tt.wantX5c
				}
				if diff := cmp.Diff(wantHeader, h); diff != "" {
					t.Errorf("request %d header (-want +got):\n%s", i, diff)
				}
				if c["aud"] != srv.URL+"/"+tenant+"/oauth2/v2.0/token" || c["iss"] != "my-client" || c["sub"] != "my-client" {
					t.Errorf("request %d claims %v, want aud, iss and sub of the client and tenant", i, c)
				}
				exp, _ := c["exp"].(float64)
				nbf, _ := c["nbf"].(float64)
				if life := exp - nbf; life <= 0 || life > 3600 {
					t.Errorf("request %d: the assertion lives %v s", i, life)
				}
				jti, _ := c["jti"].(string)
				jtis = append(jtis, jti)
			}
			if jtis[0] == "" || jtis[0] == jtis[1] {
				t.Errorf("jti %q and %q, want two different ones", jtis[0], jtis[1])
			}
		})
	}
}

func TestClientCertificateErrorsKeepTheAssertion(t *testing.T) {
	t.Parallel()
	tc := newTestCert(t)
	var assertion string
	srv := newEntraServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		assertion = form.Get("client_assertion")
		writeEntraError(w, r, form)
	})
	log, logs := captureLog()
	o := CertificateOptions{Options: srv.options()}
	o.Logger = log
	cred, err := NewClientCertificate("t", "c", tc.chain, tc.key, &o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.Token()
	var ae *AuthenticationError
	if !errors.As(err, &ae) || !strings.HasPrefix(err.Error(), "auth: client certificate credential: ") {
		t.Fatalf("error = %v, want an *AuthenticationError from the client certificate credential", err)
	}
	if assertion == "" {
		t.Fatal("no assertion was sent")
	}
	signature := assertion[strings.LastIndex(assertion, ".")+1:]
	assertNoSecrets(t, "error", err.Error(), assertion, signature)
	assertNoSecrets(t, "log", logs.String(), assertion, signature)
}

func TestNewClientCertificateValidates(t *testing.T) {
	t.Parallel()
	tc := newTestCert(t)
	ec := mustECDSA(t)
	ecCert := mustCert(t, "ec", nil, &ec.PublicKey, ec, false)

	tests := []struct {
		name  string
		certs []*x509.Certificate
		key   crypto.Signer
		want  string
	}{
		{"no certificates", nil, tc.key, "missing certificate"},
		{"nil certificate", []*x509.Certificate{nil}, tc.key, "missing certificate"},
		{"no key", tc.chain, nil, "missing private key"},
		{"EC key", []*x509.Certificate{ecCert}, ec, "the private key is EC P-256; Microsoft Entra ID certificate credentials need an *rsa.PrivateKey"},
		{"key in hardware", tc.chain, hardwareKey{tc.key}, "the private key is auth.hardwareKey; Microsoft Entra ID certificate credentials need an *rsa.PrivateKey"},
		{"key of another certificate", tc.chain, tc.caKey, `the private key does not belong to the first certificate ("CN=kvcerts test client")`},
		{"chain in the wrong order", []*x509.Certificate{tc.chain[1], tc.chain[0]}, tc.key, "does not belong to the first certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClientCertificate("t", "c", tt.certs, tt.key, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseCertificates(t *testing.T) {
	t.Parallel()
	tc := newTestCert(t)
	leaf, ca := tc.chain[0], tc.chain[1]
	pkcs8, err := x509.MarshalPKCS8PrivateKey(tc.key)
	if err != nil {
		t.Fatal(err)
	}
	ec := mustECDSA(t)
	ecCert := mustCert(t, "ec", nil, &ec.PublicKey, ec, false)
	ecDER, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern.Encode(tc.key, leaf, []*x509.Certificate{ca}, "pfx-password")
	if err != nil {
		t.Fatal(err)
	}

	leafPEM, caPEM := pemBlock("CERTIFICATE", leaf.Raw), pemBlock("CERTIFICATE", ca.Raw)
	keyPEM := pemBlock("PRIVATE KEY", pkcs8)
	join := func(parts ...[]byte) []byte { return slices.Concat(parts...) }

	tests := []struct {
		name      string
		data      []byte
		password  string
		wantChain []*x509.Certificate
		wantKey   crypto.PublicKey
	}{
		{"PEM cert then PKCS #8 key", join(leafPEM, keyPEM), "", []*x509.Certificate{leaf}, &tc.key.PublicKey},
		{"PEM key first", join(keyPEM, leafPEM), "", []*x509.Certificate{leaf}, &tc.key.PublicKey},
		{"PEM PKCS #1 key", join(leafPEM, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(tc.key))), "", []*x509.Certificate{leaf}, &tc.key.PublicKey},
		{"PEM chain, issuer first", join([]byte("bag attributes\n"), caPEM, keyPEM, leafPEM), "", []*x509.Certificate{leaf, ca}, &tc.key.PublicKey},
		{"PEM EC key", join(pemBlock("EC PRIVATE KEY", ecDER), pemBlock("CERTIFICATE", ecCert.Raw)), "", []*x509.Certificate{ecCert}, &ec.PublicKey},
		{"PFX", pfx, "pfx-password", []*x509.Certificate{leaf, ca}, &tc.key.PublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chain, key, err := ParseCertificates(tt.data, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if len(chain) != len(tt.wantChain) {
				t.Fatalf("chain has %d certificates, want %d", len(chain), len(tt.wantChain))
			}
			for i := range chain {
				if !chain[i].Equal(tt.wantChain[i]) {
					t.Errorf("chain[%d] is %q, want %q", i, chain[i].Subject, tt.wantChain[i].Subject)
				}
			}
			if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.wantKey) {
				t.Error("wrong private key")
			}
		})
	}
}

func TestParseCertificatesErrors(t *testing.T) {
	t.Parallel()
	tc := newTestCert(t)
	leaf := tc.chain[0]
	pkcs8, err := x509.MarshalPKCS8PrivateKey(tc.key)
	if err != nil {
		t.Fatal(err)
	}
	caPKCS8, err := x509.MarshalPKCS8PrivateKey(tc.caKey)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern.Encode(tc.key, leaf, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	leafPEM, keyPEM := pemBlock("CERTIFICATE", leaf.Raw), pemBlock("PRIVATE KEY", pkcs8)
	encrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   []byte("ciphertext"),
	})

	tests := []struct {
		name     string
		data     []byte
		password string
		want     string
	}{
		{"no key", leafPEM, "", "there are certificates but no private key"},
		{"no certificate", keyPEM, "", "PEM data holds no CERTIFICATE block"},
		{"two keys", slices.Concat(leafPEM, keyPEM, keyPEM), "", "more than one private key"},
		{"key of another certificate", slices.Concat(leafPEM, pemBlock("PRIVATE KEY", caPKCS8)), "", "the private key (RSA 2048) belongs to none of the 1 certificates"},
		{"encrypted PKCS #8", slices.Concat(leafPEM, pemBlock("ENCRYPTED PRIVATE KEY", []byte("x"))), "", "the private key is encrypted"},
		{"encrypted legacy PEM", slices.Concat(leafPEM, encrypted), "", "the private key is encrypted"},
		{"broken certificate", slices.Concat(pemBlock("CERTIFICATE", []byte("junk")), keyPEM), "", `PEM block 1 (CERTIFICATE): x509: malformed certificate`},
		{"wrong PFX password", pfx, "n0t-th3-pa55", "the PKCS #12 password is wrong"},
		{"neither", []byte("hello"), "", "the data is neither PEM text nor PKCS #12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := ParseCertificates(tt.data, tt.password)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "auth: ") {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			assertNoSecrets(t, "error", err.Error(), tt.password)
		})
	}
}
