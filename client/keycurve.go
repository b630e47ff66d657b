package client

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"strings"
)

// This file recognises keys that Go's crypto libraries cannot hold, such as
// EC keys on curve P-256K (secp256k1), which Key Vault issues, so that a
// download says so before reading the secret rather than failing to parse
// it.

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

	// supportedCurves are the named curves crypto/x509 parses, by OID.
	supportedCurves = map[string]KeyCurveName{
		"1.3.132.0.33":        "P-224",
		"1.2.840.10045.3.1.7": KeyCurveP256,
		"1.3.132.0.34":        KeyCurveP384,
		"1.3.132.0.35":        KeyCurveP521,
	}
	// otherCurves names curves Key Vault knows that crypto/x509 does not.
	otherCurves = map[string]KeyCurveName{
		"1.3.132.0.10": KeyCurveP256K,
	}
)

// errUnsupportedCurve returns an error matching ErrUnsupportedKey about
// the certificate name at version, whose key is on curve.
func errUnsupportedCurve(name, version string, curve KeyCurveName) error {
	return fmt.Errorf("%w: certificate %q version %s: its key is on elliptic curve %s, which Go's crypto/x509 and crypto/tls cannot use "+
		"(they support %s, %s and %s); the private key was not downloaded",
		ErrUnsupportedKey, name, version, curve, KeyCurveP256, KeyCurveP384, KeyCurveP521)
}

// policyCurveSupported reports whether a policy's key curve is one that Go
// can use, or names none.
func policyCurveSupported(c KeyCurveName) bool {
	switch {
	case c == "":
		return true
	case strings.EqualFold(string(c), string(KeyCurveP256)), strings.EqualFold(string(c), string(KeyCurveP384)),
		strings.EqualFold(string(c), string(KeyCurveP521)):
		return true
	}
	return false
}

// unsupportedCurve returns the curve of an EC key described by the
// algorithm identifier alg when crypto/x509 cannot parse it.
func unsupportedCurve(alg pkix.AlgorithmIdentifier) (KeyCurveName, bool) {
	if !alg.Algorithm.Equal(oidECPublicKey) {
		return "", false
	}
	var curve asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(alg.Parameters.FullBytes, &curve); err != nil || len(rest) > 0 {
		return "", false // explicit parameters or garbage: let the parser say what is wrong
	}
	if _, ok := supportedCurves[curve.String()]; ok {
		return "", false
	}
	if name, ok := otherCurves[curve.String()]; ok {
		return name, true
	}
	return KeyCurveName("OID " + curve.String()), true
}

// certificateCurve returns the curve of the public key of the DER
// certificate der when crypto/x509 cannot parse it.
func certificateCurve(der []byte) (KeyCurveName, bool) {
	var cert struct {
		TBS struct {
			Version      int `asn1:"optional,explicit,default:0,tag:0"`
			SerialNumber asn1.RawValue
			Signature    asn1.RawValue
			Issuer       asn1.RawValue
			Validity     asn1.RawValue
			Subject      asn1.RawValue
			PublicKey    struct {
				Algorithm pkix.AlgorithmIdentifier
				Key       asn1.BitString
			}
		}
	}
	if _, err := asn1.Unmarshal(der, &cert); err != nil {
		return "", false
	}
	return unsupportedCurve(cert.TBS.PublicKey.Algorithm)
}

// pkcs8Curve returns the curve of the PKCS #8 private key der when
// crypto/x509 cannot parse it.
func pkcs8Curve(der []byte) (KeyCurveName, bool) {
	var key struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(der, &key); err != nil {
		return "", false
	}
	return unsupportedCurve(key.Algorithm)
}

// secretCurve returns an unsupported curve named by the certificate cer or,
// for a PEM secret value, by any of its certificates or keys.
func secretCurve(cer []byte, value string) (KeyCurveName, bool) {
	if curve, ok := certificateCurve(cer); ok {
		return curve, true
	}
	rest := []byte(value)
	for {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return "", false
		}
		check := certificateCurve
		if strings.HasSuffix(block.Type, "PRIVATE KEY") {
			check = pkcs8Curve
		}
		if curve, ok := check(block.Bytes); ok {
			return curve, true
		}
	}
}

// checkDER reports whether der is one well-formed DER certificate: a
// SEQUENCE of a SEQUENCE (the signed part), a SEQUENCE (the signature
// algorithm) and a BIT STRING (the signature), with nothing after it. It
// does not parse the certificate's contents, so that certificates whose key
// crypto/x509 cannot hold still pass.
func checkDER(der []byte) error {
	var cert struct {
		TBS       asn1.RawValue
		Algorithm asn1.RawValue
		Signature asn1.BitString
	}
	rest, err := asn1.Unmarshal(der, &cert)
	switch {
	case err != nil:
		return err
	case len(rest) > 0:
		return fmt.Errorf("%d bytes follow the certificate", len(rest))
	case cert.TBS.Class != asn1.ClassUniversal || cert.TBS.Tag != asn1.TagSequence || !cert.TBS.IsCompound:
		return fmt.Errorf("its signed part is not a SEQUENCE")
	case cert.Algorithm.Class != asn1.ClassUniversal || cert.Algorithm.Tag != asn1.TagSequence || !cert.Algorithm.IsCompound:
		return fmt.Errorf("its signature algorithm is not a SEQUENCE")
	}
	return nil
}
