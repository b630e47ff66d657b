package client

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
)

// ImportCertificateOptions are the options of ImportCertificate.
type ImportCertificateOptions struct {
	// Password decrypts PKCS #12 data; leave it empty for unencrypted data.
	Password string
	// Policy is the certificate's management policy. Its ContentType
	// defaults to the format of the imported data.
	Policy *CertificatePolicy
	// Enabled sets whether the imported version is enabled; nil means enabled.
	Enabled *bool
	// Tags are the imported version's tags.
	Tags map[string]string
	// PreserveCertOrder keeps the chain in the order of the data instead of
	// putting the leaf first.
	PreserveCertOrder bool
}

// ImportCertificate imports a certificate with its private key as a new
// certificate, or a new version of an existing one, and returns it. data is
// either PKCS #12 (PFX) bytes or PEM text holding the certificate chain and
// a PKCS #8 private key ("BEGIN PRIVATE KEY"; PKCS #1 and SEC 1 keys are
// refused with an error saying so). The data is sent as it is; to check it
// first, or to convert other key forms, use [Client.ImportCertificateFile]
// or [ParseKeyPair] with [Client.ImportKeyPair].
//
// Key Vault: POST /certificates/{name}/import (permission certificates/import).
// Errors: [ErrConflict] when name is deleted but recoverable, [ErrForbidden],
// a [*ResponseError] with code "BadParameter" for data the service cannot
// read (such as a wrong password).
func (c *Client) ImportCertificate(ctx context.Context, name string, data []byte, opts *ImportCertificateOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "ImportCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, invalidArg("the certificate data to import is empty")
	}
	if opts == nil {
		opts = &ImportCertificateOptions{}
	}
	policy := opts.Policy
	if policy != nil {
		if err := c.checkPolicy(policy); err != nil {
			return nil, err
		}
	}
	body := gen.CertificateImportParameters{
		CertificateAttributes: gen.CertificateAttributes{Enabled: opts.Enabled},
		Password:              opts.Password,
		Tags:                  opts.Tags,
	}
	if isPEM(data) {
		if err := checkPEMKeys(data); err != nil {
			return nil, err
		}
		switch {
		case policy == nil:
			policy = &CertificatePolicy{ContentType: ContentTypePEM}
		case policy.ContentType == "":
			cp := *policy
			cp.ContentType = ContentTypePEM
			policy = &cp
		case policy.ContentType != ContentTypePEM:
			return nil, invalidArg("the data to import is PEM but the policy's ContentType is %s", quote(string(policy.ContentType)))
		}
		body.Base64EncodedCertificate = string(data)
	} else {
		body.Base64EncodedCertificate = base64.StdEncoding.EncodeToString(data)
	}
	body.CertificatePolicy = policyToWire(policy)
	if opts.PreserveCertOrder {
		body.PreserveCertOrder = &opts.PreserveCertOrder
	}
	req, err := gen.NewImportCertificateRequest(c.server, name, body)
	var b certificateBundle
	if _, err := c.do(createsState(ctx), req, err, http.StatusOK, &b); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionCertificates, b.ID, name, ""); err != nil {
		return nil, err
	}
	return certificateFromBundle(&b), nil
}

// isPEM reports whether data looks like PEM text rather than PKCS #12.
func isPEM(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN "))
}

// checkPEMKeys refuses private keys in a form the service does not take.
// Only block types are inspected; key material never reaches the error.
func checkPEMKeys(data []byte) error {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil
		}
		switch block.Type {
		case "RSA PRIVATE KEY", "EC PRIVATE KEY":
			return invalidArg("the PEM data holds a %q block; Key Vault needs the private key as PKCS #8 (\"PRIVATE KEY\"), "+
				"for example from x509.MarshalPKCS8PrivateKey or openssl pkcs8 -topk8 -nocrypt", block.Type)
		}
	}
}

// MergeCertificateOptions are the options of MergeCertificate.
type MergeCertificateOptions struct {
	// Enabled sets whether the merged version is enabled; nil means enabled.
	Enabled *bool
	// Tags are the merged version's tags.
	Tags map[string]string
}

// MergeCertificate completes a pending operation of issuer [IssuerUnknown]:
// chain is the DER certificate signed from the operation's CSR, followed by
// any intermediates ([DERChain] converts *x509.Certificate values). It
// returns the new version. Each element must be one well-formed DER
// certificate; its contents are left to the service, so that certificates
// whose key Go cannot parse, such as P-256K ones, can be merged.
//
// Key Vault: POST /certificates/{name}/pending/merge (permission certificates/create).
// Errors: [ErrNotFound] when name has no pending operation, [ErrForbidden],
// a [*ResponseError] with code "BadParameter" when the certificate does not
// match the operation's key.
func (c *Client) MergeCertificate(ctx context.Context, name string, chain [][]byte, opts *MergeCertificateOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "MergeCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, invalidArg("the certificate chain to merge is empty")
	}
	for i, der := range chain {
		if err := checkDER(der); err != nil {
			return nil, invalidArg("chain[%d] is not a DER X.509 certificate: %v", i, err)
		}
	}
	if opts == nil {
		opts = &MergeCertificateOptions{}
	}
	body := gen.CertificateMergeParameters{
		CertificateAttributes: gen.CertificateAttributes{Enabled: opts.Enabled},
		Tags:                  opts.Tags,
		X509Certificates:      chain,
	}
	req, err := gen.NewMergeCertificateRequest(c.server, name, body)
	var b certificateBundle
	if _, err := c.do(createsState(ctx), req, err, http.StatusCreated, &b); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionCertificates, b.ID, name, ""); err != nil {
		return nil, err
	}
	return certificateFromBundle(&b), nil
}

// DERChain returns the DER encodings of certs, for MergeCertificate.
func DERChain(certs ...*x509.Certificate) [][]byte {
	out := make([][]byte, len(certs))
	for i, c := range certs {
		out[i] = c.Raw
	}
	return out
}
