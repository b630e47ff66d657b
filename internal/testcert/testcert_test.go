package testcert

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	before := time.Now().Add(-time.Hour - time.Minute)
	key := ECKey(t)
	c := SelfSigned(t, Template{}, key)
	if c.Subject.CommonName != "test" || c.IsCA || c.KeyUsage != x509.KeyUsageDigitalSignature || c.SerialNumber.Sign() <= 0 {
		t.Errorf("defaults: subject %q, CA %v, key usage %v, serial %v", c.Subject, c.IsCA, c.KeyUsage, c.SerialNumber)
	}
	if c.NotBefore.Before(before) || !c.NotAfter.Equal(c.NotBefore.AddDate(1, 0, 0)) {
		t.Errorf("validity %v to %v, want from about an hour ago for a year", c.NotBefore, c.NotAfter)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if !key.PublicKey.Equal(c.PublicKey) {
		t.Error("the certificate is not for the key")
	}
}

func TestTemplateFields(t *testing.T) {
	t.Parallel()
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tp := Template{
		Subject: pkix.Name{CommonName: "web", Organization: []string{"Org"}}, DNSNames: []string{"web.example"},
		SerialNumber: big.NewInt(42), NotBefore: from, NotAfter: from.AddDate(0, 6, 0),
		KeyUsage: x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	c := SelfSigned(t, tp, ECKey(t))
	got := Template{
		Subject: pkix.Name{CommonName: c.Subject.CommonName, Organization: c.Subject.Organization}, DNSNames: c.DNSNames,
		SerialNumber: c.SerialNumber, NotBefore: c.NotBefore, NotAfter: c.NotAfter, KeyUsage: c.KeyUsage, ExtKeyUsage: c.ExtKeyUsage,
	}
	if diff := cmp.Diff(tp, got, cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("certificate fields (-template +certificate):\n%s", diff)
	}
}

// TestChain builds root, intermediate and leaf, and one from a CSR, and
// checks that they verify as a chain.
func TestChain(t *testing.T) {
	t.Parallel()
	root := NewCA(t, "Root")
	inter := root.Intermediate(t, "Intermediate")
	key := ECKey(t)
	leaf := inter.Issue(t, Template{DNSNames: []string{"leaf.example"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, key.Public())
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "from-csr"}, DNSNames: []string{"csr.example"},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	signed := inter.SignCSR(t, csrDER, Template{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if signed.Subject.CommonName != "from-csr" || !key.PublicKey.Equal(signed.PublicKey) {
		t.Errorf("signed CSR: subject %q, key of the request %v", signed.Subject, key.PublicKey.Equal(signed.PublicKey))
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.Cert)
	inters.AddCert(inter.Cert)
	for _, c := range []*x509.Certificate{leaf, signed} {
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, DNSName: c.DNSNames[0]}); err != nil {
			t.Errorf("%s does not verify: %v", c.Subject, err)
		}
	}
	if !root.Cert.IsCA || root.Cert.KeyUsage&x509.KeyUsageCertSign == 0 || !inter.Cert.IsCA {
		t.Error("the authorities are not CAs")
	}
}

// fatalRecorder stops a helper at its first Fatal, as a test would.
type fatalRecorder struct {
	testing.TB
	msg string
}

type stopped struct{}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	panic(stopped{})
}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(stopped{})
}

// fails runs f with a recorder and returns what it failed with.
func fails(t *testing.T, f func(testing.TB)) (msg string) {
	r := &fatalRecorder{TB: t}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stopped); !ok {
				panic(p)
			}
			msg = r.msg
		}
	}()
	f(r)
	return ""
}

func TestSignCSRRefusesBadRequests(t *testing.T) {
	t.Parallel()
	ca := NewCA(t, "CA")
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, ECKey(t))
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), csrDER...)
	tampered[len(tampered)-5] ^= 0xff // inside the signature
	for name, der := range map[string][]byte{"garbage": []byte("not a CSR"), "bad signature": tampered} {
		if msg := fails(t, func(tb testing.TB) { ca.SignCSR(tb, der, Template{}) }); !strings.Contains(msg, "CSR") {
			t.Errorf("%s: failed with %q, want a failure naming the CSR", name, msg)
		}
	}
}

// TestImportedByTestsOnly checks that no non-test file in the module (or
// the interop module) imports this package.
func TestImportedByTestsOnly(t *testing.T) {
	t.Parallel()
	const self = "github.com/kvcerts/kvcerts/internal/testcert"
	root := filepath.Join("..", "..")
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "vendor" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == self {
				t.Errorf("%s imports testcert; only tests may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Errorf("read %d non-test Go files from %s, want the whole repository", files, root)
	}
}
