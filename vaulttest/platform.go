package vaulttest

import (
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

// dropPlatformManaged removes platformManaged from the policy of a decoded
// request body v when the request's api-version predates it, as the service
// ignores it. checkSent checks it as sent in newer versions.
func dropPlatformManaged(c *call, v any) {
	if p := policyIn(v); p != nil && !speaksPlatformManaged(c.apiVersion) {
		p.PlatformManaged = gen.PlatformManaged{}
	}
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
