// Command hello_world creates a certificate with the default policy, waits
// for the vault to issue it, reads it back, updates its properties and
// deletes it.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/hello_world
//	AZURE_KEYVAULT_URL=https://my-key-vault.vault.azure.net go run ./examples/hello_world
package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	name := v.Name("hello-world")

	// Create: the default policy asks the vault to sign the certificate
	// itself. Creating is a long-running operation; the poller waits for it.
	policy := client.DefaultPolicy()
	fmt.Fprintf(w, "Creating certificate %q with the default policy (issuer %s, subject %s).\n", name, policy.IssuerName, policy.Subject)
	poller, err := c.BeginCreateCertificate(ctx, name, policy, nil)
	if err != nil {
		return err
	}
	created, err := exampleutil.Wait(ctx, w, "Creating "+name, poller)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Created version %s.\n", created.Certificate.Properties.Version)

	// Retrieve the latest version, with its policy.
	cert, err := c.GetCertificate(ctx, name, nil)
	if err != nil {
		return err
	}
	x, err := x509.ParseCertificate(cert.CER)
	if err != nil {
		return fmt.Errorf("parsing the certificate: %w", err)
	}
	fmt.Fprintf(w, "Retrieved %q: subject %s, issuer %s, valid until %s, %s key of %d bits.\n",
		cert.Properties.Name, x.Subject, x.Issuer, x.NotAfter.Format(time.DateOnly), cert.Policy.KeyType, cert.Policy.KeySize)

	// Update: disable the certificate and tag it.
	updated, err := c.UpdateCertificateProperties(ctx, name, &client.UpdateCertificatePropertiesOptions{
		Enabled: new(false),
		Tags:    map[string]string{"purpose": "demo", "owner": "hello-world"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Updated %q: enabled %t, tags %s.\n", name, updated.Properties.Enabled, exampleutil.FormatTags(updated.Properties.Tags))

	// Delete: in a vault with soft delete the certificate stays recoverable
	// for a while; the poller waits until the deletion is complete.
	delPoller, err := c.BeginDeleteCertificate(ctx, name, nil)
	if err != nil {
		return err
	}
	deleted, err := exampleutil.Wait(ctx, w, "Deleting "+name, delPoller)
	if err != nil {
		return err
	}
	if deleted.RecoveryID == "" {
		fmt.Fprintf(w, "Deleted %q for good: the vault does not keep deleted certificates.\n", name)
		return nil
	}
	fmt.Fprintf(w, "Deleted %q: recoverable until %s, when the vault purges it (see examples/recover_purge).\n",
		name, deleted.ScheduledPurgeDate.Format(time.DateOnly))
	return nil
}
