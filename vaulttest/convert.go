package vaulttest

import (
	"maps"

	"github.com/kvcerts/kvcerts/gen"
)

// The functions here turn stored state into the service's JSON shapes.
// Callers hold v.mu; the results share nothing mutable with the state.

// attributes are a version's attributes, as certificate and secret answers
// show them.
func (v *vault) attributes(ver *version) gen.CertificateAttributes {
	return gen.CertificateAttributes{
		Enabled:         new(ver.enabled),
		NotBefore:       gen.NewUnixTime(ver.notBefore),
		Expires:         gen.NewUnixTime(ver.notAfter),
		Created:         gen.NewUnixTime(ver.created),
		Updated:         gen.NewUnixTime(ver.updated),
		RecoveryLevel:   v.recoveryLevel(),
		RecoverableDays: v.recoverableDays(),
	}
}

// pendingAttributes describe a certificate whose only version is still
// being created.
func (v *vault) pendingAttributes(c *certificate) gen.CertificateAttributes {
	created := c.policy.created
	if c.op != nil {
		created = c.op.created
	}
	return gen.CertificateAttributes{
		Enabled:         new(false),
		Created:         gen.NewUnixTime(created),
		Updated:         gen.NewUnixTime(created),
		RecoveryLevel:   v.recoveryLevel(),
		RecoverableDays: v.recoverableDays(),
	}
}

// bundle is a certificate version's answer. withPolicy adds the
// certificate's policy, which the service sends with answers about the
// certificate as a whole (GET and PATCH of /certificates/{name}/ without a
// version, import, merge, recover, restore, delete and the deleted views)
// and leaves out of answers about a named version. A certificate whose only
// version is still pending (ver is nil) always shows its policy.
func (v *vault) bundle(c *certificate, ver *version, withPolicy bool) *gen.CertificateBundle {
	if ver == nil {
		return &gen.CertificateBundle{
			ID:         v.urls.certificate(c.name),
			Attributes: v.pendingAttributes(c),
			Policy:     c.policy.wire(v.urls.policy(c.name)),
		}
	}
	b := &gen.CertificateBundle{
		ID:             v.urls.version(c.name, ver.id),
		Kid:            v.urls.key(c.name, ver.id),
		Sid:            v.urls.secret(c.name, ver.id),
		X509Thumbprint: gen.Base64URL(ver.x5t[:]),
		Cer:            ver.chain[ver.leaf],
		Attributes:     v.attributes(ver),
		Tags:           maps.Clone(ver.tags), // cleared tags ({}) stay on the wire
	}
	if withPolicy {
		b.Policy = c.policy.wire(v.urls.policy(c.name))
	}
	if ver.preserveOrder {
		b.PreserveCertOrder = new(true)
	}
	return b
}

// certificateAnswer is a certificate's answer with the reference to its
// operation in progress, which the service adds to answers about the
// certificate as a whole (the published spec leaves it out).
type certificateAnswer struct {
	*gen.CertificateBundle
	Pending *pendingRef `json:"pending,omitempty"`
}

// pendingRef refers to a certificate's pending operation.
type pendingRef struct {
	ID string `json:"id"`
}

// answer is bundle, with the pending operation's reference when whole and an
// operation is in progress.
func (v *vault) answer(c *certificate, ver *version, whole bool) certificateAnswer {
	a := certificateAnswer{CertificateBundle: v.bundle(c, ver, whole)}
	if whole && c.pending() {
		a.Pending = &pendingRef{ID: v.urls.pending(c.name)}
	}
	return a
}

// item is a list entry. Lists of live certificates leave the recovery
// fields out of the attributes, as the service does; deleted lists keep them.
func (v *vault) item(c *certificate, ver *version, id string, withRecovery bool) gen.CertificateItem {
	it := gen.CertificateItem{ID: id}
	if ver == nil {
		it.Attributes = v.pendingAttributes(c)
	} else {
		it.Attributes = v.attributes(ver)
		it.X509Thumbprint = gen.Base64URL(ver.x5t[:])
		it.Tags = maps.Clone(ver.tags)
	}
	if !withRecovery {
		it.Attributes.RecoveryLevel, it.Attributes.RecoverableDays = "", 0
	}
	return it
}

// deletedBundle is a deleted certificate's answer; d is nil for a vault
// without soft delete, whose answer has no recovery fields.
func (v *vault) deletedBundle(c *certificate, d *deletedCertificate) *gen.DeletedCertificateBundle {
	b := v.bundle(c, c.latest(), true)
	out := &gen.DeletedCertificateBundle{
		ID:                b.ID,
		Kid:               b.Kid,
		Sid:               b.Sid,
		X509Thumbprint:    b.X509Thumbprint,
		Cer:               b.Cer,
		Attributes:        b.Attributes,
		Policy:            b.Policy,
		Tags:              b.Tags,
		PreserveCertOrder: b.PreserveCertOrder,
	}
	if d != nil {
		out.RecoveryID = v.urls.deleted(c.name)
		out.DeletedDate = gen.NewUnixTime(d.deletedAt)
		out.ScheduledPurgeDate = gen.NewUnixTime(d.purgeAt)
	}
	return out
}

func (v *vault) deletedItem(d *deletedCertificate) gen.DeletedCertificateItem {
	c := d.cert
	it := v.item(c, c.latest(), v.urls.certificate(c.name), true)
	return gen.DeletedCertificateItem{
		ID:                 it.ID,
		X509Thumbprint:     it.X509Thumbprint,
		Attributes:         it.Attributes,
		Tags:               it.Tags,
		RecoveryID:         v.urls.deleted(c.name),
		DeletedDate:        gen.NewUnixTime(d.deletedAt),
		ScheduledPurgeDate: gen.NewUnixTime(d.purgeAt),
	}
}

func (v *vault) operationWire(c *certificate) *gen.CertificateOperation {
	op := c.op
	w := &gen.CertificateOperation{
		ID: v.urls.pending(c.name),
		IssuerParameters: gen.IssuerParameters{
			Name:                    op.policy.issuerName,
			CertificateType:         op.policy.certType,
			CertificateTransparency: op.policy.certTransparency,
		},
		Csr:                   op.csr,
		CancellationRequested: new(op.cancel),
		Status:                op.status,
		StatusDetails:         op.statusDetails,
		RequestID:             op.requestID,
	}
	if op.preserveOrder {
		w.PreserveCertOrder = new(true)
	}
	if op.status == statusCompleted {
		w.Target = v.urls.certificate(c.name)
	}
	if op.err != nil {
		w.Error = op.err.wire().Error
	}
	return w
}
