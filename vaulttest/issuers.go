package vaulttest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/kvcerts/kvcerts/gen"
)

// Issuers configured in the vault stand for certificate authorities. The
// emulator issues their certificates itself, signed by its CA (CACertPEM),
// once a create operation with the issuer completes.

func issuerNotFound(name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "CertificateIssuerNotFound",
		message: fmt.Sprintf("issuer %q was not found in this vault", name)}
}

// issuerWire is an issuer's answer. The password is write-only, as with
// the service, so credentials show the account id alone.
func (v *vault) issuerWire(is *issuer) *gen.IssuerBundle {
	return &gen.IssuerBundle{
		ID:                  v.urls.issuer(is.name),
		Provider:            is.provider,
		Credentials:         gen.IssuerCredentials{AccountID: is.accountID},
		OrganizationDetails: cloneOrg(is.org),
		Attributes: gen.IssuerAttributes{
			Enabled: new(is.enabled),
			Created: gen.NewUnixTime(is.created),
			Updated: gen.NewUnixTime(is.updated),
		},
	}
}

func cloneOrg(o gen.OrganizationDetails) gen.OrganizationDetails {
	return gen.OrganizationDetails{ID: o.ID, AdminDetails: slices.Clone(o.AdminDetails)}
}

// applyIssuer lays the fields set in a request over is; zero values are
// fields the request left out.
func applyIssuer(is *issuer, provider string, cred gen.IssuerCredentials, org gen.OrganizationDetails, attrs gen.IssuerAttributes) {
	if provider != "" {
		is.provider = provider
	}
	if cred.AccountID != "" {
		is.accountID = cred.AccountID
	}
	if cred.Password != "" {
		is.password = cred.Password
	}
	if given(org) {
		is.org = cloneOrg(org)
	}
	if attrs.Enabled != nil {
		is.enabled = *attrs.Enabled
	}
}

// issuerOf finds the issuer a request names. Callers hold v.mu.
func (v *vault) issuerOf(c *call) (*issuer, error) {
	is := v.issuers[nameKey(c.name)]
	if is == nil {
		return nil, issuerNotFound(c.name)
	}
	return is, nil
}

// getIssuer answers GET /certificates/issuers/{name}.
func (v *vault) getIssuer(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	is, err := v.issuerOf(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v.issuerWire(is), nil
}

// setIssuer answers PUT /certificates/issuers/{name}: it creates or
// replaces the issuer.
func (v *vault) setIssuer(c *call) (int, any, error) {
	var body gen.CertificateIssuerSetParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	if body.Provider == "" {
		return 0, nil, badParameter("issuer provider must not be empty")
	}
	is := &issuer{name: c.name, enabled: true, created: c.now, updated: c.now}
	applyIssuer(is, body.Provider, body.Credentials, body.OrganizationDetails, body.Attributes)
	v.mu.Lock()
	defer v.mu.Unlock()
	if old := v.issuers[nameKey(c.name)]; old != nil {
		is.created = old.created
	}
	v.issuers[nameKey(c.name)] = is
	return http.StatusOK, v.issuerWire(is), nil
}

// updateIssuer answers PATCH /certificates/issuers/{name}: the fields given
// replace the current ones.
func (v *vault) updateIssuer(c *call) (int, any, error) {
	var body gen.CertificateIssuerUpdateParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	old, err := v.issuerOf(c)
	if err != nil {
		return 0, nil, err
	}
	is := *old
	applyIssuer(&is, body.Provider, body.Credentials, body.OrganizationDetails, body.Attributes)
	is.updated = c.now
	v.issuers[nameKey(c.name)] = &is
	return http.StatusOK, v.issuerWire(&is), nil
}

// deleteIssuer answers DELETE /certificates/issuers/{name} with the
// removed issuer.
func (v *vault) deleteIssuer(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	is, err := v.issuerOf(c)
	if err != nil {
		return 0, nil, err
	}
	delete(v.issuers, nameKey(c.name))
	return http.StatusOK, v.issuerWire(is), nil
}

// listIssuers answers GET /certificates/issuers.
func (v *vault) listIssuers(c *call) (int, any, error) {
	p, err := v.pageOf(c)
	if err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	item := func(k string) gen.CertificateIssuerItem {
		is := v.issuers[k]
		return gen.CertificateIssuerItem{ID: v.urls.issuer(is.name), Provider: is.provider}
	}
	return http.StatusOK, list(v, c, "/certificates/issuers", p, slices.Sorted(maps.Keys(v.issuers)), nil, item), nil
}
