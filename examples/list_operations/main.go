// Command list_operations lists the certificates of a vault, the versions
// of one certificate, and the deleted certificates.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/list_operations
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	names := []string{v.Name("list-api"), v.Name("list-web")}

	// Create two certificates at once: start both, then wait for each in its
	// own goroutine.
	creating := make(creations, len(names))
	for i, name := range names {
		poller, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
		if err != nil {
			return err
		}
		creating[i] = poller
	}
	if _, err := exampleutil.Wait(ctx, w, "Creating "+strings.Join(names, " and "), creating); err != nil {
		return err
	}

	// Listings are iterators: range over them, and stop at the first error.
	// They yield properties only, the latest version of each certificate.
	fmt.Fprintln(w, "Certificates in the vault:")
	for props, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s (enabled %t, expires %s)\n", props.Name, props.Enabled, props.Expires.Format(time.DateOnly))
	}

	// A create with a nil policy makes a new version under the current policy.
	web := names[1]
	poller, err := c.BeginCreateCertificate(ctx, web, nil, &client.BeginCreateCertificateOptions{
		Tags: map[string]string{"release": "2"},
	})
	if err != nil {
		return err
	}
	if _, err := exampleutil.Wait(ctx, w, "Creating a new version of "+web, poller); err != nil {
		return err
	}
	fmt.Fprintf(w, "Versions of %q:\n", web)
	for props, err := range c.ListCertificateVersions(ctx, web, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s (created %s, tags %s)\n", props.Version, props.Created.Format(time.DateTime), exampleutil.FormatTags(props.Tags))
	}

	for _, name := range names {
		if _, err := exampleutil.DeleteCertificate(ctx, w, c, name); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "Deleted certificates in the vault:")
	for deleted, err := range c.ListDeletedCertificates(ctx, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s (deleted %s, purged after %s)\n", deleted.Properties.Name,
			deleted.DeletedOn.Format(time.DateOnly), deleted.ScheduledPurgeDate.Format(time.DateOnly))
	}
	return nil
}

// creations are create operations running at the same time.
type creations []*client.Poller[*client.CreateCertificateResult]

// Wait waits for each operation in its own goroutine (a client is safe for
// concurrent use) and returns the new certificates.
func (cs creations) Wait(ctx context.Context) ([]*client.Certificate, error) {
	certs := make([]*client.Certificate, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, poller := range cs {
		wg.Go(func() {
			res, err := poller.Wait(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			certs[i] = res.Certificate
		})
	}
	wg.Wait()
	return certs, errors.Join(errs...)
}

// Status lists the operations' statuses, such as "completed, inProgress".
// A poller's Status may be read while another goroutine waits for it.
func (cs creations) Status() string {
	statuses := make([]string, len(cs))
	for i, poller := range cs {
		statuses[i] = poller.Status()
	}
	return strings.Join(statuses, ", ")
}
