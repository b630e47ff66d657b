package client

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/gen"
)

const testVault = "https://myvault.vault.azure.net"

// handlerTransport serves requests in memory with an http.Handler, so that
// tests need no network and run inside synctest bubbles.
type handlerTransport struct {
	h     http.Handler
	calls atomic.Int32
}

func (t *handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.calls.Add(1)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// setup returns a client for testVault whose requests reach mux, and the
// transport so that tests can count requests.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *handlerTransport) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusTeapot)
	})
	tr := &handlerTransport{h: mux}
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			t.Fatal(err)
		}
	}
	u, err := parseVaultURL(testVault, false)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(u, tr, &s), mux, tr
}

// noRequests returns a client, with opts, whose transport fails the test
// if used.
func noRequests(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, _, _ := setup(t, opts...)
	return c
}

// handle registers a handler for "METHOD /path" that checks the
// api-version and, when wantBody is not empty, the JSON body, then answers
// status with body.
func handle(t *testing.T, mux *http.ServeMux, pattern, wantBody string, status int, body string) {
	t.Helper()
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		checkAPIVersion(t, r)
		if wantBody != "" {
			checkJSONBody(t, r, wantBody)
		}
		reply(w, status, body)
	})
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-ms-request-id", "req-1")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func checkAPIVersion(t *testing.T, r *http.Request) {
	t.Helper()
	if got := r.URL.Query().Get("api-version"); got != gen.APIVersion {
		t.Errorf("%s %s: api-version = %q", r.Method, r.URL.Path, got)
	}
}

// checkJSONBody compares the request's JSON body with want, ignoring
// formatting and key order.
func checkJSONBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
	var got, w any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("request body %q: %v", b, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want body %q: %v", want, err)
	}
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("%s %s body mismatch (-want +got):\n%s", r.Method, r.URL.Path, diff)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
