package client

import (
	"context"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/transport"
)

// GetCertificateOperationOptions are the options of GetCertificateOperation.
// There are none yet; pass nil.
type GetCertificateOperationOptions struct{}

// GetCertificateOperation returns the state of the pending create or
// renewal operation of the certificate name.
//
// Key Vault: GET /certificates/{name}/pending (permission certificates/get).
// Errors: [ErrNotFound] when name has no operation, [ErrForbidden].
func (c *Client) GetCertificateOperation(ctx context.Context, name string, opts *GetCertificateOperationOptions) (*CertificateOperation, error) {
	ctx = withOperation(ctx, "GetCertificateOperation")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewGetCertificateOperationRequest(c.server, name)
	return c.operation(ctx, req, err, name)
}

// CancelCertificateOperationOptions are the options of CancelCertificateOperation.
// There are none yet; pass nil.
type CancelCertificateOperationOptions struct{}

// CancelCertificateOperation asks the service to cancel the pending
// operation of the certificate name and returns its state. Cancellation
// takes effect later: the status stays "inProgress" with
// CancellationRequested set until the issuer gives up.
//
// Key Vault: PATCH /certificates/{name}/pending (permission certificates/update).
// Errors: [ErrNotFound] when name has no operation, [ErrForbidden].
func (c *Client) CancelCertificateOperation(ctx context.Context, name string, opts *CancelCertificateOperationOptions) (*CertificateOperation, error) {
	ctx = withOperation(ctx, "CancelCertificateOperation")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewUpdateCertificateOperationRequest(c.server, name, gen.CertificateOperationUpdateParameter{CancellationRequested: true})
	return c.operation(ctx, req, err, name)
}

// DeleteCertificateOperationOptions are the options of DeleteCertificateOperation.
// There are none yet; pass nil.
type DeleteCertificateOperationOptions struct{}

// DeleteCertificateOperation deletes the operation of the certificate name,
// stopping it, and returns its last state. When the DELETE is sent again
// after an ambiguous failure (a reset connection, 500, 502, 503 or 504) and
// then answers 404, it succeeds if the operation is gone, returning only the
// operation's ID, VaultURL and Name.
//
// Key Vault: DELETE /certificates/{name}/pending (permission certificates/delete).
// Errors: [ErrNotFound] when name has no operation, [ErrForbidden].
func (c *Client) DeleteCertificateOperation(ctx context.Context, name string, opts *DeleteCertificateOperationOptions) (*CertificateOperation, error) {
	ctx = withOperation(ctx, "DeleteCertificateOperation")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	req, err := gen.NewDeleteCertificateOperationRequest(c.server, name)
	retryCtx, note := transport.WithRetryNote(ctx)
	op, err := c.operation(retryCtx, req, err, name)
	if isStatus(err, http.StatusNotFound) && note.Ambiguous() {
		if err := confirmGone(ctx, err, func(ctx context.Context) error {
			_, err := c.GetCertificateOperation(ctx, name, nil)
			return err
		}); err != nil {
			return nil, err
		}
		return &CertificateOperation{ID: c.vaultURL + "/certificates/" + name + "/pending", VaultURL: c.vaultURL, Name: name}, nil
	}
	return op, err
}

// operation sends a request for a pending operation and converts the
// operation it returns.
func (c *Client) operation(ctx context.Context, req *http.Request, err error, name string) (*CertificateOperation, error) {
	var w gen.CertificateOperation
	if _, err := c.do(ctx, req, err, http.StatusOK, &w); err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionOperations, w.ID, name, ""); err != nil {
		return nil, err
	}
	return operationFromWire(&w), nil
}
