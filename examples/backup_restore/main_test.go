package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
	"github.com/kvcerts/kvcerts/vaulttest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		`Creating certificate "backup-restore" with the default policy.`,
		"Creating backup-restore: done after",
		"Created version ",
		`Backed up "backup-restore": `,
		"Deleting backup-restore: done after",
		`Purged "backup-restore".`,
		"Restoring backup-restore: done after",
		"same as before the backup: true.",
	)
}

// The restorer tries again while the vault is still purging the name, and
// its status says so.
func TestRestoreAfterPurge(t *testing.T) {
	t.Parallel()
	// Every reading of the emulator's clock moves it on a second, so the
	// purge's 5 seconds pass after a few requests, without sleeping.
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	srv := vaulttest.NewServer(vaulttest.WithClock(clock), vaulttest.WithDelays(vaulttest.Delays{Purge: 5 * time.Second}))
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	backup, err := c.BackupCertificate(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.BeginDeleteCertificate(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.PurgeDeletedCertificate(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()

	rs := &restorer{c: c, backup: backup}
	if got := rs.Status(); got != "restoring" {
		t.Errorf("status before the first attempt %q, want restoring", got)
	}
	cert, err := rs.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Properties.Name != "web" {
		t.Errorf("restored %q, want web", cert.Properties.Name)
	}
	var statuses []int
	for _, r := range srv.Requests() {
		if r.Operation == "RestoreCertificate" {
			statuses = append(statuses, r.Status)
		}
	}
	n := len(statuses)
	if n < 2 || statuses[0] != http.StatusConflict || statuses[n-1] != http.StatusOK {
		t.Errorf("restore statuses %v, want 409 at least once, then 200", statuses)
	}
	if got, want := rs.Status(), fmt.Sprintf("name still taken, attempt %d", n); got != want {
		t.Errorf("status after %d attempts %q, want %q", n, got, want)
	}
}
