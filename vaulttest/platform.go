package vaulttest

import (
	"encoding/json"
	"maps"

	"github.com/kvcerts/kvcerts/gen"
)

// platformManagedSince is the first API version whose certificate policy
// has platformManaged. Requests with an older api-version have it ignored,
// and answers to them leave it out, as the service does for a property the
// version does not define.
const platformManagedSince = "2026-04-01"

// speaksPlatformManaged reports whether apiVersion has platformManaged. The
// 7.x versions predate it; dated versions compare as text.
func speaksPlatformManaged(apiVersion string) bool {
	return len(apiVersion) >= len(platformManagedSince) && apiVersion[:len(platformManagedSince)] >= platformManagedSince &&
		apiVersion[4] == '-'
}

// policyIn returns the policy a decoded request body carries, or nil.
func policyIn(v any) *gen.CertificatePolicy {
	switch b := v.(type) {
	case *gen.CertificateCreateParameters:
		return &b.CertificatePolicy
	case *gen.CertificateImportParameters:
		return &b.CertificatePolicy
	case *gen.CertificateUpdateParameters:
		return &b.CertificatePolicy
	case *gen.CertificatePolicy:
		return b
	}
	return nil
}

// checkPlatformManaged applies the api-version to the platformManaged part
// of a decoded request body v (raw is its JSON): an older version drops it,
// and in a newer one an object without certificateUsage is a 400
// BadParameter, like the service's. An empty object decodes to the zero
// value, so it is found in the raw JSON.
func checkPlatformManaged(c *call, raw []byte, v any) error {
	p := policyIn(v)
	if p == nil {
		return nil
	}
	if !speaksPlatformManaged(c.apiVersion) {
		p.PlatformManaged = gen.PlatformManaged{}
		return nil
	}
	type usage struct {
		CertificateUsage *string `json:"certificateUsage"`
	}
	var sent *usage
	if _, isPolicy := v.(*gen.CertificatePolicy); isPolicy {
		var body struct {
			PlatformManaged *usage `json:"platformManaged"`
		}
		_ = json.Unmarshal(raw, &body) // v decoded from raw already
		sent = body.PlatformManaged
	} else {
		var body struct {
			Policy struct {
				PlatformManaged *usage `json:"platformManaged"`
			} `json:"policy"`
		}
		_ = json.Unmarshal(raw, &body)
		sent = body.Policy.PlatformManaged
	}
	if sent != nil && (sent.CertificateUsage == nil || *sent.CertificateUsage == "") {
		return badParameter("policy platformManaged.certificateUsage is required")
	}
	return nil
}

// forAPIVersion leaves platformManaged out of an answer to a request whose
// api-version predates it.
func forAPIVersion(body any, apiVersion string) any {
	if speaksPlatformManaged(apiVersion) {
		return body
	}
	switch b := body.(type) {
	case gen.CertificatePolicy:
		b.PlatformManaged = gen.PlatformManaged{}
		return b
	case *gen.CertificateBundle:
		b.Policy.PlatformManaged = gen.PlatformManaged{}
	case certificateAnswer:
		b.Policy.PlatformManaged = gen.PlatformManaged{}
	case *gen.DeletedCertificateBundle:
		b.Policy.PlatformManaged = gen.PlatformManaged{}
	}
	return body
}

// clonePlatformManaged copies pm for storing in a policy, or returns nil
// when pm is the zero value (not sent).
func clonePlatformManaged(pm gen.PlatformManaged) *gen.PlatformManaged {
	if pm.CertificateUsage == "" && pm.Metadata == nil {
		return nil
	}
	return &gen.PlatformManaged{CertificateUsage: pm.CertificateUsage, Metadata: maps.Clone(pm.Metadata)}
}
