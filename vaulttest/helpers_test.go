package vaulttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness drives a Server over HTTPS with plain net/http and the gen models.
type harness struct {
	t     *testing.T
	srv   *Server
	clock *fakeClock
	token string
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	clock := newFakeClock()
	srv := NewServer(append([]Option{WithClock(clock.Now)}, opts...)...)
	t.Cleanup(srv.Close)
	tok, err := srv.TokenSource().ChallengeToken(t.Context(), "", "", "")
	if err != nil {
		t.Fatalf("get token: %v", err)
	}
	return &harness{t: t, srv: srv, clock: clock, token: tok.AccessToken}
}

// with returns a copy of h that reports to t, for subtests.
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// refreshToken gets a current token, after the clock moved past the old
// one's expiry.
func (h *harness) refreshToken() {
	h.t.Helper()
	tok, err := h.srv.TokenSource().Token()
	if err != nil {
		h.t.Fatalf("get token: %v", err)
	}
	h.token = tok.AccessToken
}

// url makes an absolute URL for path, adding api-version unless the path
// has one (or has "api-version=-", which means none).
func (h *harness) url(path string) string {
	switch {
	case strings.HasPrefix(path, "https://"):
		return path
	case strings.Contains(path, "api-version=-"):
		path = strings.NewReplacer("?api-version=-&", "?", "?api-version=-", "", "&api-version=-", "").Replace(path)
	case !strings.Contains(path, "api-version="):
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "api-version=" + gen.APIVersion
	}
	return h.srv.URL + path
}

// do sends a request with the harness token and returns status, headers
// and body. It may run on any goroutine: a request that cannot be sent is
// reported with Errorf and answers status 0.
func (h *harness) do(method, path string, body any) (int, http.Header, []byte) {
	h.t.Helper()
	return h.doToken(method, path, body, h.token)
}

// doToken is do with another bearer token; "" sends none.
func (h *harness) doToken(method, path string, body any, token string) (int, http.Header, []byte) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			h.t.Errorf("marshal body: %v", err)
			return 0, nil, nil
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.url(path), r)
	if err != nil {
		h.t.Errorf("new request: %v", err)
		return 0, nil, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Errorf("%s %s: read body: %v", method, path, err)
		return 0, nil, nil
	}
	return resp.StatusCode, resp.Header, data
}

// call sends a request, requires the status want and decodes the body
// into out (if not nil).
func (h *harness) call(method, path string, body any, want int, out any) http.Header {
	h.t.Helper()
	status, hdr, data := h.do(method, path, body)
	if status != want {
		h.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	if out != nil {
		// Decode into a zero value: fields missing from this answer must
		// not keep values from an earlier one.
		reflect.ValueOf(out).Elem().SetZero()
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return hdr
}

// fail sends a request that must fail with status and error code (and inner
// code, if not empty), and returns the message.
func (h *harness) fail(method, path string, body any, status int, code, inner string) string {
	h.t.Helper()
	var e gen.KeyVaultError
	h.call(method, path, body, status, &e)
	if e.Error.Code != code {
		h.t.Fatalf("%s %s: error %s, want code %s", method, path, mustJSON(e), code)
	}
	gotInner := ""
	if e.Error.InnerError != nil {
		gotInner = e.Error.InnerError.Code
	}
	if gotInner != inner {
		h.t.Fatalf("%s %s: inner error %q, want %q", method, path, gotInner, inner)
	}
	if e.Error.Message == "" {
		h.t.Fatalf("%s %s: error without message", method, path)
	}
	return e.Error.Message
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// selfPolicy is a small, fast policy: EC P-256, self-signed.
func selfPolicy(subject string) gen.CertificatePolicy {
	return gen.CertificatePolicy{
		KeyProperties:             gen.KeyProperties{KeyType: gen.JSONWebKeyTypeEC},
		IssuerParameters:          gen.IssuerParameters{Name: "Self"},
		X509CertificateProperties: gen.X509CertificateProperties{Subject: subject},
	}
}

// create creates a certificate with the policy and returns the operation.
func (h *harness) create(name string, p gen.CertificatePolicy) gen.CertificateOperation {
	h.t.Helper()
	var op gen.CertificateOperation
	h.call("POST", "/certificates/"+name+"/create", gen.CertificateCreateParameters{CertificatePolicy: p}, http.StatusAccepted, &op)
	return op
}

// createDone creates a self-signed EC certificate and returns its bundle.
func (h *harness) createDone(name string) gen.CertificateBundle {
	h.t.Helper()
	h.create(name, selfPolicy("CN="+name))
	var b gen.CertificateBundle
	h.call("GET", "/certificates/"+name+"/", nil, http.StatusOK, &b)
	return b
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
