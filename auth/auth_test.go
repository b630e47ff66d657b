package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

// challengeTokenSource is a copy of client.ChallengeTokenSource. The client package does
// not import auth and auth does not import client, so this copy makes a change to either
// side fail to compile here.
type challengeTokenSource interface {
	oauth2.TokenSource
	ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error)
}

var _ challengeTokenSource = (*Credential)(nil)

// newTestCredential returns a credential for tenant "home" around src, on clk.
func newTestCredential(src source, clk *fakeClock, o *Options) *Credential {
	if o == nil {
		o = &Options{}
	}
	c := newCredential("test", "test", "home", src, o)
	c.now = clk.Now
	return c
}

// hourTokens is a source that counts its calls and returns tokens valid for an hour.
func hourTokens(calls *atomic.Int32) sourceFunc {
	return func(_ context.Context, r tokenRequest) (*oauth2.Token, error) {
		n := calls.Add(1)
		return &oauth2.Token{
			AccessToken: fmt.Sprintf("%s|%s|%d", r.scope, r.tenant, n),
			Expiry:      r.now.Add(time.Hour),
		}, nil
	}
}

func TestCacheReusesTokenUntilFiveMinutesBeforeExpiry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	clk := newFakeClock()
	cred := newTestCredential(hourTokens(&calls), clk, nil)

	steps := []struct {
		advance   time.Duration
		wantToken string
	}{
		{0, DefaultScope + "|home|1"},
		{54*time.Minute + 59*time.Second, DefaultScope + "|home|1"}, // 5m01s left: still reused
		{time.Second, DefaultScope + "|home|2"},                     // 5m left: refreshed
		{54 * time.Minute, DefaultScope + "|home|2"},
		{2 * time.Hour, DefaultScope + "|home|3"}, // long expired
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		tok, err := cred.Token()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if tok.AccessToken != s.wantToken {
			t.Errorf("step %d (%s): token %q, want %q", i, clk.Now().Sub(testNow), tok.AccessToken, s.wantToken)
		}
	}
}

func TestCacheIsPerScopeAndTenant(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	cred := newTestCredential(hourTokens(&calls), newFakeClock(), &Options{AdditionallyAllowedTenants: []string{"other"}})
	ctx := t.Context()

	requests := []struct{ scope, tenant, want string }{
		{"", "", DefaultScope + "|home|1"},
		{"https://storage.azure.com/.default", "", "https://storage.azure.com/.default|home|2"},
		{"", "other", DefaultScope + "|other|3"},
		{DefaultScope, "home", DefaultScope + "|home|1"},
		{"", "HOME", DefaultScope + "|home|1"}, // tenant IDs compare without case
		{"https://storage.azure.com/.default", "", "https://storage.azure.com/.default|home|2"},
		{"", "other", DefaultScope + "|other|3"},
	}
	for _, r := range requests {
		tok, err := cred.ChallengeToken(ctx, r.scope, r.tenant, "")
		if err != nil {
			t.Fatalf("ChallengeToken(%q, %q): %v", r.scope, r.tenant, err)
		}
		if tok.AccessToken != r.want {
			t.Errorf("ChallengeToken(%q, %q) = %q, want %q", r.scope, r.tenant, tok.AccessToken, r.want)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
}

func TestConcurrentCallersShareOneRequest(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := newEntraServer(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		<-release // keep the first request open while the other callers arrive
		writeToken(w, "shared", 3600)
	})
	o := srv.options()
	cred, err := NewClientSecret("tenant", "client", "secret", &o)
	if err != nil {
		t.Fatal(err)
	}

	const callers = 100
	var started, done sync.WaitGroup
	started.Add(callers)
	tokens := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		done.Go(func() {
			started.Done()
			tok, err := cred.ChallengeToken(t.Context(), "", "", "")
			errs[i] = err
			if tok != nil {
				tokens[i] = tok.AccessToken
			}
		})
	}
	started.Wait()
	close(release)
	done.Wait()

	for i := range callers {
		if errs[i] != nil || tokens[i] != "shared" {
			t.Fatalf("caller %d: token %q, error %v", i, tokens[i], errs[i])
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d callers caused %d token requests, want 1", callers, n)
	}
}

// 64 callers need a token at once and every eighth gives up after 20 ms, the first of
// them being the one that starts the request. The request belongs to none of them: it goes
// on for the others, who get its token, while those that gave up stop waiting at once.
func TestSharedRequestOutlivesCallersThatGiveUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		src := sourceFunc(func(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
			n := calls.Add(1)
			select {
			case <-time.After(100 * time.Millisecond):
				return &oauth2.Token{AccessToken: fmt.Sprintf("t-%d", n), Expiry: r.now.Add(time.Hour)}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})
		cred := newTestCredential(src, newFakeClock(), nil)

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
			toks[i], errs[i] = cred.ChallengeToken(ctx, "", "", "")
		}
		wg.Go(func() { call(0) })
		synctest.Wait() // caller 0 started the request
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
				t.Errorf("caller %d: %v, %v; want the token of the one request", i, toks[i], errs[i])
			}
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
	})
}

// When every caller has left, the request is cancelled; a later caller starts a new one.
func TestRequestCancelledWhenEveryCallerLeaves(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		var firstEnd error
		src := sourceFunc(func(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
			if calls.Add(1) == 1 {
				<-ctx.Done()
				firstEnd = ctx.Err()
				return nil, ctx.Err()
			}
			return &oauth2.Token{AccessToken: "second", Expiry: r.now.Add(time.Hour)}, nil
		})
		cred := newTestCredential(src, newFakeClock(), nil)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if _, err := cred.ChallengeToken(ctx, "", "", ""); !errors.Is(err, context.Canceled) {
					t.Errorf("ChallengeToken = %v, want context.Canceled", err)
				}
			})
		}
		synctest.Wait()
		cancel()
		wg.Wait()
		synctest.Wait()
		if !errors.Is(firstEnd, context.Canceled) {
			t.Errorf("the abandoned request ended with %v, want context.Canceled", firstEnd)
		}
		if tok, err := cred.ChallengeToken(t.Context(), "", "", ""); err != nil || tok.AccessToken != "second" {
			t.Errorf("later caller: %v, %v; want the token of a new request", tok, err)
		}
	})
}

func TestWaiterLeavesWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		src := sourceFunc(func(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
			<-release
			return &oauth2.Token{AccessToken: "slow", Expiry: r.now.Add(time.Hour)}, nil
		})
		cred := newTestCredential(src, newFakeClock(), nil)

		var leaderTok *oauth2.Token
		go func() { leaderTok, _ = cred.ChallengeToken(t.Context(), "", "", "") }()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := cred.ChallengeToken(ctx, "", "", ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting caller: %v, want context.DeadlineExceeded", err)
		}
		close(release)
		synctest.Wait()
		if leaderTok == nil || leaderTok.AccessToken != "slow" {
			t.Errorf("refreshing caller got %v, want the token", leaderTok)
		}
	})
}

func TestWaitersAreReleasedWhenTheSourcePanics(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var calls atomic.Int32
		src := sourceFunc(func(_ context.Context, r tokenRequest) (*oauth2.Token, error) {
			if calls.Add(1) == 1 {
				<-release
				panic("broken signer")
			}
			return &oauth2.Token{AccessToken: "ok", Expiry: r.now.Add(time.Hour)}, nil
		})
		cred := newTestCredential(src, newFakeClock(), nil)

		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, errs[i] = cred.Token() })
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "the token request panicked") {
				t.Errorf("caller %d: %v, want an error saying the request panicked", i, err)
			}
		}
		if tok, err := cred.Token(); err != nil || tok.AccessToken != "ok" {
			t.Errorf("Token() after the panic = %v, %v", tok, err)
		}
	})
}

func TestFailuresAreNotCached(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	src := sourceFunc(func(_ context.Context, r tokenRequest) (*oauth2.Token, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("endpoint down")
		}
		return &oauth2.Token{AccessToken: "ok", Expiry: r.now.Add(time.Hour)}, nil
	})
	cred := newTestCredential(src, newFakeClock(), nil)
	if _, err := cred.Token(); err == nil || err.Error() != "auth: test credential: endpoint down" {
		t.Fatalf("first Token: %v, want the source's error with the credential's prefix", err)
	}
	if tok, err := cred.Token(); err != nil || tok.AccessToken != "ok" {
		t.Fatalf("second Token: %v, %v", tok, err)
	}
}

func TestTokenWithoutExpiryIsAnError(t *testing.T) {
	t.Parallel()
	src := sourceFunc(func(context.Context, tokenRequest) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "forever"}, nil
	})
	_, err := newTestCredential(src, newFakeClock(), nil).Token()
	if err == nil || !strings.Contains(err.Error(), "no expiry") {
		t.Errorf("Token() error = %v, want one about the missing expiry", err)
	}
}

func TestClaimsBypassAndReplaceTheCache(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		claims []string
	)
	src := sourceFunc(func(_ context.Context, r tokenRequest) (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		claims = append(claims, r.claims)
		return &oauth2.Token{AccessToken: fmt.Sprintf("token-%d", len(claims)), Expiry: r.now.Add(time.Hour)}, nil
	})
	cred := newTestCredential(src, newFakeClock(), nil)
	ctx := t.Context()
	const challenge = `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`

	got := func(claims string) string {
		t.Helper()
		tok, err := cred.ChallengeToken(ctx, "", "", claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	sequence := []string{got(""), got(challenge), got(""), got(challenge)}
	if diff := cmp.Diff([]string{"token-1", "token-2", "token-2", "token-3"}, sequence); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", challenge, challenge}, claims); diff != "" {
		t.Errorf("claims sent (-want +got):\n%s", diff)
	}
}

func TestBadRequestsFailBeforeFetching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		scope, tenant, claims string
		want                  string
	}{
		{"claims not JSON", "", "", "eyJhY2Nlc3NfdG9rZW4iOnt9fQ==", "claims challenge is not JSON"},
		{"scope with space", "a b", "", "", `invalid scope "a b"`},
		{"scope with newline", "https://vault.azure.net/.default\n", "", "", "invalid scope"},
		{"tenant with slash", "", "evil/../x", "", `invalid tenant ID "evil/../x"`},
		{"tenant not allowed", "", "other", "", `tenant "other" is not the configured tenant "home"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			cred := newTestCredential(hourTokens(&calls), newFakeClock(), &Options{AdditionallyAllowedTenants: []string{"third"}})
			_, err := cred.ChallengeToken(t.Context(), tt.scope, tt.tenant, tt.claims)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if calls.Load() != 0 {
				t.Errorf("the source was called for a bad request")
			}
		})
	}
}

func TestTenantResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		configured string
		tenantless bool
		allowed    []string
		requested  string
		want       string // "" with wantErr
		wantErr    bool
	}{
		{name: "default", configured: "home", requested: "", want: "home"},
		{name: "same", configured: "home", requested: "home", want: "home"},
		{name: "listed", configured: "home", allowed: []string{"a", "other"}, requested: "other", want: "other"},
		{name: "listed other case", configured: "home", allowed: []string{"OTHER"}, requested: "other", want: "other"},
		{name: "wildcard", configured: "home", allowed: []string{"*"}, requested: "any.onmicrosoft.com", want: "any.onmicrosoft.com"},
		{name: "not listed", configured: "home", allowed: []string{"a"}, requested: "other", wantErr: true},
		{name: "no list", configured: "home", requested: "other", wantErr: true},
		{name: "no configured tenant", configured: "", requested: "other", want: "other"},
		{name: "no configured tenant, bad ID", configured: "", requested: "-x", wantErr: true},
		{name: "tenantless ignores", configured: "", tenantless: true, requested: "other", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCredential("test", "", tt.configured, nil, &Options{AdditionallyAllowedTenants: tt.allowed})
			c.tenantless = tt.tenantless
			got, err := c.resolveTenant(tt.requested)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("resolveTenant(%q) = %q, %v; want %q, error %t", tt.requested, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestAllowedTenantsAreCopied(t *testing.T) {
	t.Parallel()
	allowed := []string{"other"}
	c := newCredential("test", "", "home", nil, &Options{AdditionallyAllowedTenants: allowed})
	allowed[0] = "*"
	if _, err := c.resolveTenant("third"); err == nil {
		t.Error("changing the caller's slice after construction widened the allow-list")
	}
}

func TestAuthorityHost(t *testing.T) {
	tests := []struct {
		name     string
		env      string
		o        Options
		want     string
		wantErrs string
	}{
		{name: "default", want: AuthorityPublic},
		{name: "environment", env: AuthorityChina, want: AuthorityChina},
		{name: "option wins", env: AuthorityChina, o: Options{AuthorityHost: AuthorityUSGovernment}, want: AuthorityUSGovernment},
		{name: "trailing slash", o: Options{AuthorityHost: "https://login.example.com/"}, want: "https://login.example.com"},
		{name: "path refused", o: Options{AuthorityHost: "https://adfs.example.com/adfs/"}, wantErrs: `invalid authority host "https://adfs.example.com/adfs/"`},
		{name: "http", o: Options{AuthorityHost: "http://login.example.com"}, wantErrs: `authority host "http://login.example.com" must use https`},
		{name: "http from environment", env: "http://login.example.com", wantErrs: `AZURE_AUTHORITY_HOST "http://login.example.com" must use https`},
		{name: "http loopback without permission", o: Options{AuthorityHost: "http://127.0.0.1:8080"}, wantErrs: "must use https"},
		{name: "http loopback", o: Options{AuthorityHost: "http://127.0.0.1:8080", InsecureAllowLoopbackHTTP: true}, want: "http://127.0.0.1:8080"},
		{name: "http localhost", o: Options{AuthorityHost: "http://localhost:8080", InsecureAllowLoopbackHTTP: true}, want: "http://localhost:8080"},
		{name: "http ipv6 loopback", o: Options{AuthorityHost: "http://[::1]:8080", InsecureAllowLoopbackHTTP: true}, want: "http://[::1]:8080"},
		{name: "http elsewhere with permission", o: Options{AuthorityHost: "http://login.example.com", InsecureAllowLoopbackHTTP: true}, wantErrs: "must use https"},
		{name: "no scheme", o: Options{AuthorityHost: "login.microsoftonline.com"}, wantErrs: "invalid authority host"},
		{name: "query", o: Options{AuthorityHost: "https://login.example.com/?x=1"}, wantErrs: "invalid authority host"},
		{name: "user info", o: Options{AuthorityHost: "https://user:pw@login.example.com"}, wantErrs: "invalid authority host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envAuthorityHost, tt.env)
			got, err := authorityHost(&tt.o)
			if tt.wantErrs != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrs) {
					t.Errorf("authorityHost() = %q, %v; want an error containing %q", got, err, tt.wantErrs)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("authorityHost() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestPlainHTTPLoopbackEndpointNeedsPermission(t *testing.T) {
	t.Parallel()
	srv := &entraServer{t: t}
	srv.Server = httptest.NewServer(http.HandlerFunc(srv.serve))
	defer srv.Close()

	if _, err := NewClientSecret("tenant", "client", "secret", &Options{AuthorityHost: srv.URL}); err == nil {
		t.Fatal("NewClientSecret accepted a plain-http authority host without InsecureAllowLoopbackHTTP")
	}
	cred, err := NewClientSecret("tenant", "client", "secret", &Options{AuthorityHost: srv.URL, InsecureAllowLoopbackHTTP: true,
		DisableInstanceDiscovery: true, HTTPClient: loopbackOnly(http.DefaultClient)})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := cred.ChallengeToken(t.Context(), "", "", ""); err != nil || tok.AccessToken != "token-1" {
		t.Errorf("ChallengeToken() = %v, %v", tok, err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		writeToken(w, "stolen", 3600)
	}))
	defer other.Close()
	srv := newEntraServer(t, func(w http.ResponseWriter, r *http.Request, _ url.Values) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	o := srv.options()
	cred, err := NewClientSecret("tenant", "client", "secret", &o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.ChallengeToken(t.Context(), "", "", "")
	var ae *AuthenticationError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("error = %v, want an *AuthenticationError with status 307", err)
	}
	if elsewhere.Load() != 0 {
		t.Error("the token request followed the redirect to another host")
	}
}

func TestAuthenticationErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *AuthenticationError
		want string
	}{
		{"entra", wantEntraError, "token endpoint answered HTTP 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided. " +
			"Ensure the secret being sent in the request is the client secret value. " +
			"(trace ID 0000aaaa-11bb-cccc-dd22-eeeeee333333, correlation ID aaaa0000-bb11-2222-33cc-444444dddddd)"},
		{"status only", &AuthenticationError{StatusCode: 502}, "token endpoint answered HTTP 502 Bad Gateway"},
		{"correlation only", &AuthenticationError{StatusCode: 400, Description: "no", CorrelationID: "c"}, "token endpoint answered HTTP 400 Bad Request: no (correlation ID c)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestNewAuthenticationError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want *AuthenticationError
	}{
		{"entra", entraErrorBody, wantEntraError},
		{"app service", `{"statusCode":400,"message":"No managed identity found."}`,
			&AuthenticationError{StatusCode: 401, Description: "No managed identity found."}},
		{"html", `<html>bad gateway</html>`, &AuthenticationError{StatusCode: 401}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, newAuthenticationError(401, []byte(tt.body))); diff != "" {
				t.Errorf("newAuthenticationError (-want +got):\n%s", diff)
			}
		})
	}
}
