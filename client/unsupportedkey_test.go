package client

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/internal/testcert"
)

// p256kCertificate returns a certificate whose public key is on curve
// P-256K (secp256k1), signed by a P-256 key, and its PKCS #8 private key:
// what Key Vault issues for a policy with curve P-256K, and what
// crypto/x509 cannot parse. The key pair is the curve's generator, private
// key 1, which is all a test of refusals needs.
func p256kCertificate(t *testing.T) (der, pkcs8 []byte) {
	t.Helper()
	caKey := testcert.ECKey(t)
	p256 := testcert.SelfSigned(t, testcert.Template{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "p256k"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, caKey).Raw
	spki, err := x509.MarshalPKIXPublicKey(&caKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	g, err := hex.DecodeString("04" +
		"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
		"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
	if err != nil {
		t.Fatal(err)
	}
	secp256k1 := must(t)(asn1.Marshal(asn1.ObjectIdentifier{1, 3, 132, 0, 10}))
	alg := pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: secp256k1}}
	kSPKI := must(t)(asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}{alg, asn1.BitString{Bytes: g, BitLength: 8 * len(g)}}))

	var cert struct {
		TBS       asn1.RawValue
		Algorithm asn1.RawValue
		Signature asn1.BitString
	}
	if _, err := asn1.Unmarshal(p256, &cert); err != nil {
		t.Fatal(err)
	}
	content := string(cert.TBS.Bytes)
	if strings.Count(content, string(spki)) != 1 {
		t.Fatal("the public key is not in the certificate once")
	}
	content = strings.Replace(content, string(spki), string(kSPKI), 1)
	cert.TBS = asn1.RawValue{FullBytes: must(t)(asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: []byte(content)}))}
	digest := sha256.Sum256(cert.TBS.FullBytes)
	sig, err := ecdsa.SignASN1(rand.Reader, caKey, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	cert.Signature = asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}
	der = must(t)(asn1.Marshal(cert))

	priv := make([]byte, 32)
	priv[31] = 1
	ecKey := must(t)(asn1.Marshal(struct {
		Version    int
		PrivateKey []byte
		PublicKey  asn1.BitString `asn1:"optional,explicit,tag:1"`
	}{1, priv, asn1.BitString{Bytes: g, BitLength: 8 * len(g)}}))
	pkcs8 = must(t)(asn1.Marshal(struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
	}{0, alg, ecKey}))
	return der, pkcs8
}

func must(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// p256kBundle is a certificate answer for "web" whose certificate is cer
// and whose policy names curve.
func p256kBundle(t *testing.T, cer []byte, curve string) string {
	t.Helper()
	b := map[string]any{
		"id":         testVault + "/certificates/web/" + testVersion,
		"sid":        testVault + "/secrets/web/" + testVersion,
		"cer":        base64.StdEncoding.EncodeToString(cer),
		"attributes": map[string]any{"enabled": true},
	}
	if curve != "" {
		b["policy"] = map[string]any{"id": testVault + "/certificates/web/policy",
			"key_props": map[string]any{"kty": "EC", "crv": curve, "exportable": true}}
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestP256KCertificateIsNotParsable(t *testing.T) {
	t.Parallel()
	der, key := p256kCertificate(t)
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Fatal("crypto/x509 parses a P-256K certificate; the tests below test nothing")
	}
	if _, err := x509.ParsePKCS8PrivateKey(key); err == nil {
		t.Fatal("crypto/x509 parses a P-256K key; the tests below test nothing")
	}
	if err := checkDER(der); err != nil {
		t.Errorf("checkDER: %v", err)
	}
}

// TestDownloadUnsupportedCurve checks that a download of a P-256K
// certificate fails with ErrUnsupportedKey naming the curve, before the
// secret is read when the policy or the certificate names the curve, and
// after it when only the secret does.
func TestDownloadUnsupportedCurve(t *testing.T) {
	t.Parallel()
	der, key := p256kCertificate(t)
	leaf, _ := selfSigned(t)
	pemSecret := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}))
	tests := []struct {
		name, bundle, secret, want string
	}{
		{"policy names P-256K", p256kBundle(t, leaf.Raw, "P-256K"), "", "P-256K"},
		{"policy names another curve", p256kBundle(t, leaf.Raw, "P-192"), "", "P-192"},
		{"certificate on P-256K, no policy", p256kBundle(t, der, ""), "", "P-256K"},
		{"certificate on P-256K, policy says P-256", p256kBundle(t, der, "P-256"), "", "P-256K"},
		{"only the secret's key on P-256K", p256kBundle(t, leaf.Raw, ""),
			`{"id":"` + testVault + `/secrets/web/` + testVersion + `","contentType":"application/x-pem-file","value":` +
				strings.ReplaceAll(strings.ReplaceAll(`"`+pemSecret+`"`, "\n", `\n`), "\r", "") + `}`, "P-256K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, tr := setup(t)
			handle(t, mux, "GET /certificates/web/{$}", "", 200, tt.bundle)
			wantCalls := int32(1)
			if tt.secret != "" {
				handle(t, mux, "GET /secrets/web/"+testVersion, "", 200, tt.secret)
				wantCalls = 2
			}
			_, err := c.DownloadCertificate(t.Context(), "web", nil)
			if !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrUnsupportedKey naming %s", err, tt.want)
			}
			if n := tr.calls.Load(); n != wantCalls {
				t.Errorf("%d requests, want %d (the secret is read only when nothing else names the curve)", n, wantCalls)
			}
			if strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(key)) {
				t.Error("the error holds the private key")
			}
		})
	}
}

func TestTLSSourceUnsupportedCurve(t *testing.T) {
	t.Parallel()
	der, _ := p256kCertificate(t)
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/web/{$}", "", 200, p256kBundle(t, der, "P-256K"))
	src, err := c.NewTLSSource(t.Context(), "web", nil)
	if !errors.Is(err, ErrUnsupportedKey) || !strings.Contains(err.Error(), "P-256K") {
		t.Fatalf("NewTLSSource = %v, %v; want ErrUnsupportedKey naming P-256K", src, err)
	}
}

func TestMergeP256KChain(t *testing.T) {
	t.Parallel()
	der, _ := p256kCertificate(t)
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /certificates/web/pending/merge", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			X5C [][]byte `json:"x5c"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.X5C) != 1 || string(body.X5C[0]) != string(der) {
			t.Errorf("merge body: %v, %d certificates", err, len(body.X5C))
		}
		reply(w, 201, bundleJSON)
	})
	if _, err := c.MergeCertificate(t.Context(), "web", [][]byte{der}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestMergeRefusesMalformedDER(t *testing.T) {
	t.Parallel()
	der, _ := p256kCertificate(t)
	c := noRequests(t)
	for name, bad := range map[string][]byte{
		"empty":            {},
		"garbage":          []byte("not a certificate"),
		"truncated":        der[:len(der)-1],
		"trailing bytes":   append(append([]byte(nil), der...), 0),
		"long-form length": {0x30, 0x81, 0x03, 0x02, 0x01, 0x00},
		"integer":          {0x02, 0x01, 0x00},
		"empty sequence":   {0x30, 0x00},
		"two elements":     must(t)(asn1.Marshal(struct{ A, B asn1.RawValue }{asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true}, asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true}})),
		"signed part not a sequence": must(t)(asn1.Marshal(struct {
			A int
			B asn1.RawValue
			C asn1.BitString
		}{1, asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true}, asn1.BitString{}})),
	} {
		if _, err := c.MergeCertificate(t.Context(), "web", [][]byte{der, bad}, nil); !errors.Is(err, ErrInvalidArgument) ||
			!strings.Contains(err.Error(), "chain[1]") {
			t.Errorf("%s: err = %v, want ErrInvalidArgument about chain[1]", name, err)
		}
	}
}
