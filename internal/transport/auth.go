package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// ChallengeTokenSource is implemented by credentials that can fetch a token for the scope,
// tenant and claims named in a Key Vault challenge. An empty tenantID means the
// credential's own tenant; claims is the decoded JSON of a claims challenge, or "".
type ChallengeTokenSource interface {
	oauth2.TokenSource
	ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error)
}

// tokenRefreshMargin is how long before its expiry a cached token is replaced, so that no
// attempt starts with a token about to expire.
const tokenRefreshMargin = time.Minute

// grant is what a token is fetched for: the scope and tenant of an accepted challenge.
// A plain token source has the zero grant.
type grant struct {
	scope, tenantID string
}

// authTransport attaches bearer tokens, and answers Key Vault's authentication challenges
// when its source is a ChallengeTokenSource.
//
// In challenge mode the first request is sent without a token or body. The vault answers
// 401 with a challenge naming the token's scope and tenant; once verified, that grant is
// kept, and this and all later requests are sent with a token for it. Concurrent first
// requests wait for the one discovery in flight instead of sending their own.
type authTransport struct {
	next       http.RoundTripper
	vault      vaultHost
	allowHTTP  bool
	source     oauth2.TokenSource
	challenger ChallengeTokenSource // nil: attach source's token to every request
	tokens     tokenCache
	lastBearer atomic.Pointer[bearerHeader]

	mu        sync.Mutex
	accepted  *grant        // the grant of the last accepted challenge; nil before one; never modified, only replaced
	discovery chan struct{} // closed when the discovery in flight ends; nil when none is
}

func newAuthTransport(next http.RoundTripper, ts oauth2.TokenSource, vault vaultHost, allowHTTP bool) *authTransport {
	t := &authTransport{next: next, vault: vault, allowHTTP: allowHTTP, source: ts}
	t.challenger, _ = ts.(ChallengeTokenSource)
	return t
}

func (t *authTransport) CloseIdleConnections() { closeIdle(t.next) }

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.checkDestination(req); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	req, err := replayable(req)
	if err != nil {
		return nil, err
	}
	if t.challenger == nil {
		tok, err := t.token(req.Context(), grant{}, nil, "")
		if err != nil {
			return nil, err
		}
		return t.send(req, tok) // a 401 is the caller's to see: no other token is on offer
	}
	return t.roundTripChallenge(req)
}

// checkDestination refuses a request that must not carry the vault's credentials.
func (t *authTransport) checkDestination(req *http.Request) error {
	u := req.URL
	scheme := strings.ToLower(u.Scheme)
	host := u.Host
	if req.Host != "" && !t.vault.matches(scheme, req.Host) {
		host = req.Host // the Host header names another server
	}
	if (scheme != "https" && (scheme != "http" || !t.allowHTTP)) || !t.vault.matches(scheme, host) {
		return &HostError{Scheme: u.Scheme, Host: host, VaultHost: t.vault.String()}
	}
	return nil
}

func (t *authTransport) roundTripChallenge(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	current, release, err := t.grantOrDiscover(ctx)
	if err != nil {
		return nil, err
	}
	var (
		resp *http.Response
		used *oauth2.Token
	)
	defer release()
	if current == nil {
		if resp, err = t.sendBare(req); err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusUnauthorized {
			// The vault did not ask for a token. Without a body the response answers
			// the request; otherwise send it whole, still without a token.
			release()
			if !hasBody(req) {
				return resp, nil
			}
			discard(resp)
			return t.send(req, nil)
		}
	} else {
		if used, err = t.token(ctx, *current, nil, ""); err != nil {
			return nil, err
		}
		if resp, err = t.send(req, used); err != nil || resp.StatusCode != http.StatusUnauthorized {
			return resp, err
		}
	}

	c, err := ParseChallenge(strings.Join(resp.Header.Values("WWW-Authenticate"), ", "))
	if errors.Is(err, errNoBearer) {
		return resp, nil // nothing to answer: the caller sees the 401
	}
	next, claims, ok, err := t.accept(current, c, err)
	release()
	if err == nil && !ok {
		return resp, nil
	}
	discard(resp)
	if err != nil {
		return nil, err
	}
	tok, err := t.token(ctx, next, used, claims)
	if err != nil {
		return nil, err
	}
	return t.send(req, tok) // replayed once: a second 401 is returned as is
}

// grantOrDiscover returns the accepted grant, or, when there is none yet, nil: the caller
// is then the one discoverer and others wait until it calls release. release may be
// called more than once, and does nothing for a caller that got a grant.
func (t *authTransport) grantOrDiscover(ctx context.Context) (g *grant, release func(), err error) {
	for {
		t.mu.Lock()
		if accepted := t.accepted; accepted != nil {
			t.mu.Unlock()
			return accepted, func() {}, nil
		}
		wait := t.discovery
		if wait == nil {
			done := make(chan struct{})
			t.discovery = done
			t.mu.Unlock()
			return nil, sync.OnceFunc(func() {
				t.mu.Lock()
				t.discovery = nil
				t.mu.Unlock()
				close(done)
			}), nil
		}
		t.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("transport: waiting for the vault's authentication challenge: %w", ctx.Err())
		}
	}
}

// accept decides how to answer challenge c (or its parse error) to a request sent for the
// current grant (nil for a bare discovery request). It returns the grant to fetch a
// token for and the claims to send, or ok false when the challenge offers nothing to do.
//
// A claims challenge (error="insufficient_claims") to a request that had a token keeps the
// current grant: such challenges name a generic authority, not the vault's tenant. Any
// other challenge naming a scope replaces the grant once the scope passes verifyScope.
func (t *authTransport) accept(current *grant, c Challenge, parseErr error) (next grant, claims string, ok bool, err error) {
	if parseErr != nil {
		return grant{}, "", false, &ChallengeError{Host: t.vault.String(), Err: parseErr}
	}
	if strings.EqualFold(c.Error, "insufficient_claims") {
		claims = c.Claims
	}
	if current != nil && claims != "" {
		return *current, claims, true, nil
	}
	if c.Scope == "" {
		if current == nil {
			return grant{}, "", false, &ChallengeError{Host: t.vault.String(), Err: errors.New("the challenge names no resource or scope")}
		}
		return grant{}, "", false, nil
	}
	if err := verifyScope(c.Scope, t.vault); err != nil {
		return grant{}, "", false, &ChallengeError{Host: t.vault.String(), Scope: c.Scope, Err: err}
	}
	next = grant{scope: c.Scope, tenantID: c.TenantID}
	t.mu.Lock()
	t.accepted = &next
	t.mu.Unlock()
	return next, claims, true, nil
}

// token returns a fresh-enough token for g that is not the rejected one, fetching it
// (with claims, in challenge mode) when needed.
func (t *authTransport) token(ctx context.Context, g grant, rejected *oauth2.Token, claims string) (*oauth2.Token, error) {
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		if t.challenger != nil {
			return t.challenger.ChallengeToken(ctx, g.scope, g.tenantID, claims)
		}
		return t.source.Token()
	}
	tok, err := t.tokens.get(ctx, g, rejected, fetch)
	if err != nil {
		return nil, &TokenError{VaultHost: t.vault.String(), Scope: g.scope, TenantID: g.tenantID, Err: err}
	}
	return tok, nil
}

// send sends one attempt of req with tok, or with no Authorization header when tok is nil.
func (t *authTransport) send(req *http.Request, tok *oauth2.Token) (*http.Response, error) {
	a, err := attempt(req, 1)
	if err != nil {
		return nil, err
	}
	if tok != nil {
		a.Header["Authorization"] = t.bearer(tok)
	} else {
		delete(a.Header, "Authorization")
	}
	return t.next.RoundTrip(a)
}

// bearerHeader is the Authorization header value for one access token.
type bearerHeader struct {
	accessToken string
	value       []string // "Bearer " + accessToken; shared by requests, never appended to
}

// bearer returns the Authorization header value for tok. The value made for the last
// access token is kept, since one token serves many requests.
func (t *authTransport) bearer(tok *oauth2.Token) []string {
	if b := t.lastBearer.Load(); b != nil && b.accessToken == tok.AccessToken {
		return b.value
	}
	b := &bearerHeader{accessToken: tok.AccessToken, value: []string{"Bearer " + tok.AccessToken}}
	t.lastBearer.Store(b)
	return b.value
}

// sendBare sends req without a token and without a body, to learn the vault's challenge.
func (t *authTransport) sendBare(req *http.Request) (*http.Response, error) {
	a := req.Clone(req.Context())
	a.Body, a.GetBody, a.ContentLength, a.TransferEncoding = http.NoBody, nil, 0, nil
	a.Header.Del("Authorization")
	return t.next.RoundTrip(a)
}

// tokenCache holds one token and shares its refresh among concurrent callers.
type tokenCache struct {
	mu       sync.Mutex
	tok      *oauth2.Token
	grant    grant
	inflight *tokenFetch // the fetch in flight; nil when none is
}

// tokenFetch is one fetch of a token; done is closed once tok or err is set.
type tokenFetch struct {
	done    chan struct{}
	tok     *oauth2.Token
	err     error
	waiters int                // callers waiting for it; guarded by tokenCache.mu
	cancel  context.CancelFunc // ends the fetch once no caller waits for it
}

// get returns the cached token when it is for g, is not rejected (same access token) and
// has more than tokenRefreshMargin left; otherwise it joins the fetch in flight or starts
// one. The fetch runs on its own goroutine with a context of its own, which keeps the
// values of the context of the caller that started it but not its deadline or
// cancellation: a caller that gives up does not take the fetch down with it for the
// others. Every caller stops waiting when its own context ends, even if the token source
// ignores contexts, as oauth2.TokenSource does; when the last waiting caller leaves, the
// fetch's context is cancelled. A fetch that succeeds after its callers left still fills
// the cache. A caller that started a fetch returns its result; one that joined another's
// fetch, which failed or produced a token it cannot use, tries again itself.
func (c *tokenCache) get(ctx context.Context, g grant, rejected *oauth2.Token, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	for {
		c.mu.Lock()
		if tok := c.tok; tok != nil && c.grant == g && (rejected == nil || tok.AccessToken != rejected.AccessToken) &&
			(tok.Expiry.IsZero() || time.Now().Add(tokenRefreshMargin).Before(tok.Expiry)) {
			c.mu.Unlock()
			return tok, nil
		}
		f, own := c.inflight, false
		if f == nil {
			fetchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			f, own = &tokenFetch{done: make(chan struct{}), cancel: cancel}, true
			c.inflight = f
			go c.fetch(fetchCtx, g, fetch, f)
		}
		f.waiters++
		c.mu.Unlock()
		select {
		case <-f.done:
			if own {
				return f.tok, f.err
			}
		case <-ctx.Done():
			c.leave(f)
			return nil, ctx.Err()
		}
	}
}

// leave records that a caller stopped waiting for f, and cancels f when it was the last.
func (c *tokenCache) leave(f *tokenFetch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		if c.inflight == f {
			c.inflight = nil
		}
		f.cancel()
	}
}

func (c *tokenCache) fetch(ctx context.Context, g grant, fetch func(context.Context) (*oauth2.Token, error), f *tokenFetch) {
	defer f.cancel()
	tok, err := fetch(ctx)
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errors.New("the token source returned no access token")
	}
	c.mu.Lock()
	if err == nil {
		c.tok, c.grant = tok, g
	} else {
		tok = nil
	}
	if c.inflight == f {
		c.inflight = nil
	}
	f.tok, f.err = tok, err
	c.mu.Unlock()
	close(f.done)
}
