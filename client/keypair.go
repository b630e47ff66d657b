package client

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kvcerts/kvcerts/internal/keyfile"
)

// KeyPair is a certificate chain with the private key of its leaf: what a
// TLS server or client presents. [Client.DownloadCertificate] returns one
// from the vault; [NewKeyPair], [KeyPairFromTLS] and [ParseKeyPair] make one
// to import with [Client.ImportKeyPair].
//
// Printing a KeyPair with the fmt or log/slog packages shows the leaf's
// subject, serial number and expiry, never the private key.
type KeyPair struct {
	// Leaf is the certificate of PrivateKey.
	Leaf *x509.Certificate
	// Chain holds every certificate, Leaf included, in the order of the
	// source. Downloads put Leaf first, followed by its issuers, unless
	// the certificate keeps the imported order (PreserveCertOrder).
	Chain []*x509.Certificate
	// PrivateKey is an *rsa.PrivateKey or an *ecdsa.PrivateKey on the
	// P-256, P-384 or P-521 curve.
	PrivateKey crypto.Signer
}

// NewKeyPair returns the key pair of key and chain, in any order; the leaf
// is the certificate of key. It fails, with an error matching
// [ErrInvalidArgument], when chain is empty, key is not an RSA or EC key
// that Key Vault supports, or no certificate of chain has key's public key.
func NewKeyPair(chain []*x509.Certificate, key crypto.Signer) (*KeyPair, error) {
	kp, err := newKeyPair(chain, key)
	if err != nil {
		return nil, invalidArg("%v", err)
	}
	return kp, nil
}

// KeyPairFromTLS returns the key pair of cert, whose Certificate holds the
// DER chain and PrivateKey a crypto.Signer, as tls.LoadX509KeyPair and
// tls.X509KeyPair make. Errors match [ErrInvalidArgument].
func KeyPairFromTLS(cert tls.Certificate) (*KeyPair, error) {
	chain := make([]*x509.Certificate, len(cert.Certificate))
	for i, der := range cert.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, invalidArg("tls.Certificate.Certificate[%d] is not a DER X.509 certificate: %v", i, err)
		}
		chain[i] = c
	}
	key, ok := cert.PrivateKey.(crypto.Signer)
	if !ok && cert.PrivateKey != nil {
		return nil, invalidArg("tls.Certificate.PrivateKey is a %T, which is not a crypto.Signer", cert.PrivateKey)
	}
	return NewKeyPair(chain, key)
}

// ParseKeyPair decodes a certificate chain and its private key from PEM
// text or from PKCS #12 (PFX) data, and returns them as a key pair with
// the chain in the data's order.
//
// PEM data holds CERTIFICATE blocks and one private key block in PKCS #8
// ("PRIVATE KEY"), PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY")
// form, in any order; other blocks are ignored. Encrypted PEM keys are not
// supported. password decrypts PKCS #12 data and must be empty for PEM.
// Errors match [ErrInvalidArgument] and never contain key material.
func ParseKeyPair(data []byte, password string) (*KeyPair, error) {
	var key any
	var chain []*x509.Certificate
	var err error
	switch {
	case len(data) == 0:
		return nil, invalidArg("the key pair data is empty")
	case isPEM(data) && password != "":
		return nil, invalidArg("the key pair data is PEM, which takes no password; only PKCS #12 data is decrypted")
	case isPEM(data):
		key, chain, err = keyfile.DecodePEM(data)
	default:
		key, chain, err = keyfile.DecodePFX(data, password)
	}
	if err != nil {
		return nil, invalidArg("%v", err)
	}
	kp, err := newKeyPair(chain, key)
	if err != nil {
		return nil, invalidArg("%v", err)
	}
	return kp, nil
}

// newKeyPair checks key and finds its certificate in chain.
func newKeyPair(chain []*x509.Certificate, key any) (*KeyPair, error) {
	if len(chain) == 0 {
		return nil, errors.New("the certificate chain is empty")
	}
	signer, err := supportedKey(key)
	if err != nil {
		return nil, err
	}
	for i, c := range chain {
		if c == nil {
			return nil, fmt.Errorf("certificate %d of the chain is nil", i)
		}
	}
	for _, c := range chain {
		if keyfile.Matches(c, signer) {
			return &KeyPair{Leaf: c, Chain: chain, PrivateKey: signer}, nil
		}
	}
	return nil, fmt.Errorf("the private key (%s) belongs to none of the %d certificates (the first is %q)",
		keyfile.Describe(signer), len(chain), chain[0].Subject)
}

// check reports what is wrong with a key pair that may have been built by
// hand rather than by this package's functions.
func (k *KeyPair) check() error {
	if len(k.Chain) == 0 {
		return errors.New("the key pair's Chain is empty")
	}
	if _, err := supportedKey(k.PrivateKey); err != nil {
		return err
	}
	switch {
	case k.Leaf == nil:
		return errors.New("the key pair's Leaf is nil")
	case !keyfile.Matches(k.Leaf, k.PrivateKey):
		return fmt.Errorf("the private key (%s) does not belong to the leaf %q", keyfile.Describe(k.PrivateKey), k.Leaf.Subject)
	}
	for i, c := range k.Chain {
		if c == nil {
			return fmt.Errorf("certificate %d of the chain is nil", i)
		}
		if c.Equal(k.Leaf) {
			return nil
		}
	}
	return errors.New("the key pair's Chain does not hold its Leaf")
}

// supportedKey returns key as a crypto.Signer if Key Vault supports it.
func supportedKey(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case nil:
		return nil, keyfile.ErrNoPrivateKey
	case *rsa.PrivateKey:
		if k != nil {
			return k, nil
		}
		return nil, keyfile.ErrNoPrivateKey
	case *ecdsa.PrivateKey:
		if k == nil {
			return nil, keyfile.ErrNoPrivateKey
		}
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return k, nil
		}
		return nil, fmt.Errorf("EC keys on curve %s are not supported; use P-256, P-384 or P-521", k.Curve.Params().Name)
	}
	return nil, fmt.Errorf("%T keys are not supported; use RSA or EC (P-256, P-384, P-521) keys", key)
}

// TLSCertificate returns the key pair for tls.Config: its Certificate holds
// the leaf first, then each issuer the chain holds, then any other
// certificates; Leaf is set.
func (k *KeyPair) TLSCertificate() tls.Certificate {
	chain := leafFirst(k.Leaf, k.Chain)
	der := make([][]byte, len(chain))
	for i, c := range chain {
		der[i] = c.Raw
	}
	return tls.Certificate{Certificate: der, PrivateKey: k.PrivateKey, Leaf: k.Leaf}
}

// PEM returns the chain's CERTIFICATE blocks in Chain's order followed by
// the private key as an unencrypted PKCS #8 "PRIVATE KEY" block: the layout
// of Key Vault's PEM secrets, which tls.X509KeyPair, ParseKeyPair and
// ImportCertificate read. Protect it as you would the key.
func (k *KeyPair) PEM() ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, invalidArg("%v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("kvcerts: encoding the private key as PKCS #8: %w", err)
	}
	var out []byte
	for _, c := range k.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...), nil
}

// PFX returns the key pair as PKCS #12 data encrypted with password, using
// AES-256-CBC with PBKDF2-HMAC-SHA-256 and an HMAC-SHA-256 MAC, which
// OpenSSL 1.1.1 and later, Java 12 and later and Windows Server 2019 and
// later read. The leaf comes first, then its issuers.
//
// An empty password is refused with an error matching [ErrInvalidArgument]:
// the file holds the private key, so it must be protected. Use a password
// of high entropy; the key derivation alone does not stop guessing of weak
// ones.
func (k *KeyPair) PFX(password string) ([]byte, error) {
	if password == "" {
		return nil, invalidArg("the PFX password is empty; a PFX holds the private key and must be protected")
	}
	if err := k.check(); err != nil {
		return nil, invalidArg("%v", err)
	}
	chain := leafFirst(k.Leaf, k.Chain)
	data, err := pkcs12.Modern2023.Encode(k.PrivateKey, chain[0], chain[1:], password)
	if err != nil {
		return nil, fmt.Errorf("kvcerts: encoding the PFX: %w", err)
	}
	return data, nil
}

// leafFirst returns chain with leaf first, followed by its issuer, the
// issuer's issuer and so on as far as chain holds them, and then the other
// certificates in their order. With a nil leaf it returns chain as it is.
func leafFirst(leaf *x509.Certificate, chain []*x509.Certificate) []*x509.Certificate {
	if leaf == nil {
		return chain
	}
	out := make([]*x509.Certificate, 0, len(chain))
	used := make([]bool, len(chain))
	for cur := leaf; cur != nil; {
		out = append(out, cur)
		next := -1
		for i, c := range chain {
			switch {
			case used[i]:
			case c.Equal(cur):
				used[i] = true
			case next < 0 && bytes.Equal(c.RawSubject, cur.RawIssuer) && !bytes.Equal(cur.RawIssuer, cur.RawSubject):
				next = i
			}
		}
		cur = nil
		if next >= 0 {
			used[next] = true
			cur = chain[next]
		}
	}
	for i, c := range chain {
		if !used[i] {
			out = append(out, c)
		}
	}
	return out
}

// String describes the key pair by its leaf, without the private key.
func (k KeyPair) String() string {
	if k.Leaf == nil {
		return fmt.Sprintf("KeyPair{%d certificates, no leaf}", len(k.Chain))
	}
	return fmt.Sprintf("KeyPair{leaf %q, serial %s, expires %s, %d certificates, %s private key}",
		k.Leaf.Subject, k.Leaf.SerialNumber, k.Leaf.NotAfter.UTC().Format(time.RFC3339), len(k.Chain), keyfile.Describe(k.PrivateKey))
}

// GoString is String, so that %#v does not print the private key either.
func (k KeyPair) GoString() string { return k.String() }

// LogValue is String, so that log/slog does not log the private key.
func (k KeyPair) LogValue() slog.Value { return slog.StringValue(k.String()) }
