package vaulttest

import (
	"bytes"
	"encoding/json"
)

// The gen request types leave zero values out, so a decoded request cannot
// tell "validity_months": 0 from a field left out. The service validates
// what was sent: these types see which fields a request holds, so that an
// explicit 0, "" or {} is checked as sent rather than taken for the default.

// sentPolicy is what the emulator checks in a policy as sent.
type sentPolicy struct {
	KeyProps *struct {
		Kty     *string `json:"kty"`
		KeySize *int64  `json:"key_size"`
		Crv     *string `json:"crv"`
	} `json:"key_props"`
	SecretProps *struct {
		ContentType *string `json:"contentType"`
	} `json:"secret_props"`
	X509Props *struct {
		ValidityMonths *int64 `json:"validity_months"`
	} `json:"x509_props"`
	Issuer *struct {
		Name *string `json:"name"`
	} `json:"issuer"`
	LifetimeActions []struct {
		Trigger *struct {
			LifetimePercentage *int64 `json:"lifetime_percentage"`
			DaysBeforeExpiry   *int64 `json:"days_before_expiry"`
		} `json:"trigger"`
	} `json:"lifetime_actions"`
	PlatformManaged *struct {
		CertificateUsage *string `json:"certificateUsage"`
	} `json:"platformManaged"`
}

// present reports whether raw holds a value other than null.
func present(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// checkSent validates the explicit zero values of a request body that the
// gen types lose, for the operations that take a policy or an issuer, and
// records in c whether the request sent a policy, even an empty one.
// data has already been decoded into the gen type, so it is valid JSON.
func checkSent(c *call, data []byte) error {
	var raw json.RawMessage
	switch c.op {
	case "CreateCertificate", "ImportCertificate", "UpdateCertificate":
		var body struct {
			Policy json.RawMessage `json:"policy"`
		}
		if json.Unmarshal(data, &body) != nil {
			return nil
		}
		raw = body.Policy
	case "UpdateCertificatePolicy":
		raw = data
	case "UpdateCertificateIssuer":
		var body struct {
			Provider *string `json:"provider"`
		}
		if json.Unmarshal(data, &body) == nil && body.Provider != nil && *body.Provider == "" {
			return badParameter("issuer provider must not be empty")
		}
		return nil
	default:
		return nil
	}
	if !present(raw) {
		return nil
	}
	c.policySent = true
	var p sentPolicy
	if json.Unmarshal(raw, &p) != nil {
		return nil // a type error the gen decoding reported already
	}
	if kp := p.KeyProps; kp != nil {
		switch {
		case kp.Kty != nil && *kp.Kty == "":
			return badParameter(`policy key_props.kty "" is not supported for certificates; use RSA, RSA-HSM, EC or EC-HSM`)
		case kp.KeySize != nil && *kp.KeySize == 0:
			return badParameter("policy key_props.key_size 0 is not a key size; leave it out for the default")
		case kp.Crv != nil && *kp.Crv == "":
			return badParameter(`policy key_props.crv "" is not supported; use P-256, P-256K, P-384 or P-521`)
		}
	}
	if sp := p.SecretProps; sp != nil && sp.ContentType != nil && *sp.ContentType == "" {
		return badParameter(`policy secret_props.contentType "" is not supported; use %s or %s`, contentPKCS12, contentPEM)
	}
	if xp := p.X509Props; xp != nil && xp.ValidityMonths != nil && *xp.ValidityMonths == 0 {
		return badParameter("policy x509_props.validity_months 0 is outside 1..1200")
	}
	if ip := p.Issuer; ip != nil && ip.Name != nil && *ip.Name == "" {
		return badParameter(`policy issuer.name "" is not an issuer; use Self, Unknown or a configured issuer`)
	}
	for i, a := range p.LifetimeActions {
		if t := a.Trigger; t != nil {
			if t.LifetimePercentage != nil && *t.LifetimePercentage == 0 {
				return badParameter("policy lifetime_actions[%d].trigger.lifetime_percentage 0 is outside 1..99", i)
			}
			if t.DaysBeforeExpiry != nil && *t.DaysBeforeExpiry == 0 {
				return badParameter("policy lifetime_actions[%d].trigger.days_before_expiry 0 is below 1", i)
			}
		}
	}
	// An api-version that predates platformManaged ignores it (see
	// dropPlatformManaged); a newer one needs its certificateUsage.
	if pm := p.PlatformManaged; pm != nil && speaksPlatformManaged(c.apiVersion) &&
		(pm.CertificateUsage == nil || *pm.CertificateUsage == "") {
		return badParameter("policy platformManaged.certificateUsage is required")
	}
	return nil
}
