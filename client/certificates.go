package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
)

// GetCertificateOptions are the options of GetCertificate. There are none
// yet; pass nil.
type GetCertificateOptions struct{}

// GetCertificate returns the latest version of the certificate name, with
// its policy.
//
// Key Vault: GET /certificates/{name}/ (permission certificates/get).
// Errors: [ErrNotFound] when there is no such certificate (also for a while
// after a recovery), [ErrForbidden].
func (c *Client) GetCertificate(ctx context.Context, name string, opts *GetCertificateOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "GetCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	return c.getCertificate(ctx, name, "")
}

// GetCertificateVersionOptions are the options of GetCertificateVersion.
// There are none yet; pass nil.
type GetCertificateVersionOptions struct{}

// GetCertificateVersion returns one version of the certificate name.
//
// Key Vault: GET /certificates/{name}/{version} (permission certificates/get).
// Errors: [ErrNotFound] when there is no such certificate or version,
// [ErrForbidden]; an empty or malformed version is refused before any
// request.
func (c *Client) GetCertificateVersion(ctx context.Context, name, version string, opts *GetCertificateVersionOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "GetCertificateVersion")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if err := checkVersion(version, false); err != nil {
		return nil, err
	}
	return c.getCertificate(ctx, name, version)
}

func (c *Client) getCertificate(ctx context.Context, name, version string) (*Certificate, error) {
	req, err := gen.NewGetCertificateRequest(c.server, name, version)
	var b certificateBundle
	if _, err := c.do(ctx, req, err, http.StatusOK, &b); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionCertificates, b.ID, name, version); err != nil {
		return nil, err
	}
	return certificateFromBundle(&b), nil
}

// UpdateCertificatePropertiesOptions say what UpdateCertificateProperties
// changes; nil fields stay as they are.
type UpdateCertificatePropertiesOptions struct {
	// Version is the version to update; empty means the latest.
	Version string
	// Enabled enables or disables the version.
	Enabled *bool
	// Tags replace the version's tags; an empty non-nil map removes them all.
	Tags map[string]string
	// Policy, when not nil, changes the certificate's management policy as
	// [Client.UpdateCertificatePolicy] does: only its non-zero fields are
	// sent, and it applies to versions created afterwards.
	Policy *CertificatePolicy
}

// UpdateCertificateProperties changes whether a version of the certificate
// name is enabled, what tags it has and, with opts.Policy, the
// certificate's policy, and returns the updated version.
//
// Key Vault: PATCH /certificates/{name}/{version} (permission certificates/update).
// Errors: [ErrNotFound], [ErrForbidden].
func (c *Client) UpdateCertificateProperties(ctx context.Context, name string, opts *UpdateCertificatePropertiesOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "UpdateCertificateProperties")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &UpdateCertificatePropertiesOptions{}
	}
	if err := checkVersion(opts.Version, true); err != nil {
		return nil, err
	}
	if opts.Policy != nil {
		if err := c.checkPolicy(opts.Policy); err != nil {
			return nil, err
		}
	}
	body := gen.CertificateUpdateParameters{
		CertificateAttributes: gen.CertificateAttributes{Enabled: opts.Enabled},
		CertificatePolicy:     policyToWire(opts.Policy),
		Tags:                  opts.Tags,
	}
	req, err := gen.NewUpdateCertificateRequest(c.server, name, opts.Version, body)
	var b certificateBundle
	if _, err := c.do(ctx, req, err, http.StatusOK, &b); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionCertificates, b.ID, name, opts.Version); err != nil {
		return nil, err
	}
	return certificateFromBundle(&b), nil
}

// BackupCertificateOptions are the options of BackupCertificate. There are
// none yet; pass nil.
type BackupCertificateOptions struct{}

// BackupCertificate returns a protected blob of all versions of the
// certificate name, their keys and secrets, which RestoreCertificateBackup
// accepts in a vault of the same subscription and geography.
//
// Key Vault: POST /certificates/{name}/backup (permission certificates/backup).
// Errors: [ErrNotFound], [ErrForbidden].
func (c *Client) BackupCertificate(ctx context.Context, name string, opts *BackupCertificateOptions) ([]byte, error) {
	ctx = withOperation(ctx, "BackupCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewBackupCertificateRequest(c.server, name)
	var r gen.BackupCertificateResult
	if _, err := c.do(ctx, req, err, http.StatusOK, &r); err != nil {
		return nil, err
	}
	if len(r.Value) == 0 {
		return nil, errMissing("backup", "value")
	}
	return r.Value, nil
}

// RestoreCertificateBackupOptions are the options of
// RestoreCertificateBackup. There are none yet; pass nil.
type RestoreCertificateBackupOptions struct{}

// RestoreCertificateBackup restores a certificate, with all its versions,
// from a blob made by BackupCertificate, and returns its latest version.
//
// Key Vault: POST /certificates/restore (permission certificates/restore).
// Errors: [ErrConflict] when a certificate of that name exists or is
// deleted but recoverable (code "ObjectIsDeletedButRecoverable"; also for a
// few seconds after a purge), [ErrForbidden], a [*ResponseError] with code
// "BadParameter" for a blob the vault cannot restore.
func (c *Client) RestoreCertificateBackup(ctx context.Context, backup []byte, opts *RestoreCertificateBackupOptions) (*Certificate, error) {
	ctx = withOperation(ctx, "RestoreCertificateBackup")
	if len(backup) == 0 {
		return nil, invalidArg("the certificate backup is empty")
	}
	body := gen.CertificateRestoreParameters{CertificateBundleBackup: backup}
	req, err := gen.NewRestoreCertificateRequest(c.server, body)
	var b certificateBundle
	if _, err := c.do(createsState(ctx), req, err, http.StatusOK, &b); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionCertificates, b.ID, "", ""); err != nil {
		return nil, err
	}
	return certificateFromBundle(&b), nil
}

// ListCertificatesOptions are the options of ListCertificates.
type ListCertificatesOptions struct {
	// IncludePending also lists certificates whose first version is still
	// being created.
	IncludePending bool
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// NewListCertificatesPagerOptions are the options of NewListCertificatesPager. It has the fields of
// [ListCertificatesOptions], so that each can grow on its own.
type NewListCertificatesPagerOptions struct {
	// IncludePending also lists certificates whose first version is still
	// being created.
	IncludePending bool
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// ListCertificates ranges over the properties of the latest version of
// every certificate in the vault. It yields one error and stops when a
// page cannot be read.
//
// Key Vault: GET /certificates (permission certificates/list).
// Errors: [ErrForbidden]; a MaxResults outside 1..25 or a continuation
// token for another host is refused before any request.
func (c *Client) ListCertificates(ctx context.Context, opts *ListCertificatesOptions) iter.Seq2[*CertificateProperties, error] {
	return items(ctx, func() *Pager[*CertificateProperties] {
		return c.NewListCertificatesPager((*NewListCertificatesPagerOptions)(opts))
	})
}

// NewListCertificatesPager returns a [Pager] over the pages that
// ListCertificates ranges over.
func (c *Client) NewListCertificatesPager(opts *NewListCertificatesPagerOptions) *Pager[*CertificateProperties] {
	if opts == nil {
		opts = &NewListCertificatesPagerOptions{}
	}
	return newPager(c, "ListCertificates", opts.MaxResults, opts.ContinuationToken,
		func(maxResults *int32) (*http.Request, error) {
			return gen.NewGetCertificatesRequest(c.server,
				&gen.GetCertificatesParams{Maxresults: maxResults, IncludePending: ptrIf(opts.IncludePending)})
		},
		func(w *gen.CertificateListResult) ([]*CertificateProperties, string) {
			return convertItems(w.Value, propertiesFromItem), w.NextLink
		})
}

// ListCertificateVersionsOptions are the options of ListCertificateVersions.
type ListCertificateVersionsOptions struct {
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// NewListCertificateVersionsPagerOptions are the options of NewListCertificateVersionsPager. It has the fields of
// [ListCertificateVersionsOptions], so that each can grow on its own.
type NewListCertificateVersionsPagerOptions struct {
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// ListCertificateVersions ranges over the properties of every version of
// the certificate name. It yields one error and stops when a page cannot
// be read.
//
// Key Vault: GET /certificates/{name}/versions (permission certificates/list).
// Errors: [ErrNotFound] (some vaults instead list nothing), [ErrForbidden].
func (c *Client) ListCertificateVersions(ctx context.Context, name string, opts *ListCertificateVersionsOptions) iter.Seq2[*CertificateProperties, error] {
	return items(ctx, func() *Pager[*CertificateProperties] {
		return c.NewListCertificateVersionsPager(name, (*NewListCertificateVersionsPagerOptions)(opts))
	})
}

// NewListCertificateVersionsPager returns a [Pager] over the pages that
// ListCertificateVersions ranges over.
func (c *Client) NewListCertificateVersionsPager(name string, opts *NewListCertificateVersionsPagerOptions) *Pager[*CertificateProperties] {
	if opts == nil {
		opts = &NewListCertificateVersionsPagerOptions{}
	}
	p := newPager(c, "ListCertificateVersions", opts.MaxResults, opts.ContinuationToken,
		func(maxResults *int32) (*http.Request, error) {
			return gen.NewGetCertificateVersionsRequest(c.server, name, &gen.GetCertificateVersionsParams{Maxresults: maxResults})
		},
		func(w *gen.CertificateListResult) ([]*CertificateProperties, string) {
			return convertItems(w.Value, propertiesFromItem), w.NextLink
		})
	if err := checkCertificateName(name); err != nil {
		p.err = err
	}
	return p
}

// convertItems converts a wire page's items. The items share one backing
// array, so a page costs two allocations beyond the conversions, however
// many items it holds.
func convertItems[W, T any](ws []W, conv func(*W) T) []*T {
	if ws == nil {
		return nil
	}
	values := make([]T, len(ws))
	out := make([]*T, len(ws))
	for i := range ws {
		values[i] = conv(&ws[i])
		out[i] = &values[i]
	}
	return out
}
