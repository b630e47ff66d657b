package kvcerts_test

import (
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// timedTransport records, for every request, the operation and how much
// (fake) time had passed since start when it was sent.
type timedTransport struct {
	next  http.RoundTripper
	start time.Time

	mu   sync.Mutex
	sent []string
	at   []time.Duration
}

func (t *timedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.sent = append(t.sent, req.Method+" "+req.URL.Path)
	t.at = append(t.at, time.Since(t.start))
	t.mu.Unlock()
	return t.next.RoundTrip(req)
}

// readmeFlow runs the README's steps: create, get, update, delete, recover,
// delete, purge.
func readmeFlow(t testing.TB, c *client.Client) {
	t.Helper()
	ctx := t.Context()
	p, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCertificate(ctx, "cert-name", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCertificateProperties(ctx, "cert-name", &client.UpdateCertificatePropertiesOptions{Enabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	del, err := c.BeginDeleteCertificate(ctx, "cert-name", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := c.BeginRecoverDeletedCertificate(ctx, "cert-name", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if del, err = c.BeginDeleteCertificate(ctx, "cert-name", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := del.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.PurgeDeletedCertificate(ctx, "cert-name", nil); err != nil {
		t.Fatal(err)
	}
}

// memClient returns a client with the default options (but for the
// transport) for an in-memory emulator with opts, and the transport's record.
func memClient(t *testing.T, opts ...vaulttest.Option) (*client.Client, *timedTransport) {
	t.Helper()
	h, err := vaulttest.NewHandler(append([]vaulttest.Option{vaulttest.WithLenientAuth()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	tr := &timedTransport{next: handlerTransport{h}, start: time.Now()}
	c, err := client.New("https://myvault.vault.localhost", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "any"}),
		client.WithTransport(tr))
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// readmeRequests are the requests of readmeFlow when every poller needs
// one status request.
var readmeRequests = []string{
	"POST /certificates/cert-name/create",
	"GET /certificates/cert-name/pending",
	"GET /certificates/cert-name/", // the created certificate
	"GET /certificates/cert-name/",
	"PATCH /certificates/cert-name/",
	"DELETE /certificates/cert-name",
	"GET /deletedcertificates/cert-name",
	"POST /deletedcertificates/cert-name/recover",
	"GET /certificates/cert-name/",
	"DELETE /certificates/cert-name",
	"GET /deletedcertificates/cert-name",
	"DELETE /deletedcertificates/cert-name",
}

func checkRequests(t *testing.T, sent []string) {
	t.Helper()
	if diff := cmp.Diff(readmeRequests, sent); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestReadmeFlowWaitsForNothing runs the README flow with vaulttest's and
// the client's defaults in a synctest bubble, where time moves only when
// the client waits: it must never wait, and each poller must need a single
// status request.
func TestReadmeFlowWaitsForNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, tr := memClient(t)
		readmeFlow(t, c)
		var waits []string
		for i, d := range tr.at {
			if i > 0 && d != tr.at[i-1] {
				waits = append(waits, tr.sent[i]+" after "+(d-tr.at[i-1]).String())
			}
		}
		if len(waits) != 0 {
			t.Errorf("the client waited %d times: %v", len(waits), waits)
		}
		checkRequests(t, tr.sent)
	})
}

// TestReadmeFlowWaitsAsTold runs the README flow against the service's
// delays: every poller waits as long as the emulator says, once, instead of
// polling every two seconds.
func TestReadmeFlowWaitsAsTold(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, tr := memClient(t, vaulttest.WithRealisticDelays())
		readmeFlow(t, c)
		checkRequests(t, tr.sent)
		waits := map[int]time.Duration{1: 10 * time.Second, 6: 15 * time.Second, 8: 20 * time.Second, 10: 15 * time.Second}
		for i := 1; i < len(tr.at); i++ {
			d := tr.at[i] - tr.at[i-1]
			want := waits[i]
			if d < want || d > want+want/10+time.Millisecond {
				t.Errorf("%s came %v after the previous request, want %v", tr.sent[i], d, want)
			}
		}
	})
}

// BenchmarkReadmeFlow runs the README flow against vaulttest.NewServer over
// loopback HTTPS, with the client's default options, as the README's
// testing section sets them up.
func BenchmarkReadmeFlow(b *testing.B) {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		readmeFlow(b, c)
	}
}
