package vaulttest

import (
	"maps"
	"net/http"
	"slices"
	"strings"

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

// listCertificates answers GET /certificates.
func (v *vault) listCertificates(c *call) (int, any, error) {
	p, err := v.pageOf(c)
	if err != nil {
		return 0, nil, err
	}
	if err := checkIncludePending(c); err != nil {
		return 0, nil, err
	}
	withPending := includePending(c)
	out := listPage[gen.CertificateItem]{Value: []gen.CertificateItem{}}
	if v.wantEmpty(p) {
		out.NextLink = v.emptyPageLink(c, "/certificates", p)
		return http.StatusOK, out, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	keys, more := pageKeys(v.names, p.after, p.size, func(k string) bool {
		cert := v.live(k, c.now)
		return cert != nil && (withPending || len(cert.versions) > 0)
	})
	items := make([]gen.CertificateItem, len(keys))
	for i, k := range keys {
		cert := v.certs[k]
		items[i] = v.item(cert, cert.latest(), v.urls.certificate(cert.name), false)
	}
	out.Value = items
	if more {
		out.NextLink = v.nextLink(c, "/certificates", keys[len(keys)-1], 0, p)
	}
	return http.StatusOK, out, nil
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
	path := "/certificates/" + name + "/versions"
	v.mu.Lock()
	defer v.mu.Unlock()
	cert := v.live(nameKey(name), c.now)
	if cert == nil {
		return 0, nil, certificateNotFound(name)
	}
	out := listPage[gen.CertificateItem]{Value: []gen.CertificateItem{}}
	if v.wantEmpty(p) {
		out.NextLink = v.emptyPageLink(c, path, p)
		return http.StatusOK, out, nil
	}
	byID := slices.SortedFunc(slices.Values(cert.versions), func(a, b *version) int { return strings.Compare(a.id, b.id) })
	start, found := slices.BinarySearchFunc(byID, p.after, func(ver *version, id string) int { return strings.Compare(ver.id, id) })
	if found {
		start++
	}
	vers := byID[start:]
	if len(vers) > p.size {
		vers = vers[:p.size]
		out.NextLink = v.nextLink(c, path, vers[len(vers)-1].id, 0, p)
	}
	for _, ver := range vers {
		out.Value = append(out.Value, v.item(cert, ver, v.urls.version(cert.name, ver.id), false))
	}
	return http.StatusOK, out, nil
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
