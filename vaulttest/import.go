package vaulttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/kvcerts/kvcerts/gen"
	"software.sslmate.com/src/go-pkcs12"
)

// importCertificate answers POST /certificates/{name}/import: a PKCS#12
// (base64, with an optional password) or PEM bundle (PKCS#8 key and
// certificates; PEM text or base64 of it) becomes a new version.
func (v *vault) importCertificate(c *call) (int, any, error) {
	name := c.name
	var body gen.CertificateImportParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	if body.Base64EncodedCertificate == "" {
		return 0, nil, badParameter("value must hold the certificate to import")
	}
	contentType := body.CertificatePolicy.SecretProperties.ContentType
	key, ders, certs, contentType, err := parseImport(body.Base64EncodedCertificate, body.Password, contentType)
	if err != nil {
		return 0, nil, err
	}
	leaf := leafIndex(certs, key.Public())
	if leaf < 0 {
		return 0, nil, badParameter("the imported content has no certificate for its private key")
	}
	preserve := body.PreserveCertOrder != nil && *body.PreserveCertOrder
	p, err := policyFromCertificate(certs[leaf], key, contentType)
	if err != nil {
		return 0, nil, err
	}
	if p, err = p.applyWire(body.CertificatePolicy); err != nil {
		return 0, nil, err
	}
	if !keyFits(p, key) {
		return 0, nil, badParameter("the policy's key properties (%s %d) do not match the imported %s key", p.keyType, p.keySize, describeKey(key.Public()))
	}
	chain, leaf := orderChain(ders, leaf, preserve)
	op := &operation{
		version: newVersion(), policy: p, key: key, preserveOrder: preserve,
		tags: maps.Clone(body.Tags), enabled: body.CertificateAttributes.Enabled,
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	cert, ver, err := v.addImported(name, op, chain, leaf, c.now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v.bundle(cert, ver, true), nil
}

// addImported adds the version op describes, with chain (whose leaf is
// the key's certificate), to the certificate name, and makes op's policy
// the certificate's. Callers hold v.mu.
func (v *vault) addImported(name string, op *operation, chain [][]byte, leaf int, now time.Time) (*certificate, *version, error) {
	if err := v.checkCreatable(nameKey(name), name, now); err != nil {
		return nil, nil, err
	}
	ver, err := v.newVersion(op, chain, leaf, now)
	if err != nil {
		return nil, nil, badParameter("%v", err)
	}
	cert := v.setPolicy(name, op.policy, now)
	cert.versions = append(cert.versions, ver)
	return cert, ver, nil
}

// parseImport decodes an import value. contentType, from the policy, may be
// empty: the format is then detected.
func parseImport(value, password, contentType string) (crypto.Signer, [][]byte, []*x509.Certificate, string, error) {
	text, isPEM := pemText(value)
	switch contentType {
	case "":
		contentType = contentPKCS12
		if isPEM {
			contentType = contentPEM
		}
	case contentPEM:
		if !isPEM {
			return nil, nil, nil, "", badParameter("the policy says %s but value is neither PEM text nor base64 of PEM text", contentPEM)
		}
	case contentPKCS12:
		if isPEM {
			return nil, nil, nil, "", badParameter("value holds PEM text but the policy says %s", contentPKCS12)
		}
	default:
		return nil, nil, nil, "", badParameter("policy secret_props.contentType %q is not supported; use %s or %s", contentType, contentPKCS12, contentPEM)
	}
	var key crypto.Signer
	var certs []*x509.Certificate
	var err error
	if contentType == contentPEM {
		key, certs, err = parsePEMBundle(text)
	} else {
		key, certs, err = parsePFX(value, password)
	}
	if err != nil {
		return nil, nil, nil, "", err
	}
	ders := make([][]byte, len(certs))
	for i, c := range certs {
		ders[i] = c.Raw
	}
	return key, ders, certs, contentType, nil
}

// pemText returns the PEM text in value, which is PEM text or its base64.
func pemText(value string) (string, bool) {
	if strings.Contains(value, "-----BEGIN") {
		return value, true
	}
	if data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value)); err == nil && strings.Contains(string(data), "-----BEGIN") {
		return string(data), true
	}
	return "", false
}

func parsePEMBundle(text string) (crypto.Signer, []*x509.Certificate, error) {
	var key crypto.Signer
	var certs []*x509.Certificate
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "PRIVATE KEY":
			if key != nil {
				return nil, nil, badParameter("the PEM content has more than one private key")
			}
			parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, nil, badParameter("the PEM private key is not a valid PKCS#8 key")
			}
			s, err := supportedKey(parsed)
			if err != nil {
				return nil, nil, err
			}
			key = s
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, nil, badParameter("a PEM certificate is not a valid X.509 certificate")
			}
			certs = append(certs, c)
		case "RSA PRIVATE KEY", "EC PRIVATE KEY":
			return nil, nil, badParameter("the PEM private key is %q; import wants PKCS#8 (BEGIN PRIVATE KEY)", block.Type)
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, badParameter("encrypted PEM private keys are not supported; import an unencrypted PKCS#8 key")
		default:
			return nil, nil, badParameter("unexpected PEM block %q", block.Type)
		}
	}
	if key == nil {
		return nil, nil, badParameter("the PEM content has no private key")
	}
	if len(certs) == 0 {
		return nil, nil, badParameter("the PEM content has no certificate")
	}
	return key, certs, nil
}

func parsePFX(value, password string) (crypto.Signer, []*x509.Certificate, error) {
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return nil, nil, badParameter("value is not base64 PKCS#12 content")
	}
	// DecodeChain calls the first certificate the leaf; here it is just
	// the first, as the order is kept when asked to.
	parsed, first, rest, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, nil, badParameter("the PKCS#12 content cannot be read: it is malformed, has no private key, or the password is wrong")
	}
	key, err := supportedKey(parsed)
	if err != nil {
		return nil, nil, err
	}
	return key, append([]*x509.Certificate{first}, rest...), nil
}

func supportedKey(k any) (crypto.Signer, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		if _, _, _, err := keyShape(&k.PublicKey); err != nil {
			return nil, badParameter("the private key: %v", err)
		}
		return k, nil
	}
	return nil, badParameter("the private key type %T is not supported; use RSA or EC", k)
}

// policyFromCertificate describes an imported certificate as a policy,
// as the service does when an import has no policy.
func policyFromCertificate(cert *x509.Certificate, key crypto.Signer, contentType string) (*policy, error) {
	kty, size, curve, err := keyShape(key.Public())
	if err != nil {
		return nil, badParameter("the imported key: %v", err)
	}
	p := defaultPolicy()
	p.keyType, p.keySize, p.curve = kty, size, curve
	p.contentType = contentType
	p.subject = cert.Subject.String()
	p.dnsNames = cert.DNSNames
	p.emails = cert.EmailAddresses
	p.upns = upnsOf(cert)
	for _, ip := range cert.IPAddresses {
		p.ipAddresses = append(p.ipAddresses, ip.String())
	}
	for _, u := range cert.URIs {
		p.uris = append(p.uris, u.String())
	}
	p.ekus = ekusOf(cert)
	p.keyUsage = keyUsagesOf(cert)
	p.validityMonths = monthsBetween(cert.NotBefore, cert.NotAfter)
	p.defaultLifetime()
	if p.validityMonths > 1200 {
		p.validityMonths = 1200
	}
	return p, nil
}

// describeKey names a key for messages, such as "RSA 2048".
func describeKey(key crypto.PublicKey) string {
	kty, size, curve, err := keyShape(key)
	if err != nil {
		return fmt.Sprintf("%T", key)
	}
	if curve != "" {
		return kty + " " + curve
	}
	return fmt.Sprintf("%s %d", kty, size)
}
