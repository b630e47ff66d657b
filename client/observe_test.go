package client

import (
	"crypto/x509"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorder is a user's http.RoundTripper: it notes the operation name,
// method and path of each request, and whether it carried a token.
type recorder struct {
	label string
	next  http.RoundTripper
	mu    *sync.Mutex
	log   *[]string
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	auth := "no token"
	if req.Header.Get("Authorization") != "" {
		auth = "token"
	}
	r.mu.Lock()
	*r.log = append(*r.log, r.label+" "+OperationName(req.Context())+" "+req.Method+" "+req.URL.Path+" "+auth)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// observed returns an emulated vault's client whose operation and attempt
// layers are recorded, and the record.
func observed(t *testing.T) (*Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var log []string
	wrap := func(label string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper { return recorder{label, next, &mu, &log} }
	}
	_, c := newVault(t, WithOperationTransport(wrap("op")), WithAttemptTransport(wrap("attempt")))
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(log)
		log = log[:0]
		return out
	}
}

// TestOperationNames checks what the operation and attempt wrappers see:
// each request once at the operation level, each attempt below it, all
// named after the method the caller called.
func TestOperationNames(t *testing.T) {
	t.Parallel()
	c, take := observed(t)
	ctx := t.Context()
	if got := OperationName(ctx); got != "" {
		t.Errorf("OperationName of a plain context = %q", got)
	}

	p, err := c.BeginCreateCertificate(ctx, "web", DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		// The first request learns the challenge, then goes again with a token.
		"op BeginCreateCertificate POST /certificates/web/create no token",
		"attempt BeginCreateCertificate POST /certificates/web/create no token",
		"attempt BeginCreateCertificate POST /certificates/web/create token",
	}
	got := take()
	if diff := cmp.Diff(want, got[:min(len(got), 3)]); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(got[3:], func(s string) bool { return s == "op BeginCreateCertificate GET /certificates/web/pending no token" }) {
		t.Errorf("the poller's status requests are not named after BeginCreateCertificate: %q", got)
	}

	if _, err := c.DownloadCertificate(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	got = take()
	var ops []string
	for _, line := range got {
		if line[:3] == "op " {
			ops = append(ops, line)
		}
	}
	cert, err := c.GetCertificate(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOps := []string{
		"op DownloadCertificate GET /certificates/web/ no token",
		"op DownloadCertificate GET /secrets/web/" + cert.Properties.Version + " no token",
	}
	if diff := cmp.Diff(wantOps, ops); diff != "" {
		t.Errorf("download (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"op GetCertificate GET /certificates/web/ no token", "attempt GetCertificate GET /certificates/web/ token"}, take()); diff != "" {
		t.Errorf("get (-want +got):\n%s", diff)
	}

	for _, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"op ListCertificates GET /certificates no token", "attempt ListCertificates GET /certificates token"}, take()); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	dc, err := c.DownloadCertificate(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := NewKeyPair([]*x509.Certificate{dc.Leaf}, dc.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	take()
	if _, err := c.ImportKeyPair(ctx, "copy", kp, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"op ImportKeyPair POST /certificates/copy/import no token", "attempt ImportKeyPair POST /certificates/copy/import token"}, take()); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}
}

func TestTransportWrappersRefused(t *testing.T) {
	t.Parallel()
	ts := &scopedSource{}
	none := func(http.RoundTripper) http.RoundTripper { return nil }
	for name, opt := range map[string]Option{
		"nil operation wrap":      WithOperationTransport(nil),
		"nil attempt wrap":        WithAttemptTransport(nil),
		"operation wrap gave nil": WithOperationTransport(none),
		"attempt wrap gave nil":   WithAttemptTransport(none),
	} {
		if _, err := New(testVault, ts, opt); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
}

// TestTransportWrappersNest checks that the last wrapper given is the
// outermost.
func TestTransportWrappersNest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var log []string
	wrap := func(label string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper { return recorder{label, next, &mu, &log} }
	}
	_, c := newVault(t, WithOperationTransport(wrap("inner")), WithOperationTransport(wrap("outer")))
	if _, err := c.GetCertificate(t.Context(), "missing", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	want := []string{"outer GetCertificate GET /certificates/missing/ no token", "inner GetCertificate GET /certificates/missing/ no token"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
