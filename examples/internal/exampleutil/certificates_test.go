package exampleutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// emulated returns an emulator and a client of it.
func emulated(t *testing.T) (*vaulttest.Server, *client.Client) {
	t.Helper()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestCreateAndDeleteCertificate(t *testing.T) {
	t.Parallel()
	_, c := emulated(t)
	ctx := t.Context()
	var out bytes.Buffer
	created, err := CreateCertificate(ctx, &out, c, "web", client.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCertificate(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if created.Properties.Name != "web" || created.Properties.Version != got.Properties.Version || len(created.CER) == 0 {
		t.Errorf("created %q version %q, the vault has version %q", created.Properties.Name, created.Properties.Version, got.Properties.Version)
	}
	renewed, err := CreateCertificate(ctx, &out, c, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Properties.Version == created.Properties.Version {
		t.Error("a create with a nil policy made no new version")
	}
	deleted, err := DeleteCertificate(ctx, &out, c, "web")
	if err != nil {
		t.Fatal(err)
	}
	if deleted.Properties.Name != "web" || deleted.RecoveryID == "" {
		t.Errorf("deleted %q, recovery id %q", deleted.Properties.Name, deleted.RecoveryID)
	}
	if _, err := c.GetCertificate(ctx, "web", nil); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("after the delete: %v, want ErrNotFound", err)
	}
	for _, want := range []string{"Creating web: done after", "Deleting web: done after"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q does not say %q", out.String(), want)
		}
	}
}

func TestCreateAndDeleteCertificateErrors(t *testing.T) {
	t.Parallel()
	srv, c := emulated(t)
	var out bytes.Buffer
	if cert, err := CreateCertificate(t.Context(), &out, c, "bad_name", client.DefaultPolicy()); !errors.Is(err, client.ErrInvalidArgument) || cert != nil {
		t.Errorf("create with an invalid name: %v, %v; want ErrInvalidArgument", cert, err)
	}
	if d, err := DeleteCertificate(t.Context(), &out, c, "missing"); !errors.Is(err, client.ErrNotFound) || d != nil {
		t.Errorf("delete of a missing certificate: %v, %v; want ErrNotFound", d, err)
	}
	if err := srv.SetFaults(vaulttest.Faults{Forbidden: []string{"CreateCertificate"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateCertificate(t.Context(), &out, c, "web", client.DefaultPolicy()); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("create refused by the vault: %v, want ErrForbidden", err)
	}
	if out.Len() != 0 {
		t.Errorf("failed calls wrote %q; nothing was waited for", out.String())
	}
}
