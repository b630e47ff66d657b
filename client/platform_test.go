package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// bodyRecorder keeps the bodies of the requests it passes on.
type bodyRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	bodies []string
}

func (b *bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		data, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.bodies = append(b.bodies, req.Method+" "+req.URL.Path+" "+string(data))
		b.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(data))
	}
	return b.next.RoundTrip(req)
}

// sentPlatformManaged lists the recorded requests whose body mentions platformManaged.
func (b *bodyRecorder) sentPlatformManaged() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, body := range b.bodies {
		if strings.Contains(body, "platformManaged") {
			out = append(out, body)
		}
	}
	return out
}

// recordedVault starts an emulator with opts and returns a client of it
// whose request bodies are recorded.
func recordedVault(t *testing.T, opts []vaulttest.Option, copts ...Option) (*Client, *bodyRecorder) {
	t.Helper()
	srv := vaulttest.NewServer(opts...)
	t.Cleanup(srv.Close)
	rec := &bodyRecorder{next: srv.Client().Transport}
	c, err := New(srv.URL, srv.TokenSource(), append([]Option{
		WithHTTPClient(&http.Client{Transport: rec}), WithPollFrequency(time.Millisecond),
	}, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func TestPlatformManagedRoundTrip(t *testing.T) {
	t.Parallel()
	c, _ := recordedVault(t, nil)
	ctx := t.Context()
	pm := &PlatformManaged{CertificateUsage: "frontdoor", Metadata: map[string]any{"owner": "team-a", "n": float64(2), "nested": map[string]any{"a": true}}}

	policy := DefaultPolicy()
	policy.PlatformManaged = pm
	created := create(t, c, "platform", policy)
	if diff := cmp.Diff(pm, created.Policy.PlatformManaged); diff != "" {
		t.Errorf("create: PlatformManaged (-want +got):\n%s", diff)
	}
	got, err := c.GetCertificate(ctx, "platform", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pm, got.Policy.PlatformManaged); diff != "" {
		t.Errorf("GetCertificate: PlatformManaged (-want +got):\n%s", diff)
	}
	gotPolicy, err := c.GetCertificatePolicy(ctx, "platform", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pm, gotPolicy.PlatformManaged); diff != "" {
		t.Errorf("GetCertificatePolicy: PlatformManaged (-want +got):\n%s", diff)
	}

	// An update without it keeps it; one with it replaces it.
	gotPolicy, err = c.UpdateCertificatePolicy(ctx, "platform", &CertificatePolicy{ValidityInMonths: 6}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pm, gotPolicy.PlatformManaged); diff != "" {
		t.Errorf("update leaving it out (-want +got):\n%s", diff)
	}
	pm2 := &PlatformManaged{CertificateUsage: "gateway"}
	gotPolicy, err = c.UpdateCertificatePolicy(ctx, "platform", &CertificatePolicy{PlatformManaged: pm2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pm2, gotPolicy.PlatformManaged); diff != "" {
		t.Errorf("update setting it (-want +got):\n%s", diff)
	}

	// Import: download a certificate and import it elsewhere with a policy.
	dc, err := c.DownloadCertificate(ctx, "platform", nil)
	if err != nil {
		t.Fatal(err)
	}
	pemData, err := dc.PEM()
	if err != nil {
		t.Fatal(err)
	}
	imported, err := c.ImportCertificate(ctx, "platform-import", pemData, &ImportCertificateOptions{Policy: &CertificatePolicy{PlatformManaged: pm}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pm, imported.Policy.PlatformManaged); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}

	// Without it, a policy has none.
	plain := create(t, c, "plain", DefaultPolicy())
	if plain.Policy.PlatformManaged != nil {
		t.Errorf("a policy without PlatformManaged came back with %+v", plain.Policy.PlatformManaged)
	}
}

func TestPlatformManagedRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	older := noRequests(t, WithAPIVersion("2025-07-01"))
	current := noRequests(t)
	for _, tc := range []struct {
		name string
		c    *Client
		pm   *PlatformManaged
		want string
	}{
		{"empty", current, &PlatformManaged{}, "CertificateUsage is empty"},
		{"metadata only", current, &PlatformManaged{Metadata: map[string]any{"a": 1}}, "CertificateUsage is empty"},
		{"metadata not JSON", current, &PlatformManaged{CertificateUsage: "x", Metadata: map[string]any{"f": func() {}}}, "cannot be encoded as JSON"},
		{"older API version", older, &PlatformManaged{CertificateUsage: "x"}, `needs API version 2026-04-01 or later; this client uses "2025-07-01"`},
	} {
		policy := DefaultPolicy()
		policy.PlatformManaged = tc.pm
		errs := map[string]error{}
		_, errs["create"] = tc.c.BeginCreateCertificate(ctx, "name", policy, nil)
		_, errs["import"] = tc.c.ImportCertificate(ctx, "name", []byte{0x30}, &ImportCertificateOptions{Policy: policy})
		_, errs["update policy"] = tc.c.UpdateCertificatePolicy(ctx, "name", policy, nil)
		_, errs["update properties"] = tc.c.UpdateCertificateProperties(ctx, "name", &UpdateCertificatePropertiesOptions{Policy: policy})
		for op, err := range errs {
			if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %s: error %v, want ErrInvalidArgument saying %q", tc.name, op, err, tc.want)
			}
		}
	}
}

// A client set to an older API version keeps working against a vault that
// speaks only that version, and never sends platformManaged.
func TestOlderAPIVersionAgainstOlderVault(t *testing.T) {
	t.Parallel()
	opts := []vaulttest.Option{vaulttest.WithOnlyAPIVersions("2025-07-01")}
	ctx := t.Context()

	current, _ := recordedVault(t, opts)
	_, err := current.GetCertificate(ctx, "none", nil)
	if re, ok := errors.AsType[*ResponseError](err); !ok || re.StatusCode != http.StatusBadRequest || re.Code != "BadParameter" {
		t.Errorf("a client of the current version against a 2025-07-01 vault: error %v, want a 400 BadParameter", err)
	}

	c, rec := recordedVault(t, opts, WithAPIVersion("2025-07-01"))
	created := create(t, c, "old", DefaultPolicy())
	if created.Policy.PlatformManaged != nil {
		t.Errorf("PlatformManaged = %+v from a 2025-07-01 vault", created.Policy.PlatformManaged)
	}
	if _, err := c.GetCertificatePolicy(ctx, "old", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCertificatePolicy(ctx, "old", &CertificatePolicy{ValidityInMonths: 6}, nil); err != nil {
		t.Fatal(err)
	}
	dc, err := c.DownloadCertificate(ctx, "old", nil)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := dc.PFX("pfx-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ImportCertificate(ctx, "old-import", pfx, &ImportCertificateOptions{Password: "pfx-password"}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("listed %d certificates, want 2", n)
	}
	poller, err := c.BeginDeleteCertificate(ctx, "old", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if sent := rec.sentPlatformManaged(); len(sent) != 0 {
		t.Errorf("requests sent platformManaged:\n%s", strings.Join(sent, "\n"))
	}
}
