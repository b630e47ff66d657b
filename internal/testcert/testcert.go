// Package testcert mints keys and X.509 certificates for the module's
// tests: throwaway certificate authorities, the certificates they issue or
// sign from a request, and self-signed certificates. Only tests import it.
//
// Every function takes the test and fails it on an error, so a test reads
// as the chain it builds.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// Template says what goes into a certificate. Zero fields take defaults.
type Template struct {
	Subject      pkix.Name // default: CN=test
	DNSNames     []string
	SerialNumber *big.Int  // default: a random 62-bit number
	NotBefore    time.Time // default: an hour ago
	NotAfter     time.Time // default: a year after NotBefore
	IsCA         bool
	// KeyUsage defaults to digital signature, and for a CA to certificate
	// and CRL signing.
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
}

// x509Template fills in the defaults.
func (tp Template) x509Template(t testing.TB) *x509.Certificate {
	t.Helper()
	c := &x509.Certificate{
		Subject:               tp.Subject,
		DNSNames:              tp.DNSNames,
		SerialNumber:          tp.SerialNumber,
		NotBefore:             tp.NotBefore,
		NotAfter:              tp.NotAfter,
		IsCA:                  tp.IsCA,
		BasicConstraintsValid: true,
		KeyUsage:              tp.KeyUsage,
		ExtKeyUsage:           tp.ExtKeyUsage,
	}
	if c.Subject.String() == "" {
		c.Subject = pkix.Name{CommonName: "test"}
	}
	if c.SerialNumber == nil {
		serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
		if err != nil {
			t.Fatal(err)
		}
		c.SerialNumber = serial
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = time.Now().Add(-time.Hour)
	}
	if c.NotAfter.IsZero() {
		c.NotAfter = c.NotBefore.AddDate(1, 0, 0)
	}
	if c.KeyUsage == 0 {
		c.KeyUsage = x509.KeyUsageDigitalSignature
		if c.IsCA {
			c.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
	}
	return c
}

// ECKey returns a new P-256 key.
func ECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	return ECKeyOn(t, elliptic.P256())
}

// ECKeyOn returns a new key on curve.
func ECKeyOn(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// SelfSigned returns a certificate for key signed by key itself.
func SelfSigned(t testing.TB, tp Template, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := tp.x509Template(t)
	return create(t, tmpl, tmpl, key.Public(), key)
}

// A CA is a certificate authority: a CA certificate and its key.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA returns a self-signed certificate authority named name (its
// common name) with a new P-256 key, valid from an hour ago for a year.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := ECKey(t)
	return &CA{Cert: SelfSigned(t, Template{Subject: pkix.Name{CommonName: name}, IsCA: true}, key), Key: key}
}

// Issue returns a certificate for pub signed by ca.
func (ca *CA) Issue(t testing.TB, tp Template, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	return create(t, tp.x509Template(t), ca.Cert, pub, ca.Key)
}

// Intermediate returns a certificate authority named name with a new P-256
// key, signed by ca.
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	key := ECKey(t)
	return &CA{Cert: ca.Issue(t, Template{Subject: pkix.Name{CommonName: name}, IsCA: true}, key.Public()), Key: key}
}

// SignCSR returns a certificate signed by ca for the key, subject and DNS
// names of a DER certificate signing request, whose signature it checks;
// tp gives the rest (its Subject and DNSNames are ignored).
func (ca *CA) SignCSR(t testing.TB, csrDER []byte, tp Template) *x509.Certificate {
	t.Helper()
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		t.Fatalf("testcert: the CSR cannot be read: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("testcert: the CSR's signature: %v", err)
	}
	tp.Subject, tp.DNSNames = csr.Subject, csr.DNSNames
	return ca.Issue(t, tp, csr.PublicKey)
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("testcert: creating %q: %v", tmpl.Subject, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
