package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the binary's logic in the background and returns the server
// once it listens, and a function that stops it and returns run's error.
func start(t *testing.T, args ...string) (*vaulttest.Server, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	ready := make(chan *vaulttest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out, io.Discard, func(s *vaulttest.Server) { ready <- s })
	}()
	stop := sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() { _ = stop() })
	select {
	case s := <-ready:
		return s, out, stop
	case err := <-done:
		done <- err // for stop, run by Cleanup
		t.Fatalf("run ended before serving: %v", err)
		return nil, nil, nil
	}
}

// call makes an authorized request with the server's own client.
func call(t *testing.T, s *vaulttest.Server, method, path string, body any) (int, []byte) {
	t.Helper()
	tok, err := s.TokenSource().Token()
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+path+"?api-version="+gen.APIVersion, r)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestRunKeepsStateAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "vault.json")
	caFile := filepath.Join(dir, "ca.pem")

	s, out, stop := start(t, "-state", state, "-ca-out", caFile, "-vault-name", "dev")
	if !strings.HasPrefix(s.URL, "https://dev.vault.localhost:") {
		t.Errorf("URL %q", s.URL)
	}
	ca, err := os.ReadFile(caFile)
	if err != nil || !bytes.Equal(ca, s.CACertPEM()) {
		t.Fatalf("CA file: %v", err)
	}
	status, body := call(t, s, "POST", "/certificates/kept/create", gen.CertificateCreateParameters{CertificatePolicy: gen.CertificatePolicy{
		KeyProperties:             gen.KeyProperties{KeyType: gen.JSONWebKeyTypeEC},
		X509CertificateProperties: gen.X509CertificateProperties{Subject: "CN=kept"},
		IssuerParameters:          gen.IssuerParameters{Name: "Self"},
	}})
	if status != http.StatusAccepted {
		t.Fatalf("create: %d %s", status, body)
	}
	_, before := call(t, s, "GET", "/certificates/kept/", nil)
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{s.URL, "state saved to " + state, "SSL_CERT_FILE=" + caFile, "127.0.0.1 dev.vault.localhost login.localhost"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	info, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode %v, want 0600", perm)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"ca.pem", "vault.json", "vault.json.journal", "vault.json.lock"}, names); diff != "" {
		t.Errorf("directory after a stop, want the CA, the state file, its journal and lock only (-want +got):\n%s", diff)
	}

	// A restart serves the same vault with the same CA.
	s2, out2, stop2 := start(t, "-state", state, "-ca-out", caFile, "-vault-name", "dev")
	status, after := call(t, s2, "GET", "/certificates/kept/", nil)
	if status != http.StatusOK {
		t.Fatalf("after restart: %d %s", status, after)
	}
	if got, want := strings.ReplaceAll(string(after), s2.URL, ""), strings.ReplaceAll(string(before), s.URL, ""); got != want {
		t.Errorf("certificate changed across the restart:\n%s\n%s", want, got)
	}
	if !bytes.Equal(s2.CACertPEM(), ca) {
		t.Error("the CA changed across the restart")
	}
	if !strings.Contains(out2.String(), state+" (loaded)") {
		t.Errorf("output does not say the state was loaded:\n%s", out2.String())
	}
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
}

func TestRunFaultFlags(t *testing.T) {
	t.Parallel()
	s, _, stop := start(t, "-throttle-every", "2", "-retry-after", "3s", "-page-size", "5", "-lenient-auth")
	var statuses []int
	for range 2 {
		st, _ := call(t, s, "GET", "/certificates", nil)
		statuses = append(statuses, st)
	}
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusTooManyRequests {
		t.Errorf("statuses %v, want [200 429]", statuses)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestFaultFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want vaulttest.Faults
	}{
		{nil, vaulttest.Faults{RetryAfter: time.Second}},
		{[]string{"-latency", "250ms"}, vaulttest.Faults{Latency: 250 * time.Millisecond, RetryAfter: time.Second}},
		{[]string{"-throttle", "100"}, vaulttest.Faults{RateLimit: 100, RetryAfter: time.Second}},
		{
			[]string{"-throttle-every", "3", "-retry-after", "2s", "-fail-every", "7"},
			vaulttest.Faults{ThrottleEvery: 3, RetryAfter: 2 * time.Second, ErrorEvery: 7},
		},
	}
	for _, tt := range tests {
		s, err := parseFlags(tt.args, io.Discard)
		if err != nil {
			t.Fatalf("parseFlags(%q): %v", tt.args, err)
		}
		if diff := cmp.Diff(tt.want, s.faults()); diff != "" {
			t.Errorf("faults of %q (-want +got):\n%s", tt.args, diff)
		}
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-no-such-flag"}, "not defined"},
		{[]string{"extra-argument"}, "unexpected arguments"},
		{[]string{"-client-id", "app"}, "-client-secret"},
		{[]string{"-recoverable-days", "3"}, "recoverable days 3"},
		{[]string{"-latency", "-1s"}, "must not be negative"},
		{[]string{"-throttle", "-5"}, "must not be negative"},
		{[]string{"-vault-name", "Not_Valid"}, `"Not_Valid"`},
		{[]string{"-addr", "127.0.0.1:99999"}, "listen"},
		{[]string{"-state", garbage}, "state is not valid JSON"},
		{[]string{"-state", dir}, "read state"},
		{[]string{"-ca-out", filepath.Join(dir, "missing", "ca.pem")}, "write CA certificate"},
		{[]string{"-start-time", "next monday"}, "RFC 3339"},
		{[]string{"-start-time", "0001-01-01T00:00:00Z"}, "zero time"},
	}
	for _, tt := range tests {
		// A free port, unless the case is about the address.
		args := append([]string{"-addr", "127.0.0.1:0"}, tt.args...)
		err := run(t.Context(), args, io.Discard, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run %v: %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

// TestRunClock starts the emulator at a given time with the clock endpoint,
// moves the clock past a certificate's AutoRenew trigger over HTTP, as a
// test in another language would, and finds the renewal.
func TestRunClock(t *testing.T) {
	t.Parallel()
	s, out, stop := start(t, "-start-time", "2030-01-02T03:04:05Z", "-clock-endpoint")
	if !strings.Contains(out.String(), "clock:          2030-01-02T03:04:05Z; move it with POST "+s.URL+vaulttest.ClockPath) {
		t.Errorf("the banner does not show the clock:\n%s", out.String())
	}
	policy := map[string]any{
		"key_props":        map[string]any{"kty": "EC"},
		"x509_props":       map[string]any{"subject": "CN=renewed", "validity_months": 1},
		"issuer":           map[string]any{"name": "Self"},
		"lifetime_actions": []any{map[string]any{"trigger": map[string]any{"days_before_expiry": 10}, "action": map[string]any{"action_type": "AutoRenew"}}},
	}
	if st, data := call(t, s, "POST", "/certificates/renewed/create", map[string]any{"policy": policy}); st != http.StatusAccepted {
		t.Fatalf("create: %d %s", st, data)
	}
	clock := func(method, body string) time.Time {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+vaulttest.ClockPath, strings.NewReader(body))
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var a struct{ Now time.Time }
		if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &a) != nil {
			t.Fatalf("%s %s: %d %s", method, body, resp.StatusCode, data)
		}
		return a.Now
	}
	// The clock runs on from its start, as the real one does.
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := clock("GET", ""); got.Before(start) || got.After(start.Add(time.Minute)) {
		t.Errorf("GET clock: %v, want just after %v", got, start)
	}
	if got, want := clock("POST", `{"advance": "720h"}`), start.Add(720*time.Hour); got.Before(want) || got.After(want.Add(time.Minute)) {
		t.Errorf("POST clock: %v, want just after %v", got, want)
	}
	st, data := call(t, s, "GET", "/certificates/renewed/versions", nil)
	var list gen.CertificateListResult
	if err := json.Unmarshal(data, &list); st != http.StatusOK || err != nil || len(list.Value) != 2 {
		t.Errorf("versions after the trigger: %d %s", st, data)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestClockFlagsOffByDefault(t *testing.T) {
	t.Parallel()
	s, out, _ := start(t)
	if !strings.Contains(out.String(), "no clock endpoint") {
		t.Errorf("the banner does not say the clock endpoint is off:\n%s", out.String())
	}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL+vaulttest.ClockPath, strings.NewReader(`{"advance":"1h"}`))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Error("the clock endpoint answers without -clock-endpoint")
	}
}
