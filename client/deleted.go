package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/transport"
)

// BeginDeleteCertificateOptions are the options of BeginDeleteCertificate.
// There are none yet; pass nil.
type BeginDeleteCertificateOptions struct{}

// BeginDeleteCertificate deletes all versions of the certificate name and
// returns a poller that ends once the deletion is complete, with the
// deleted certificate as its result.
//
// When the DELETE is sent again after an ambiguous failure (a reset
// connection, 500, 502, 503 or 504) and then answers 404, an earlier attempt
// may have worked: the poller is then returned when the deleted certificate
// can be read, or when neither it nor the certificate can be found (its
// deletion is in progress), and [ErrNotFound] only when the certificate is
// still there. A first attempt answering 404 is [ErrNotFound].
//
// In a vault with soft delete the certificate stays recoverable until its
// scheduled purge date, and the service takes a while to finish: the
// poller waits until GET /deletedcertificates/{name} finds it (a 403 there
// counts as finished too, for callers without the get permission). In a
// vault without soft delete the poller is done at once.
//
// Key Vault: DELETE /certificates/{name}, then GET /deletedcertificates/{name}
// (permissions certificates/delete and certificates/get).
// Errors: [ErrNotFound], [ErrForbidden].
func (c *Client) BeginDeleteCertificate(ctx context.Context, name string, opts *BeginDeleteCertificateOptions) (*Poller[*DeletedCertificate], error) {
	ctx = withOperation(ctx, "BeginDeleteCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewDeleteCertificateRequest(c.server, name)
	var b deletedBundle
	retryCtx, note := transport.WithRetryNote(ctx)
	h, err := c.do(retryCtx, req, err, http.StatusOK, &b)
	if err != nil {
		if isStatus(err, http.StatusNotFound) && note.Ambiguous() {
			return c.deletedAfterRetry(ctx, name, err)
		}
		return nil, err
	}
	if err := checkDeleted(label(req), &b.DeletedCertificateBundle, name); err != nil {
		return nil, err
	}
	deleted := deletedFromBundle(&b)
	p := newFindPoller(c, "BeginDeleteCertificate", h, deleted, statusDeleting, statusDeleted, func() (*http.Request, error) {
		return gen.NewGetDeletedCertificateRequest(c.server, name)
	})
	if deleted.RecoveryID == "" {
		p.setStatus(statusDeleted)
		p.finish(deleted, nil)
	}
	return p, nil
}

// GetDeletedCertificateOptions are the options of GetDeletedCertificate.
// There are none yet; pass nil.
type GetDeletedCertificateOptions struct{}

// GetDeletedCertificate returns the soft-deleted certificate name with its
// deletion and purge dates.
//
// Key Vault: GET /deletedcertificates/{name} (permission certificates/get).
// Errors: [ErrNotFound] when no deleted certificate has that name (also for
// a while right after a deletion), [ErrForbidden].
func (c *Client) GetDeletedCertificate(ctx context.Context, name string, opts *GetDeletedCertificateOptions) (*DeletedCertificate, error) {
	ctx = withOperation(ctx, "GetDeletedCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewGetDeletedCertificateRequest(c.server, name)
	var b deletedBundle
	if _, err := c.do(ctx, req, err, http.StatusOK, &b); err != nil {
		return nil, err
	}
	if err := checkDeleted(label(req), &b.DeletedCertificateBundle, name); err != nil {
		return nil, err
	}
	return deletedFromBundle(&b), nil
}

// ListDeletedCertificatesOptions are the options of ListDeletedCertificates.
type ListDeletedCertificatesOptions struct {
	// IncludePending also lists certificates whose deletion is not yet
	// complete.
	IncludePending bool
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// NewListDeletedCertificatesPagerOptions are the options of NewListDeletedCertificatesPager. It has the fields of
// [ListDeletedCertificatesOptions], so that each can grow on its own.
type NewListDeletedCertificatesPagerOptions struct {
	// IncludePending also lists certificates whose deletion is not yet
	// complete.
	IncludePending bool
	// MaxResults is the page size, 1 to 25; 0 leaves it to the service.
	MaxResults int
	// ContinuationToken resumes an earlier listing after the page that
	// returned it.
	ContinuationToken string
}

// ListDeletedCertificates ranges over the soft-deleted certificates. Only
// the properties, recovery id and dates of each are filled in. It yields
// one error and stops when a page cannot be read.
//
// Key Vault: GET /deletedcertificates (permission certificates/list).
// Errors: [ErrForbidden].
func (c *Client) ListDeletedCertificates(ctx context.Context, opts *ListDeletedCertificatesOptions) iter.Seq2[*DeletedCertificate, error] {
	return items(ctx, func() *Pager[*DeletedCertificate] {
		return c.NewListDeletedCertificatesPager((*NewListDeletedCertificatesPagerOptions)(opts))
	})
}

// NewListDeletedCertificatesPager returns a [Pager] over the pages that
// ListDeletedCertificates ranges over.
func (c *Client) NewListDeletedCertificatesPager(opts *NewListDeletedCertificatesPagerOptions) *Pager[*DeletedCertificate] {
	if opts == nil {
		opts = &NewListDeletedCertificatesPagerOptions{}
	}
	return newPager(c, "ListDeletedCertificates", opts.MaxResults, opts.ContinuationToken,
		func(maxResults *int32) (*http.Request, error) {
			return gen.NewGetDeletedCertificatesRequest(c.server,
				&gen.GetDeletedCertificatesParams{Maxresults: maxResults, IncludePending: ptrIf(opts.IncludePending)})
		},
		func(w *gen.DeletedCertificateListResult) ([]*DeletedCertificate, string) {
			return convertItems(w.Value, deletedFromItem), w.NextLink
		})
}

// PurgeDeletedCertificateOptions are the options of PurgeDeletedCertificate.
// There are none yet; pass nil.
type PurgeDeletedCertificateOptions struct{}

// PurgeDeletedCertificate permanently removes the soft-deleted certificate
// name. It cannot be recovered afterwards. When the DELETE is sent again
// after an ambiguous failure (a reset connection, 500, 502, 503 or 504) and
// then answers 404, it succeeds if the deleted certificate is gone.
//
// Key Vault: DELETE /deletedcertificates/{name} (permission certificates/purge).
// Errors: [ErrNotFound] when name is not soft-deleted, [ErrConflict] with
// code "ObjectIsBeingDeleted" while the deletion is still in progress (wait
// for the delete poller first), [ErrForbidden], also when the vault's
// recovery level forbids purging.
func (c *Client) PurgeDeletedCertificate(ctx context.Context, name string, opts *PurgeDeletedCertificateOptions) error {
	ctx = withOperation(ctx, "PurgeDeletedCertificate")
	if err := checkCertificateName(name); err != nil {
		return err
	}
	req, err := gen.NewPurgeDeletedCertificateRequest(c.server, name)
	retryCtx, note := transport.WithRetryNote(ctx)
	_, err = c.do(retryCtx, req, err, http.StatusNoContent, nil)
	if isStatus(err, http.StatusNotFound) && note.Ambiguous() {
		return confirmGone(ctx, err, func(ctx context.Context) error {
			_, err := c.GetDeletedCertificate(ctx, name, nil)
			return err
		})
	}
	return err
}

// BeginRecoverDeletedCertificateOptions are the options of
// BeginRecoverDeletedCertificate. There are none yet; pass nil.
type BeginRecoverDeletedCertificateOptions struct{}

// BeginRecoverDeletedCertificate restores the soft-deleted certificate name
// and returns a poller that ends once the certificate can be read again
// (GET /certificates/{name}/ answers 200, or 403 for callers without the
// get permission), with the recovered latest version as its result.
//
// Key Vault: POST /deletedcertificates/{name}/recover, then GET
// /certificates/{name}/ (permissions certificates/recover and certificates/get).
// Errors: [ErrNotFound] when name is not soft-deleted, [ErrConflict] while
// its deletion is still in progress, [ErrForbidden].
func (c *Client) BeginRecoverDeletedCertificate(ctx context.Context, name string, opts *BeginRecoverDeletedCertificateOptions) (*Poller[*Certificate], error) {
	ctx = withOperation(ctx, "BeginRecoverDeletedCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewRecoverDeletedCertificateRequest(c.server, name)
	var b certificateBundle
	h, err := c.do(createsState(ctx), req, err, http.StatusOK, &b)
	if err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionCertificates, b.ID, name, ""); err != nil {
		return nil, err
	}
	recovered := certificateFromBundle(&b)
	p := newFindPoller(c, "BeginRecoverDeletedCertificate", h, recovered, statusRecovering, statusRecovered, func() (*http.Request, error) {
		return gen.NewGetCertificateRequest(c.server, name, "")
	})
	return p, nil
}

// The statuses of the delete and recover pollers.
const (
	statusDeleting   = "deleting"
	statusDeleted    = "deleted"
	statusRecovering = "recovering"
	statusRecovered  = "recovered"
)

// newFindPoller returns a poller for an operation that has ended once the
// service finds what the requests of get ask for: it answers 200, or 403
// to a caller without the get permission, where 404 means not yet. The
// poller then ends with result. Its status is pending until then and found
// afterwards. op names its requests; h is the header of the response that
// started the operation.
func newFindPoller[T any](c *Client, op string, h http.Header, result T, pending, found string, get func() (*http.Request, error)) *Poller[T] {
	p := newPoller(c, op, func(ctx context.Context, p *Poller[T]) (http.Header, error) {
		req, err := get()
		h, err := c.do(ctx, req, err, http.StatusOK, nil)
		switch {
		case err == nil || isStatus(err, http.StatusForbidden):
			p.setStatus(found)
			p.finish(result, nil)
		case !isStatus(err, http.StatusNotFound):
			return nil, err
		}
		return h, nil
	})
	p.delay = c.pollDelay(h)
	p.setStatus(pending)
	return p
}
