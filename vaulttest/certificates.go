package vaulttest

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// getCertificate answers GET /certificates/{name}/{version}; an empty
// version means the latest, and only that answer carries the policy. Its
// 404 for a certificate being recovered says how long that takes.
func (v *vault) getCertificate(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, ver, err := v.liveVersion(c)
	if err != nil {
		if r := v.certs[nameKey(c.name)]; r != nil && c.now.Before(r.visibleAt) {
			// Being recovered: say how long that takes.
			setRetryAfter(c.w.Header(), r.visibleAt.Sub(c.now))
		}
		return 0, nil, err
	}
	return http.StatusOK, v.answer(cert, ver, c.version == ""), nil
}

// liveCert finds the certificate a request names, if it can be read now.
// Callers hold v.mu.
func (v *vault) liveCert(c *call) (*certificate, error) {
	cert := v.live(nameKey(c.name), c.now)
	if cert == nil {
		return nil, certificateNotFound(c.name)
	}
	return cert, nil
}

// liveVersion finds the certificate version a request names (the latest
// for an empty version). Callers hold v.mu.
func (v *vault) liveVersion(c *call) (*certificate, *version, error) {
	cert, err := v.liveCert(c)
	if err != nil {
		return nil, nil, err
	}
	ver := cert.findVersion(c.version)
	switch {
	case ver != nil:
		return cert, ver, nil
	case c.version == "":
		return nil, nil, certificateNotFound(c.name)
	default:
		return nil, nil, versionNotFound(c.name, c.version)
	}
}

// updateCertificate answers PATCH /certificates/{name}/{version}: it sets
// the version's enabled attribute and tags, and the certificate's policy.
// As with GET, the answer carries the policy only without a version.
func (v *vault) updateCertificate(c *call) (int, any, error) {
	var body gen.CertificateUpdateParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, ver, err := v.liveVersion(c)
	if err != nil {
		return 0, nil, err
	}
	if given(body.CertificatePolicy) || c.policySent {
		if err := cert.patchPolicy(body.CertificatePolicy, c.now); err != nil {
			return 0, nil, err
		}
	}
	if e := body.CertificateAttributes.Enabled; e != nil {
		ver.enabled = *e
	}
	if body.Tags != nil { // {} clears the tags
		ver.tags = maps.Clone(body.Tags)
	}
	ver.updated = c.now
	return http.StatusOK, v.answer(cert, ver, c.version == ""), nil
}

// listCertificates answers GET /certificates: the certificates by name,
// each as its latest version.
func (v *vault) listCertificates(c *call) (int, any, error) {
	p, err := v.pageOf(c)
	if err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	keep := func(k string) bool {
		cert := v.live(k, c.now)
		return cert != nil && (p.pending || len(cert.versions) > 0)
	}
	item := func(k string) gen.CertificateItem {
		cert := v.certs[k]
		return v.item(cert, cert.latest(), v.urls.certificate(cert.name), false)
	}
	return http.StatusOK, list(v, c, "/certificates", p, v.names, keep, item), nil
}

// listVersions answers GET /certificates/{name}/versions. Like the
// service, it lists the versions by id, not by age; the skip token holds the
// last id served, so versions added while a client pages show up in their
// place and none is listed twice.
func (v *vault) listVersions(c *call) (int, any, error) {
	p, err := v.pageOf(c)
	if err != nil {
		return 0, nil, err
	}
	if p.after != "" && !validVersion(p.after) {
		return 0, nil, badParameter("$skiptoken is not a token this vault issued")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.liveCert(c)
	if err != nil {
		return 0, nil, err
	}
	byID := make(map[string]*version, len(cert.versions))
	for _, ver := range cert.versions {
		byID[ver.id] = ver
	}
	item := func(id string) gen.CertificateItem {
		return v.item(cert, byID[id], v.urls.version(cert.name, id), false)
	}
	return http.StatusOK, list(v, c, "/certificates/"+c.name+"/versions", p, slices.Sorted(maps.Keys(byID)), nil, item), nil
}

// getPolicy answers GET /certificates/{name}/policy.
func (v *vault) getPolicy(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.liveCert(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cert.policy.wire(v.urls.policy(cert.name)), nil
}

// updatePolicy answers PATCH /certificates/{name}/policy: the fields given
// replace the current ones.
func (v *vault) updatePolicy(c *call) (int, any, error) {
	var body gen.CertificatePolicy
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.liveCert(c)
	if err != nil {
		return 0, nil, err
	}
	if err := cert.patchPolicy(body, c.now); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cert.policy.wire(v.urls.policy(cert.name)), nil
}

// patchPolicy lays the fields of w over the certificate's policy.
func (c *certificate) patchPolicy(w gen.CertificatePolicy, now time.Time) error {
	p, err := c.policy.applyWire(w)
	if err != nil {
		return err
	}
	p.updated = now
	c.policy = p
	return nil
}
