package vaulttest

import (
	"encoding/asn1"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

const (
	contentPKCS12 = "application/x-pkcs12"
	contentPEM    = "application/x-pem-file"

	issuerSelf    = "Self"
	issuerUnknown = "Unknown"
)

// isIssuer reports whether an issuer name is want; issuer names compare
// without regard to case, as on the service.
func isIssuer(name, want string) bool { return strings.EqualFold(name, want) }

// policy is a certificate's management policy, validated and with the
// service's defaults filled in. A *policy is never changed once stored (seeded
// certificates share one); updates store a new one.
type policy struct {
	keyType    string // RSA, RSA-HSM, EC, EC-HSM
	keySize    int    // RSA modulus bits, or the EC curve's size
	curve      string // EC only
	exportable bool
	reuseKey   bool

	contentType string

	subject        string
	dnsNames       []string
	emails         []string
	upns           []string
	ipAddresses    []string
	uris           []string
	ekus           []string
	keyUsage       []string
	validityMonths int

	issuerName       string
	certType         string
	certTransparency *bool

	lifetimeActions []gen.LifetimeAction

	// platformManaged is what the caller set (API version 2026-04-01 and
	// later); nil when never set. Its Metadata is never changed once stored.
	platformManaged *gen.PlatformManaged

	enabled bool
	created time.Time
	updated time.Time
}

func (p *policy) isEC() bool { return strings.HasPrefix(p.keyType, "EC") }

func (p *policy) hasSANs() bool {
	return len(p.dnsNames)+len(p.emails)+len(p.upns)+len(p.ipAddresses)+len(p.uris) > 0
}

// curveSizes are the EC curves a policy may name. The emulator cannot make
// keys on P-256K (see curves), but stores policies that name it, as the
// service does.
var curveSizes = map[string]int{"P-256": 256, "P-256K": 256, "P-384": 384, "P-521": 521}

var keyUsageNames = []string{
	"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
	"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
}

// defaultPolicy is the base a create or import policy is laid over.
func defaultPolicy() *policy {
	return &policy{
		keyType:        "RSA",
		keySize:        2048,
		exportable:     true,
		contentType:    contentPKCS12,
		validityMonths: 12,
		issuerName:     issuerUnknown,
		enabled:        true,
	}
}

// applyWire lays the fields set in w over a copy of p and validates the
// result. It serves create and import (over defaultPolicy) and
// UpdateCertificatePolicy (over the current policy). Zero values are fields
// the request left out; an empty list ([]) is given and clears the list.
func (p *policy) applyWire(w gen.CertificatePolicy) (*policy, error) {
	n := p.clone()
	kp := w.KeyProperties
	if kp.KeyType != "" {
		wasEC := n.isEC()
		n.keyType = string(kp.KeyType)
		if n.isEC() != wasEC {
			n.curve, n.keySize = "", 0
		}
	}
	if kp.Curve != "" {
		n.curve = string(kp.Curve)
		if kp.KeyType == "" && !n.isEC() {
			n.keyType = "EC"
		}
		n.keySize = 0
	}
	if kp.KeySize != 0 {
		n.keySize = int(kp.KeySize)
	}
	if kp.Exportable != nil {
		n.exportable = *kp.Exportable
	}
	if kp.ReuseKey != nil {
		n.reuseKey = *kp.ReuseKey
	}
	if n.isEC() {
		if n.curve == "" {
			n.curve = curveForSize(n.keySize)
		}
		if n.keySize == 0 {
			n.keySize = curveSizes[n.curve]
		}
	} else if n.keySize == 0 {
		n.keySize = 2048
	}
	if ct := w.SecretProperties.ContentType; ct != "" {
		n.contentType = ct
	}
	xp := w.X509CertificateProperties
	if xp.Subject != "" {
		n.subject = xp.Subject
	}
	s := xp.SubjectAlternativeNames
	n.dnsNames = cloneOr(s.DNSNames, n.dnsNames)
	n.emails = cloneOr(s.Emails, n.emails)
	n.upns = cloneOr(s.Upns, n.upns)
	n.ipAddresses = cloneOr(s.IPAddresses, n.ipAddresses)
	n.uris = cloneOr(s.Uris, n.uris)
	n.ekus = cloneOr(xp.Ekus, n.ekus)
	if xp.KeyUsage != nil {
		n.keyUsage = make([]string, len(xp.KeyUsage))
		for i, u := range xp.KeyUsage {
			n.keyUsage[i] = string(u)
		}
	}
	if xp.ValidityInMonths != 0 {
		n.validityMonths = int(xp.ValidityInMonths)
	}
	ip := w.IssuerParameters
	if ip.Name != "" {
		n.issuerName = ip.Name
	}
	if ip.CertificateType != "" {
		n.certType = ip.CertificateType
	}
	if ip.CertificateTransparency != nil {
		n.certTransparency = ip.CertificateTransparency
	}
	if w.LifetimeActions != nil {
		n.lifetimeActions = slices.Clone(w.LifetimeActions)
	}
	if pm := clonePlatformManaged(w.PlatformManaged); pm != nil {
		n.platformManaged = pm
	}
	if w.Attributes.Enabled != nil {
		n.enabled = *w.Attributes.Enabled
	}
	return n, n.validate()
}

func curveForSize(size int) string {
	switch size {
	case 384:
		return "P-384"
	case 521:
		return "P-521"
	default:
		return "P-256"
	}
}

// cloneOr returns a copy of in, or old when in is nil (left out of the request).
func cloneOr(in, old []string) []string {
	if in == nil {
		return old
	}
	return slices.Clone(in)
}

func (p *policy) clone() *policy {
	n := *p
	n.dnsNames = slices.Clone(p.dnsNames)
	n.emails = slices.Clone(p.emails)
	n.upns = slices.Clone(p.upns)
	n.ipAddresses = slices.Clone(p.ipAddresses)
	n.uris = slices.Clone(p.uris)
	n.ekus = slices.Clone(p.ekus)
	n.keyUsage = slices.Clone(p.keyUsage)
	n.lifetimeActions = slices.Clone(p.lifetimeActions)
	return &n
}

// validate checks p and fills the defaults that depend on other fields.
func (p *policy) validate() error {
	switch p.keyType {
	case "RSA", "RSA-HSM":
		if p.curve != "" {
			return badParameter("policy key_props.crv %q is not valid for key type %s", p.curve, p.keyType)
		}
		if p.keySize != 2048 && p.keySize != 3072 && p.keySize != 4096 {
			return badParameter("policy key_props.key_size %d is not supported for RSA; use 2048, 3072 or 4096", p.keySize)
		}
	case "EC", "EC-HSM":
		size, ok := curveSizes[p.curve]
		if !ok {
			return badParameter("policy key_props.crv %q is not supported; use P-256, P-256K, P-384 or P-521", p.curve)
		}
		if p.keySize != size {
			return badParameter("policy key_props.key_size %d does not match curve %s", p.keySize, p.curve)
		}
	default:
		return badParameter("policy key_props.kty %q is not supported for certificates; use RSA, RSA-HSM, EC or EC-HSM", p.keyType)
	}
	if p.contentType != contentPKCS12 && p.contentType != contentPEM {
		return badParameter("policy secret_props.contentType %q is not supported; use %s or %s", p.contentType, contentPKCS12, contentPEM)
	}
	if p.validityMonths < 1 || p.validityMonths > 1200 {
		return badParameter("policy x509_props.validity_months %d is outside 1..1200", p.validityMonths)
	}
	if p.subject != "" {
		if _, err := parseDN(p.subject); err != nil {
			return badParameter("policy x509_props.subject %q is invalid: %v", p.subject, err)
		}
	}
	for _, u := range p.keyUsage {
		if !slices.Contains(keyUsageNames, u) {
			return badParameter("policy x509_props.key_usage %q is not a key usage", u)
		}
	}
	for _, e := range p.ekus {
		if _, err := parseOID(e); err != nil {
			return badParameter("policy x509_props.ekus %q is not an object identifier", e)
		}
	}
	if err := checkSANs(p); err != nil {
		return err
	}
	if p.platformManaged != nil && p.platformManaged.CertificateUsage == "" {
		return badParameter("policy platformManaged.certificateUsage is required")
	}
	for i, a := range p.lifetimeActions {
		if err := checkLifetimeAction(i, a); err != nil {
			return err
		}
	}
	return nil
}

func checkLifetimeAction(i int, a gen.LifetimeAction) error {
	if !a.Action.ActionType.Valid() {
		return badParameter("policy lifetime_actions[%d].action.action_type must be AutoRenew or EmailContacts", i)
	}
	t := a.Trigger
	if (t.LifetimePercentage == 0) == (t.DaysBeforeExpiry == 0) {
		return badParameter("policy lifetime_actions[%d].trigger needs exactly one of lifetime_percentage and days_before_expiry", i)
	}
	if t.LifetimePercentage < 0 || t.LifetimePercentage > 99 {
		return badParameter("policy lifetime_actions[%d].trigger.lifetime_percentage %d is outside 1..99", i, t.LifetimePercentage)
	}
	if t.DaysBeforeExpiry < 0 {
		return badParameter("policy lifetime_actions[%d].trigger.days_before_expiry %d is below 1", i, t.DaysBeforeExpiry)
	}
	return nil
}

// completeForIssuance fills the defaults the service applies to a new
// policy: key usages and EKUs, a lifetime action, and requires a subject or
// a subject alternative name.
func (p *policy) completeForIssuance() error {
	if p.subject == "" && !p.hasSANs() {
		return badParameter("policy x509_props needs a subject or at least one subject alternative name")
	}
	if p.isEC() && curves[p.curve] == nil {
		return badParameter("policy key_props.crv %s: the emulator cannot issue certificates on this curve (a known difference from the service); use P-256, P-384 or P-521", p.curve)
	}
	if p.keyUsage == nil {
		if p.isEC() {
			p.keyUsage = []string{"digitalSignature"}
		} else {
			p.keyUsage = []string{"digitalSignature", "keyEncipherment"}
		}
	}
	if p.ekus == nil {
		p.ekus = []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}
	}
	p.defaultLifetime()
	return nil
}

// defaultLifetime adds the service's default lifetime action when there is
// none: renew at 80% of the lifetime, or e-mail contacts when the issuer
// cannot renew by itself.
func (p *policy) defaultLifetime() {
	if p.lifetimeActions != nil {
		return
	}
	action := gen.CertificatePolicyActionAutoRenew
	if isIssuer(p.issuerName, issuerUnknown) {
		action = gen.CertificatePolicyActionEmailContacts
	}
	p.lifetimeActions = []gen.LifetimeAction{{
		Trigger: gen.Trigger{LifetimePercentage: 80},
		Action:  gen.Action{ActionType: action},
	}}
}

// wire returns p in the service's JSON shape; id is the policy URL or empty.
// ekus and key_usage are always sent, empty lists included; empty SAN lists
// are left out.
func (p *policy) wire(id string) gen.CertificatePolicy {
	usages := make([]gen.KeyUsageType, len(p.keyUsage))
	for i, u := range p.keyUsage {
		usages[i] = gen.KeyUsageType(u)
	}
	return gen.CertificatePolicy{
		ID: id,
		KeyProperties: gen.KeyProperties{
			KeyType:    gen.JSONWebKeyType(p.keyType),
			KeySize:    int32(p.keySize),
			Curve:      gen.JSONWebKeyCurveName(p.curve),
			Exportable: new(p.exportable),
			ReuseKey:   new(p.reuseKey),
		},
		SecretProperties: gen.SecretProperties{ContentType: p.contentType},
		X509CertificateProperties: gen.X509CertificateProperties{
			Subject:          p.subject,
			Ekus:             nonNil(p.ekus),
			KeyUsage:         usages,
			ValidityInMonths: int32(p.validityMonths),
			SubjectAlternativeNames: gen.SubjectAlternativeNames{
				DNSNames:    optSlice(p.dnsNames),
				Emails:      optSlice(p.emails),
				Upns:        optSlice(p.upns),
				IPAddresses: optSlice(p.ipAddresses),
				Uris:        optSlice(p.uris),
			},
		},
		IssuerParameters: gen.IssuerParameters{
			Name:                    p.issuerName,
			CertificateType:         p.certType,
			CertificateTransparency: p.certTransparency,
		},
		LifetimeActions: slices.Clone(p.lifetimeActions),
		PlatformManaged: p.platformManagedWire(),
		Attributes: gen.CertificateAttributes{
			Enabled: new(p.enabled),
			Created: gen.NewUnixTime(p.created),
			Updated: gen.NewUnixTime(p.updated),
		},
	}
}

// platformManagedWire returns the stored platformManaged for an answer; its
// metadata map is copied, its values are never changed.
func (p *policy) platformManagedWire() gen.PlatformManaged {
	if p.platformManaged == nil {
		return gen.PlatformManaged{}
	}
	return gen.PlatformManaged{CertificateUsage: p.platformManaged.CertificateUsage, Metadata: maps.Clone(p.platformManaged.Metadata)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// optSlice copies s for the wire, leaving an empty list out.
func optSlice(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// parseOID parses a dotted object identifier such as "1.3.6.1.5.5.7.3.1".
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, strconv.ErrSyntax
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || (part != "0" && part[0] == '0') {
			return nil, strconv.ErrSyntax
		}
		oid[i] = n
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, strconv.ErrSyntax
	}
	return oid, nil
}
