// Command contacts sets the certificate contacts of a vault, the people it
// emails about certificate events such as an upcoming expiry, reads them and
// deletes them. Contacts belong to the whole vault, so the example puts back
// whatever contacts the vault had before.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/contacts
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) (err error) {
	c := v.Client

	// A vault without contacts answers 404 (ContactsNotFound).
	earlier, err := c.GetContacts(ctx, nil)
	if err != nil && !errors.Is(err, client.ErrNotFound) {
		return err
	}
	if len(earlier) == 0 {
		fmt.Fprintln(w, "The vault has no contacts yet.")
	} else {
		fmt.Fprintf(w, "The vault has contacts already (%d); the example puts them back at the end.\n", len(earlier))
		defer func() {
			if _, serr := c.SetContacts(ctx, earlier, nil); serr != nil {
				err = errors.Join(err, fmt.Errorf("putting back the vault's earlier contacts: %w", serr))
				return
			}
			fmt.Fprintf(w, "Put back the vault's earlier contacts (%d).\n", len(earlier))
		}()
	}

	set, err := c.SetContacts(ctx, []client.Contact{
		{Name: "John Doe", Email: "admin@example.com", Phone: "1111111111"},
		{Name: "Jane Doe", Email: "security@example.com", Phone: "2222222222"},
	}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Set %d contacts.\n", len(set))

	got, err := c.GetContacts(ctx, nil)
	if err != nil {
		return err
	}
	for _, ct := range got {
		fmt.Fprintf(w, "  %s <%s>, phone %s\n", ct.Name, ct.Email, ct.Phone)
	}

	deleted, err := c.DeleteContacts(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Deleted %d contacts.\n", len(deleted))

	if _, err := c.GetContacts(ctx, nil); !errors.Is(err, client.ErrNotFound) {
		return fmt.Errorf("reading the contacts after deleting them: got %v, want a not-found error", err)
	}
	fmt.Fprintln(w, "Reading the contacts now gives an error that matches client.ErrNotFound.")
	return nil
}
