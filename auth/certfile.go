package auth

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
	"slices"

	"software.sslmate.com/src/go-pkcs12"
)

// ParseCertificates reads a certificate chain and its private key, for NewClientCertificate,
// from the contents of a PEM or PFX (PKCS #12) file.
//
// PEM data holds one or more CERTIFICATE blocks and one unencrypted private key (PRIVATE KEY,
// RSA PRIVATE KEY or EC PRIVATE KEY), in any order. PFX data is decrypted with password,
// which PEM data does not use. The returned chain starts with the certificate of the key.
func ParseCertificates(data []byte, password string) ([]*x509.Certificate, crypto.Signer, error) {
	certs, key, err := parseCertificates(data, password)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	return certs, key, nil
}

func parseCertificates(data []byte, password string) ([]*x509.Certificate, crypto.Signer, error) {
	var (
		certs []*x509.Certificate
		key   any
		err   error
	)
	if bytes.Contains(data, []byte("-----BEGIN")) {
		certs, key, err = parsePEM(data)
	} else {
		certs, key, err = parsePFX(data, password)
	}
	if err != nil {
		return nil, nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("unsupported private key type %T", key)
	}
	for i, c := range certs {
		if k, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && k.Equal(signer.Public()) {
			leaf := certs[i]
			return append([]*x509.Certificate{leaf}, slices.Delete(certs, i, i+1)...), signer, nil
		}
	}
	return nil, nil, errors.New("no certificate matches the private key")
}

func parsePFX(data []byte, password string) ([]*x509.Certificate, any, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, nil, fmt.Errorf("reading PFX data (is it a PEM or PFX file, and is the password right?): %w", err)
	}
	return append([]*x509.Certificate{leaf}, cas...), key, nil
}

func parsePEM(data []byte) ([]*x509.Certificate, any, error) {
	var (
		certs []*x509.Certificate
		key   any
	)
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var err error
		switch block.Type {
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(block.Bytes); err == nil {
				certs = append(certs, c)
			}
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if key != nil {
				return nil, nil, errors.New("PEM data holds more than one private key")
			}
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, nil, errors.New("encrypted PEM private keys are not supported; decrypt the key or use a PFX file")
			}
			key, err = parsePEMKey(block)
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, errors.New("encrypted PEM private keys are not supported; decrypt the key or use a PFX file")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading PEM block %q: %w", block.Type, err)
		}
	}
	switch {
	case len(certs) == 0:
		return nil, nil, errors.New("PEM data holds no CERTIFICATE block")
	case key == nil:
		return nil, nil, errors.New("PEM data holds no private key")
	}
	return certs, key, nil
}

func parsePEMKey(block *pem.Block) (any, error) {
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	}
	return x509.ParsePKCS8PrivateKey(block.Bytes)
}

// keyType names the algorithm of a public key for error messages.
func keyType(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}
