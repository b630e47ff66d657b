package keyfile

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kvcerts/kvcerts/internal/testcert"
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParse(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA(t, "keyfile test CA")
	key := testcert.ECKey(t)
	leaf := ca.Issue(t, testcert.Template{}, key.Public())
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern2023.Encode(key, leaf, []*x509.Certificate{ca.Cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		password string
	}{
		// openssl pkcs12 -nodes writes "Bag Attributes" before each block.
		{"PEM, issuer first, with text before the blocks", slices.Concat([]byte("Bag Attributes\n"), pemOf("CERTIFICATE", ca.Cert.Raw),
			pemOf("PRIVATE KEY", keyDER), pemOf("CERTIFICATE", leaf.Raw)), ""},
		{"PFX", pfx, "pw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			certs, signer, err := Parse(tc.data, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != 2 || !certs[0].Equal(leaf) || !certs[1].Equal(ca.Cert) || !Matches(certs[0], signer) {
				t.Errorf("chain of %d, want the leaf of the key first, then the CA", len(certs))
			}
			if got := Describe(signer); got != "EC P-256" {
				t.Errorf("Describe = %q", got)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	key := testcert.ECKey(t)
	cert := testcert.SelfSigned(t, testcert.Template{}, key)
	other := testcert.SelfSigned(t, testcert.Template{}, testcert.ECKey(t))
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certsOnly, err := pkcs12.Passwordless.EncodeTrustStore([]*x509.Certificate{cert}, "")
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern2023.Encode(key, cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		password string
		want     string
		is       error
	}{
		{"no key", pemOf("CERTIFICATE", cert.Raw), "", "no private key", ErrNoPrivateKey},
		{"no certificate", pemOf("PRIVATE KEY", keyDER), "", "no CERTIFICATE block", nil},
		{"two keys", slices.Concat(pemOf("CERTIFICATE", cert.Raw), pemOf("PRIVATE KEY", keyDER), pemOf("PRIVATE KEY", keyDER)), "", "more than one private key", nil},
		{"encrypted", slices.Concat(pemOf("CERTIFICATE", cert.Raw), pemOf("ENCRYPTED PRIVATE KEY", []byte("x"))), "", "is encrypted", nil},
		{"key of another certificate", slices.Concat(pemOf("CERTIFICATE", other.Raw), pemOf("PRIVATE KEY", keyDER)), "", "belongs to none of the 1 certificates", nil},
		{"broken key", slices.Concat(pemOf("CERTIFICATE", cert.Raw), pemOf("PRIVATE KEY", []byte("secret-key-bytes"))), "", "PEM block 2 (PRIVATE KEY)", nil},
		{"neither", []byte("hello"), "", "neither PEM text nor PKCS #12", nil},
		{"PFX without its password", pfx, "", "needs a password", nil},
		{"PFX of certificates only", certsOnly, "", "no private key", ErrNoPrivateKey},
		{"PFX with a wrong password", pfx, "wrong-pw-123", "password is wrong", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Parse(tc.data, tc.password)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), "secret-key-bytes") || strings.Contains(err.Error(), "wrong-pw-123")) {
				t.Errorf("error %q quotes the data or password", err)
			}
		})
	}
}
