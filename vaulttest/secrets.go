package vaulttest

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
	"software.sslmate.com/src/go-pkcs12"
)

// getSecret answers GET /secrets/{name}/{version}: the secret behind a
// certificate version, holding its private key (if exportable) and chain as
// base64 PKCS#12 or PEM text. ?outContentType=application/x-pem-file
// converts PKCS#12 to PEM; the other way round is refused, as by the service.
// The secrets of a certificate's second and later versions name the version
// before them in previousVersion.
func (v *vault) getSecret(c *call) (int, any, error) {
	name, id := c.name, c.version
	out := c.r.URL.Query().Get("outContentType")
	if out != "" && out != contentPKCS12 && out != contentPEM {
		return 0, nil, badParameter("outContentType %q is not supported; use %s or %s", out, contentPKCS12, contentPEM)
	}

	v.mu.Lock()
	cert := v.live(nameKey(name), c.now)
	var ver *version
	if cert != nil {
		ver = cert.findVersion(id)
	}
	if ver == nil {
		v.mu.Unlock()
		return 0, nil, &apiError{status: http.StatusNotFound, code: "SecretNotFound",
			message: fmt.Sprintf("secret %q (version %q) was not found in this vault", name, id)}
	}
	if !ver.enabled {
		v.mu.Unlock()
		err := forbidden("operation get is not allowed on the disabled secret %q", name)
		err.inner = "SecretDisabled"
		return 0, nil, err
	}
	bundle := &gen.SecretBundle{
		ID:              v.urls.secret(cert.name, ver.id),
		Kid:             v.urls.key(cert.name, ver.id),
		Managed:         new(true),
		Attributes:      gen.SecretAttributes(v.attributes(ver)),
		Tags:            maps.Clone(ver.tags),
		PreviousVersion: cert.previous(ver),
	}
	chain, leaf, stored := ver.chain, ver.leaf, ver.contentType
	var key crypto.Signer
	if ver.exportable {
		key = ver.key
	}
	v.mu.Unlock()

	target := stored
	if out != "" {
		if stored == contentPEM && out == contentPKCS12 {
			return 0, nil, badParameter("converting %s to %s is not supported; only PKCS#12 to PEM is", contentPEM, contentPKCS12)
		}
		target = out
	}
	var value string
	var err error
	if target == contentPEM {
		value, err = encodePEM(key, chain)
	} else {
		value, err = encodePFX(key, chain, leaf)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("encode secret: %w", err)
	}
	bundle.Value = value
	bundle.ContentType = target
	return http.StatusOK, bundle, nil
}

// encodePEM writes the chain in its stored order and then, when key is not
// nil, the PKCS#8 private key: the layout of the service's PEM secrets (see
// the spec's GetSecretWithPEMConversion example).
func encodePEM(key crypto.Signer, chain [][]byte) (string, error) {
	var b bytes.Buffer
	for _, der := range chain {
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
			return "", err
		}
	}
	if key != nil {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return "", err
		}
		if err := pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// encodePFX writes base64 PKCS#12 with an empty password holding the chain
// in its stored order and key, the private key of chain[leaf] (see pfx.go).
// Without key it holds the certificates only, as a trust store.
func encodePFX(key crypto.Signer, chain [][]byte, leaf int) (string, error) {
	certs := make([]*x509.Certificate, len(chain))
	for i, der := range chain {
		var err error
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return "", err
		}
	}
	var data []byte
	var err error
	if key != nil {
		data, err = pfxWithKey(key, certs, leaf)
	} else {
		data, err = pkcs12.LegacyDES.EncodeTrustStore(certs, "")
	}
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(data), nil
}
