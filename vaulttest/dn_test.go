package vaulttest

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // pkix.RDNSequence.String() of the result
	}{
		{"CN=www.example.com", "CN=www.example.com"},
		{"CN=a, O=Example Inc, C=US", "C=US,O=Example Inc,CN=a"},
		{"cn=a;o=b", "O=b,CN=a"},
		{`CN="Doe, John", O=X`, `O=X,CN=Doe\, John`},
		{`CN=Doe\, Jane`, `CN=Doe\, Jane`},
		{"CN=a+OU=b", "CN=a+OU=b"},
		{"2.5.4.3=byoid", "CN=byoid"},
		{"CN=#0c0568656c6c6f", "CN=hello"},
		{"E=admin@example.com, CN=x", "CN=x,1.2.840.113549.1.9.1=#0c1161646d696e406578616d706c652e636f6d"},
	}
	for _, tt := range tests {
		der, err := parseDN(tt.in)
		if err != nil {
			t.Errorf("parseDN(%q): %v", tt.in, err)
			continue
		}
		var seq pkix.RDNSequence
		if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 {
			t.Errorf("parseDN(%q) is not an RDN sequence: %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, seq.String()); diff != "" {
			t.Errorf("parseDN(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseDNOrderKept(t *testing.T) {
	t.Parallel()
	der, err := parseDN("CN=first, O=second, C=third")
	if err != nil {
		t.Fatal(err)
	}
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &seq); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rdn := range seq {
		got = append(got, rdn[0].Value.(string))
	}
	if diff := cmp.Diff([]string{"first", "second", "third"}, got); diff != "" {
		t.Errorf("RDN order (-want +got):\n%s", diff)
	}
}

func TestParseDNEmailIsIA5(t *testing.T) {
	t.Parallel()
	der, err := parseDN("E=admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{asn1.TagIA5String, 17}, "admin@example.com"...)
	if !bytes.Contains(der, want) {
		t.Errorf("parseDN(E=...) = %x, want the address as an IA5String", der)
	}
}

func TestParseDNErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "   ", "CN", "CN=", "CN=a,", "=a", "XX=a", "CN=a, O", `CN="open`, `CN=a\`, "CN=#zz", "CN=#0c",
	} {
		if _, err := parseDN(in); err == nil {
			t.Errorf("parseDN(%q) succeeded, want an error", in)
		}
	}
}
