// Command issuers adds certificate issuers to a vault, reads, lists and
// updates them, and deletes them again.
//
// An issuer is an account at a certificate authority that the vault orders
// certificates from; a certificate policy names it. The "Test" provider
// needs no real account.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/issuers
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

// provider is Key Vault's provider for trying issuers out.
const provider = "Test"

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	first, second := v.Name("issuer1"), v.Name("issuer2")

	// The first issuer has an administrator the provider can contact.
	if _, err := c.CreateIssuer(ctx, first, provider, &client.CreateIssuerOptions{
		AccountID: "keyvaultuser",
		Administrators: []client.AdministratorContact{
			{FirstName: "John", LastName: "Doe", Email: "admin@example.com", Phone: "4255555555"},
		},
	}); err != nil {
		return err
	}
	if _, err := c.CreateIssuer(ctx, second, provider, &client.CreateIssuerOptions{AccountID: "keyvaultuser"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "Created issuers %q and %q with provider %s.\n", first, second, provider)

	issuer, err := c.GetIssuer(ctx, first, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Retrieved %q: provider %s, account %s, enabled %t.\n",
		issuer.Properties.Name, issuer.Properties.Provider, issuer.AccountID, issuer.Enabled)
	for _, a := range issuer.Administrators {
		fmt.Fprintf(w, "  administrator %s %s <%s>\n", a.FirstName, a.LastName, a.Email)
	}

	fmt.Fprintln(w, "Issuers in the vault:")
	for props, err := range c.ListIssuers(ctx, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s (provider %s)\n", props.Name, props.Provider)
	}

	updated, err := c.UpdateIssuer(ctx, second, &client.UpdateIssuerOptions{Enabled: new(false)})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Updated %q: enabled %t.\n", second, updated.Enabled)

	for _, name := range []string{first, second} {
		if _, err := c.DeleteIssuer(ctx, name, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Deleted issuers %q and %q.\n", first, second)

	for props, err := range c.ListIssuers(ctx, nil) {
		if err != nil {
			return err
		}
		if props.Name == first || props.Name == second {
			return fmt.Errorf("issuer %q is still listed after its deletion", props.Name)
		}
	}
	fmt.Fprintln(w, "Listed the issuers again: both are gone.")
	return nil
}
