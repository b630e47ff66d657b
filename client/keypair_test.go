package client

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/internal/testcert"
	"software.sslmate.com/src/go-pkcs12"
)

// testRSAKey is one RSA key shared by the tests that need any: generating
// RSA keys is slow under the race detector.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func ecKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	return testcert.ECKeyOn(t, curve)
}

// pki is a root, an intermediate and a leaf with the leaf's key.
type pki struct {
	root, inter, leaf *x509.Certificate
	key               crypto.Signer
}

func newPKI(t *testing.T, leafKey crypto.Signer) pki {
	t.Helper()
	root := testcert.NewCA(t, "root")
	inter := root.Intermediate(t, "intermediate")
	leaf := inter.Issue(t, testcert.Template{Subject: pkix.Name{CommonName: "leaf"}, DNSNames: []string{"localhost"}}, leafKey.Public())
	return pki{root: root.Cert, inter: inter.Cert, leaf: leaf, key: leafKey}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pemCerts(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pemBlock("CERTIFICATE", c.Raw)...)
	}
	return out
}

func pkcs8(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func subjects(certs []*x509.Certificate) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = c.Subject.CommonName
	}
	return out
}

// checkNoSecret fails if s holds a 16-character piece of secret, or of its
// base64 or hex encoding.
func checkNoSecret(t *testing.T, what, s string, secrets ...[]byte) {
	t.Helper()
	for _, secret := range secrets {
		for _, enc := range []string{string(secret), base64.StdEncoding.EncodeToString(secret), hex.EncodeToString(secret)} {
			for i := 0; i+16 <= len(enc); i += 8 {
				if strings.Contains(s, enc[i:i+16]) {
					t.Fatalf("%s holds secret material %q:\n%s", what, enc[i:i+16], s)
				}
			}
		}
	}
}

// keyMaterial returns the secret numbers of key as text and bytes, for
// checkNoSecret.
func keyMaterial(key crypto.Signer) [][]byte {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return [][]byte{[]byte(k.D.String()), k.D.Bytes(), k.Primes[0].Bytes()}
	case *ecdsa.PrivateKey:
		b, _ := k.Bytes()
		return [][]byte{[]byte(new(big.Int).SetBytes(b).String()), b}
	}
	return nil
}

func TestParseKeyPairPEM(t *testing.T) {
	t.Parallel()
	ec := newPKI(t, ecKey(t, elliptic.P384()))
	rsaPKI := newPKI(t, testRSAKey())
	ecSEC1, err := x509.MarshalECPrivateKey(ec.key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pki  pki
		data []byte
		want []string
	}{
		{"PKCS8 key first", ec, append(pemBlock("PRIVATE KEY", pkcs8(t, ec.key)), pemCerts(ec.leaf, ec.inter, ec.root)...), []string{"leaf", "intermediate", "root"}},
		{"SEC1 key last, root first", ec, append(pemCerts(ec.root, ec.inter, ec.leaf), pemBlock("EC PRIVATE KEY", ecSEC1)...), []string{"root", "intermediate", "leaf"}},
		{"SEC1 with EC PARAMETERS", ec, bytes.Join([][]byte{pemBlock("EC PARAMETERS", []byte{6, 5, 43, 129, 4, 0, 34}), pemBlock("EC PRIVATE KEY", ecSEC1), pemCerts(ec.inter, ec.leaf)}, nil), []string{"intermediate", "leaf"}},
		{"PKCS1 key in the middle", rsaPKI, bytes.Join([][]byte{pemCerts(rsaPKI.inter), pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(testRSAKey())), pemCerts(rsaPKI.leaf)}, nil), []string{"intermediate", "leaf"}},
		{"PKCS8 RSA with CRLF", rsaPKI, bytes.ReplaceAll(append(pemCerts(rsaPKI.leaf), pemBlock("PRIVATE KEY", pkcs8(t, testRSAKey()))...), []byte("\n"), []byte("\r\n")), []string{"leaf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kp, err := ParseKeyPair(tt.data, "")
			if err != nil {
				t.Fatal(err)
			}
			if !kp.Leaf.Equal(tt.pki.leaf) {
				t.Errorf("Leaf = %q, want the leaf", kp.Leaf.Subject)
			}
			if diff := cmp.Diff(tt.want, subjects(kp.Chain)); diff != "" {
				t.Errorf("Chain (-want +got):\n%s", diff)
			}
			if !tt.pki.key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(kp.PrivateKey.Public()) {
				t.Error("PrivateKey is not the key of the data")
			}
		})
	}
}

func TestParseKeyPairErrors(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	other := ecKey(t, elliptic.P256())
	keyDER := pkcs8(t, p.key)
	keyPEM := pemBlock("PRIVATE KEY", keyDER)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	edCert := testcert.SelfSigned(t, testcert.Template{Subject: pkix.Name{CommonName: "ed"}}, edKey)
	p224, err := x509.MarshalECPrivateKey(ecKey(t, elliptic.P224()))
	if err != nil {
		t.Fatal(err)
	}
	legacy := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: keyDER})
	corruptKey := append(pemCerts(p.leaf), pemBlock("PRIVATE KEY", keyDER[:len(keyDER)-9])...)
	pfx, err := pkcs12.Modern2023.Encode(p.key, p.leaf, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		password string
		want     string
	}{
		{"empty", nil, "", "empty"},
		{"garbage", []byte("not a certificate at all"), "", "neither PEM text nor PKCS #12"},
		{"no certificate", keyPEM, "", "no CERTIFICATE block"},
		{"no key", pemCerts(p.leaf), "", "no private key"},
		{"two keys", bytes.Join([][]byte{keyPEM, pemCerts(p.leaf), keyPEM}, nil), "", "more than one private key"},
		{"key of another certificate", append(pemBlock("PRIVATE KEY", pkcs8(t, other)), pemCerts(p.leaf, p.inter)...), "", "belongs to none of the 2 certificates"},
		{"encrypted PKCS8", append(pemCerts(p.leaf), pemBlock("ENCRYPTED PRIVATE KEY", keyDER)...), "", "encrypted"},
		{"legacy encrypted", append(pemCerts(p.leaf), legacy...), "", "encrypted"},
		{"corrupt key", corruptKey, "", "PEM block 2 (PRIVATE KEY)"},
		{"corrupt certificate", append(keyPEM, pemBlock("CERTIFICATE", []byte{0x30, 0x03, 1, 2, 3})...), "", "PEM block 2 (CERTIFICATE)"},
		{"Ed25519", append(pemBlock("PRIVATE KEY", edDER), pemCerts(edCert)...), "", "ed25519.PrivateKey keys are not supported"},
		{"P-224", append(pemBlock("EC PRIVATE KEY", p224), pemCerts(p.leaf)...), "", "curve P-224 are not supported"},
		{"PEM with a password", append(keyPEM, pemCerts(p.leaf)...), "pw", "takes no password"},
		{"PFX with a wrong password", pfx, "wrong", "password is wrong"},
		{"truncated PFX", pfx[:len(pfx)/2], "right", "PKCS #12 data cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseKeyPair(tt.data, tt.password)
			if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidArgument saying %q", err, tt.want)
			}
			checkNoSecret(t, "the error", err.Error(), append(keyMaterial(p.key), keyDER)...)
		})
	}
}

func TestNewKeyPair(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P521()))
	kp, err := NewKeyPair([]*x509.Certificate{p.inter, p.leaf}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	if !kp.Leaf.Equal(p.leaf) || diffNames(kp.Chain, "intermediate", "leaf") != "" {
		t.Errorf("got %v", kp)
	}
	var nilKey *ecdsa.PrivateKey
	for name, f := range map[string]func() error{
		"empty chain":   func() error { _, err := NewKeyPair(nil, p.key); return err },
		"nil key":       func() error { _, err := NewKeyPair([]*x509.Certificate{p.leaf}, nil); return err },
		"typed nil key": func() error { _, err := NewKeyPair([]*x509.Certificate{p.leaf}, nilKey); return err },
		"nil cert":      func() error { _, err := NewKeyPair([]*x509.Certificate{p.leaf, nil}, p.key); return err },
		"no leaf":       func() error { _, err := NewKeyPair([]*x509.Certificate{p.inter, p.root}, p.key); return err },
	} {
		if err := f(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
}

func diffNames(certs []*x509.Certificate, want ...string) string {
	return cmp.Diff(want, subjects(certs))
}

func TestKeyPairFromTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	tc, err := tls.X509KeyPair(pemCerts(p.leaf, p.inter), pemBlock("PRIVATE KEY", pkcs8(t, p.key)))
	if err != nil {
		t.Fatal(err)
	}
	kp, err := KeyPairFromTLS(tc)
	if err != nil {
		t.Fatal(err)
	}
	if !kp.Leaf.Equal(p.leaf) || diffNames(kp.Chain, "leaf", "intermediate") != "" {
		t.Errorf("got %v", kp)
	}
	if _, err := KeyPairFromTLS(tls.Certificate{Certificate: [][]byte{p.leaf.Raw, {1, 2}}, PrivateKey: p.key}); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "Certificate[1]") {
		t.Errorf("bad DER: err = %v", err)
	}
	if _, err := KeyPairFromTLS(tls.Certificate{Certificate: [][]byte{p.leaf.Raw}, PrivateKey: "key"}); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "not a crypto.Signer") {
		t.Errorf("not a signer: err = %v", err)
	}
}

func TestLeafFirst(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	unrelated := testcert.NewCA(t, "unrelated").Cert
	tests := []struct {
		chain []*x509.Certificate
		want  []string
	}{
		{[]*x509.Certificate{p.leaf}, []string{"leaf"}},
		{[]*x509.Certificate{p.root, p.inter, p.leaf}, []string{"leaf", "intermediate", "root"}},
		{[]*x509.Certificate{p.inter, p.root, p.leaf}, []string{"leaf", "intermediate", "root"}},
		{[]*x509.Certificate{unrelated, p.root, p.leaf, p.inter}, []string{"leaf", "intermediate", "root", "unrelated"}},
		{[]*x509.Certificate{p.root, p.leaf}, []string{"leaf", "root"}},
		{[]*x509.Certificate{p.leaf, p.leaf, p.inter}, []string{"leaf", "intermediate"}},
		{[]*x509.Certificate{p.inter}, []string{"leaf", "intermediate"}},
	}
	for _, tt := range tests {
		if diff := diffNames(leafFirst(p.leaf, tt.chain), tt.want...); diff != "" {
			t.Errorf("leafFirst(%v) (-want +got):\n%s", subjects(tt.chain), diff)
		}
	}
	if diff := diffNames(leafFirst(nil, []*x509.Certificate{p.root, p.leaf}), "root", "leaf"); diff != "" {
		t.Errorf("nil leaf (-want +got):\n%s", diff)
	}
}

func TestKeyPairTLSCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	kp, err := NewKeyPair([]*x509.Certificate{p.root, p.inter, p.leaf}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	tc := kp.TLSCertificate()
	want := [][]byte{p.leaf.Raw, p.inter.Raw, p.root.Raw}
	if diff := cmp.Diff(want, tc.Certificate); diff != "" {
		t.Errorf("Certificate (-want +got):\n%s", diff)
	}
	if tc.Leaf != p.leaf || tc.PrivateKey != p.key {
		t.Error("Leaf or PrivateKey not set")
	}
}

func TestKeyPairPEM(t *testing.T) {
	t.Parallel()
	p := newPKI(t, testRSAKey())
	kp, err := NewKeyPair([]*x509.Certificate{p.root, p.leaf, p.inter}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	data, err := kp.PEM()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		types = append(types, b.Type)
	}
	if diff := cmp.Diff([]string{"CERTIFICATE", "CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"}, types); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	back, err := ParseKeyPair(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffNames(back.Chain, "root", "leaf", "intermediate"); diff != "" || !testRSAKey().Equal(back.PrivateKey) {
		t.Errorf("round trip: chain diff %s, key equal %v", diff, testRSAKey().Equal(back.PrivateKey))
	}
	// With the leaf first, as downloads without preserved order have it,
	// crypto/tls reads the PEM too.
	kp.Chain = leafFirst(kp.Leaf, kp.Chain)
	if data, err = kp.PEM(); err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(data, data); err != nil {
		t.Errorf("tls.X509KeyPair: %v", err)
	}
}

func TestKeyPairPFX(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P384()))
	kp, err := NewKeyPair([]*x509.Certificate{p.root, p.inter, p.leaf}, p.key)
	if err != nil {
		t.Fatal(err)
	}
	data, err := kp.PFX("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !leaf.Equal(p.leaf) || diffNames(cas, "intermediate", "root") != "" || !p.key.(*ecdsa.PrivateKey).Equal(key) {
		t.Errorf("decoded leaf %q, CAs %v", leaf.Subject, subjects(cas))
	}
	if _, err := ParseKeyPair(data, "wrong"); err == nil || !strings.Contains(err.Error(), "password is wrong") {
		t.Errorf("wrong password: err = %v", err)
	}
	if _, err := kp.PFX(""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty password: err = %v", err)
	}
}

// TestKeyPairChecks checks that PEM and PFX refuse key pairs built by hand
// that do not hold together.
func TestKeyPairChecks(t *testing.T) {
	t.Parallel()
	p := newPKI(t, ecKey(t, elliptic.P256()))
	other := ecKey(t, elliptic.P256())
	for name, kp := range map[string]*KeyPair{
		"zero":              {},
		"no chain":          {Leaf: p.leaf, PrivateKey: p.key},
		"no leaf":           {Chain: []*x509.Certificate{p.leaf}, PrivateKey: p.key},
		"wrong key":         {Leaf: p.leaf, Chain: []*x509.Certificate{p.leaf}, PrivateKey: other},
		"leaf not in chain": {Leaf: p.leaf, Chain: []*x509.Certificate{p.inter}, PrivateKey: p.key},
		"nil in chain":      {Leaf: p.leaf, Chain: []*x509.Certificate{nil, p.leaf}, PrivateKey: p.key},
	} {
		if _, err := kp.PEM(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: PEM err = %v", name, err)
		}
		if _, err := kp.PFX("pw"); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: PFX err = %v", name, err)
		}
	}
}

// TestKeyPairFormatting checks that printing or logging a key pair, or a
// downloaded certificate, does not reveal the private key.
func TestKeyPairFormatting(t *testing.T) {
	t.Parallel()
	for _, key := range []crypto.Signer{testRSAKey(), ecKey(t, elliptic.P256())} {
		p := newPKI(t, key)
		kp, err := NewKeyPair([]*x509.Certificate{p.leaf, p.inter}, key)
		if err != nil {
			t.Fatal(err)
		}
		dc := &DownloadedCertificate{Certificate: &Certificate{SecretID: "x"}, KeyPair: *kp}
		var logs bytes.Buffer
		for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
			slog.New(h).Info("loaded", "pair", kp, "value", *kp, "downloaded", dc)
		}
		out := fmt.Sprintf("%v %+v %#v %s %v %+v", kp, *kp, kp, dc, dc, *dc) + logs.String()
		checkNoSecret(t, "the output", out, keyMaterial(key)...)
		if !strings.Contains(out, `leaf \"CN=leaf\"`) && !strings.Contains(out, `leaf "CN=leaf"`) {
			t.Errorf("the output does not name the leaf: %s", out)
		}
	}
}
