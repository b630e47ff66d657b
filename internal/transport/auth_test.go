package transport

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

func TestStaticTokenSentWithFirstRequest(t *testing.T) {
	t.Parallel()
	v := newTestVault(t, challenging(testChallenge, ok))
	src := &staticSource{token: "static", expiry: time.Now().Add(time.Hour)}
	rt := newPipeline(t, v, src, RetryPolicy{})
	for range 3 {
		if status, _, err := do(t, rt, "GET", vaultURL("/certificates"), ""); err != nil || status != 200 {
			t.Fatalf("GET = %d, %v; want 200", status, err)
		}
	}
	got := v.received()
	if len(got) != 3 {
		t.Fatalf("server got %d requests, want 3 (no discovery round trip)", len(got))
	}
	for _, r := range got {
		if r.Authorization != "Bearer static-1" {
			t.Errorf("Authorization = %q, want the cached token %q", r.Authorization, "Bearer static-1")
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("token source called %d times, want 1", n)
	}
}

func TestStaticTokenUnauthorizedReturned(t *testing.T) {
	t.Parallel()
	v := newTestVault(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", testChallenge)
		w.WriteHeader(http.StatusUnauthorized)
	})
	rt := newPipeline(t, v, &staticSource{token: "static"}, DefaultRetryPolicy())
	status, _, err := do(t, rt, "GET", vaultURL("/certificates"), "")
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("GET = %d, %v; want 401", status, err)
	}
	if n := len(v.received()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestStaticTokenSharedRefresh(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &staticSource{token: "static", expiry: time.Now().Add(time.Hour), release: make(chan struct{})}
		vault, _ := parseVaultHost(testVaultHost)
		var sent atomic.Int32
		rt := newAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if got := r.Header.Get("Authorization"); got != "Bearer static-1" {
				t.Errorf("Authorization = %q, want %q", got, "Bearer static-1")
			}
			sent.Add(1)
			return response(r, 200, ""), nil
		}), src, vault, false)
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				if status, _, err := do(t, rt, "GET", vaultURL("/certificates"), ""); err != nil || status != 200 {
					t.Errorf("GET = %d, %v", status, err)
				}
			})
		}
		synctest.Wait() // one goroutine is fetching, 63 wait for it
		close(src.release)
		wg.Wait()
		if n := src.calls.Load(); n != 1 {
			t.Errorf("token source called %d times, want 1", n)
		}
		if n := sent.Load(); n != 64 {
			t.Errorf("%d requests sent, want 64", n)
		}
	})
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &staticSource{token: "static", expiry: time.Now().Add(10 * time.Minute)}
		vault, _ := parseVaultHost(testVaultHost)
		var auths []string
		rt := newAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			auths = append(auths, r.Header.Get("Authorization"))
			return response(r, 200, ""), nil
		}), src, vault, false)
		do(t, rt, "GET", vaultURL("/a"), "")
		time.Sleep(8*time.Minute + 59*time.Second) // 61s left: still fresh
		do(t, rt, "GET", vaultURL("/b"), "")
		src.expiry = time.Now().Add(time.Hour)
		time.Sleep(2 * time.Second) // 59s left: replaced
		do(t, rt, "GET", vaultURL("/c"), "")
		want := []string{"Bearer static-1", "Bearer static-1", "Bearer static-2"}
		if diff := cmp.Diff(want, auths); diff != "" {
			t.Errorf("Authorization headers (-want +got):\n%s", diff)
		}
	})
}

func TestAuthLeavesCallersRequestAlone(t *testing.T) {
	t.Parallel()
	src := &staticSource{token: "static", expiry: time.Now().Add(time.Hour)}
	vault, _ := parseVaultHost(testVaultHost)
	rt := newAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Add("Accept", "text/plain") // a next layer that breaks the RoundTripper rules
		return response(r, 200, ""), nil
	}), src, vault, false)
	req, _ := http.NewRequestWithContext(t.Context(), "GET", vaultURL("/a"), nil)
	accept := make([]string, 1, 4) // room to append in place
	accept[0] = "application/json"
	req.Header["Accept"] = accept
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if diff := cmp.Diff(http.Header{"Accept": {"application/json"}}, req.Header); diff != "" {
		t.Errorf("the caller's header changed (-want +got):\n%s", diff)
	}
	if extra := accept[:2][1]; extra != "" {
		t.Errorf("the next layer wrote %q into the caller's header values", extra)
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	errSource := errors.New("AADSTS7000215: invalid client secret")
	v := newTestVault(t, challenging(testChallenge, ok))

	t.Run("challenge source fails", func(t *testing.T) {
		t.Parallel()
		src := &challengeSource{err: errSource}
		rt := newPipeline(t, v, src, DefaultRetryPolicy())
		_, _, err := do(t, rt, "GET", vaultURL("/certificates/tokfail"), "")
		var tokErr *TokenError
		if !errors.As(err, &tokErr) || !errors.Is(err, errSource) {
			t.Fatalf("error = %v, want a *TokenError wrapping the source's error", err)
		}
		want := &TokenError{VaultHost: testVaultHost, Scope: "https://example.com/.default", TenantID: testTenant, Err: errSource}
		if diff := cmp.Diff(want, tokErr, cmpErrors); diff != "" {
			t.Errorf("TokenError (-want +got):\n%s", diff)
		}
		if n := len(src.recorded()); n != 1 {
			t.Errorf("token source called %d times, want 1 (token errors are not retried)", n)
		}
	})
	t.Run("empty token", func(t *testing.T) {
		t.Parallel()
		rt := newPipeline(t, v, emptySource{}, RetryPolicy{})
		_, _, err := do(t, rt, "GET", vaultURL("/certificates/empty"), "")
		var tokErr *TokenError
		if !errors.As(err, &tokErr) || !strings.Contains(err.Error(), "no access token") {
			t.Fatalf("error = %v, want a *TokenError saying there is no access token", err)
		}
	})
}

func TestRefusesOtherHostsAndSchemes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, vaultHost, url string
		allowHTTP            bool
		ok                   bool
	}{
		{"vault host", "myvault.vault.azure.net", "https://myvault.vault.azure.net/certificates", false, true},
		{"explicit default port", "myvault.vault.azure.net", "https://myvault.vault.azure.net:443/certificates?$skiptoken=x", false, true},
		{"upper case", "myvault.vault.azure.net", "https://MyVault.Vault.Azure.Net/certificates", false, true},
		{"vault with port 443", "myvault.vault.azure.net:443", "https://myvault.vault.azure.net/certificates", false, true},
		{"loopback http allowed", "127.0.0.1:8080", "http://127.0.0.1:8080/certificates", true, true},
		{"loopback https with http allowed", "localhost:8443", "https://localhost:8443/certificates", true, true},
		{"ipv6 loopback", "[::1]:8080", "http://[::1]:8080/certificates", true, true},
		{"other host", "myvault.vault.azure.net", "https://attacker.example/certificates", false, false},
		{"hostile nextLink suffix", "myvault.vault.azure.net", "https://myvault.vault.azure.net.attacker.example:443/certificates", false, false},
		{"parent domain", "myvault.vault.azure.net", "https://vault.azure.net/certificates", false, false},
		{"other port", "myvault.vault.azure.net", "https://myvault.vault.azure.net:8443/certificates", false, false},
		{"plain http", "myvault.vault.azure.net", "http://myvault.vault.azure.net/certificates", false, false},
		{"plain http on loopback not allowed", "127.0.0.1:8080", "http://127.0.0.1:8080/certificates", false, false},
		{"other loopback port", "127.0.0.1:8080", "http://127.0.0.1:8081/certificates", true, false},
		{"other scheme", "myvault.vault.azure.net", "ftp://myvault.vault.azure.net/certificates", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sent := false
			src := &staticSource{token: "secret"}
			rt, err := New(Config{
				Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					sent = true
					return response(r, 200, ""), nil
				}),
				TokenSource: src, VaultHost: tt.vaultHost, AllowHTTP: tt.allowHTTP, Retry: DefaultRetryPolicy(),
			})
			if err != nil {
				t.Fatal(err)
			}
			body := &trackedBody{Reader: strings.NewReader("{}")}
			req, _ := http.NewRequestWithContext(t.Context(), "PUT", tt.url, body)
			resp, err := rt.RoundTrip(req)
			if tt.ok {
				if err != nil || resp.StatusCode != 200 || !sent {
					t.Fatalf("RoundTrip(%s) = %v, want it sent", tt.url, err)
				}
				return
			}
			if _, ok := errors.AsType[*HostError](err); !ok {
				t.Fatalf("RoundTrip(%s) error = %v, want a *HostError", tt.url, err)
			}
			if sent || src.calls.Load() != 0 {
				t.Errorf("RoundTrip(%s) sent the request or fetched a token", tt.url)
			}
			if !body.closed.Load() {
				t.Errorf("RoundTrip(%s) left the request body open", tt.url)
			}
			if !strings.Contains(err.Error(), req.URL.Host) || strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q does not name host %q, or names the token", err, req.URL.Host)
			}
		})
	}
}

func TestRefusesOtherHostHeader(t *testing.T) {
	t.Parallel()
	rt, err := New(Config{
		Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			t.Errorf("request sent with Host %q", r.Host)
			return response(r, 200, ""), nil
		}),
		TokenSource: &staticSource{token: "t"}, VaultHost: "myvault.vault.azure.net",
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "https://myvault.vault.azure.net/certificates", nil)
	req.Host = "other.example"
	_, err = rt.RoundTrip(req)
	var hostErr *HostError
	if !errors.As(err, &hostErr) || hostErr.Host != "other.example" {
		t.Errorf("error = %v, want a *HostError naming other.example", err)
	}
}

func TestRedirectToOtherHostRefused(t *testing.T) {
	t.Parallel()
	var otherHits atomic.Int32
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	t.Cleanup(other.Close)
	v := newTestVault(t, challenging(testChallenge, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	c := &http.Client{Transport: newPipeline(t, v, &challengeSource{}, DefaultRetryPolicy())}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", vaultURL("/certificates"), nil)
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	var hostErr *HostError
	if !errors.As(err, &hostErr) || hostErr.VaultHost != testVaultHost {
		t.Fatalf("redirect error = %v, want a *HostError", err)
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests, want 0", n)
	}
}

func TestChallengeDiscovery(t *testing.T) {
	t.Parallel()
	v := newTestVault(t, challenging(testChallenge, ok))
	src := &challengeSource{}
	rt := newPipeline(t, v, src, RetryPolicy{})
	const body = `{"policy":{"issuer":{"name":"Self"}}}`
	if status, _, err := do(t, rt, "POST", vaultURL("/certificates/c1/create"), body); err != nil || status != 200 {
		t.Fatalf("POST = %d, %v; want 200", status, err)
	}
	if status, _, err := do(t, rt, "GET", vaultURL("/certificates/c1"), ""); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v; want 200", status, err)
	}
	got := v.received()
	if len(got) != 3 {
		t.Fatalf("server got %d requests, want 3", len(got))
	}
	id := got[0].ClientRequestID
	want := []seen{
		{Method: "POST", Path: "/certificates/c1/create", ClientRequestID: id, UserAgent: "kvcerts-test/1.0"},
		{Method: "POST", Path: "/certificates/c1/create", Authorization: "Bearer secret-token-1", Body: body, ContentLength: int64(len(body)), ClientRequestID: id, UserAgent: "kvcerts-test/1.0"},
		{Method: "GET", Path: "/certificates/c1", Authorization: "Bearer secret-token-1", ClientRequestID: got[2].ClientRequestID, UserAgent: "kvcerts-test/1.0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if id == "" || id == got[2].ClientRequestID {
		t.Errorf("client request ids %q and %q: want one per logical request", id, got[2].ClientRequestID)
	}
	if diff := cmp.Diff([]challengeCall{{Scope: "https://example.com/.default", TenantID: testTenant}}, src.recorded()); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
}

func TestChallengeVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, challenge string
		want            challengeCall
	}{
		{"authorization and resource", testChallenge, challengeCall{Scope: "https://example.com/.default", TenantID: testTenant}},
		{"authorization_uri", `Bearer authorization_uri="https://login.microsoftonline.com/contoso.com/oauth2/authorize", resource="https://example.com"`,
			challengeCall{Scope: "https://example.com/.default", TenantID: "contoso.com"}},
		{"scope", `Bearer authorization="https://login.microsoftonline.com/t1", scope="https://example.com/.default"`,
			challengeCall{Scope: "https://example.com/.default", TenantID: "t1"}},
		{"scope preferred", `Bearer authorization="https://login.microsoftonline.com/t1", resource="https://other.example.com", scope="https://vault.example.com/kv"`,
			challengeCall{Scope: "https://vault.example.com/kv", TenantID: "t1"}},
		{"vault host itself, no tenant", `Bearer resource="https://vault.example.com"`,
			challengeCall{Scope: "https://vault.example.com/.default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newTestVault(t, challenging(tt.challenge, ok))
			src := &challengeSource{}
			if status, _, err := do(t, newPipeline(t, v, src, RetryPolicy{}), "GET", vaultURL("/certificates"), ""); err != nil || status != 200 {
				t.Fatalf("GET = %d, %v; want 200", status, err)
			}
			if diff := cmp.Diff([]challengeCall{tt.want}, src.recorded()); diff != "" {
				t.Errorf("token requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostileChallengeRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, challenge, want string }{
		{"other service", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://management.azure.com"`,
			`resource host "management.azure.com" is neither the vault host "vault.example.com" nor a parent domain of it`},
		{"real vault audience for a foreign host", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"`,
			`resource host "vault.azure.net"`},
		{"look-alike suffix", `Bearer resource="https://example.com.attacker.example"`, "nor a parent domain"},
		{"not on a label boundary", `Bearer resource="https://ample.com"`, "nor a parent domain"},
		{"top-level domain", `Bearer scope="https://com/.default"`, "nor a parent domain"},
		{"malformed", `Bearer resource="https://example.com`, "unterminated quoted string"},
		{"claims only", `Bearer error="insufficient_claims", claims="` + base64.StdEncoding.EncodeToString([]byte(caeClaims)) + `"`, "names no resource or scope"},
	}
	for _, h := range hostileTenants {
		tests = append(tests, struct{ name, challenge, want string }{
			"tenant " + h.name, `Bearer authorization="` + h.uri + `", resource="https://example.com"`, h.want,
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newTestVault(t, challenging(tt.challenge, ok))
			src := &challengeSource{}
			rt := newPipeline(t, v, src, DefaultRetryPolicy())
			for range 2 {
				_, _, err := do(t, rt, "POST", vaultURL("/certificates/c/import"), `{"value":"private key material"}`)
				var chErr *ChallengeError
				if !errors.As(err, &chErr) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), testVaultHost) {
					t.Fatalf("error = %v, want a *ChallengeError naming %s and saying %q", err, testVaultHost, tt.want)
				}
			}
			got := v.received()
			if len(got) != 2 {
				t.Errorf("server got %d requests, want 2 bare discovery requests (refusals are not retried)", len(got))
			}
			for _, r := range got {
				if r.Authorization != "" || r.Body != "" {
					t.Errorf("server received Authorization %q and body %q, want neither", r.Authorization, r.Body)
				}
			}
			if calls := src.recorded(); len(calls) != 0 {
				t.Errorf("token source called for %v, want never", calls)
			}
		})
	}
}

func TestUnauthorizedWithoutBearerChallengeReturned(t *testing.T) {
	t.Parallel()
	for _, header := range []string{"", `Basic realm="vault"`} {
		v := newTestVault(t, func(w http.ResponseWriter, r *http.Request) {
			if header != "" {
				w.Header().Set("WWW-Authenticate", header)
			}
			w.WriteHeader(http.StatusUnauthorized)
		})
		status, _, err := do(t, newPipeline(t, v, &challengeSource{}, DefaultRetryPolicy()), "GET", vaultURL("/certificates"), "")
		if err != nil || status != http.StatusUnauthorized {
			t.Errorf("with WWW-Authenticate %q: GET = %d, %v; want the 401", header, status, err)
		}
	}
}

func TestSecondUnauthorizedReturned(t *testing.T) {
	t.Parallel()
	v := newTestVault(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", testChallenge)
		w.WriteHeader(http.StatusUnauthorized)
	})
	src := &challengeSource{}
	status, _, err := do(t, newPipeline(t, v, src, DefaultRetryPolicy()), "PUT", vaultURL("/certificates/contacts"), `{"contacts":[]}`)
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("PUT = %d, %v; want 401", status, err)
	}
	got := v.received()
	if len(got) != 2 || got[0].Authorization != "" || got[1].Authorization != "Bearer secret-token-1" || got[1].Body != `{"contacts":[]}` {
		t.Errorf("server got %+v, want a bare request and one replay with token and body", got)
	}
}

func TestDiscoveryWithoutChallenge(t *testing.T) {
	t.Parallel()
	v := newTestVault(t, ok)
	rt := newPipeline(t, v, &challengeSource{}, RetryPolicy{})
	if status, _, err := do(t, rt, "GET", vaultURL("/certificates"), ""); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v", status, err)
	}
	if status, _, err := do(t, rt, "PATCH", vaultURL("/certificates/c"), `{"tags":{}}`); err != nil || status != 200 {
		t.Fatalf("PATCH = %d, %v", status, err)
	}
	got := v.received()
	want := []string{"GET:", "PATCH:", `PATCH:{"tags":{}}`}
	var sent []string
	for _, r := range got {
		if r.Authorization != "" {
			t.Errorf("a token was sent unasked: %q", r.Authorization)
		}
		sent = append(sent, r.Method+":"+r.Body)
	}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestChallengeNoStampede(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &challengeSource{release: make(chan struct{})}
		vault, _ := parseVaultHost(testVaultHost)
		gate := make(chan struct{})
		var bare, authorized atomic.Int32
		rt := newAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Header.Get("Authorization") == "" {
				bare.Add(1)
				<-gate
				return response(r, 401, "", "WWW-Authenticate", testChallenge), nil
			}
			authorized.Add(1)
			return response(r, 200, ""), nil
		}), src, vault, false)
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				if status, _, err := do(t, rt, "GET", vaultURL("/certificates"), ""); err != nil || status != 200 {
					t.Errorf("GET = %d, %v", status, err)
				}
			})
		}
		synctest.Wait() // one discovery request in flight, 63 callers waiting for it
		close(gate)
		synctest.Wait() // one token fetch in flight, the others waiting for it
		close(src.release)
		wg.Wait()
		if n := bare.Load(); n != 1 {
			t.Errorf("%d bare requests, want 1", n)
		}
		if n := len(src.recorded()); n != 1 {
			t.Errorf("%d token fetches, want 1", n)
		}
		if n := authorized.Load(); n != 64 {
			t.Errorf("%d authorized requests, want 64", n)
		}
	})
}

func TestDiscoveryWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		vault, _ := parseVaultHost(testVaultHost)
		gate := make(chan struct{})
		rt := newAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			<-gate
			return response(r, 401, "", "WWW-Authenticate", testChallenge), nil
		}), &challengeSource{}, vault, false)
		go do(t, rt, "GET", vaultURL("/first"), "")
		synctest.Wait()
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", vaultURL("/second"), nil)
			_, err := rt.RoundTrip(req)
			errc <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("waiting caller got %v, want context.Canceled", err)
		}
		close(gate)
	})
}

func TestContinuousAccessEvaluation(t *testing.T) {
	t.Parallel()
	claims := base64.StdEncoding.EncodeToString([]byte(caeClaims))
	cae := `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="` + claims + `"`
	var revoked atomic.Bool
	v := newTestVault(t, challenging(testChallenge, func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() && r.Header.Get("Authorization") == "Bearer secret-token-1" {
			w.Header().Set("WWW-Authenticate", cae)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ok(w, r)
	}))
	src := &challengeSource{}
	rt := newPipeline(t, v, src, RetryPolicy{})
	if status, _, err := do(t, rt, "GET", vaultURL("/certificates/a"), ""); err != nil || status != 200 {
		t.Fatalf("first GET = %d, %v", status, err)
	}
	revoked.Store(true)
	if status, _, err := do(t, rt, "POST", vaultURL("/certificates/a/import"), `{"pwd":"p"}`); err != nil || status != 200 {
		t.Fatalf("GET after revocation = %d, %v; want 200 after the claims challenge", status, err)
	}
	if status, _, err := do(t, rt, "GET", vaultURL("/certificates/c"), ""); err != nil || status != 200 {
		t.Fatalf("third GET = %d, %v", status, err)
	}
	wantCalls := []challengeCall{
		{Scope: "https://example.com/.default", TenantID: testTenant},
		{Scope: "https://example.com/.default", TenantID: testTenant, Claims: caeClaims},
	}
	if diff := cmp.Diff(wantCalls, src.recorded()); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
	var auths []string
	for _, r := range v.received() {
		auths = append(auths, r.Method+" "+r.Authorization+" "+r.Body)
	}
	want := []string{
		"GET  ", "GET Bearer secret-token-1 ",
		`POST Bearer secret-token-1 {"pwd":"p"}`, `POST Bearer secret-token-2 {"pwd":"p"}`,
		"GET Bearer secret-token-2 ",
	}
	if diff := cmp.Diff(want, auths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestNewChallengeReplacesGrant(t *testing.T) {
	t.Parallel()
	moved := `Bearer authorization="https://login.microsoftonline.com/new-tenant", scope="https://vault.example.com/.default"`
	var rotated atomic.Bool
	v := newTestVault(t, challenging(testChallenge, func(w http.ResponseWriter, r *http.Request) {
		if rotated.Load() && r.Header.Get("Authorization") == "Bearer secret-token-1" {
			w.Header().Set("WWW-Authenticate", moved)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ok(w, r)
	}))
	src := &challengeSource{}
	rt := newPipeline(t, v, src, RetryPolicy{})
	do(t, rt, "GET", vaultURL("/a"), "")
	rotated.Store(true)
	for range 2 {
		if status, _, err := do(t, rt, "GET", vaultURL("/b"), ""); err != nil || status != 200 {
			t.Fatalf("GET = %d, %v", status, err)
		}
	}
	want := []challengeCall{
		{Scope: "https://example.com/.default", TenantID: testTenant},
		{Scope: "https://vault.example.com/.default", TenantID: "new-tenant"},
	}
	if diff := cmp.Diff(want, src.recorded()); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
	if n := len(v.received()); n != 5 {
		t.Errorf("server got %d requests, want 5 (bare, authorized, rejected, replay, authorized)", n)
	}
}

func TestLaterHostileChallengeRefused(t *testing.T) {
	t.Parallel()
	var turned atomic.Bool
	v := newTestVault(t, challenging(testChallenge, func(w http.ResponseWriter, r *http.Request) {
		if turned.Load() {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://management.azure.com"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ok(w, r)
	}))
	src := &challengeSource{}
	rt := newPipeline(t, v, src, RetryPolicy{})
	do(t, rt, "GET", vaultURL("/a"), "")
	turned.Store(true)
	_, _, err := do(t, rt, "GET", vaultURL("/b"), "")
	var chErr *ChallengeError
	if !errors.As(err, &chErr) || chErr.Scope != "https://management.azure.com/.default" {
		t.Fatalf("error = %v, want a *ChallengeError for the management scope", err)
	}
	if n := len(src.recorded()); n != 1 {
		t.Errorf("token source called %d times, want 1 (never for the hostile scope)", n)
	}
}

func TestUnactionableLaterChallengeReturned(t *testing.T) {
	t.Parallel()
	claims := base64.StdEncoding.EncodeToString([]byte(caeClaims))
	v := newTestVault(t, challenging(testChallenge, func(w http.ResponseWriter, r *http.Request) {
		// Claims, but not an insufficient_claims error, and no scope: nothing to retry with.
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", claims="`+claims+`"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	src := &challengeSource{}
	status, _, err := do(t, newPipeline(t, v, src, DefaultRetryPolicy()), "GET", vaultURL("/certificates"), "")
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("GET = %d, %v; want the 401", status, err)
	}
	if n, calls := len(v.received()), len(src.recorded()); n != 2 || calls != 1 {
		t.Errorf("%d requests and %d token fetches, want 2 and 1", n, calls)
	}
}

// blockedSource returns a token source whose fetches wait until its release channel is
// closed, and an auth layer that uses it in front of a vault answering 200.
func blockedSource() (*staticSource, *authTransport) {
	src := &staticSource{token: "t", release: make(chan struct{})}
	vault, _ := parseVaultHost(testVaultHost)
	return src, newAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return response(r, 200, ""), nil
	}), src, vault, false)
}

func TestTokenWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src, rt := blockedSource()
		go rt.RoundTrip(httptest.NewRequest("GET", vaultURL("/first"), nil))
		synctest.Wait()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", vaultURL("/second"), nil)
		_, err := rt.RoundTrip(req)
		var tokErr *TokenError
		if !errors.As(err, &tokErr) || !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want a *TokenError matching context.Canceled", err)
		}
		close(src.release)
	})
}

// emptySource returns a token without an access token.
type emptySource struct{}

func (emptySource) Token() (*oauth2.Token, error) { return &oauth2.Token{}, nil }

// cmpErrors compares errors by message.
var cmpErrors = cmp.Comparer(func(a, b error) bool { return a == b || (a != nil && b != nil && a.Error() == b.Error()) })

// A plain oauth2.TokenSource takes no context, so the request that fetches a token must
// not wait for it past its own context; the token, once fetched, serves later requests.
func TestTokenFetchEndsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src, rt := blockedSource()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", vaultURL("/first"), nil)
		_, err := rt.RoundTrip(req)
		var tokErr *TokenError
		if !errors.As(err, &tokErr) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want a *TokenError matching context.DeadlineExceeded", err)
		}
		close(src.release)
		synctest.Wait()
		resp, err := rt.RoundTrip(httptest.NewRequest("GET", vaultURL("/second"), nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Request.Header.Get("Authorization"); got != "Bearer t-1" {
			t.Errorf("Authorization = %q, want the token fetched for the first request", got)
		}
		if n := src.calls.Load(); n != 1 {
			t.Errorf("%d token fetches, want 1", n)
		}
	})
}

// 64 callers need a token at once and every eighth gives up after 20 ms, the first of
// them being the one that starts the fetch. The fetch belongs to none of them: it goes on
// for the others, who get its token, while those that gave up stop waiting at once.
func TestSharedFetchOutlivesCallersThatGiveUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var c tokenCache
		var calls atomic.Int32
		fetch := func(ctx context.Context) (*oauth2.Token, error) {
			n := calls.Add(1)
			select {
			case <-time.After(100 * time.Millisecond):
				return &oauth2.Token{AccessToken: fmt.Sprintf("t-%d", n), Expiry: time.Now().Add(time.Hour)}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		const callers = 64
		errs := make([]error, callers)
		toks := make([]*oauth2.Token, callers)
		var wg sync.WaitGroup
		call := func(i int) {
			ctx := t.Context()
			if i%8 == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
			}
			toks[i], errs[i] = c.get(ctx, grant{}, nil, fetch)
		}
		wg.Go(func() { call(0) })
		synctest.Wait() // caller 0 started the fetch
		for i := 1; i < callers; i++ {
			wg.Go(func() { call(i) })
		}
		wg.Wait()
		for i := range callers {
			if i%8 == 0 {
				if !errors.Is(errs[i], context.DeadlineExceeded) {
					t.Errorf("caller %d (20 ms deadline): %v, want context.DeadlineExceeded", i, errs[i])
				}
				continue
			}
			if errs[i] != nil || toks[i].AccessToken != "t-1" {
				t.Errorf("caller %d: %v, %v; want the token of the one fetch", i, toks[i], errs[i])
			}
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("%d token fetches, want 1", n)
		}
	})
}

// When every caller has left, the fetch's context is cancelled, so that a token source
// that honours contexts stops working for nobody.
func TestFetchCancelledWhenEveryCallerLeaves(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var c tokenCache
		stopped := make(chan error, 1)
		fetch := func(ctx context.Context) (*oauth2.Token, error) {
			<-ctx.Done()
			stopped <- ctx.Err()
			return nil, ctx.Err()
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
				defer cancel()
				if _, err := c.get(ctx, grant{}, nil, fetch); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("get = %v, want context.DeadlineExceeded", err)
				}
			})
		}
		wg.Wait()
		synctest.Wait()
		select {
		case err := <-stopped:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("fetch ended with %v, want context.Canceled", err)
			}
		default:
			t.Error("the fetch still runs after every caller left")
		}
	})
}
