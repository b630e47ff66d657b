package auth

import (
	"crypto"
	"crypto/x509"
	"fmt"

	"github.com/kvcerts/kvcerts/internal/keyfile"
)

// ParseCertificates reads a certificate chain and its private key, for NewClientCertificate,
// from the contents of a PEM or PFX (PKCS #12) file.
//
// PEM data holds one or more CERTIFICATE blocks and one unencrypted private key (PRIVATE KEY,
// RSA PRIVATE KEY or EC PRIVATE KEY), in any order. PFX data is decrypted with password,
// which PEM data does not use. The returned chain starts with the certificate of the key,
// followed by the others in the data's order. Errors never contain key material.
func ParseCertificates(data []byte, password string) ([]*x509.Certificate, crypto.Signer, error) {
	certs, key, err := keyfile.Parse(data, password)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	return certs, key, nil
}
