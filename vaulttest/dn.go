package vaulttest

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// dnAttributes maps the attribute names accepted in policy subjects to
// their object identifiers.
var dnAttributes = map[string]asn1.ObjectIdentifier{
	"CN":           {2, 5, 4, 3},
	"SN":           {2, 5, 4, 4},
	"SURNAME":      {2, 5, 4, 4},
	"SERIALNUMBER": {2, 5, 4, 5},
	"C":            {2, 5, 4, 6},
	"L":            {2, 5, 4, 7},
	"S":            {2, 5, 4, 8},
	"ST":           {2, 5, 4, 8},
	"STREET":       {2, 5, 4, 9},
	"O":            {2, 5, 4, 10},
	"OU":           {2, 5, 4, 11},
	"T":            {2, 5, 4, 12},
	"TITLE":        {2, 5, 4, 12},
	"POSTALCODE":   {2, 5, 4, 17},
	"G":            {2, 5, 4, 42},
	"GIVENNAME":    {2, 5, 4, 42},
	"E":            {1, 2, 840, 113549, 1, 9, 1},
	"EMAIL":        {1, 2, 840, 113549, 1, 9, 1},
	"EMAILADDRESS": {1, 2, 840, 113549, 1, 9, 1},
	"DC":           {0, 9, 2342, 19200300, 100, 1, 25},
	"UID":          {0, 9, 2342, 19200300, 100, 1, 1},
}

// ia5Attributes are encoded as IA5String rather than PrintableString or
// UTF8String.
var ia5Attributes = []asn1.ObjectIdentifier{
	{1, 2, 840, 113549, 1, 9, 1},
	{0, 9, 2342, 19200300, 100, 1, 25},
}

// parseDN parses a distinguished name such as "CN=www.example.com, O=Example"
// (RFC 4514 style; ',' or ';' separate RDNs, '+' joins multi-valued RDNs,
// values may be quoted, backslash-escaped or '#'-prefixed hex BER) and
// returns its DER encoding, keeping the order as written.
func parseDN(s string) ([]byte, error) {
	var seq pkix.RDNSequence
	var rdn []pkix.AttributeTypeAndValue
	var buf strings.Builder
	var key string
	inKey, quoted, escaped := true, false, false
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty name")
	}

	finishAVA := func() error {
		val := strings.TrimSpace(buf.String())
		buf.Reset()
		if key == "" {
			return errors.New("attribute without a name")
		}
		oid, err := dnOID(key)
		if err != nil {
			return err
		}
		ava := pkix.AttributeTypeAndValue{Type: oid}
		switch {
		case strings.HasPrefix(val, "#"):
			raw, err := hex.DecodeString(val[1:])
			if err != nil {
				return fmt.Errorf("attribute %s has malformed hex value", key)
			}
			var rv asn1.RawValue
			if rest, err := asn1.Unmarshal(raw, &rv); err != nil || len(rest) > 0 {
				return fmt.Errorf("attribute %s has malformed BER value", key)
			}
			ava.Value = rv
		case val == "":
			return fmt.Errorf("attribute %s has an empty value", key)
		case isIA5(oid):
			ava.Value = asn1.RawValue{Tag: asn1.TagIA5String, Bytes: []byte(val)}
		default:
			ava.Value = val
		}
		rdn = append(rdn, ava)
		key, inKey = "", true
		return nil
	}
	for _, r := range s {
		switch {
		case escaped:
			buf.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case quoted:
			if r == '"' {
				quoted = false
			} else {
				buf.WriteRune(r)
			}
		case inKey && r == '=':
			key = strings.TrimSpace(buf.String())
			buf.Reset()
			inKey = false
		case !inKey && r == '"' && strings.TrimSpace(buf.String()) == "":
			quoted = true
		case r == ',' || r == ';' || r == '+':
			if inKey {
				return nil, fmt.Errorf("%q has no '='", strings.TrimSpace(buf.String()))
			}
			if err := finishAVA(); err != nil {
				return nil, err
			}
			if r != '+' {
				seq = append(seq, rdn)
				rdn = nil
			}
		default:
			buf.WriteRune(r)
		}
	}
	if escaped || quoted {
		return nil, errors.New("unterminated escape or quote")
	}
	if inKey {
		return nil, fmt.Errorf("%q has no '='", strings.TrimSpace(buf.String()))
	}
	if err := finishAVA(); err != nil {
		return nil, err
	}
	seq = append(seq, rdn)
	return asn1.Marshal(seq)
}

func dnOID(key string) (asn1.ObjectIdentifier, error) {
	if oid, ok := dnAttributes[strings.ToUpper(key)]; ok {
		return oid, nil
	}
	if oid, err := parseOID(key); err == nil {
		return oid, nil
	}
	return nil, fmt.Errorf("unknown attribute %q", key)
}

func isIA5(oid asn1.ObjectIdentifier) bool {
	for _, o := range ia5Attributes {
		if o.Equal(oid) {
			return true
		}
	}
	return false
}
