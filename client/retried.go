package client

import (
	"context"
	"fmt"
	"net/http"
)

// A DELETE that the pipeline sent again after an ambiguous failure (a reset
// connection, 500, 502, 503 or 504) and that then answered 404 may have
// worked the first time. The functions here find out whether the object is
// gone, so that a delete that worked is reported as one.

// confirmGone runs get, a read of the object that a retried delete answered
// 404 for (deleteErr), and returns nil when get answers 404: the object is
// gone. When the object is still there it returns deleteErr, and when get
// fails otherwise both errors.
func confirmGone(ctx context.Context, deleteErr error, get func(ctx context.Context) error) error {
	err := get(ctx)
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil
	case err == nil:
		return deleteErr
	}
	return fmt.Errorf("%w; finding out whether an earlier attempt of the delete worked also failed: %w", deleteErr, err)
}

// deletedAfterRetry is BeginDeleteCertificate's answer to a retried DELETE
// that answered 404 (deleteErr). The certificate is gone when the deleted
// certificate can be read (or the caller may not read it: 403), or when
// neither it nor the certificate can be found: its deletion is then still in
// progress, and the poller waits for it as after any delete.
func (c *Client) deletedAfterRetry(ctx context.Context, name string, deleteErr error) (*Poller[*DeletedCertificate], error) {
	p := newPoller(c, "BeginDeleteCertificate", func(ctx context.Context, p *Poller[*DeletedCertificate]) (http.Header, error) {
		d, err := c.GetDeletedCertificate(ctx, name, nil)
		switch {
		case err == nil:
			p.setStatus(statusDeleted)
			p.finish(d, nil)
		case isStatus(err, http.StatusForbidden):
			p.setStatus(statusDeleted)
			p.finish(&DeletedCertificate{Certificate: Certificate{Properties: CertificateProperties{
				ID: c.vaultURL + "/certificates/" + name, VaultURL: c.vaultURL, Name: name}}}, nil)
		case !isStatus(err, http.StatusNotFound):
			return nil, err
		}
		return nil, nil
	})
	p.setStatus(statusDeleting)
	if err := p.Poll(ctx); err != nil {
		return nil, fmt.Errorf("%w; finding out whether an earlier attempt of the delete worked also failed: %w", deleteErr, err)
	}
	if p.Done() {
		return p, nil
	}
	if err := confirmGone(ctx, deleteErr, func(ctx context.Context) error {
		_, err := c.GetCertificate(ctx, name, nil)
		return err
	}); err != nil {
		return nil, err
	}
	return p, nil
}
