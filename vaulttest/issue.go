package vaulttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/bits"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

var (
	oidExtSAN      = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtEKU      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidUPN         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
)

var curves = map[string]elliptic.Curve{
	"P-256": elliptic.P256(),
	"P-384": elliptic.P384(),
	"P-521": elliptic.P521(),
}

// generateKey makes a new private key of the policy's type and size.
func generateKey(p *policy) (crypto.Signer, error) {
	if p.isEC() {
		curve := curves[p.curve]
		if curve == nil {
			return nil, fmt.Errorf("the emulator cannot make keys on curve %s", p.curve)
		}
		return ecdsa.GenerateKey(curve, rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, p.keySize)
}

// keyFits reports whether key has the type and size the policy asks for,
// for reuse_key.
func keyFits(p *policy, key crypto.Signer) bool {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return !p.isEC() && k.N.BitLen() == p.keySize
	case *ecdsa.PrivateKey:
		return p.isEC() && k.Curve == curves[p.curve]
	}
	return false
}

// keyShape returns the key type family, size and curve of a public key.
func keyShape(pub crypto.PublicKey) (kty string, size int, curve string, err error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen(), "", nil
	case *ecdsa.PublicKey:
		for name, c := range curves {
			if c == k.Curve {
				return "EC", curveSizes[name], name, nil
			}
		}
		return "", 0, "", fmt.Errorf("EC curve %s is not supported", k.Curve.Params().Name)
	}
	return "", 0, "", fmt.Errorf("key type %T is not supported; use RSA or EC", pub)
}

// extensions returns the certificate extensions a policy asks for: subject
// alternative names, key usage and extended key usage.
func extensions(p *policy) ([]pkix.Extension, error) {
	var exts []pkix.Extension
	if p.hasSANs() {
		san, err := marshalSANs(p)
		if err != nil {
			return nil, err
		}
		exts = append(exts, pkix.Extension{Id: oidExtSAN, Critical: p.subject == "", Value: san})
	}
	if len(p.keyUsage) > 0 {
		ku, err := marshalKeyUsage(p.keyUsage)
		if err != nil {
			return nil, err
		}
		exts = append(exts, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: ku})
	}
	if len(p.ekus) > 0 {
		oids := make([]asn1.ObjectIdentifier, len(p.ekus))
		for i, e := range p.ekus {
			oid, err := parseOID(e)
			if err != nil {
				return nil, fmt.Errorf("EKU %q: %w", e, err)
			}
			oids[i] = oid
		}
		eku, err := asn1.Marshal(oids)
		if err != nil {
			return nil, err
		}
		exts = append(exts, pkix.Extension{Id: oidExtEKU, Value: eku})
	}
	return exts, nil
}

// checkSANs validates the subject alternative names of a policy.
func checkSANs(p *policy) error {
	for _, d := range p.dnsNames {
		if d == "" || strings.ContainsAny(d, " \t/@") || !isASCII(d) {
			return badParameter("policy x509_props.sans.dns_names %q is not a DNS name", d)
		}
	}
	for _, e := range p.emails {
		if !strings.Contains(e, "@") || !isASCII(e) {
			return badParameter("policy x509_props.sans.emails %q is not an e-mail address", e)
		}
	}
	for _, u := range p.upns {
		if !strings.Contains(u, "@") {
			return badParameter("policy x509_props.sans.upns %q is not a user principal name", u)
		}
	}
	for _, ip := range p.ipAddresses {
		if net.ParseIP(ip) == nil {
			return badParameter("policy x509_props.sans.ipAddresses %q is not an IP address", ip)
		}
	}
	for _, raw := range p.uris {
		if u, err := url.Parse(raw); err != nil || !u.IsAbs() || !isASCII(raw) {
			return badParameter("policy x509_props.sans.uris %q is not an absolute URI", raw)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// marshalSANs encodes the GeneralNames of a policy, including UPNs as
// otherName entries (which crypto/x509 cannot write by itself).
func marshalSANs(p *policy) ([]byte, error) {
	var names []asn1.RawValue
	add := func(tag int, b []byte) {
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, Bytes: b})
	}
	for _, d := range p.dnsNames {
		add(2, []byte(d))
	}
	for _, e := range p.emails {
		add(1, []byte(e))
	}
	for _, u := range p.upns {
		value, err := asn1.MarshalWithParams(u, "utf8")
		if err != nil {
			return nil, err
		}
		explicit, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: value})
		if err != nil {
			return nil, err
		}
		typeID, err := asn1.Marshal(oidUPN)
		if err != nil {
			return nil, err
		}
		names = append(names, asn1.RawValue{
			Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true,
			Bytes: append(typeID, explicit...),
		})
	}
	for _, s := range p.ipAddresses {
		ip := net.ParseIP(s)
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		add(7, ip)
	}
	for _, u := range p.uris {
		add(6, []byte(u))
	}
	return asn1.Marshal(names)
}

// extension returns the value of a certificate's extension, or nil.
func extension(cert *x509.Certificate, id asn1.ObjectIdentifier) []byte {
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(id) {
			return ext.Value
		}
	}
	return nil
}

// upnsOf returns the UPN otherNames of a certificate's SAN extension.
func upnsOf(cert *x509.Certificate) []string {
	var names []asn1.RawValue
	if _, err := asn1.Unmarshal(extension(cert, oidExtSAN), &names); err != nil {
		return nil
	}
	var upns []string
	for _, n := range names {
		if n.Class != asn1.ClassContextSpecific || n.Tag != 0 {
			continue
		}
		var other struct {
			TypeID asn1.ObjectIdentifier
			Value  asn1.RawValue `asn1:"explicit,tag:0"`
		}
		if _, err := asn1.UnmarshalWithParams(n.FullBytes, &other, "tag:0"); err != nil || !other.TypeID.Equal(oidUPN) {
			continue
		}
		var s string
		if _, err := asn1.UnmarshalWithParams(other.Value.Bytes, &s, "utf8"); err == nil {
			upns = append(upns, s)
		}
	}
	return upns
}

// ekusOf returns the extended key usage OIDs of a certificate as written.
func ekusOf(cert *x509.Certificate) []string {
	var oids []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(extension(cert, oidExtEKU), &oids); err != nil {
		return nil
	}
	out := make([]string, len(oids))
	for i, o := range oids {
		out[i] = o.String()
	}
	return out
}

// keyUsagesOf names the key usage bits of a certificate.
func keyUsagesOf(cert *x509.Certificate) []string {
	var out []string
	for i, name := range keyUsageNames {
		if cert.KeyUsage&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

func marshalKeyUsage(names []string) ([]byte, error) {
	var ku uint16
	for _, n := range names {
		found := false
		for i, known := range keyUsageNames {
			if n == known {
				ku |= 1 << i
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown key usage %q", n)
		}
	}
	b := []byte{bits.Reverse8(byte(ku)), bits.Reverse8(byte(ku >> 8))}
	if b[1] == 0 {
		b = b[:1]
	}
	bitLen := len(b) * 8
	for bitLen > 0 && b[(bitLen-1)/8]&(0x80>>((bitLen-1)%8)) == 0 {
		bitLen--
	}
	return asn1.Marshal(asn1.BitString{Bytes: b, BitLength: bitLen})
}

// subjectAndExtensions returns what a policy puts in its certificate
// requests and certificates: the DER subject (an empty sequence when the
// policy names only subject alternative names) and the extensions.
func subjectAndExtensions(p *policy) ([]byte, []pkix.Extension, error) {
	var subject []byte
	var err error
	if p.subject == "" {
		subject, err = asn1.Marshal(pkix.RDNSequence{})
	} else {
		subject, err = parseDN(p.subject)
	}
	if err != nil {
		return nil, nil, err
	}
	exts, err := extensions(p)
	return subject, exts, err
}

// newCSR makes the PKCS#10 request of a pending certificate.
func newCSR(p *policy, key crypto.Signer) ([]byte, error) {
	subject, exts, err := subjectAndExtensions(p)
	if err != nil {
		return nil, err
	}
	return x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		RawSubject:      subject,
		ExtraExtensions: exts,
	}, key)
}

// issue makes a certificate for key as the policy describes, valid from
// now for the policy's validity months: self-signed when ca is nil, else
// signed by ca.
func issue(p *policy, key crypto.Signer, ca *certAuthority, now time.Time) ([]byte, error) {
	subject, exts, err := subjectAndExtensions(p)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	skid := sha1.Sum(spki)
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notBefore := now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:    serial,
		RawSubject:      subject,
		NotBefore:       notBefore,
		NotAfter:        notBefore.AddDate(0, p.validityMonths, 0),
		SubjectKeyId:    skid[:],
		ExtraExtensions: exts,
	}
	parent, signKey := tmpl, key
	if ca != nil {
		parent, signKey = ca.cert, ca.key
	}
	return x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signKey)
}

// publicKeyEqual reports whether two public keys are the same key.
func publicKeyEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// leafIndex returns the index of the certificate for the public key pub,
// or -1.
func leafIndex(certs []*x509.Certificate, pub crypto.PublicKey) int {
	return slices.IndexFunc(certs, func(c *x509.Certificate) bool { return publicKeyEqual(c.PublicKey, pub) })
}

// monthsBetween returns the whole months from a to b, at least 1.
func monthsBetween(a, b time.Time) int {
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Day() < a.Day() {
		m--
	}
	return max(m, 1)
}
