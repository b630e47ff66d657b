package auth

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/kvcerts/kvcerts/internal/keyfile"
)

// CertificateOptions configures NewClientCertificate. A nil *CertificateOptions is the same
// as the zero value.
type CertificateOptions struct {
	Options

	// SendCertificateChain puts the certificate chain in every assertion (the x5c header).
	// Subject name and issuer authentication needs it.
	SendCertificateChain bool

	// UsePSS is kept for compatibility and has no effect: MSAL signs every assertion for
	// Microsoft Entra ID with PS256 (RSASSA-PSS).
	//
	// Deprecated: assertions are always signed with PS256.
	UsePSS bool

	// password is the password of the PFX file the certificate came from, when Default
	// read it, kept only to be removed from errors.
	password string
}

// NewClientCertificate returns a credential for a service principal that proves its identity
// with a certificate: MSAL's confidential client signs a short-lived JWT assertion with key
// (PS256) for each token request.
//
// certs is the certificate chain, starting with the certificate of key; [ParseCertificates]
// reads it from a PEM or PFX file. key must be an *rsa.PrivateKey, as MSAL signs with the
// key itself.
func NewClientCertificate(tenantID, clientID string, certs []*x509.Certificate, key crypto.Signer, opts *CertificateOptions) (*Credential, error) {
	const kind = "client certificate"
	if opts == nil {
		opts = &CertificateOptions{}
	}
	if len(certs) == 0 || certs[0] == nil {
		return nil, &credentialError{kind, errors.New("missing certificate")}
	}
	if key == nil {
		return nil, &credentialError{kind, errors.New("missing private key")}
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, &credentialError{kind, fmt.Errorf("the private key is %s; Microsoft Entra ID certificate credentials need an *rsa.PrivateKey", keyfile.Describe(key))}
	}
	if !rsaKey.PublicKey.Equal(certs[0].PublicKey) {
		return nil, &credentialError{kind, fmt.Errorf("the private key does not belong to the first certificate (%q)", certs[0].Subject)}
	}
	cred, err := confidential.NewCredFromCert(certs, rsaKey)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	src, err := newEntraSource(tenantID, clientID, cred, &opts.Options, opts.SendCertificateChain, opts.password)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	detail := fmt.Sprintf("tenant %s, client %s, certificate %q", tenantID, clientID, certs[0].Subject)
	return newCredential(kind, detail, tenantID, src, &opts.Options), nil
}
