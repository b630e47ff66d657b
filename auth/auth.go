package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Authority hosts of the Microsoft Entra ID clouds.
const (
	AuthorityPublic       = "https://login.microsoftonline.com"
	AuthorityUSGovernment = "https://login.microsoftonline.us"
	AuthorityChina        = "https://login.chinacloudapi.cn"
)

// DefaultScope is the scope a credential asks for when none is given: Key Vault in the public cloud.
const DefaultScope = "https://vault.azure.net/.default"

// refreshMargin is how long before its expiry a cached token is replaced.
const refreshMargin = 5 * time.Minute

// refreshOnKey names the token's extra value holding the time.Time after which a source
// suggests getting a new token although the old one is still valid (MSAL's refresh_in).
const refreshOnKey = "kvcerts.refresh_on"

// defaultHTTPClient sends token requests when Options.HTTPClient is nil. The timeout keeps
// Token, which has no context, from waiting forever on a silent endpoint.
var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Options configures a credential. A nil *Options is the same as the zero value.
type Options struct {
	// HTTPClient sends the token requests. The credential never follows redirects with it, so
	// secrets are only ever sent to the configured endpoint. Default: a client with a 30 s timeout.
	HTTPClient *http.Client

	// Logger receives a debug record for every token request and its outcome, and an info
	// record naming the source Default chose. No record contains a secret, an assertion or
	// a token. Default: records are discarded.
	Logger *slog.Logger

	// Scope is what Token asks for. Default: DefaultScope.
	Scope string

	// AuthorityHost is the Microsoft Entra ID host, such as AuthorityUSGovernment.
	// Default: the AZURE_AUTHORITY_HOST environment variable, then AuthorityPublic.
	// It must be an https URL without a path.
	AuthorityHost string

	// DisableInstanceDiscovery stops MSAL from asking login.microsoftonline.com about an
	// authority host it does not know, as azidentity's option of that name does. Set it
	// for disconnected and private clouds (Azure Stack) and for local fakes in tests; the
	// program is then responsible for the authority host being trustworthy.
	DisableInstanceDiscovery bool

	// AdditionallyAllowedTenants lists the tenants, besides the configured one, that
	// ChallengeToken may fetch tokens from. "*" allows every tenant.
	AdditionallyAllowedTenants []string

	// InsecureAllowLoopbackHTTP permits a plain-http AuthorityHost on a loopback address
	// (localhost, 127.0.0.0/8, ::1). It exists for tests against local fake endpoints,
	// which also need DisableInstanceDiscovery.
	InsecureAllowLoopbackHTTP bool
}

// Credential is an [oauth2.TokenSource] for Microsoft Entra ID access tokens, built by one of
// the New... functions or by [Default]. It caches a token per scope and tenant, reuses it
// until five minutes before it expires or until the refresh time its source suggests, and
// lets one refresh at a time reach the token endpoint while other callers wait for its
// result. It is safe for concurrent use.
type Credential struct {
	kind     string // "client secret", "managed identity", ... for errors and logs
	detail   string // identifying, non-secret configuration for String
	tenantID string // the configured tenant; "" means the source's own default
	// tenantless sources (managed identity) cannot choose a tenant: a requested one is ignored.
	tenantless bool
	allowed    []string
	scope      string
	log        *slog.Logger
	src        source
	now        func() time.Time

	mu       sync.Mutex
	tokens   map[cacheKey]*oauth2.Token
	inflight map[cacheKey]*flight
}

// source fetches a fresh token; each kind of credential implements it once.
type source interface {
	token(ctx context.Context, r tokenRequest) (*oauth2.Token, error)
}

// tokenRequest is one resolved request for a source. now is the credential's clock at the
// start of the request; sources compute expiry, assertion times and deadlines from it.
type tokenRequest struct {
	scope, tenant, claims string
	now                   time.Time
}

type cacheKey struct{ scope, tenant string }

// flight is a token request in progress that callers wait for. It runs on its own
// goroutine and context, so that no one caller's context ends it for the others.
type flight struct {
	done    chan struct{}
	tok     *oauth2.Token
	err     error
	waiters int                // callers waiting for it; guarded by Credential.mu
	cancel  context.CancelFunc // ends the request once no caller waits for it
}

// newCredential applies the options every credential shares.
func newCredential(kind, detail, tenantID string, src source, o *Options) *Credential {
	scope := o.Scope
	if scope == "" {
		scope = DefaultScope
	}
	return &Credential{
		kind:     kind,
		detail:   detail,
		tenantID: tenantID,
		allowed:  slices.Clone(o.AdditionallyAllowedTenants),
		scope:    scope,
		log:      logger(o),
		src:      src,
		now:      time.Now,
		tokens:   make(map[cacheKey]*oauth2.Token),
		inflight: make(map[cacheKey]*flight),
	}
}

// Token returns a token for the credential's scope in its configured tenant. It is
// ChallengeToken(context.Background(), "", "", "").
func (c *Credential) Token() (*oauth2.Token, error) {
	return c.ChallengeToken(context.Background(), "", "", "")
}

// ChallengeToken returns a token for the scope, tenant and claims named by a Key Vault
// authentication challenge, which makes the credential satisfy client.ChallengeTokenSource.
//
// An empty scope means the credential's scope (Options.Scope) and an empty tenantID the
// configured tenant. Another tenant must be listed in Options.AdditionallyAllowedTenants,
// unless the credential has no configured tenant (an Azure CLI credential without TenantID
// uses whatever tenant is asked for). Managed identities ignore tenantID: the identity
// belongs to one tenant and its endpoint cannot be asked for another.
//
// claims is the decoded JSON of a continuous access evaluation claims challenge. A request
// with claims skips the cache, sends the claims to Microsoft Entra ID (or to azd), and
// replaces the cached token with the result. Managed identity endpoints take no claims: a
// request with claims gets a fresh token. The Azure CLI cannot send claims and returns an
// error for such a request.
func (c *Credential) ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error) {
	tok, err := c.token(ctx, scope, tenantID, claims)
	if err != nil {
		return nil, &credentialError{c.kind, err}
	}
	return tok, nil
}

// String describes the credential without any secret, for logs.
func (c *Credential) String() string {
	return c.kind + " credential (" + c.detail + ")"
}

// token is ChallengeToken without the error prefix, so that Default can report its steps
// without repeating it.
func (c *Credential) token(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error) {
	if scope == "" {
		scope = c.scope
	}
	if err := validateScope(scope); err != nil {
		return nil, err
	}
	tenant, err := c.resolveTenant(tenantID)
	if err != nil {
		return nil, err
	}
	key := cacheKey{scope: scope, tenant: tenant}
	if claims != "" {
		if !json.Valid([]byte(claims)) {
			return nil, errors.New("claims challenge is not JSON (base64-decode the challenge's claims value first)")
		}
		tok, err := c.fetch(ctx, key, claims)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.tokens[key] = tok
		c.mu.Unlock()
		return tok, nil
	}
	return c.cached(ctx, key)
}

// cached returns the cached token for key while it is fresh, and otherwise joins or starts
// the one refresh for key.
//
// The refresh runs on its own goroutine with a context that keeps the values of the
// context of the caller that started it but not its deadline or cancellation, so a caller
// that gives up does not end the request for the others. Each caller stops waiting when
// its own context ends; when the last one leaves, the request is cancelled. A token that
// arrives after its callers left is still cached.
func (c *Credential) cached(ctx context.Context, key cacheKey) (*oauth2.Token, error) {
	c.mu.Lock()
	if tok := c.tokens[key]; tok != nil && c.fresh(tok) {
		c.mu.Unlock()
		return tok, nil
	}
	f := c.inflight[key]
	if f == nil {
		fetchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		c.inflight[key] = f
		go c.refresh(fetchCtx, key, f)
	}
	f.waiters++
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			if c.inflight[key] == f {
				delete(c.inflight, key)
			}
			f.cancel()
		}
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

// fresh reports whether tok may still be handed out: it is used until refreshMargin before
// its expiry, or until the refresh time its source suggested, whichever comes first.
func (c *Credential) fresh(tok *oauth2.Token) bool {
	now := c.now()
	if r, ok := tok.Extra(refreshOnKey).(time.Time); ok && !now.Before(r) {
		return false
	}
	return now.Before(tok.Expiry.Add(-refreshMargin))
}

// refresh runs the flight f for key and then releases its waiters. A panic of the source
// becomes the flight's error, as there is no caller to hand it to.
func (c *Credential) refresh(ctx context.Context, key cacheKey, f *flight) {
	defer func() {
		if r := recover(); r != nil {
			f.tok, f.err = nil, errors.New("the token request panicked")
		}
		c.mu.Lock()
		if c.inflight[key] == f {
			delete(c.inflight, key)
		}
		if f.err == nil {
			c.tokens[key] = f.tok
		}
		c.mu.Unlock()
		f.cancel()
		close(f.done)
	}()
	f.tok, f.err = c.fetch(ctx, key, "")
}

// fetch asks the source for a new token and checks that it can be cached.
func (c *Credential) fetch(ctx context.Context, key cacheKey, claims string) (*oauth2.Token, error) {
	c.log.DebugContext(ctx, "auth: requesting token", "credential", c.kind,
		"scope", key.scope, "tenant", key.tenant, "claims", claims != "")
	tok, err := c.src.token(ctx, tokenRequest{scope: key.scope, tenant: key.tenant, claims: claims, now: c.now()})
	if err == nil && tok.Expiry.IsZero() {
		err = errors.New("token response has no expiry time")
	}
	if err != nil {
		c.log.DebugContext(ctx, "auth: token request failed", "credential", c.kind, "error", err.Error())
		return nil, err
	}
	c.log.DebugContext(ctx, "auth: token acquired", "credential", c.kind,
		"scope", key.scope, "tenant", key.tenant, "expires", tok.Expiry)
	return tok, nil
}

// resolveTenant picks the tenant for a request that asked for requested.
func (c *Credential) resolveTenant(requested string) (string, error) {
	switch {
	case c.tenantless:
		return "", nil
	case requested == "" || strings.EqualFold(requested, c.tenantID):
		return c.tenantID, nil
	}
	if err := validateTenant(requested); err != nil {
		return "", err
	}
	if c.tenantID == "" {
		return requested, nil
	}
	for _, t := range c.allowed {
		if t == "*" || strings.EqualFold(t, requested) {
			return requested, nil
		}
	}
	return "", fmt.Errorf("tenant %q is not the configured tenant %q; add it to Options.AdditionallyAllowedTenants, or add \"*\" to allow any tenant",
		requested, c.tenantID)
}

// logger returns the configured logger, or one that discards.
func logger(o *Options) *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// httpClient returns a copy of the configured client that returns redirects instead of
// following them, so that no secret is ever sent to a host the caller did not configure.
func httpClient(o *Options) *http.Client {
	hc := defaultHTTPClient
	if o.HTTPClient != nil {
		hc = o.HTTPClient
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

var tenantPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.-]*$`)

// validateTenant accepts tenant IDs and domain names: letters, digits, '.' and '-'.
func validateTenant(tenant string) error {
	if !tenantPattern.MatchString(tenant) {
		return fmt.Errorf("invalid tenant ID %q: want letters, digits, '.' and '-'", tenant)
	}
	return nil
}

// validateScope accepts a single scope: non-empty, no spaces or control characters.
func validateScope(scope string) error {
	if scope == "" || strings.ContainsFunc(scope, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("invalid scope %q: want one scope such as %q", scope, DefaultScope)
	}
	return nil
}
