package vaulttest

import (
	"net/http"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// deleteCertificate answers DELETE /certificates/{name} with the deleted
// certificate. With soft delete it stays recoverable for the vault's
// recoverable days; it shows in the deleted views only after Delays.Delete.
// A pending operation is dropped with it. Its answer says how long the
// deletion takes (Retry-After and retry-after-ms), and so do the 404s of
// GET /deletedcertificates/{name} meanwhile, so that pollers wait exactly
// that long.
func (v *vault) deleteCertificate(c *call) (int, any, error) {
	name := c.name
	key := nameKey(name)
	v.mu.Lock()
	defer v.mu.Unlock()
	cert := v.live(key, c.now)
	if cert == nil {
		return 0, nil, certificateNotFound(name)
	}
	v.dropLive(key)
	cert.op = nil
	if v.cfg.noSoftDelete {
		return http.StatusOK, v.deletedBundle(cert, nil), nil
	}
	d := &deletedCertificate{
		cert:      cert,
		deletedAt: c.now,
		purgeAt:   c.now.AddDate(0, 0, v.cfg.recoverableDays),
		visibleAt: c.now.Add(v.cfg.delays.Delete),
	}
	v.putDeleted(d)
	setRetryAfter(c.w.Header(), v.cfg.delays.Delete)
	return http.StatusOK, v.deletedBundle(cert, d), nil
}

// getDeleted answers GET /deletedcertificates/{name}.
func (v *vault) getDeleted(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d := v.deletedCert(nameKey(c.name), c.now)
	if d == nil || !d.shown(c.now) {
		if d != nil {
			setRetryAfter(c.w.Header(), d.visibleAt.Sub(c.now))
		}
		return 0, nil, deletedNotFound(c.name)
	}
	return http.StatusOK, v.deletedBundle(d.cert, d), nil
}

// settledDeleted finds the soft-deleted certificate that purge and recover
// act on: 404 without one, and 409 ObjectIsBeingDeleted while it does not
// show in the deleted views yet. Callers hold v.mu.
func (v *vault) settledDeleted(name string, now time.Time) (*deletedCertificate, error) {
	d := v.deletedCert(nameKey(name), now)
	switch {
	case d == nil:
		return nil, deletedNotFound(name)
	case !d.shown(now):
		return nil, beingDeleted(name)
	}
	return d, nil
}

// listDeleted answers GET /deletedcertificates: the soft-deleted
// certificates that show in the deleted views, by name.
func (v *vault) listDeleted(c *call) (int, any, error) {
	p, err := v.pageOf(c)
	if err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.dropExpired(c.now)
	keep := func(k string) bool {
		d := v.deleted[k]
		return d.shown(c.now) && (p.pending || len(d.cert.versions) > 0)
	}
	item := func(k string) gen.DeletedCertificateItem { return v.deletedItem(v.deleted[k]) }
	return http.StatusOK, list(v, c, "/deletedcertificates", p, v.delNames, keep, item), nil
}

// purgeDeleted answers DELETE /deletedcertificates/{name} with 204.
func (v *vault) purgeDeleted(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, err := v.settledDeleted(c.name, c.now)
	if err != nil {
		return 0, nil, err
	}
	if v.cfg.purgeProtection {
		return 0, nil, forbidden("purge is not allowed: this vault has purge protection; %q is purged on its scheduled purge date", c.name)
	}
	key := nameKey(d.cert.name)
	v.dropDeleted(key)
	if v.cfg.delays.Purge > 0 {
		v.purging[key] = c.now.Add(v.cfg.delays.Purge)
	}
	return http.StatusNoContent, nil, nil
}

// recoverDeleted answers POST /deletedcertificates/{name}/recover with the
// recovered certificate, which reads as missing until Delays.Recover passed.
// Like the delete, its answer says how long that is (Retry-After and
// retry-after-ms), for the client's poller.
func (v *vault) recoverDeleted(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, err := v.settledDeleted(c.name, c.now)
	if err != nil {
		return 0, nil, err
	}
	cert := d.cert
	v.dropDeleted(nameKey(cert.name))
	cert.visibleAt = c.now.Add(v.cfg.delays.Recover)
	v.putLive(cert)
	setRetryAfter(c.w.Header(), v.cfg.delays.Recover)
	return http.StatusOK, v.bundle(cert, cert.latest(), true), nil
}
