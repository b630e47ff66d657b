package vaulttest

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
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

// TestPFXWithKey reads the files with go-pkcs12, which checks the MAC (if
// any) and decrypts with the empty password: the key comes back and the
// certificates keep their order, the key's certificate first or not. A
// file that starts with the key's certificate has a MAC, so that a wrong
// password is told apart.
func TestPFXWithKey(t *testing.T) {
	t.Parallel()
	for _, key := range []crypto.Signer{rsaKey(t), ecKey(t)} {
		chain := leafWithCA(t, key) // leaf, CA
		other := newExternalCA(t).Cert
		other.Subject.CommonName = "Other CA" // for the names only; Raw is what is written
		tests := []struct {
			name  string
			chain []*x509.Certificate
			leaf  int
		}{
			{"leaf alone", chain[:1], 0},
			{"leaf first", chain, 0},
			{"CA first", []*x509.Certificate{chain[1], chain[0]}, 1},
			{"leaf in the middle", []*x509.Certificate{other, chain[0], chain[1]}, 1},
		}
		for _, tt := range tests {
			name := describeKey(key.Public()) + " " + tt.name
			data, err := pfxWithKey(key, tt.chain, tt.leaf)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			gotKey, first, rest, err := pkcs12.DecodeChain(data, "")
			if err != nil {
				t.Fatalf("%s: decode: %v", name, err)
			}
			if k, ok := gotKey.(crypto.Signer); !ok || !publicKeyEqual(k.Public(), key.Public()) {
				t.Errorf("%s: the key did not come back", name)
			}
			got := make([][]byte, 0, len(tt.chain))
			for _, c := range append([]*x509.Certificate{first}, rest...) {
				got = append(got, c.Raw)
			}
			want := make([][]byte, 0, len(tt.chain))
			for _, c := range tt.chain {
				want = append(want, c.Raw)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: certificates (-want +got):\n%s", name, diff)
			}
			if _, _, _, err := pkcs12.DecodeChain(data, "wrong"); tt.leaf == 0 && !errors.Is(err, pkcs12.ErrIncorrectPassword) {
				t.Errorf("%s: decoding with a wrong password: %v, want the MAC to fail", name, err)
			}
		}
	}
}

// TestPFXWithKeyRefusesAMissingLeaf checks that a key's certificate outside
// the chain is an error, not a file without it.
func TestPFXWithKeyRefusesAMissingLeaf(t *testing.T) {
	t.Parallel()
	key := ecKey(t)
	chain := leafWithCA(t, key)
	for _, leaf := range []int{-1, 2} {
		if data, err := pfxWithKey(key, chain, leaf); err == nil {
			t.Errorf("leaf %d: got %d bytes, want an error", leaf, len(data))
		}
	}
}

// TestPFXLocalKeyID checks that, with the key's certificate moved from the
// front, the key and its certificate, and no other certificate, carry the
// SHA-1 of the certificate as localKeyId.
func TestPFXLocalKeyID(t *testing.T) {
	t.Parallel()
	key := ecKey(t)
	chain := leafWithCA(t, key)
	data, err := pfxWithKey(key, []*x509.Certificate{chain[1], chain[0]}, 1)
	if err != nil {
		t.Fatal(err)
	}
	type bagAttribute struct {
		ID     asn1.ObjectIdentifier
		Values [][]byte `asn1:"set"`
	}
	type safeBag struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue
		Attributes []bagAttribute `asn1:"set,optional"`
	}
	_, safes, certRaw, err := splitPFX(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(safes) != 2 || !safes[1].ContentType.Equal(oidData) {
		t.Fatalf("authenticated safe holds %d contents, want the certificates and the key, unencrypted", len(safes))
	}
	var bags []safeBag
	for _, raw := range certRaw {
		var b safeBag
		mustUnmarshal(t, raw.FullBytes, &b)
		bags = append(bags, b)
	}
	var keyBagsDER []byte
	var keyBags []safeBag
	mustUnmarshal(t, safes[1].Content.Bytes, &keyBagsDER)
	mustUnmarshal(t, keyBagsDER, &keyBags)

	oidLocalKeyID := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	localKeyID := func(b safeBag) []byte {
		for _, a := range b.Attributes {
			if a.ID.Equal(oidLocalKeyID) && len(a.Values) == 1 {
				return a.Values[0]
			}
		}
		return nil
	}
	var got [][]byte
	for _, b := range append(bags, keyBags...) {
		got = append(got, localKeyID(b))
	}
	want := sha1.Sum(chain[0].Raw)
	if diff := cmp.Diff([][]byte{nil, want[:], want[:]}, got); diff != "" {
		t.Errorf("localKeyId of the CA, the leaf and the key (-want +got):\n%s", diff)
	}
}

func mustUnmarshal(t *testing.T, der []byte, out any) {
	t.Helper()
	if err := unmarshalAll(der, out); err != nil {
		t.Fatalf("unmarshal %T: %v", out, err)
	}
}
