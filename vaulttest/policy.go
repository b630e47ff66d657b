package vaulttest

import (
	"encoding/asn1"
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
	certType         *string
	certTransparency *bool

	lifetimeActions []gen.LifetimeAction

	enabled bool
	created time.Time
	updated time.Time
}

func (p *policy) isEC() bool { return strings.HasPrefix(p.keyType, "EC") }

func (p *policy) hasSANs() bool {
	return len(p.dnsNames)+len(p.emails)+len(p.upns)+len(p.ipAddresses)+len(p.uris) > 0
}

var curveSizes = map[string]int{"P-256": 256, "P-384": 384, "P-521": 521}

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

// applyWire lays the fields present in w over a copy of p and validates the
// result. It serves create and import (over defaultPolicy) and
// UpdateCertificatePolicy (over the current policy).
func (p *policy) applyWire(w *gen.CertificatePolicy) (*policy, error) {
	n := p.clone()
	if w == nil {
		return n, n.validate()
	}
	if kp := w.KeyProperties; kp != nil {
		if kp.KeyType != nil {
			wasEC := n.isEC()
			n.keyType = string(*kp.KeyType)
			if n.isEC() != wasEC {
				n.curve, n.keySize = "", 0
			}
		}
		if kp.Curve != nil {
			n.curve = string(*kp.Curve)
			if kp.KeyType == nil && !n.isEC() {
				n.keyType = "EC"
			}
			n.keySize = 0
		}
		if kp.KeySize != nil {
			n.keySize = int(*kp.KeySize)
		}
		if kp.Exportable != nil {
			n.exportable = *kp.Exportable
		}
		if kp.ReuseKey != nil {
			n.reuseKey = *kp.ReuseKey
		}
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
	if sp := w.SecretProperties; sp != nil && sp.ContentType != nil {
		n.contentType = *sp.ContentType
	}
	if xp := w.X509CertificateProperties; xp != nil {
		if xp.Subject != nil {
			n.subject = *xp.Subject
		}
		if s := xp.SubjectAlternativeNames; s != nil {
			n.dnsNames = cloneOr(s.DNSNames, n.dnsNames)
			n.emails = cloneOr(s.Emails, n.emails)
			n.upns = cloneOr(s.Upns, n.upns)
			n.ipAddresses = cloneOr(s.IPAddresses, n.ipAddresses)
			n.uris = cloneOr(s.Uris, n.uris)
		}
		n.ekus = cloneOr(xp.Ekus, n.ekus)
		if xp.KeyUsage != nil {
			n.keyUsage = make([]string, len(*xp.KeyUsage))
			for i, u := range *xp.KeyUsage {
				n.keyUsage[i] = string(u)
			}
		}
		if xp.ValidityInMonths != nil {
			n.validityMonths = int(*xp.ValidityInMonths)
		}
	}
	if ip := w.IssuerParameters; ip != nil {
		if ip.Name != nil {
			n.issuerName = *ip.Name
		}
		if ip.CertificateType != nil {
			n.certType = ptr(*ip.CertificateType)
		}
		if ip.CertificateTransparency != nil {
			n.certTransparency = ptr(*ip.CertificateTransparency)
		}
	}
	if w.LifetimeActions != nil {
		n.lifetimeActions = cloneActions(*w.LifetimeActions)
	}
	if w.Attributes != nil && w.Attributes.Enabled != nil {
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

func cloneOr(in *[]string, old []string) []string {
	if in == nil {
		return old
	}
	return slices.Clone(*in)
}

func cloneActions(in []gen.LifetimeAction) []gen.LifetimeAction {
	if in == nil {
		return nil
	}
	out := make([]gen.LifetimeAction, len(in))
	for i, a := range in {
		if a.Trigger != nil {
			t := *a.Trigger
			out[i].Trigger = &t
		}
		if a.Action != nil {
			act := *a.Action
			out[i].Action = &act
		}
	}
	return out
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
	n.lifetimeActions = cloneActions(p.lifetimeActions)
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
			return badParameter("policy key_props.crv %q is not supported; use P-256, P-384 or P-521", p.curve)
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
	if p.issuerName == "" {
		return badParameter("policy issuer.name is empty")
	}
	for i, a := range p.lifetimeActions {
		if err := checkLifetimeAction(i, a); err != nil {
			return err
		}
	}
	return nil
}

func checkLifetimeAction(i int, a gen.LifetimeAction) error {
	if a.Action == nil || a.Action.ActionType == nil || !a.Action.ActionType.Valid() {
		return badParameter("policy lifetime_actions[%d].action.action_type must be AutoRenew or EmailContacts", i)
	}
	t := a.Trigger
	if t == nil || (t.LifetimePercentage == nil) == (t.DaysBeforeExpiry == nil) {
		return badParameter("policy lifetime_actions[%d].trigger needs exactly one of lifetime_percentage and days_before_expiry", i)
	}
	if t.LifetimePercentage != nil && (*t.LifetimePercentage < 1 || *t.LifetimePercentage > 99) {
		return badParameter("policy lifetime_actions[%d].trigger.lifetime_percentage %d is outside 1..99", i, *t.LifetimePercentage)
	}
	if t.DaysBeforeExpiry != nil && *t.DaysBeforeExpiry < 1 {
		return badParameter("policy lifetime_actions[%d].trigger.days_before_expiry %d is below 1", i, *t.DaysBeforeExpiry)
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
	if p.issuerName == issuerUnknown {
		action = gen.CertificatePolicyActionEmailContacts
	}
	p.lifetimeActions = []gen.LifetimeAction{{
		Trigger: &gen.Trigger{LifetimePercentage: ptr(int32(80))},
		Action:  &gen.Action{ActionType: &action},
	}}
}

// wire returns p in the service's JSON shape; id is the policy URL or empty.
func (p *policy) wire(id string) *gen.CertificatePolicy {
	kty := gen.JSONWebKeyType(p.keyType)
	kp := &gen.KeyProperties{
		KeyType:    &kty,
		KeySize:    ptr(int32(p.keySize)),
		Exportable: ptr(p.exportable),
		ReuseKey:   ptr(p.reuseKey),
	}
	if p.curve != "" {
		crv := gen.JSONWebKeyCurveName(p.curve)
		kp.Curve = &crv
	}
	usages := make([]gen.KeyUsageType, len(p.keyUsage))
	for i, u := range p.keyUsage {
		usages[i] = gen.KeyUsageType(u)
	}
	xp := &gen.X509CertificateProperties{
		Ekus:             ptr(nonNil(p.ekus)),
		KeyUsage:         &usages,
		ValidityInMonths: ptr(int32(p.validityMonths)),
	}
	if p.subject != "" {
		xp.Subject = ptr(p.subject)
	}
	if p.hasSANs() {
		xp.SubjectAlternativeNames = &gen.SubjectAlternativeNames{
			DNSNames:    optSlice(p.dnsNames),
			Emails:      optSlice(p.emails),
			Upns:        optSlice(p.upns),
			IPAddresses: optSlice(p.ipAddresses),
			Uris:        optSlice(p.uris),
		}
	}
	w := &gen.CertificatePolicy{
		KeyProperties:             kp,
		SecretProperties:          &gen.SecretProperties{ContentType: ptr(p.contentType)},
		X509CertificateProperties: xp,
		IssuerParameters: &gen.IssuerParameters{
			Name:                    ptr(p.issuerName),
			CertificateType:         p.certType,
			CertificateTransparency: p.certTransparency,
		},
		Attributes: &gen.CertificateAttributes{
			Enabled: ptr(p.enabled),
			Created: gen.NewUnixTime(p.created),
			Updated: gen.NewUnixTime(p.updated),
		},
	}
	if id != "" {
		w.ID = ptr(id)
	}
	if p.lifetimeActions != nil {
		w.LifetimeActions = ptr(cloneActions(p.lifetimeActions))
	}
	return w
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func optSlice(s []string) *[]string {
	if len(s) == 0 {
		return nil
	}
	return ptr(slices.Clone(s))
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
