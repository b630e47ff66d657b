// Command recover_purge deletes two certificates, recovers one of them and
// purges the other for good.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/recover_purge
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	keep, drop := v.Name("recover-me"), v.Name("purge-me")

	for _, name := range []string{keep, drop} {
		if _, err := exampleutil.CreateCertificate(ctx, w, c, name, client.DefaultPolicy()); err != nil {
			return err
		}
	}

	// In a vault with soft delete, a deleted certificate stays recoverable
	// until its scheduled purge date. Recover and purge work only once the
	// deletion is complete, which is what the delete poller waits for.
	for _, name := range []string{keep, drop} {
		deleted, err := exampleutil.DeleteCertificate(ctx, w, c, name)
		if err != nil {
			return err
		}
		if deleted.RecoveryID == "" {
			return fmt.Errorf("the vault deleted %q for good: it has no soft delete, so nothing can be recovered or purged", name)
		}
		fmt.Fprintf(w, "Deleted %q: recoverable until %s.\n", name, deleted.ScheduledPurgeDate.Format(time.DateOnly))
	}

	// Recovering is a long-running operation too: the certificate takes a
	// while to be readable again.
	poller, err := c.BeginRecoverDeletedCertificate(ctx, keep, nil)
	if err != nil {
		return err
	}
	recovered, err := exampleutil.Wait(ctx, w, "Recovering "+keep, poller)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Recovered %q: version %s, enabled %t.\n", keep, recovered.Properties.Version, recovered.Properties.Enabled)

	// Purging is permanent and immediate.
	if err := c.PurgeDeletedCertificate(ctx, drop, nil); err != nil {
		if errors.Is(err, client.ErrForbidden) {
			return fmt.Errorf("purging %q (purge protection, or no purge permission, forbids it): %w", drop, err)
		}
		return err
	}
	fmt.Fprintf(w, "Purged %q.\n", drop)
	if _, err := c.GetDeletedCertificate(ctx, drop, nil); errors.Is(err, client.ErrNotFound) {
		fmt.Fprintf(w, "%q is no longer among the deleted certificates.\n", drop)
	} else if err != nil {
		return err
	}
	return nil
}
