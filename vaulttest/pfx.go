package vaulttest

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"

	"software.sslmate.com/src/go-pkcs12"
)

// The emulator's PKCS#12 secrets are written by go-pkcs12 under the empty
// password, as the service writes them. The service keeps a preserved
// chain order in PKCS#12 secrets as it does in PEM ones, but go-pkcs12
// always writes the key's certificate first. So a chain that starts with
// the key's certificate (every chain but a preserved order that puts it
// elsewhere) is written with LegacyDES, which almost every reader accepts:
// 3DES and an HMAC-SHA-1 MAC, as OpenSSL's -descert. Any other chain is
// written with go-pkcs12's Passwordless encoder (no encryption and no MAC,
// which under the empty password protect nothing) and its plain
// certificate bags are then put in the stored order. Either way the key's
// certificate and the key carry the same localKeyId, so readers pair them
// wherever the certificate sits in the chain.

// oidData is PKCS #7 data, the content type of unencrypted PKCS#12 content.
var oidData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}

// The outer ASN.1 shapes of RFC 7292 PKCS#12 data without a MAC.
type (
	pfxPDU struct {
		Version  int
		AuthSafe contentInfo
	}
	// contentInfo's Content is its [0] EXPLICIT wrapper; for data, the
	// wrapper holds an OCTET STRING of DER.
	contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}
)

// pfxWithKey returns PKCS#12 data holding the chain in its order and key,
// the private key of chain[leaf].
func pfxWithKey(key crypto.Signer, chain []*x509.Certificate, leaf int) ([]byte, error) {
	if leaf < 0 || leaf >= len(chain) {
		return nil, fmt.Errorf("the key's certificate %d is not in a chain of %d", leaf, len(chain))
	}
	cas := slices.Delete(slices.Clone(chain), leaf, leaf+1)
	if leaf == 0 {
		return pkcs12.LegacyDES.Encode(key, chain[0], cas, "")
	}
	data, err := pkcs12.Passwordless.Encode(key, chain[leaf], cas, "")
	if err != nil {
		return nil, err
	}
	return moveKeyCertificate(data, leaf)
}

// moveKeyCertificate takes passwordless PKCS#12 data whose first safe holds
// the key's certificate followed by the others, as go-pkcs12 writes it, and
// returns it with the key's certificate moved to index leaf.
func moveKeyCertificate(data []byte, leaf int) ([]byte, error) {
	pdu, safes, bags, err := splitPFX(data)
	if err != nil {
		return nil, err
	}
	if leaf >= len(bags) {
		return nil, fmt.Errorf("the key's certificate %d is not among %d certificates", leaf, len(bags))
	}
	bags = slices.Insert(slices.Clone(bags[1:]), leaf, bags[0])
	bagsDER, err := asn1.Marshal(bags)
	if err != nil {
		return nil, err
	}
	if safes[0].Content, err = wrapData(bagsDER); err != nil {
		return nil, err
	}
	authSafe, err := asn1.Marshal(safes)
	if err != nil {
		return nil, err
	}
	if pdu.AuthSafe.Content, err = wrapData(authSafe); err != nil {
		return nil, err
	}
	return asn1.Marshal(pdu)
}

// splitPFX reads passwordless PKCS#12 data down to the safe bags of its
// first safe, which must be unencrypted.
func splitPFX(data []byte) (pdu pfxPDU, safes []contentInfo, bags []asn1.RawValue, err error) {
	var authSafe, bagsDER []byte
	switch {
	case unmarshalAll(data, &pdu) != nil, !pdu.AuthSafe.ContentType.Equal(oidData):
		err = errors.New("not passwordless PKCS#12 data")
	case unmarshalAll(pdu.AuthSafe.Content.Bytes, &authSafe) != nil, unmarshalAll(authSafe, &safes) != nil:
		err = errors.New("the PKCS#12 authenticated safe cannot be read")
	case len(safes) == 0 || !safes[0].ContentType.Equal(oidData):
		err = errors.New("the PKCS#12 data does not start with an unencrypted safe")
	case unmarshalAll(safes[0].Content.Bytes, &bagsDER) != nil, unmarshalAll(bagsDER, &bags) != nil:
		err = errors.New("the PKCS#12 safe bags cannot be read")
	}
	return pdu, safes, bags, err
}

// wrapData returns DER as the [0] EXPLICIT content of a data contentInfo.
func wrapData(der []byte) (asn1.RawValue, error) {
	octets, err := asn1.Marshal(der)
	if err != nil {
		return asn1.RawValue{}, err
	}
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: octets}, nil
}

// unmarshalAll decodes DER into out and fails on trailing bytes.
func unmarshalAll(der []byte, out any) error {
	rest, err := asn1.Unmarshal(der, out)
	if err == nil && len(rest) > 0 {
		err = errors.New("trailing data after DER")
	}
	return err
}
