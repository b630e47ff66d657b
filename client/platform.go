package client

import "encoding/json"

// PlatformManaged lets the Azure platform manage a certificate on its
// owner's behalf. It is part of a policy from API version 2026-04-01 on,
// and Microsoft documents it as meant for Azure's internal use.
type PlatformManaged struct {
	// CertificateUsage is the certificate's intended usage; it is required.
	CertificateUsage string
	// Metadata is free-form JSON the platform keeps with the policy; nil
	// leaves it out. Its values must be encodable with encoding/json.
	Metadata map[string]any
}

// platformManagedSince is the first API version whose policies have
// platformManaged.
const platformManagedSince = "2026-04-01"

// speaksPlatformManaged reports whether apiVersion has platformManaged:
// dated versions from 2026-04-01 on; the 7.x versions predate it.
func speaksPlatformManaged(apiVersion string) bool {
	n := len(platformManagedSince)
	return len(apiVersion) >= n && apiVersion[4] == '-' && apiVersion[:n] >= platformManagedSince
}

// validate refuses what the service would: a PlatformManaged without a
// CertificateUsage. An empty one is never sent.
func (pm *PlatformManaged) validate() error {
	if pm.CertificateUsage == "" {
		return invalidArg("policy PlatformManaged.CertificateUsage is empty; it is required (leave PlatformManaged nil to not set it)")
	}
	if _, err := json.Marshal(pm.Metadata); err != nil {
		return invalidArg("policy PlatformManaged.Metadata cannot be encoded as JSON: %v", err)
	}
	return nil
}

// checkPolicy validates p for this client: its fields, and that the API
// version the client speaks has every field p sets.
func (c *Client) checkPolicy(p *CertificatePolicy) error {
	if err := p.validate(); err != nil {
		return err
	}
	if p.PlatformManaged != nil && !speaksPlatformManaged(c.apiVersion) {
		return invalidArg("policy PlatformManaged needs API version %s or later; this client uses %s (WithAPIVersion)",
			platformManagedSince, quote(c.apiVersion))
	}
	return nil
}
