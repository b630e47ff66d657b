package client

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"software.sslmate.com/src/go-pkcs12"
)

// ImportKeyPairOptions are the options of ImportKeyPair.
type ImportKeyPairOptions struct {
	// Policy is the certificate's management policy. Its ContentType sets
	// the secret's format, [ContentTypePKCS12] by default.
	Policy *CertificatePolicy
	// Enabled sets whether the imported version is enabled; nil means enabled.
	Enabled *bool
	// Tags are the imported version's tags.
	Tags map[string]string
	// PreserveCertOrder keeps the chain in kp.Chain's order instead of
	// putting the leaf first; it needs [ContentTypePEM].
	PreserveCertOrder bool
}

// ImportKeyPair imports kp as a new certificate, or a new version of an
// existing one, and returns it. kp comes from [NewKeyPair] (a chain and a
// crypto.Signer), [KeyPairFromTLS], [ParseKeyPair] or a download.
//
// The secret's format follows opts.Policy.ContentType. [ContentTypePKCS12],
// the default and what Azure services that deploy certificates from a
// vault read, sends kp as PKCS #12 with an empty password, encrypted with
// 3DES because the service refuses AES-encrypted PFX, with the leaf first
// and the other certificates in kp.Chain's order. [ContentTypePEM] sends a
// PKCS #8 key and kp.Chain as PEM text in kp.Chain's order: use it with
// opts.PreserveCertOrder when the leaf is not first. Either way the data
// travels over TLS only.
//
// kp is checked (a supported key that belongs to the leaf, a chain that
// holds the leaf) before any request.
//
// Key Vault: POST /certificates/{name}/import (permission certificates/import).
// Errors: as for [Client.ImportCertificate].
func (c *Client) ImportKeyPair(ctx context.Context, name string, kp *KeyPair, opts *ImportKeyPairOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "ImportKeyPair")
	var o ImportKeyPairOptions
	if opts != nil {
		o = *opts
	}
	return c.importKeyPair(ctx, name, kp, ContentTypePKCS12, o)
}

// ImportCertificateFileOptions are the options of ImportCertificateFile.
type ImportCertificateFileOptions struct {
	// Password decrypts a PKCS #12 file; leave it empty for PEM and for
	// unencrypted PKCS #12.
	Password string
	// Policy is the certificate's management policy. Its ContentType sets
	// the secret's format, by default the file's.
	Policy *CertificatePolicy
	// Enabled sets whether the imported version is enabled; nil means enabled.
	Enabled *bool
	// Tags are the imported version's tags.
	Tags map[string]string
	// PreserveCertOrder keeps the chain in the file's order instead of
	// putting the leaf first; it needs [ContentTypePEM].
	PreserveCertOrder bool
}

// ImportCertificateFile imports the PEM or PKCS #12 (PFX) file at path, as
// read by [ParseKeyPair] with opts.Password, and returns the new version.
// The secret keeps the file's format unless opts.Policy.ContentType says
// otherwise; PEM keys in PKCS #1 or SEC 1 form are converted to the PKCS #8
// form the service needs. The file is checked before any request, as
// [Client.ImportKeyPair] checks a key pair.
//
// Key Vault: POST /certificates/{name}/import (permission certificates/import).
// Errors: as for [Client.ImportCertificate]; errors about the file match
// [ErrInvalidArgument] and name the path, never its content.
func (c *Client) ImportCertificateFile(ctx context.Context, name, path string, opts *ImportCertificateFileOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "ImportCertificateFile")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kvcerts: %w", err)
	}
	o, password := ImportKeyPairOptions{}, ""
	if opts != nil {
		o = ImportKeyPairOptions{Policy: opts.Policy, Enabled: opts.Enabled, Tags: opts.Tags, PreserveCertOrder: opts.PreserveCertOrder}
		password = opts.Password
	}
	kp, err := ParseKeyPair(data, password)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, quote(path))
	}
	format := ContentTypePKCS12
	if isPEM(data) {
		format = ContentTypePEM
	}
	return c.importKeyPair(ctx, name, kp, format, o)
}

// importKeyPair checks kp and imports it in the format of the policy's
// content type, or format when the policy names none.
func (c *Client) importKeyPair(ctx context.Context, name string, kp *KeyPair, format ContentType, o ImportKeyPairOptions) (*Certificate, error) {
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if kp == nil {
		return nil, invalidArg("the key pair to import is nil")
	}
	if err := kp.check(); err != nil {
		return nil, invalidArg("%v", err)
	}
	policy := CertificatePolicy{}
	if o.Policy != nil {
		policy = *o.Policy
	}
	if policy.ContentType == "" {
		policy.ContentType = format
	}

	var data []byte
	var err error
	switch policy.ContentType {
	case ContentTypePEM:
		data, err = kp.PEM()
	case ContentTypePKCS12:
		var others []*x509.Certificate
		for _, cert := range kp.Chain {
			if !cert.Equal(kp.Leaf) {
				others = append(others, cert)
			}
		}
		if data, err = pkcs12.LegacyDES.Encode(kp.PrivateKey, kp.Leaf, others, ""); err != nil {
			err = fmt.Errorf("kvcerts: encoding the PFX to import: %w", err)
		}
	default:
		return nil, invalidArg("policy ContentType %s: must be %s or %s", quote(string(policy.ContentType)), ContentTypePKCS12, ContentTypePEM)
	}
	if err != nil {
		return nil, err
	}
	return c.ImportCertificate(ctx, name, data, &ImportCertificateOptions{
		Policy: &policy, Enabled: o.Enabled, Tags: o.Tags, PreserveCertOrder: o.PreserveCertOrder,
	})
}
