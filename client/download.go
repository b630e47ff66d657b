package client

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/keyfile"
)

// DownloadCertificateOptions are the options of DownloadCertificate.
type DownloadCertificateOptions struct {
	// Version is the version to download; empty means the latest.
	Version string
}

// DownloadedCertificate is a certificate version with its private key.
// The embedded [KeyPair] turns it into a tls.Certificate, PEM or a PFX.
type DownloadedCertificate struct {
	// Certificate is the version's metadata and policy.
	Certificate *Certificate
	KeyPair
}

// DownloadCertificate returns a version of the certificate name (the
// latest unless opts say otherwise) with its private key, ready for TLS:
//
//	dc, err := c.DownloadCertificate(ctx, "web", nil)
//	if err != nil { ... }
//	cfg := &tls.Config{Certificates: []tls.Certificate{dc.TLSCertificate()}}
//
// It reads the version, then the secret that its SecretID names, which
// holds the key and the chain as base64 PKCS #12 or as PEM text. It checks
// that the secret's key belongs to its leaf and that the leaf is the
// version's certificate (CER). A SecretID outside this vault or for another
// name is refused without being followed.
//
// Key Vault: GET /certificates/{name}/{version}, then GET
// /secrets/{name}/{version} (permissions certificates/get and secrets/get).
// Errors: [ErrKeyNotExportable] when the policy keeps the key in the vault,
// [ErrUnsupportedKey] for a key on a curve Go cannot use, such as P-256K
// (refused before the secret is read when the policy or the certificate
// names the curve),
// [ErrNotFound], [ErrForbidden] (also for a disabled version, whose secret
// cannot be read), and an error saying what is wrong with a secret that
// cannot be decoded or does not match the certificate. Errors never contain
// the secret's value or the key.
func (c *Client) DownloadCertificate(ctx context.Context, name string, opts *DownloadCertificateOptions) (*DownloadedCertificate, error) {
	ctx = withOperation(ctx, "DownloadCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &DownloadCertificateOptions{}
	}
	if err := checkVersion(opts.Version, true); err != nil {
		return nil, err
	}
	cert, err := c.getCertificate(ctx, name, opts.Version)
	if err != nil {
		return nil, err
	}
	return c.download(ctx, cert)
}

// download fetches and checks the secret of cert.
func (c *Client) download(ctx context.Context, cert *Certificate) (*DownloadedCertificate, error) {
	p := cert.Properties
	fail := func(format string, args ...any) error {
		return fmt.Errorf("kvcerts: certificate %q version %s: %s", p.Name, p.Version, fmt.Sprintf(format, args...))
	}
	if cert.Policy != nil && !policyCurveSupported(cert.Policy.KeyCurve) {
		return nil, errUnsupportedCurve(p.Name, p.Version, cert.Policy.KeyCurve)
	}
	if curve, ok := certificateCurve(cert.CER); ok {
		return nil, errUnsupportedCurve(p.Name, p.Version, curve)
	}
	sid, err := ParseID(cert.SecretID)
	if err != nil || sid.Collection != CollectionSecrets || sid.VaultURL != c.vaultURL ||
		!strings.EqualFold(sid.Name, p.Name) || sid.Version == "" {
		return nil, fail("its secret id %s is not a version of secret %q in this vault; it is not followed", quoteURL(cert.SecretID), p.Name)
	}
	req, err := gen.NewGetSecretRequest(c.server, sid.Name, sid.Version, nil)
	var s gen.SecretBundle
	if _, err := c.do(ctx, req, err, http.StatusOK, &s); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionSecrets, s.ID, sid.Name, sid.Version); err != nil {
		return nil, err
	}
	if s.Value == "" {
		return nil, fail("the secret has no value")
	}
	kp, err := decodeSecret(s.ContentType, s.Value)
	switch {
	case errors.Is(err, keyfile.ErrNoPrivateKey):
		return nil, fmt.Errorf("%w: certificate %q version %s: the secret holds the certificate only; "+
			"a policy with an exportable key is needed to download the key", ErrKeyNotExportable, p.Name, p.Version)
	case err != nil:
		if curve, ok := secretCurve(cert.CER, s.Value); ok {
			return nil, errUnsupportedCurve(p.Name, p.Version, curve)
		}
		return nil, fail("the secret cannot be used: %v", err)
	case !bytes.Equal(kp.Leaf.Raw, cert.CER):
		return nil, fail("the secret's leaf certificate %q is not the version's certificate", kp.Leaf.Subject)
	}
	if !cert.PreserveCertOrder {
		kp.Chain = leafFirst(kp.Leaf, kp.Chain)
	}
	return &DownloadedCertificate{Certificate: cert, KeyPair: *kp}, nil
}

// decodeSecret decodes a certificate's secret value: base64 PKCS #12 or PEM
// text as contentType says, or as the value looks when it says nothing.
// Errors describe the structure, never the value.
func decodeSecret(contentType, value string) (*KeyPair, error) {
	ct := ContentType(contentType)
	if ct == "" {
		ct = ContentTypePKCS12
		if isPEM([]byte(value)) {
			ct = ContentTypePEM
		}
	}
	var key any
	var chain []*x509.Certificate
	var err error
	switch ct {
	case ContentTypePEM:
		key, chain, err = keyfile.DecodePEM([]byte(value))
	case ContentTypePKCS12:
		data, derr := base64.StdEncoding.DecodeString(value)
		if derr != nil {
			return nil, fmt.Errorf("the %s value is not base64: %v", ct, derr)
		}
		key, chain, err = keyfile.DecodePFX(data, "")
	default:
		return nil, fmt.Errorf("its content type %s is neither %s nor %s", quote(contentType), ContentTypePKCS12, ContentTypePEM)
	}
	if err != nil {
		return nil, err
	}
	return newKeyPair(chain, key)
}
