// Command rotation shows Key Vault renewing a certificate by its policy's
// AutoRenew lifetime action, and a TLS server picking up the renewed version
// without a restart.
//
// The renewal happens 30 days before the certificate expires. Against the
// in-process emulator the example moves the emulator's clock there, so the
// whole year passes at once; against a real vault (AZURE_KEYVAULT_URL) it
// sets everything up, shows the policy and stops, since a real vault
// renews on the calendar:
//
//	go run ./examples/rotation
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

// serverAuth is the extended key usage of TLS server certificates.
const serverAuth = "1.3.6.1.5.5.7.3.1"

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	name := v.Name("rotating")

	// A one-year certificate for localhost that the vault renews, with a
	// new key, 30 days before it expires.
	policy := client.DefaultPolicy()
	policy.KeyType, policy.KeySize, policy.KeyCurve = client.KeyTypeEC, 0, client.KeyCurveP256
	policy.Subject = "CN=localhost"
	policy.SubjectAlternativeNames = client.SubjectAlternativeNames{DNSNames: []string{"localhost"}}
	policy.EnhancedKeyUsages = []string{serverAuth}
	policy.ValidityInMonths = 12
	policy.LifetimeActions = []client.LifetimeAction{{Action: client.ActionAutoRenew, DaysBeforeExpiry: 30}}
	fmt.Fprintf(w, "Creating certificate %q, valid 12 months, renewed 30 days before it expires.\n", name)
	created, err := exampleutil.CreateCertificate(ctx, w, c, name, policy)
	if err != nil {
		return err
	}
	defer func() { _, _ = exampleutil.DeleteCertificate(context.WithoutCancel(ctx), w, c, name) }()

	src, err := c.NewTLSSource(ctx, name, nil)
	if err != nil {
		return err
	}
	defer src.Close()
	url, stop, err := exampleutil.ServeTLS(src)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(w, "Serving HTTPS at %s with the certificate from the vault.\n", url)
	versions := []*client.Certificate{created}
	before, err := exampleutil.GetTLS(ctx, w, url, versions)
	if err != nil {
		return err
	}

	srv := v.Emulator()
	if srv == nil {
		fmt.Fprintf(w, "A real vault renews %q on %s; the server picks the renewal up at its next check.\n",
			name, created.Properties.Expires.AddDate(0, 0, -30).Format(time.DateOnly))
		return nil
	}

	// Move the emulator's clock to a day past the trigger: the vault runs
	// the AutoRenew action as the clock passes it.
	trigger := created.Properties.Expires.AddDate(0, 0, -30)
	now, err := srv.Advance(trigger.Sub(srv.Now()) + 24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Moved the emulator's clock forward to %s, a day past the renewal trigger.\n", now.Format(time.DateOnly))
	latest, err := c.GetCertificate(ctx, name, nil)
	if err != nil {
		return err
	}
	if latest.Properties.Version == created.Properties.Version {
		return errors.New("the vault did not renew the certificate")
	}
	versions = append(versions, latest)
	fmt.Fprintf(w, "The vault renewed %q: version %s, valid from %s to %s.\n", name, latest.Properties.Version,
		latest.Properties.NotBefore.Format(time.DateOnly), latest.Properties.Expires.Format(time.DateOnly))

	// The source checks the vault every hour, and when its certificate
	// reaches 80% of its validity, by the real clock; Refresh checks now.
	if err := src.Refresh(ctx); err != nil {
		return err
	}
	after, err := exampleutil.GetTLS(ctx, w, url, versions)
	if err != nil {
		return err
	}
	if after == before {
		return fmt.Errorf("the server still presents version %d after the renewal", before)
	}
	fmt.Fprintf(w, "The server went from version %d to the renewed version %d without a restart.\n", before, after)
	return nil
}
