package vaulttest

import (
	"bytes"
	"crypto"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// The emulator writes the PKCS#12 secrets that hold a private key itself:
// go-pkcs12 always puts the key's certificate first, and the service keeps
// a preserved chain order in PKCS#12 secrets as it does in PEM ones. The
// files use the empty password and what almost every reader accepts (as
// OpenSSL's -descert and go-pkcs12's LegacyDES do): the certificates and
// the PKCS#8 key are encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC under
// keys from the PKCS#12 key derivation (RFC 7292, appendix B) with 2048
// rounds, and an HMAC-SHA-1 MAC covers the whole. The key's certificate and
// the key carry the same localKeyId, so readers pair them wherever the
// certificate sits in the chain.

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidPBEWithSHA3DES  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidX509Certificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidLocalKeyID      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
)

const (
	pfxRounds  = 2048 // key derivation rounds for the encryption keys
	pfxSaltLen = 8
)

// pfxPassword is the empty password as PKCS#12 encodes passwords: a
// big-endian UTF-16 string with a terminating zero.
var pfxPassword = []byte{0, 0}

// The ASN.1 shapes of RFC 7292 that the writer needs. Fields holding an
// asn1.RawValue are [0] EXPLICIT wrappers made by explicit.
type (
	pfxPDU struct {
		Version  int
		AuthSafe contentInfo
		MacData  macData
	}
	contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}
	encryptedData struct {
		Version int
		Content encryptedContentInfo
	}
	encryptedContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   pkix.AlgorithmIdentifier
		Encrypted   []byte `asn1:"tag:0"`
	}
	safeBag struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue
		Attributes []bagAttribute `asn1:"set,optional"`
	}
	bagAttribute struct {
		ID     asn1.ObjectIdentifier
		Values [][]byte `asn1:"set"`
	}
	certBag struct {
		ID   asn1.ObjectIdentifier
		Cert []byte `asn1:"tag:0,explicit"`
	}
	encryptedKey struct {
		Algorithm pkix.AlgorithmIdentifier
		Encrypted []byte
	}
	pbeParams struct {
		Salt   []byte
		Rounds int
	}
	macData struct {
		Mac    digestInfo
		Salt   []byte
		Rounds int `asn1:"optional,default:1"`
	}
	digestInfo struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
)

// explicit wraps DER as a [0] EXPLICIT value.
func explicit(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}

// pfxWithKey returns PKCS#12 data holding the chain in its order and key,
// the private key of chain[leaf].
func pfxWithKey(key crypto.Signer, chain [][]byte, leaf int) ([]byte, error) {
	keyID := sha1.Sum(chain[leaf])
	idAttr := []bagAttribute{{ID: oidLocalKeyID, Values: [][]byte{keyID[:]}}}

	certBags := make([]safeBag, len(chain))
	for i, der := range chain {
		bag, err := asn1.Marshal(certBag{ID: oidX509Certificate, Cert: der})
		if err != nil {
			return nil, err
		}
		certBags[i] = safeBag{ID: oidCertBag, Value: explicit(bag)}
		if i == leaf {
			certBags[i].Attributes = idAttr
		}
	}
	certSafe, err := encryptedSafe(certBags)
	if err != nil {
		return nil, err
	}

	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	alg, sealed, err := pbeEncrypt(pkcs8)
	if err != nil {
		return nil, err
	}
	shrouded, err := asn1.Marshal(encryptedKey{Algorithm: alg, Encrypted: sealed})
	if err != nil {
		return nil, err
	}
	keyBags, err := asn1.Marshal([]safeBag{{ID: oidShroudedKeyBag, Value: explicit(shrouded), Attributes: idAttr}})
	if err != nil {
		return nil, err
	}
	keySafe, err := plainContent(keyBags)
	if err != nil {
		return nil, err
	}

	authSafe, err := asn1.Marshal([]contentInfo{certSafe, keySafe})
	if err != nil {
		return nil, err
	}
	outer, err := plainContent(authSafe)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, pfxSaltLen)
	_, _ = rand.Read(salt)
	mac := hmac.New(sha1.New, pkcs12KDF(3, pfxPassword, salt, 1, sha1.Size))
	mac.Write(authSafe)
	return asn1.Marshal(pfxPDU{
		Version:  3,
		AuthSafe: outer,
		MacData: macData{
			Mac:    digestInfo{Algorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue}, Digest: mac.Sum(nil)},
			Salt:   salt,
			Rounds: 1,
		},
	})
}

// plainContent wraps DER (of safe bags, or of the authenticated safe) as
// unencrypted data.
func plainContent(der []byte) (contentInfo, error) {
	octets, err := asn1.Marshal(der)
	if err != nil {
		return contentInfo{}, err
	}
	return contentInfo{ContentType: oidData, Content: explicit(octets)}, nil
}

// encryptedSafe encrypts safe bags as password-protected content.
func encryptedSafe(bags []safeBag) (contentInfo, error) {
	der, err := asn1.Marshal(bags)
	if err != nil {
		return contentInfo{}, err
	}
	alg, sealed, err := pbeEncrypt(der)
	if err != nil {
		return contentInfo{}, err
	}
	data, err := asn1.Marshal(encryptedData{Content: encryptedContentInfo{ContentType: oidData, Algorithm: alg, Encrypted: sealed}})
	if err != nil {
		return contentInfo{}, err
	}
	return contentInfo{ContentType: oidEncryptedData, Content: explicit(data)}, nil
}

// pbeEncrypt encrypts plain with pbeWithSHAAnd3-KeyTripleDES-CBC under the
// empty password and a fresh salt.
func pbeEncrypt(plain []byte) (pkix.AlgorithmIdentifier, []byte, error) {
	salt := make([]byte, pfxSaltLen)
	_, _ = rand.Read(salt)
	params, err := asn1.Marshal(pbeParams{Salt: salt, Rounds: pfxRounds})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	block, err := des.NewTripleDESCipher(pkcs12KDF(1, pfxPassword, salt, pfxRounds, 24))
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, fmt.Errorf("3DES key: %w", err)
	}
	pad := des.BlockSize - len(plain)%des.BlockSize
	out := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, pkcs12KDF(2, pfxPassword, salt, pfxRounds, des.BlockSize)).CryptBlocks(out, out)
	return pkix.AlgorithmIdentifier{Algorithm: oidPBEWithSHA3DES, Parameters: asn1.RawValue{FullBytes: params}}, out, nil
}

// pkcs12KDF derives n bytes for a purpose (1: encryption key, 2: IV, 3: MAC
// key) from a password and salt with SHA-1, as RFC 7292 appendix B.2
// describes.
func pkcs12KDF(purpose byte, password, salt []byte, rounds, n int) []byte {
	const v = 64 // SHA-1's block size
	// fill repeats b to a whole number of v-byte blocks.
	fill := func(b []byte) []byte {
		out := make([]byte, (len(b)+v-1)/v*v)
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	diversifier := bytes.Repeat([]byte{purpose}, v)
	input := append(fill(salt), fill(password)...)
	var out []byte
	for {
		h := sha1.New()
		h.Write(diversifier)
		h.Write(input)
		a := h.Sum(nil)
		for range rounds - 1 {
			sum := sha1.Sum(a)
			a = sum[:]
		}
		out = append(out, a...)
		if len(out) >= n {
			return out[:n]
		}
		// Each v-byte block of the input becomes (block + b + 1) mod 2^(8v),
		// with b the hash repeated to v bytes.
		b := fill(a)
		for j := 0; j < len(input); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				sum := int(input[j+k]) + int(b[k]) + carry
				input[j+k] = byte(sum)
				carry = sum >> 8
			}
		}
	}
}
