// Command tls_server serves HTTPS with a certificate from the vault, then
// rotates to a new version of it without restarting the server.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/tls_server
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

// serverAuth is the extended key usage of TLS server certificates.
const serverAuth = "1.3.6.1.5.5.7.3.1"

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	name := v.Name("tls-server")

	// A self-signed server certificate for localhost. With a certificate
	// authority as the issuer, clients would trust it without pinning.
	policy := client.DefaultPolicy()
	policy.Subject = "CN=localhost"
	policy.SubjectAlternativeNames = client.SubjectAlternativeNames{DNSNames: []string{"localhost"}}
	policy.EnhancedKeyUsages = []string{serverAuth}
	fmt.Fprintf(w, "Creating certificate %q for %s.\n", name, policy.Subject)
	created, err := exampleutil.CreateCertificate(ctx, w, c, name, policy)
	if err != nil {
		return err
	}
	versions := []*client.Certificate{created}

	// The source downloads the certificate with its private key and keeps
	// checking the vault for new versions (every hour by default).
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

	before, err := exampleutil.GetTLS(ctx, w, url, versions)
	if err != nil {
		return err
	}

	// Renew: a create with a nil policy adds a version under the current
	// policy, with a new key, as the vault's automatic renewal does.
	poller, err := c.BeginCreateCertificate(ctx, name, nil, nil)
	if err != nil {
		return err
	}
	renewed, err := exampleutil.Wait(ctx, w, "Renewing "+name, poller)
	if err != nil {
		return err
	}
	versions = append(versions, renewed.Certificate)

	// A running server picks the new version up at its next check; Refresh
	// checks now.
	if err := src.Refresh(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "Refreshed the TLS source; the server keeps running.")
	after, err := exampleutil.GetTLS(ctx, w, url, versions)
	if err != nil {
		return err
	}
	if after == before {
		return fmt.Errorf("the server still presents version %d after the refresh", before)
	}
	fmt.Fprintf(w, "The server went from version %d to version %d without a restart.\n", before, after)

	_, err = exampleutil.DeleteCertificate(ctx, w, c, name)
	return err
}
