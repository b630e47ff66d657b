// Command backup_restore backs up a certificate, deletes and purges it, and
// restores it from the backup.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/backup_restore
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

// After a purge the service keeps the name for a while; a restore under it
// gets 409 Conflict until then. These bound how the example retries.
const (
	restoreRetryEvery = 2 * time.Second
	restoreTimeout    = 2 * time.Minute
)

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	name := v.Name("backup-restore")

	fmt.Fprintf(w, "Creating certificate %q with the default policy.\n", name)
	created, err := exampleutil.CreateCertificate(ctx, w, c, name, client.DefaultPolicy())
	if err != nil {
		return err
	}
	version := created.Properties.Version
	fmt.Fprintf(w, "Created version %s.\n", version)

	// A backup holds every version of the certificate, with its key and
	// policy, protected so that only a vault of the same subscription and
	// geography can restore it.
	backup, err := c.BackupCertificate(ctx, name, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Backed up %q: %d bytes.\n", name, len(backup))

	// The name must be free to restore under it: delete the certificate,
	// wait for the deletion to complete, and purge it.
	deleted, err := exampleutil.DeleteCertificate(ctx, w, c, name)
	if err != nil {
		return err
	}
	if deleted.RecoveryID != "" {
		if err := c.PurgeDeletedCertificate(ctx, name, nil); err != nil {
			if errors.Is(err, client.ErrForbidden) {
				return fmt.Errorf("purging %q (purge protection, or no purge permission, keeps the name taken): %w", name, err)
			}
			return err
		}
		fmt.Fprintf(w, "Purged %q.\n", name)
	}

	restored, err := exampleutil.Wait(ctx, w, "Restoring "+name, &restorer{c: c, backup: backup, every: restoreRetryEvery})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Restored %q: latest version %s, same as before the backup: %t.\n",
		restored.Properties.Name, restored.Properties.Version, restored.Properties.Version == version)
	return nil
}

// restorer restores a backup, trying again every so often while the vault
// answers 409 Conflict because it is still purging the name. Its status
// counts the attempts, for exampleutil.Wait to show.
type restorer struct {
	c        *client.Client
	backup   []byte
	every    time.Duration
	attempts atomic.Int32
}

// Wait restores the backup, or gives up after restoreTimeout.
func (r *restorer) Wait(ctx context.Context) (*client.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, restoreTimeout)
	defer cancel()
	for {
		r.attempts.Add(1)
		cert, err := r.c.RestoreCertificateBackup(ctx, r.backup, nil)
		if !errors.Is(err, client.ErrConflict) {
			return cert, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w while the name was still taken: %w", ctx.Err(), err)
		case <-time.After(r.every):
		}
	}
}

// Status says how many attempts the restore has taken so far. It is safe
// to call while Wait runs.
func (r *restorer) Status() string {
	if n := r.attempts.Load(); n > 1 {
		return fmt.Sprintf("name still taken, attempt %d", n)
	}
	return "restoring"
}
