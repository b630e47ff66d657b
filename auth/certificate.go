package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// jwtBearer is the client_assertion_type of a JWT client assertion.
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid: long enough for one request.
const assertionLifetime = 5 * time.Minute

// CertificateOptions configures NewClientCertificate. A nil *CertificateOptions is the same
// as the zero value.
type CertificateOptions struct {
	Options

	// SendCertificateChain puts the certificate chain in every assertion (the x5c header).
	// Subject name and issuer authentication needs it.
	SendCertificateChain bool

	// UsePSS signs assertions with PS256 (RSASSA-PSS) instead of RS256 (PKCS #1 v1.5).
	UsePSS bool
}

// NewClientCertificate returns a credential for a service principal that proves its identity
// with a certificate: each token request carries a short-lived JWT assertion signed by key.
//
// certs is the certificate chain, starting with the certificate of key; [ParseCertificates]
// reads it from a PEM or PFX file. key must be an RSA key; it may live in hardware, as only
// its Sign method is used.
func NewClientCertificate(tenantID, clientID string, certs []*x509.Certificate, key crypto.Signer, opts *CertificateOptions) (*Credential, error) {
	const kind = "client certificate"
	if opts == nil {
		opts = &CertificateOptions{}
	}
	c, err := newEntraClient(tenantID, clientID, &opts.Options)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	src, err := newCertSource(c, certs, key, opts)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	detail := fmt.Sprintf("tenant %s, client %s, certificate %q", tenantID, clientID, certs[0].Subject)
	return newCredential(kind, detail, tenantID, src, &opts.Options), nil
}

type certSource struct {
	entra  *entraClient
	key    crypto.Signer
	pss    bool
	header string // the encoded JWT header, the same for every assertion
}

func newCertSource(c *entraClient, certs []*x509.Certificate, key crypto.Signer, opts *CertificateOptions) (*certSource, error) {
	if len(certs) == 0 || certs[0] == nil {
		return nil, errors.New("missing certificate")
	}
	if key == nil {
		return nil, errors.New("missing private key")
	}
	pub, ok := key.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the private key is %s; RS256 and PS256 assertions need an RSA key", keyType(key.Public()))
	}
	if !pub.Equal(certs[0].PublicKey) {
		return nil, fmt.Errorf("the private key does not belong to the first certificate (%q)", certs[0].Subject)
	}

	thumbprint := sha256.Sum256(certs[0].Raw)
	h := struct {
		Alg string   `json:"alg"`
		Typ string   `json:"typ"`
		X5t string   `json:"x5t#S256"`
		X5c []string `json:"x5c,omitempty"`
	}{Alg: "RS256", Typ: "JWT", X5t: base64.RawURLEncoding.EncodeToString(thumbprint[:])}
	if opts.UsePSS {
		h.Alg = "PS256"
	}
	if opts.SendCertificateChain {
		for _, cert := range certs {
			h.X5c = append(h.X5c, base64.StdEncoding.EncodeToString(cert.Raw))
		}
	}
	header, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return &certSource{entra: c, key: key, pss: opts.UsePSS, header: base64.RawURLEncoding.EncodeToString(header)}, nil
}

func (s *certSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	assertion, err := s.assertion(s.entra.tokenURL(r.tenant), r.now)
	if err != nil {
		return nil, err
	}
	return s.entra.request(ctx, r, "", url.Values{
		"client_assertion":      {assertion},
		"client_assertion_type": {jwtBearer},
	})
}

// assertion returns a signed JWT that identifies the client to the token endpoint aud.
func (s *certSource) assertion(aud string, now time.Time) (string, error) {
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Jti string `json:"jti"`
		Nbf int64  `json:"nbf"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}{
		Aud: aud,
		Iss: s.entra.clientID,
		Sub: s.entra.clientID,
		Jti: rand.Text(),
		Nbf: now.Unix(),
		Iat: now.Unix(),
		Exp: now.Add(assertionLifetime).Unix(),
	})
	if err != nil {
		return "", err
	}
	signed := s.header + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signed))
	var opts crypto.SignerOpts = crypto.SHA256
	if s.pss {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	sig, err := s.key.Sign(rand.Reader, digest[:], opts)
	if err != nil {
		return "", fmt.Errorf("signing the client assertion: %w", err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
