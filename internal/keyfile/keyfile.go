// Package keyfile reads certificate chains and their private keys from PEM text and PKCS #12
// (PFX) data: the one parser behind auth.ParseCertificates and client.ParseKeyPair.
// Its errors describe the data's structure and never contain key material.
package keyfile

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// ErrNoPrivateKey reports data that holds certificates but no private key.
var ErrNoPrivateKey = errors.New("there are certificates but no private key")

// decode returns the private key and the certificates, in the data's order, of PEM text or
// PKCS #12 data. Data holding "-----BEGIN " anywhere is PEM, so that text before the first
// block (the "Bag Attributes" openssl writes) does not matter. PEM data holds CERTIFICATE
// blocks and one unencrypted private key block in PKCS #8 ("PRIVATE KEY"), PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY") form, in
// any order; other blocks are ignored. password decrypts PKCS #12 data and is not used for
// PEM data.
func decode(data []byte, password string) (key any, certs []*x509.Certificate, err error) {
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return DecodePEM(data)
	}
	return DecodePFX(data, password)
}

// DecodePEM returns the private key and certificates of PEM data.
func DecodePEM(data []byte) (key any, certs []*x509.Certificate, err error) {
	n := 0
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		n++
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("PEM block %d (CERTIFICATE): %v", n, err)
			}
			certs = append(certs, c)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			if key != nil {
				return nil, nil, fmt.Errorf("PEM block %d (%s): the data holds more than one private key", n, b.Type)
			}
			if key, err = parsePEMKey(b); err != nil {
				return nil, nil, fmt.Errorf("PEM block %d (%s): %v", n, b.Type, err)
			}
		}
	}
	switch {
	case n == 0:
		return nil, nil, errors.New("the PEM data holds no PEM block")
	case len(certs) == 0:
		return nil, nil, errors.New("the PEM data holds no CERTIFICATE block")
	case key == nil:
		return nil, nil, ErrNoPrivateKey
	}
	return key, certs, nil
}

// parsePEMKey parses a private key block. The parsers' errors describe the structure,
// never the key's content.
func parsePEMKey(b *pem.Block) (any, error) {
	if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || b.Headers["DEK-Info"] != "" {
		return nil, errors.New("the private key is encrypted; decrypt it first (for example with openssl pkcs8 -topk8 -nocrypt) or use a PFX file")
	}
	switch b.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	}
	return x509.ParsePKCS8PrivateKey(b.Bytes)
}

// DecodePFX returns the private key and certificates of PKCS #12 data, the certificates in
// the data's order.
func DecodePFX(data []byte, password string) (any, []*x509.Certificate, error) {
	if len(data) == 0 || data[0] != 0x30 { // not a DER SEQUENCE
		return nil, nil, errors.New("the data is neither PEM text nor PKCS #12")
	}
	key, first, rest, err := pkcs12.DecodeChain(data, password)
	switch {
	case err == nil:
		return key, append([]*x509.Certificate{first}, rest...), nil
	case errors.Is(err, pkcs12.ErrIncorrectPassword) && password == "":
		return nil, nil, errors.New("the PKCS #12 data needs a password, or is corrupt")
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return nil, nil, errors.New("the PKCS #12 password is wrong, or the data is corrupt")
	case err.Error() == "pkcs12: private key missing":
		// go-pkcs12 has no sentinel for a PFX of certificates only, as Key Vault serves
		// for keys that are not exportable.
		return nil, nil, ErrNoPrivateKey
	}
	return nil, nil, fmt.Errorf("the PKCS #12 data cannot be read: %v", err)
}

// Parse returns the certificate chain of PEM or PKCS #12 data with the certificate of its
// private key first, followed by the others in the data's order, and the key.
func Parse(data []byte, password string) ([]*x509.Certificate, crypto.Signer, error) {
	key, certs, err := decode(data, password)
	if err != nil {
		return nil, nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("unsupported private key type %T", key)
	}
	for i, c := range certs {
		if Matches(c, signer) {
			out := append([]*x509.Certificate{c}, certs[:i]...)
			return append(out, certs[i+1:]...), signer, nil
		}
	}
	return nil, nil, fmt.Errorf("the private key (%s) belongs to none of the %d certificates", Describe(signer), len(certs))
}

// Matches reports whether c is the certificate of key.
func Matches(c *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(c.PublicKey)
}

// Describe names a key's type and size, such as "RSA 2048", "EC P-256" or "Ed25519".
func Describe(key crypto.Signer) string {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PrivateKey:
		return "EC " + k.Curve.Params().Name
	case ed25519.PrivateKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", key)
}
