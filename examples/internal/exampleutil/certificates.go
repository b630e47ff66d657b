package exampleutil

import (
	"context"
	"io"

	"github.com/kvcerts/kvcerts/client"
)

// CreateCertificate creates the certificate name with policy (nil: a new
// version under the current policy) and waits for the vault to issue it,
// showing the progress on w as Wait does. examples/hello_world spells out
// the same steps.
func CreateCertificate(ctx context.Context, w io.Writer, c *client.Client, name string, policy *client.CertificatePolicy) (*client.Certificate, error) {
	poller, err := c.BeginCreateCertificate(ctx, name, policy, nil)
	if err != nil {
		return nil, err
	}
	created, err := Wait(ctx, w, "Creating "+name, poller)
	if err != nil {
		return nil, err
	}
	return created.Certificate, nil
}

// DeleteCertificate deletes the certificate name and waits until the
// deletion is complete, showing the progress on w as Wait does.
func DeleteCertificate(ctx context.Context, w io.Writer, c *client.Client, name string) (*client.DeletedCertificate, error) {
	poller, err := c.BeginDeleteCertificate(ctx, name, nil)
	if err != nil {
		return nil, err
	}
	return Wait(ctx, w, "Deleting "+name, poller)
}
