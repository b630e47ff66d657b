package bench

import (
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/kvcerts/kvcerts/client"
)

// The checks compare a contender's decoded result with what was served,
// field by field. Every timed call's result goes through one, inside the
// timing, so a contender that decoded lazily or only in part pays for the
// rest there, or fails.

func checkFloorCertificate(c *floorCertificate, w *servedCertificate) error {
	var m mismatch
	same(&m, "id", c.ID, w.id)
	same(&m, "kid", c.KeyID, w.kid)
	same(&m, "sid", c.SecretID, w.sid)
	same(&m, "x5t", c.X509Thumbprint, w.x5tText)
	sameBytes(&m, "cer", c.CER, w.cer)
	same(&m, "contentType", c.ContentType, w.contentType)
	same(&m, "preserveCertOrder", c.PreserveCertOrder, w.preserveCertOrder)
	sameTags(&m, c.Tags, w.tags)
	checkFloorAttributes(&m, "attributes", &c.Attributes, &w.attributes)
	checkFloorPolicy(&m, c.Policy, w.policy, true)
	return m.err
}

// checkFloorPolicy compares a policy; without times, its attributes'
// times are not compared (a new certificate's are its own).
func checkFloorPolicy(m *mismatch, p *floorPolicy, wp *servedPolicy, times bool) {
	if p == nil {
		m.fail("policy", nil, "a policy")
		return
	}
	same(m, "policy.id", p.ID, wp.id)
	same(m, "policy.exportable", p.Key.Exportable, wp.exportable)
	same(m, "policy.reuseKey", p.Key.ReuseKey, wp.reuseKey)
	same(m, "policy.kty", p.Key.KeyType, wp.keyType)
	same(m, "policy.keySize", p.Key.KeySize, wp.keySize)
	same(m, "policy.crv", p.Key.Curve, wp.curve)
	same(m, "policy.contentType", p.Secret.ContentType, wp.contentType)
	same(m, "policy.subject", p.X509.Subject, wp.subject)
	sameStrings(m, "policy.ekus", p.X509.EKUs, wp.ekus)
	sameStrings(m, "policy.keyUsage", p.X509.KeyUsage, wp.keyUsage)
	same(m, "policy.validityMonths", p.X509.ValidityMonths, wp.validityMonths)
	if s := p.X509.SANs; s == nil {
		m.fail("policy.sans", nil, wp.sans)
	} else {
		sameStrings(m, "policy.sans.dns", s.DNSNames, wp.sans.dnsNames)
		sameStrings(m, "policy.sans.emails", s.Emails, wp.sans.emails)
		sameStrings(m, "policy.sans.upns", s.UPNs, wp.sans.upns)
		sameStrings(m, "policy.sans.uris", s.URIs, wp.sans.uris)
		sameStrings(m, "policy.sans.ips", s.IPAddresses, wp.sans.ips)
	}
	same(m, "policy.lifetimeActions", len(p.LifetimeActions), len(wp.actions))
	for i := range min(len(p.LifetimeActions), len(wp.actions)) {
		a, wa := &p.LifetimeActions[i], &wp.actions[i]
		same(m, "policy.lifetimeActions.percentage", a.Trigger.LifetimePercentage, wa.percentage)
		same(m, "policy.lifetimeActions.days", a.Trigger.DaysBeforeExpiry, wa.daysBeforeExpiry)
		same(m, "policy.lifetimeActions.action", a.Action.ActionType, wa.action)
	}
	same(m, "policy.issuer", p.Issuer.Name, wp.issuer)
	same(m, "policy.cty", p.Issuer.CertificateType, wp.certificateType)
	same(m, "policy.certTransparency", p.Issuer.CertTransparency, wp.certificateTransparency)
	switch {
	case p.Attributes == nil:
		m.fail("policy.attributes", nil, wp.attributes)
	case times:
		checkFloorAttributes(m, "policy.attributes", p.Attributes, &wp.attributes)
	default:
		same(m, "policy.attributes.enabled", p.Attributes.Enabled, wp.attributes.enabled)
	}
}

func checkFloorAttributes(m *mismatch, field string, a *floorAttributes, w *servedAttributes) {
	same(m, field+".enabled", a.Enabled, w.enabled)
	same(m, field+".nbf", a.NotBefore, w.notBefore)
	same(m, field+".exp", a.Expires, w.expires)
	same(m, field+".created", a.Created, w.created)
	same(m, field+".updated", a.Updated, w.updated)
	same(m, field+".recoveryLevel", a.RecoveryLevel, w.recoveryLevel)
	same(m, field+".recoverableDays", a.RecoverableDays, w.recoverableDays)
}

func checkFloorItem(it *floorItem, w *servedItem) error {
	var m mismatch
	same(&m, "id", it.ID, w.id)
	same(&m, "x5t", it.X509Thumbprint, w.x5tText)
	sameTags(&m, it.Tags, w.tags)
	checkFloorAttributes(&m, "attributes", &it.Attributes, &w.attributes)
	return m.err
}

func checkOursCertificate(c *client.Certificate, w *servedCertificate) error {
	var m mismatch
	checkOursProperties(&m, &c.Properties, w.id, w.x5t, &w.attributes, w.tags)
	same(&m, "kid", c.KeyID, w.kid)
	same(&m, "sid", c.SecretID, w.sid)
	sameBytes(&m, "cer", c.CER, w.cer)
	same(&m, "contentType", string(c.ContentType), w.contentType)
	same(&m, "preserveCertOrder", c.PreserveCertOrder, w.preserveCertOrder)
	checkOursPolicy(&m, c.Policy, w.policy, true)
	return m.err
}

func checkOursPolicy(m *mismatch, p *client.CertificatePolicy, wp *servedPolicy, times bool) {
	if p == nil {
		m.fail("policy", nil, "a policy")
		return
	}
	same(m, "policy.id", p.ID, wp.id)
	same(m, "policy.exportable", deref(p.Exportable), wp.exportable)
	same(m, "policy.reuseKey", deref(p.ReuseKey), wp.reuseKey)
	same(m, "policy.kty", string(p.KeyType), wp.keyType)
	same(m, "policy.keySize", p.KeySize, wp.keySize)
	same(m, "policy.crv", string(p.KeyCurve), wp.curve)
	same(m, "policy.contentType", string(p.ContentType), wp.contentType)
	same(m, "policy.subject", p.Subject, wp.subject)
	sameStrings(m, "policy.ekus", p.EnhancedKeyUsages, wp.ekus)
	same(m, "policy.keyUsage", len(p.KeyUsages), len(wp.keyUsage))
	for i := range min(len(p.KeyUsages), len(wp.keyUsage)) {
		same(m, "policy.keyUsage", string(p.KeyUsages[i]), wp.keyUsage[i])
	}
	same(m, "policy.validityMonths", p.ValidityInMonths, wp.validityMonths)
	s := &p.SubjectAlternativeNames
	sameStrings(m, "policy.sans.dns", s.DNSNames, wp.sans.dnsNames)
	sameStrings(m, "policy.sans.emails", s.Emails, wp.sans.emails)
	sameStrings(m, "policy.sans.upns", s.UserPrincipalNames, wp.sans.upns)
	sameStrings(m, "policy.sans.uris", s.URIs, wp.sans.uris)
	sameStrings(m, "policy.sans.ips", s.IPAddresses, wp.sans.ips)
	same(m, "policy.lifetimeActions", len(p.LifetimeActions), len(wp.actions))
	for i := range min(len(p.LifetimeActions), len(wp.actions)) {
		a, wa := &p.LifetimeActions[i], &wp.actions[i]
		same(m, "policy.lifetimeActions.percentage", a.LifetimePercentage, wa.percentage)
		same(m, "policy.lifetimeActions.days", a.DaysBeforeExpiry, wa.daysBeforeExpiry)
		same(m, "policy.lifetimeActions.action", string(a.Action), wa.action)
	}
	same(m, "policy.issuer", p.IssuerName, wp.issuer)
	same(m, "policy.cty", p.CertificateType, wp.certificateType)
	same(m, "policy.certTransparency", deref(p.CertificateTransparency), wp.certificateTransparency)
	same(m, "policy.enabled", deref(p.Enabled), wp.attributes.enabled)
	if times {
		same(m, "policy.created", unix(p.Created), wp.attributes.created)
		same(m, "policy.updated", unix(p.Updated), wp.attributes.updated)
	}
}

func checkOursProperties(m *mismatch, p *client.CertificateProperties, id string, x5t []byte, w *servedAttributes, tags map[string]string) {
	same(m, "id", p.ID, id)
	sameBytes(m, "x5t", p.X509Thumbprint, x5t)
	sameTags(m, p.Tags, tags)
	same(m, "attributes.enabled", p.Enabled, w.enabled)
	same(m, "attributes.nbf", unix(p.NotBefore), w.notBefore)
	same(m, "attributes.exp", unix(p.Expires), w.expires)
	same(m, "attributes.created", unix(p.Created), w.created)
	same(m, "attributes.updated", unix(p.Updated), w.updated)
	same(m, "attributes.recoveryLevel", string(p.RecoveryLevel), w.recoveryLevel)
	same(m, "attributes.recoverableDays", p.RecoverableDays, w.recoverableDays)
}

func checkOursItem(p *client.CertificateProperties, w *servedItem) error {
	var m mismatch
	checkOursProperties(&m, p, w.id, w.x5t, &w.attributes, w.tags)
	return m.err
}

func checkSDKCertificate(c *azcertificates.Certificate, w *servedCertificate) error {
	var m mismatch
	same(&m, "id", string(deref(c.ID)), w.id)
	same(&m, "kid", string(deref(c.KID)), w.kid)
	same(&m, "sid", string(deref(c.SID)), w.sid)
	sameBytes(&m, "x5t", c.X509Thumbprint, w.x5t)
	sameBytes(&m, "cer", c.CER, w.cer)
	same(&m, "contentType", deref(c.ContentType), w.contentType)
	same(&m, "preserveCertOrder", deref(c.PreserveCertOrder), w.preserveCertOrder)
	sameTagPtrs(&m, c.Tags, w.tags)
	checkSDKAttributes(&m, "attributes", c.Attributes, &w.attributes)
	checkSDKPolicy(&m, c.Policy, w.policy, true)
	return m.err
}

func checkSDKPolicy(m *mismatch, p *azcertificates.CertificatePolicy, wp *servedPolicy, times bool) {
	if p == nil || p.KeyProperties == nil || p.SecretProperties == nil || p.X509CertificateProperties == nil || p.IssuerParameters == nil {
		m.fail("policy", p, "a whole policy")
		return
	}
	k, x, iss := p.KeyProperties, p.X509CertificateProperties, p.IssuerParameters
	same(m, "policy.id", string(deref(p.ID)), wp.id)
	same(m, "policy.exportable", deref(k.Exportable), wp.exportable)
	same(m, "policy.reuseKey", deref(k.ReuseKey), wp.reuseKey)
	same(m, "policy.kty", string(deref(k.KeyType)), wp.keyType)
	same(m, "policy.keySize", int(deref(k.KeySize)), wp.keySize)
	same(m, "policy.crv", string(deref(k.Curve)), wp.curve)
	same(m, "policy.contentType", deref(p.SecretProperties.ContentType), wp.contentType)
	same(m, "policy.subject", deref(x.Subject), wp.subject)
	sameStringPtrs(m, "policy.ekus", x.EnhancedKeyUsage, wp.ekus)
	same(m, "policy.keyUsage", len(x.KeyUsage), len(wp.keyUsage))
	for i := range min(len(x.KeyUsage), len(wp.keyUsage)) {
		same(m, "policy.keyUsage", string(deref(x.KeyUsage[i])), wp.keyUsage[i])
	}
	same(m, "policy.validityMonths", int(deref(x.ValidityInMonths)), wp.validityMonths)
	if s := x.SubjectAlternativeNames; s == nil {
		m.fail("policy.sans", nil, wp.sans)
	} else {
		sameStringPtrs(m, "policy.sans.dns", s.DNSNames, wp.sans.dnsNames)
		sameStringPtrs(m, "policy.sans.emails", s.Emails, wp.sans.emails)
		sameStringPtrs(m, "policy.sans.upns", s.UserPrincipalNames, wp.sans.upns)
		sameStringPtrs(m, "policy.sans.uris", s.URIs, wp.sans.uris)
		sameStringPtrs(m, "policy.sans.ips", s.IPAddresses, wp.sans.ips)
	}
	same(m, "policy.lifetimeActions", len(p.LifetimeActions), len(wp.actions))
	for i := range min(len(p.LifetimeActions), len(wp.actions)) {
		a, wa := p.LifetimeActions[i], &wp.actions[i]
		if a == nil || a.Trigger == nil || a.Action == nil {
			m.fail("policy.lifetimeActions", a, wa)
			break
		}
		same(m, "policy.lifetimeActions.percentage", int(deref(a.Trigger.LifetimePercentage)), wa.percentage)
		same(m, "policy.lifetimeActions.days", int(deref(a.Trigger.DaysBeforeExpiry)), wa.daysBeforeExpiry)
		same(m, "policy.lifetimeActions.action", string(deref(a.Action.ActionType)), wa.action)
	}
	same(m, "policy.issuer", deref(iss.Name), wp.issuer)
	same(m, "policy.cty", deref(iss.CertificateType), wp.certificateType)
	same(m, "policy.certTransparency", deref(iss.CertificateTransparency), wp.certificateTransparency)
	switch {
	case times:
		checkSDKAttributes(m, "policy.attributes", p.Attributes, &wp.attributes)
	case p.Attributes == nil:
		m.fail("policy.attributes", nil, wp.attributes)
	default:
		same(m, "policy.attributes.enabled", deref(p.Attributes.Enabled), wp.attributes.enabled)
	}
}

func checkSDKAttributes(m *mismatch, field string, a *azcertificates.CertificateAttributes, w *servedAttributes) {
	if a == nil {
		m.fail(field, nil, *w)
		return
	}
	same(m, field+".enabled", deref(a.Enabled), w.enabled)
	same(m, field+".nbf", unixPtr(a.NotBefore), w.notBefore)
	same(m, field+".exp", unixPtr(a.Expires), w.expires)
	same(m, field+".created", unixPtr(a.Created), w.created)
	same(m, field+".updated", unixPtr(a.Updated), w.updated)
	same(m, field+".recoveryLevel", deref(a.RecoveryLevel), w.recoveryLevel)
	same(m, field+".recoverableDays", int(deref(a.RecoverableDays)), w.recoverableDays)
}

func checkSDKItem(it *azcertificates.CertificateProperties, w *servedItem) error {
	var m mismatch
	same(&m, "id", string(deref(it.ID)), w.id)
	sameBytes(&m, "x5t", it.X509Thumbprint, w.x5t)
	sameTagPtrs(&m, it.Tags, w.tags)
	checkSDKAttributes(&m, "attributes", it.Attributes, &w.attributes)
	return m.err
}

// errWrap names the contender whose result differs.
func errWrap(contender string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s decoded other values than were served: %w", contender, err)
}

// createdWant is what a certificate created under one name must show: a
// new version under that name, a thumbprint that is the SHA-1 of its
// certificate, the tags sent, and the policy asked for (the template,
// served for an earlier create, with the name's policy id).
type createdWant struct {
	vault  string
	policy servedPolicy
	tags   map[string]string
}

func (w *createdWant) policyFor(name string) *servedPolicy {
	p := w.policy
	p.id = w.vault + "/certificates/" + name + "/policy"
	return &p
}

// checkVersion compares what every contender decodes of a new version.
func (w *createdWant) checkVersion(m *mismatch, name, id, kid, sid string, cer, x5t []byte, enabled bool, nbf, exp int64) {
	prefix := w.vault + "/certificates/" + name + "/"
	version, ok := strings.CutPrefix(id, prefix)
	if !ok || len(version) != 32 {
		m.fail("id", id, prefix+"<version>")
		return
	}
	same(m, "kid", kid, w.vault+"/keys/"+name+"/"+version)
	same(m, "sid", sid, w.vault+"/secrets/"+name+"/"+version)
	if sum := sha1.Sum(cer); len(cer) == 0 || string(x5t) != string(sum[:]) {
		m.fail("x5t", x5t, "the SHA-1 of cer")
	}
	same(m, "attributes.enabled", enabled, true)
	if nbf == 0 || exp <= nbf {
		m.fail("attributes.nbf/exp", [2]int64{nbf, exp}, "a validity period")
	}
}

func checkFloorCreated(c *floorCertificate, name string, w *createdWant) error {
	var m mismatch
	x5t, err := base64url.DecodeString(c.X509Thumbprint)
	if err != nil {
		return fmt.Errorf("x5t %q: %w", c.X509Thumbprint, err)
	}
	w.checkVersion(&m, name, c.ID, c.KeyID, c.SecretID, c.CER, x5t, c.Attributes.Enabled, c.Attributes.NotBefore, c.Attributes.Expires)
	sameTags(&m, c.Tags, w.tags)
	checkFloorPolicy(&m, c.Policy, w.policyFor(name), false)
	return m.err
}

func checkOursCreated(r *client.CreateCertificateResult, name string, w *createdWant) error {
	var m mismatch
	if r.Certificate == nil || r.Operation == nil {
		return fmt.Errorf("create result without its certificate or operation: %+v", r)
	}
	same(&m, "operation.status", string(r.Operation.Status), "completed")
	c, p := r.Certificate, &r.Certificate.Properties
	w.checkVersion(&m, name, p.ID, c.KeyID, c.SecretID, c.CER, p.X509Thumbprint, p.Enabled, unix(p.NotBefore), unix(p.Expires))
	sameTags(&m, p.Tags, w.tags)
	checkOursPolicy(&m, c.Policy, w.policyFor(name), false)
	return m.err
}

func checkSDKCreated(c *azcertificates.Certificate, name string, w *createdWant) error {
	var m mismatch
	if c.Attributes == nil {
		return fmt.Errorf("certificate without attributes")
	}
	w.checkVersion(&m, name, string(deref(c.ID)), string(deref(c.KID)), string(deref(c.SID)), c.CER, c.X509Thumbprint,
		deref(c.Attributes.Enabled), unixPtr(c.Attributes.NotBefore), unixPtr(c.Attributes.Expires))
	sameTagPtrs(&m, c.Tags, w.tags)
	checkSDKPolicy(&m, c.Policy, w.policyFor(name), false)
	return m.err
}
