package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/transport"
)

// CreateIssuerOptions are the options of CreateIssuer.
type CreateIssuerOptions struct {
	// AccountID and Password are the credentials of the account at the
	// provider. The password is sent to the vault and never returned.
	AccountID string
	Password  string
	// OrganizationID is the organization's identifier at the provider.
	OrganizationID string
	// Administrators are the organization's administrators.
	Administrators []AdministratorContact
	// Enabled sets whether the issuer can be used; nil means enabled.
	Enabled *bool
}

// CreateIssuer creates or replaces the certificate issuer name for
// provider, such as "DigiCert", and returns it.
//
// Key Vault: PUT /certificates/issuers/{name} (permission certificates/setissuers).
// Errors: [ErrForbidden], a [*ResponseError] with code "BadParameter" for
// an unknown provider.
func (c *Client) CreateIssuer(ctx context.Context, name, provider string, opts *CreateIssuerOptions) (*Issuer, error) {
	ctx = withOperation(ctx, "CreateIssuer")
	if err := checkName("issuer", name); err != nil {
		return nil, err
	}
	if provider == "" {
		return nil, invalidArg("the provider of issuer %s is empty", quote(name))
	}
	if opts == nil {
		opts = &CreateIssuerOptions{}
	}
	body := gen.CertificateIssuerSetParameters{Provider: provider}
	body.Credentials, body.OrganizationDetails, body.Attributes = issuerFields{
		accountID: opts.AccountID, password: opts.Password, organizationID: opts.OrganizationID,
		admins: opts.Administrators, enabled: opts.Enabled,
	}.toWire()
	req, err := gen.NewSetCertificateIssuerRequest(c.server, name, body)
	return c.issuer(ctx, req, err, name)
}

// GetIssuerOptions are the options of GetIssuer. There are none yet; pass nil.
type GetIssuerOptions struct{}

// GetIssuer returns the certificate issuer name.
//
// Key Vault: GET /certificates/issuers/{name} (permission certificates/getissuers).
// Errors: [ErrNotFound] (code "CertificateIssuerNotFound"), [ErrForbidden].
func (c *Client) GetIssuer(ctx context.Context, name string, opts *GetIssuerOptions) (*Issuer, error) {
	ctx = withOperation(ctx, "GetIssuer")
	if err := checkName("issuer", name); err != nil {
		return nil, err
	}
	req, err := gen.NewGetCertificateIssuerRequest(c.server, name)
	return c.issuer(ctx, req, err, name)
}

// UpdateIssuerOptions say what UpdateIssuer changes; zero fields stay as
// they are.
type UpdateIssuerOptions struct {
	Provider       string
	AccountID      string
	Password       string
	OrganizationID string
	// Administrators, when not nil, replace the organization's administrators.
	Administrators []AdministratorContact
	Enabled        *bool
}

// UpdateIssuer changes the certificate issuer name and returns it.
//
// Key Vault: PATCH /certificates/issuers/{name} (permission certificates/setissuers).
// Errors: [ErrNotFound], [ErrForbidden].
func (c *Client) UpdateIssuer(ctx context.Context, name string, opts *UpdateIssuerOptions) (*Issuer, error) {
	ctx = withOperation(ctx, "UpdateIssuer")
	if err := checkName("issuer", name); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &UpdateIssuerOptions{}
	}
	body := gen.CertificateIssuerUpdateParameters{Provider: opts.Provider}
	body.Credentials, body.OrganizationDetails, body.Attributes = issuerFields{
		accountID: opts.AccountID, password: opts.Password, organizationID: opts.OrganizationID,
		admins: opts.Administrators, enabled: opts.Enabled,
	}.toWire()
	req, err := gen.NewUpdateCertificateIssuerRequest(c.server, name, body)
	return c.issuer(ctx, req, err, name)
}

// DeleteIssuerOptions are the options of DeleteIssuer. There are none yet;
// pass nil.
type DeleteIssuerOptions struct{}

// DeleteIssuer deletes the certificate issuer name and returns it. When the
// DELETE is sent again after an ambiguous failure (a reset connection, 500,
// 502, 503 or 504) and then answers 404, it succeeds if the issuer is gone,
// returning only the issuer's ID and name.
//
// Key Vault: DELETE /certificates/issuers/{name} (permission certificates/deleteissuers).
// Errors: [ErrNotFound], [ErrForbidden].
func (c *Client) DeleteIssuer(ctx context.Context, name string, opts *DeleteIssuerOptions) (*Issuer, error) {
	ctx = withOperation(ctx, "DeleteIssuer")
	if err := checkName("issuer", name); err != nil {
		return nil, err
	}
	req, err := gen.NewDeleteCertificateIssuerRequest(c.server, name)
	retryCtx, note := transport.WithRetryNote(ctx)
	is, err := c.issuer(retryCtx, req, err, name)
	if isStatus(err, http.StatusNotFound) && note.Ambiguous() {
		if err := confirmGone(ctx, err, func(ctx context.Context) error {
			_, err := c.GetIssuer(ctx, name, nil)
			return err
		}); err != nil {
			return nil, err
		}
		id := c.vaultURL + "/certificates/issuers/" + name
		return &Issuer{Properties: IssuerProperties{ID: id, Name: name}}, nil
	}
	return is, err
}

// issuer sends a request for one issuer and converts the issuer it returns.
func (c *Client) issuer(ctx context.Context, req *http.Request, err error, name string) (*Issuer, error) {
	var w gen.IssuerBundle
	if _, err := c.do(ctx, req, err, http.StatusOK, &w); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionIssuers, w.ID, name, ""); err != nil {
		return nil, err
	}
	return issuerFromWire(&w), nil
}

// ListIssuersOptions are the options of ListIssuers.
type ListIssuersOptions struct {
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// NewListIssuersPagerOptions are the options of NewListIssuersPager. It has the fields of
// [ListIssuersOptions], so that each can grow on its own.
type NewListIssuersPagerOptions struct {
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// ListIssuers ranges over the vault's certificate issuers. It yields one
// error and stops when a page cannot be read.
//
// Key Vault: GET /certificates/issuers (permission certificates/listissuers).
// Errors: [ErrForbidden].
func (c *Client) ListIssuers(ctx context.Context, opts *ListIssuersOptions) iter.Seq2[*IssuerProperties, error] {
	return items(ctx, func() *Pager[*IssuerProperties] {
		return c.NewListIssuersPager((*NewListIssuersPagerOptions)(opts))
	})
}

// NewListIssuersPager returns a [Pager] over the pages that ListIssuers
// ranges over.
func (c *Client) NewListIssuersPager(opts *NewListIssuersPagerOptions) *Pager[*IssuerProperties] {
	if opts == nil {
		opts = &NewListIssuersPagerOptions{}
	}
	return newPager(c, "ListIssuers", opts.MaxResults, opts.ContinuationToken,
		func(maxResults *int32) (*http.Request, error) {
			return gen.NewGetCertificateIssuersRequest(c.server, &gen.GetCertificateIssuersParams{Maxresults: maxResults})
		},
		func(w *gen.CertificateIssuerListResult) ([]*IssuerProperties, string) {
			return convertItems(w.Value, issuerPropertiesFromItem), w.NextLink
		})
}
