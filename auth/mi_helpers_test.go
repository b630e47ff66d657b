package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// miEnv lists every variable by which a host announces a managed identity source. MSAL
// reads them from the process environment on every request, so the tests that set them
// use t.Setenv and cannot run in parallel.
var miEnv = []string{
	envIdentityEndpoint, envIdentityHeader, envIdentityServerThumbprint, envIMDSEndpoint,
	envMSIEndpoint, envMSISecret, "DEFAULT_IDENTITY_CLIENT_ID",
}

// setHostEnv clears every managed identity variable and sets kv (name, value, ...).
func setHostEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, name := range miEnv {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

// identityServer is a fake managed identity endpoint. It records every request and answers
// with respond, or with a token valid for an hour when respond is nil.
type identityServer struct {
	*httptest.Server
	respond http.HandlerFunc

	mu       sync.Mutex
	requests []*http.Request
	calls    atomic.Int32
}

func newIdentityServer(t *testing.T, tls bool, respond http.HandlerFunc) *identityServer {
	t.Helper()
	s := &identityServer{respond: respond}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(r.Context()))
		s.mu.Unlock()
		n := s.calls.Add(1)
		if s.respond != nil {
			s.respond(w, r)
			return
		}
		writeMIToken(w, fmt.Sprintf("mi-token-%d", n), `"3600"`)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// Requests returns what the endpoint has received so far.
func (s *identityServer) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

// writeMIToken answers like a managed identity endpoint, with expiresIn as the raw JSON
// value of expires_in (they send numbers as strings).
func writeMIToken(w http.ResponseWriter, token, expiresIn string) {
	w.Header().Set("Content-Type", "application/json")
	tok, _ := json.Marshal(token)
	fmt.Fprintf(w, `{"access_token":%s,"expires_in":%s,"resource":"https://vault.azure.net","token_type":"Bearer"}`, tok, expiresIn)
}

// uniqueScope returns a scope no other test asks for. MSAL keeps managed identity tokens
// in one cache per process, by identity and resource, so tests that share a resource
// would see each other's tokens.
func uniqueScope(t *testing.T) string {
	host := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, t.Name())
	return "https://" + host + ".vault.azure.net/.default"
}

// loopbackOnly is an HTTP client that refuses every host but loopback addresses, so that
// a test that went wrong cannot reach a real endpoint.
func loopbackOnly(base *http.Client) *http.Client {
	c := *base
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if h := r.URL.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
			return nil, fmt.Errorf("test client: refusing to reach %s", r.URL.Host)
		}
		return next.RoundTrip(r)
	})
	return &c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// silentClient is an HTTP client for a network where nothing answers and nothing refuses,
// like 169.254.169.254 on a machine outside Azure: every request waits for its context.
// It never dials, so it works inside a testing/synctest bubble.
func silentClient() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
}
