package vaulttest

import (
	"bytes"
	"crypto"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"github.com/google/go-cmp/cmp"
	"software.sslmate.com/src/go-pkcs12"
)

// chainNames names certificates by common name, for diffs.
func chainNames(certs []*x509.Certificate) []string {
	var names []string
	for _, c := range certs {
		names = append(names, c.Subject.CommonName)
	}
	return names
}

// TestPFXWithKey reads the writer's files with go-pkcs12, which checks the
// MAC and decrypts with the empty password: the key comes back and the
// certificates keep their order, the key's certificate first or not.
func TestPFXWithKey(t *testing.T) {
	t.Parallel()
	for _, key := range []crypto.Signer{rsaKey(t), ecKey(t)} {
		chain := leafWithCA(t, key) // leaf, CA
		tests := []struct {
			name  string
			chain []*x509.Certificate
			leaf  int
		}{
			{"leaf alone", chain[:1], 0},
			{"leaf first", chain, 0},
			{"CA first", []*x509.Certificate{chain[1], chain[0]}, 1},
		}
		for _, tt := range tests {
			ders := make([][]byte, len(tt.chain))
			for i, c := range tt.chain {
				ders[i] = c.Raw
			}
			data, err := pfxWithKey(key, ders, tt.leaf)
			if err != nil {
				t.Fatalf("%s %s: %v", describeKey(key.Public()), tt.name, err)
			}
			gotKey, first, rest, err := pkcs12.DecodeChain(data, "")
			if err != nil {
				t.Fatalf("%s %s: decode: %v", describeKey(key.Public()), tt.name, err)
			}
			if k, ok := gotKey.(crypto.Signer); !ok || !publicKeyEqual(k.Public(), key.Public()) {
				t.Errorf("%s %s: the key did not come back", describeKey(key.Public()), tt.name)
			}
			if diff := cmp.Diff(chainNames(tt.chain), chainNames(append([]*x509.Certificate{first}, rest...))); diff != "" {
				t.Errorf("%s %s: certificates (-want +got):\n%s", describeKey(key.Public()), tt.name, diff)
			}
		}
	}
}

// TestPFXLocalKeyID checks that the key and its certificate, and no other
// certificate, carry the SHA-1 of the certificate as localKeyId.
func TestPFXLocalKeyID(t *testing.T) {
	t.Parallel()
	key := ecKey(t)
	chain := leafWithCA(t, key)
	data, err := pfxWithKey(key, [][]byte{chain[1].Raw, chain[0].Raw}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pdu pfxPDU
	var authSafeDER []byte
	var safes []contentInfo
	mustUnmarshal(t, data, &pdu)
	mustUnmarshal(t, pdu.AuthSafe.Content.Bytes, &authSafeDER)
	mustUnmarshal(t, authSafeDER, &safes)
	if len(safes) != 2 || !safes[0].ContentType.Equal(oidEncryptedData) || !safes[1].ContentType.Equal(oidData) {
		t.Fatalf("authenticated safe holds %d contents, want encrypted certificates and plain key", len(safes))
	}
	var enc encryptedData
	mustUnmarshal(t, safes[0].Content.Bytes, &enc)
	var certBags, keyBags []safeBag
	mustUnmarshal(t, pbeDecrypt(t, enc.Content.Algorithm.Parameters.FullBytes, enc.Content.Encrypted), &certBags)
	var keyBagsDER []byte
	mustUnmarshal(t, safes[1].Content.Bytes, &keyBagsDER)
	mustUnmarshal(t, keyBagsDER, &keyBags)

	want := sha1.Sum(chain[0].Raw)
	localKeyID := func(b safeBag) []byte {
		for _, a := range b.Attributes {
			if a.ID.Equal(oidLocalKeyID) && len(a.Values) == 1 {
				return a.Values[0]
			}
		}
		return nil
	}
	var got [][]byte
	for _, b := range append(certBags, keyBags...) {
		got = append(got, localKeyID(b))
	}
	if diff := cmp.Diff([][]byte{nil, want[:], want[:]}, got); diff != "" {
		t.Errorf("localKeyId of the CA, the leaf and the key (-want +got):\n%s", diff)
	}
}

func mustUnmarshal(t *testing.T, der []byte, out any) {
	t.Helper()
	rest, err := asn1.Unmarshal(der, out)
	if err != nil || len(rest) > 0 {
		t.Fatalf("unmarshal %T: %v (%d bytes left)", out, err, len(rest))
	}
}

// pbeDecrypt undoes pbeEncrypt.
func pbeDecrypt(t *testing.T, params, data []byte) []byte {
	t.Helper()
	var p pbeParams
	mustUnmarshal(t, params, &p)
	block, err := des.NewTripleDESCipher(pkcs12KDF(1, pfxPassword, p.Salt, p.Rounds, 24))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, pkcs12KDF(2, pfxPassword, p.Salt, p.Rounds, des.BlockSize)).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad < 1 || pad > des.BlockSize || !bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		t.Fatal("bad padding")
	}
	return out[:len(out)-pad]
}
