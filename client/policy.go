package client

import (
	"context"
	"math"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
)

// DefaultPolicy returns a new policy for a self-signed certificate with
// subject "CN=DefaultPolicy", spelling out the values Key Vault itself uses
// when a policy leaves them empty:
//
//   - issuer [IssuerSelf];
//   - an exportable 2048-bit RSA key, not reused on renewal;
//   - key usages digitalSignature and keyEncipherment;
//   - a PKCS #12 secret ([ContentTypePKCS12]);
//   - 12 months of validity;
//   - automatic renewal once 80% of the validity has passed.
//
// Each call returns a fresh value that the caller may change.
func DefaultPolicy() *CertificatePolicy {
	exportable, reuse := true, false
	return &CertificatePolicy{
		IssuerName:       IssuerSelf,
		Subject:          "CN=DefaultPolicy",
		KeyUsages:        []KeyUsage{KeyUsageDigitalSignature, KeyUsageKeyEncipherment},
		ValidityInMonths: 12,
		KeyType:          KeyTypeRSA,
		KeySize:          2048,
		Exportable:       &exportable,
		ReuseKey:         &reuse,
		ContentType:      ContentTypePKCS12,
		LifetimeActions:  []LifetimeAction{{Action: ActionAutoRenew, LifetimePercentage: 80}},
	}
}

// validate refuses numbers the wire cannot carry and lifetime actions that
// cannot mean anything; the service checks the rest.
func (p *CertificatePolicy) validate() error {
	if p.ValidityInMonths < 0 || p.ValidityInMonths > math.MaxInt32 {
		return invalidArg("policy ValidityInMonths %d: must be between 0 and %d", p.ValidityInMonths, math.MaxInt32)
	}
	if p.KeySize < 0 || p.KeySize > math.MaxInt32 {
		return invalidArg("policy KeySize %d: must be between 0 and %d", p.KeySize, math.MaxInt32)
	}
	for i, a := range p.LifetimeActions {
		switch {
		case a.Action == "":
			return invalidArg("policy LifetimeActions[%d]: Action is empty", i)
		case a.LifetimePercentage < 0 || a.LifetimePercentage > 99:
			return invalidArg("policy LifetimeActions[%d]: LifetimePercentage %d must be between 1 and 99", i, a.LifetimePercentage)
		case a.DaysBeforeExpiry < 0 || a.DaysBeforeExpiry > math.MaxInt32:
			return invalidArg("policy LifetimeActions[%d]: DaysBeforeExpiry %d must be between 1 and %d", i, a.DaysBeforeExpiry, math.MaxInt32)
		case (a.LifetimePercentage == 0) == (a.DaysBeforeExpiry == 0):
			return invalidArg("policy LifetimeActions[%d]: set exactly one of LifetimePercentage and DaysBeforeExpiry", i)
		}
	}
	if p.PlatformManaged != nil {
		return p.PlatformManaged.validate()
	}
	return nil
}

// GetCertificatePolicyOptions are the options of GetCertificatePolicy.
// There are none yet; pass nil.
type GetCertificatePolicyOptions struct{}

// GetCertificatePolicy returns the management policy of the certificate
// name.
//
// Key Vault: GET /certificates/{name}/policy (permission certificates/get).
// Errors: [ErrNotFound] when there is no such certificate, [ErrForbidden].
func (c *Client) GetCertificatePolicy(ctx context.Context, name string, opts *GetCertificatePolicyOptions) (*CertificatePolicy, error) {
	ctx = withOperation(ctx, "GetCertificatePolicy")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewGetCertificatePolicyRequest(c.server, name)
	var w gen.CertificatePolicy
	if _, err := c.do(ctx, req, err, http.StatusOK, &w); err != nil {
		return nil, err
	}
	if err := checkPolicyID(label(req), w.ID, name); err != nil {
		return nil, err
	}
	return policyFromWire(&w), nil
}

// UpdateCertificatePolicyOptions are the options of UpdateCertificatePolicy.
// There are none yet; pass nil.
type UpdateCertificatePolicyOptions struct{}

// UpdateCertificatePolicy changes the management policy of the certificate
// name and returns the policy now in force. Only the non-zero fields of
// policy are sent; the service keeps the others. The policy applies to
// versions created afterwards.
//
// Key Vault: PATCH /certificates/{name}/policy (permission certificates/update).
// Errors: [ErrNotFound], [ErrForbidden], a [*ResponseError] with code
// "BadParameter" for a policy the service refuses.
func (c *Client) UpdateCertificatePolicy(ctx context.Context, name string, policy *CertificatePolicy, opts *UpdateCertificatePolicyOptions) (*CertificatePolicy, error) {
	ctx = withOperation(ctx, "UpdateCertificatePolicy")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if policy == nil {
		return nil, invalidArg("policy is nil")
	}
	if err := c.checkPolicy(policy); err != nil {
		return nil, err
	}
	req, err := gen.NewUpdateCertificatePolicyRequest(c.server, name, policyToWire(policy))
	var w gen.CertificatePolicy
	if _, err := c.do(ctx, req, err, http.StatusOK, &w); err != nil {
		return nil, err
	}
	if err := checkPolicyID(label(req), w.ID, name); err != nil {
		return nil, err
	}
	return policyFromWire(&w), nil
}
