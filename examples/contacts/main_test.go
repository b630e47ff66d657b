package main

import (
	"context"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		"The vault has no contacts yet.",
		"Set 2 contacts.",
		"  John Doe <admin@example.com>, phone 1111111111",
		"  Jane Doe <security@example.com>, phone 2222222222",
		"Deleted 2 contacts.",
		"Reading the contacts now gives an error that matches client.ErrNotFound.",
	)
}

// The example leaves the vault's own contacts as they were.
func TestRunKeepsEarlierContacts(t *testing.T) {
	t.Parallel()
	earlier := []client.Contact{{Name: "Ops", Email: "ops@example.com"}}
	var after []client.Contact
	exampletest.Run(t, func(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
		if _, err := v.Client.SetContacts(ctx, earlier, nil); err != nil {
			return err
		}
		if err := run(ctx, w, v); err != nil {
			return err
		}
		var err error
		after, err = v.Client.GetContacts(ctx, nil)
		return err
	},
		"The vault has contacts already (1); the example puts them back at the end.",
		"Deleted 2 contacts.",
		"Put back the vault's earlier contacts (1).",
	)
	if diff := cmp.Diff(earlier, after); diff != "" {
		t.Errorf("contacts after the example (-want +got):\n%s", diff)
	}
}
