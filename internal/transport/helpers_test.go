package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// roundTripFunc is an in-memory http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// trackedBody is a response body that records whether it was closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

// response builds a response to req; pairs of header names and values follow the body.
func response(req *http.Request, status int, body string, header ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Header: h, Request: req,
		Body: &trackedBody{Reader: strings.NewReader(body)}, ContentLength: int64(len(body)),
	}
}

// staticSource is a plain oauth2.TokenSource counting its calls.
type staticSource struct {
	token   string
	expiry  time.Time
	calls   atomic.Int32
	release chan struct{} // when not nil, Token waits for it to close
}

func (s *staticSource) Token() (*oauth2.Token, error) {
	if s.release != nil {
		<-s.release
	}
	n := s.calls.Add(1)
	return &oauth2.Token{AccessToken: fmt.Sprintf("%s-%d", s.token, n), Expiry: s.expiry}, nil
}

// challengeCall is one ChallengeToken call.
type challengeCall struct{ Scope, TenantID, Claims string }

// challengeSource is a ChallengeTokenSource recording its calls. Its tokens are
// "secret-token-N" for the Nth call, valid for an hour.
type challengeSource struct {
	err     error
	release chan struct{} // when not nil, ChallengeToken waits for it to close

	mu    sync.Mutex
	calls []challengeCall
}

func (s *challengeSource) Token() (*oauth2.Token, error) {
	return nil, errors.New("Token called on a challenge token source")
}

func (s *challengeSource) ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error) {
	if s.release != nil {
		<-s.release
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, challengeCall{scope, tenantID, claims})
	if s.err != nil {
		return nil, s.err
	}
	return &oauth2.Token{AccessToken: fmt.Sprintf("secret-token-%d", len(s.calls)), Expiry: time.Now().Add(time.Hour)}, nil
}

func (s *challengeSource) recorded() []challengeCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]challengeCall(nil), s.calls...)
}

// seen is what a test server received in one request.
type seen struct {
	Method, Path, Authorization, Body, ClientRequestID, UserAgent string
	ContentLength                                                 int64
}

// testVault is an HTTPS test server reached as https://vault.example.com (its certificate
// covers *.example.com), recording every request it receives.
type testVault struct {
	srv  *httptest.Server
	base *http.Transport // dials srv whatever the host

	mu       sync.Mutex
	requests []seen
}

const testVaultHost = "vault.example.com"

func newTestVault(t *testing.T, handler http.HandlerFunc) *testVault {
	t.Helper()
	v := &testVault{}
	v.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.requests = append(v.requests, seen{
			Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: string(body),
			ClientRequestID: r.Header.Get(clientRequestIDHeader), UserAgent: r.Header.Get("User-Agent"), ContentLength: r.ContentLength,
		})
		v.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(v.srv.Close)
	v.base = v.srv.Client().Transport.(*http.Transport).Clone()
	addr := v.srv.Listener.Addr().String()
	v.base.DialTLSContext = nil
	v.base.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	v.base.TLSClientConfig = v.base.TLSClientConfig.Clone()
	v.base.TLSClientConfig.MinVersion = tls.VersionTLS12
	t.Cleanup(v.base.CloseIdleConnections)
	return v
}

func (v *testVault) received() []seen {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]seen(nil), v.requests...)
}

// challenging wraps a handler: requests without a bearer token get a 401 with challenge.
func challenging(challenge string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.Header().Set("WWW-Authenticate", challenge)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
			return
		}
		next(w, r)
	}
}

func ok(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-ms-request-id", "server-request-id")
	io.WriteString(w, `{"value":[]}`)
}

const (
	testTenant    = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testChallenge = `Bearer authorization="https://login.microsoftonline.com/` + testTenant + `", resource="https://example.com"`
)

// newPipeline builds a pipeline for the test vault with no retries unless p says so.
func newPipeline(t *testing.T, v *testVault, ts oauth2.TokenSource, p RetryPolicy) http.RoundTripper {
	t.Helper()
	rt, err := New(Config{Base: v.base, TokenSource: ts, VaultHost: testVaultHost, Retry: p, UserAgent: "kvcerts-test/1.0"})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func vaultURL(path string) string {
	return "https://" + testVaultHost + path + "?api-version=2025-07-01"
}

// do sends a request through rt and returns the response's status and body. It is safe
// to call from any goroutine.
func do(t *testing.T, rt http.RoundTripper, method, url, body string) (int, string, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	if err != nil {
		return 0, "", err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
