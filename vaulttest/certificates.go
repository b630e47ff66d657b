package vaulttest

import (
	"maps"
	"net/http"
	"slices"

	"github.com/kvcerts/kvcerts/gen"
)

// getCertificate answers GET /certificates/{name}/{version}; an empty
// version means the latest, and only that answer carries the policy.
func (v *vault) getCertificate(c *call) (int, any, error) {
	name, id := c.name, c.version
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, ver, err := v.liveVersion(name, id, c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v.bundle(cert, ver, id == ""), nil
}

// liveVersion finds a readable certificate version. Callers hold v.mu.
func (v *vault) liveVersion(name, id string, c *call) (*certificate, *version, error) {
	cert := v.live(nameKey(name), c.now)
	if cert == nil {
		return nil, nil, certificateNotFound(name)
	}
	ver := cert.findVersion(id)
	if ver == nil {
		if id == "" {
			return nil, nil, certificateNotFound(name)
		}
		return nil, nil, versionNotFound(name, id)
	}
	return cert, ver, nil
}

// updateCertificate answers PATCH /certificates/{name}/{version}: it sets
// the version's enabled attribute and tags, and the certificate's policy.
// As with GET, the answer carries the policy only without a version.
func (v *vault) updateCertificate(c *call) (int, any, error) {
	name, id := c.name, c.version
	var body gen.CertificateUpdateParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, ver, err := v.liveVersion(name, id, c)
	if err != nil {
		return 0, nil, err
	}
	if body.CertificatePolicy != nil {
		p, err := cert.policy.applyWire(body.CertificatePolicy)
		if err != nil {
			return 0, nil, err
		}
		p.updated = c.now
		cert.policy = p
	}
	if a := body.CertificateAttributes; a != nil && a.Enabled != nil {
		ver.enabled = *a.Enabled
	}
	if body.Tags != nil {
		ver.tags = maps.Clone(*body.Tags)
	}
	ver.updated = c.now
	return http.StatusOK, v.bundle(cert, ver, id == ""), nil
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
	name := c.name
	p, err := v.pageOf(c)
	if err != nil {
		return 0, nil, err
	}
	if p.after != "" && !validVersion(p.after) {
		return 0, nil, badParameter("$skiptoken is not a token this vault issued")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert := v.live(nameKey(name), c.now)
	if cert == nil {
		return 0, nil, certificateNotFound(name)
	}
	byID := make(map[string]*version, len(cert.versions))
	for _, ver := range cert.versions {
		byID[ver.id] = ver
	}
	item := func(id string) gen.CertificateItem {
		return v.item(cert, byID[id], v.urls.version(cert.name, id), false)
	}
	return http.StatusOK, list(v, c, "/certificates/"+name+"/versions", p, slices.Sorted(maps.Keys(byID)), nil, item), nil
}

// getPolicy answers GET /certificates/{name}/policy.
func (v *vault) getPolicy(c *call) (int, any, error) {
	name := c.name
	v.mu.Lock()
	defer v.mu.Unlock()
	cert := v.live(nameKey(name), c.now)
	if cert == nil {
		return 0, nil, certificateNotFound(name)
	}
	return http.StatusOK, cert.policy.wire(v.urls.policy(cert.name)), nil
}

// updatePolicy answers PATCH /certificates/{name}/policy: the fields given
// replace the current ones.
func (v *vault) updatePolicy(c *call) (int, any, error) {
	name := c.name
	var body gen.CertificatePolicy
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert := v.live(nameKey(name), c.now)
	if cert == nil {
		return 0, nil, certificateNotFound(name)
	}
	p, err := cert.policy.applyWire(&body)
	if err != nil {
		return 0, nil, err
	}
	p.updated = c.now
	cert.policy = p
	return http.StatusOK, p.wire(v.urls.policy(cert.name)), nil
}
