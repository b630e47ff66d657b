package vaulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Default client credentials of TokenSource when no client is configured.
const (
	defaultClientID     = "vaulttest-client"
	defaultClientSecret = "vaulttest-secret"
)

// TokenSource gets access tokens from a Server's token endpoint over HTTPS
// with client credentials, so every fetch is a real, counted token request.
// It authenticates as the first client, by id, given to WithClientSecret,
// or with made-up credentials when no client is configured (it cannot sign
// in as a WithClientCertificate client). It implements oauth2.TokenSource
// for the vault's own resource, and ChallengeToken for clients that follow
// the vault's auth challenge. Tokens are cached per scope and tenant until
// shortly before they expire (by the server's clock); one fetch runs at a
// time. It is safe for concurrent use.
type TokenSource struct {
	client       *http.Client
	authority    string
	tenant       string
	scope        string
	clientID     string
	clientSecret string
	now          func() time.Time

	mu    sync.Mutex
	cache map[[2]string]*oauth2.Token
}

func newTokenSource(s *Server) *TokenSource {
	id, secret := defaultClientID, defaultClientSecret
	for _, cid := range slices.Sorted(maps.Keys(s.cfg.clients)) {
		if c := s.cfg.clients[cid]; c.secret != "" {
			id, secret = cid, c.secret
			break
		}
	}
	return &TokenSource{
		client:       s.client,
		authority:    s.tokens.authority,
		tenant:       s.cfg.tenantID,
		scope:        s.tokens.resource + "/.default",
		clientID:     id,
		clientSecret: secret,
		now:          s.cfg.now,
		cache:        map[[2]string]*oauth2.Token{},
	}
}

// Token returns a token for the vault (scope Resource()+"/.default") in the
// server's tenant.
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	return ts.ChallengeToken(context.Background(), "", "", "")
}

// ChallengeToken returns a token for scope in tenantID, as an auth
// challenge asks; empty values mean the vault's scope and the server's
// tenant. A non-empty claims (a claims challenge) bypasses the cache.
func (ts *TokenSource) ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error) {
	if scope == "" {
		scope = ts.scope
	}
	if tenantID == "" {
		tenantID = ts.tenant
	}
	key := [2]string{scope, strings.ToLower(tenantID)}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t := ts.cache[key]; t != nil && claims == "" {
		margin := min(2*time.Minute, time.Duration(t.ExpiresIn)*time.Second/4)
		if ts.now().Add(margin).Before(t.Expiry) {
			return copyToken(t), nil
		}
	}
	t, err := ts.fetch(ctx, scope, tenantID, claims)
	if err != nil {
		return nil, err
	}
	ts.cache[key] = t
	return copyToken(t), nil
}

func copyToken(t *oauth2.Token) *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry, ExpiresIn: t.ExpiresIn}
}

func (ts *TokenSource) fetch(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {ts.clientID},
		"client_secret": {ts.clientSecret},
		"scope":         {scope},
	}
	if claims != "" {
		form.Set("claims", claims)
	}
	endpoint := ts.authority + "/" + url.PathEscape(tenantID) + "/oauth2/v2.0/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("vaulttest: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := ts.now()
	resp, err := ts.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("vaulttest: token request: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("vaulttest: token response: %w", err)
	}
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, fmt.Errorf("vaulttest: token response (status %d) is not JSON", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return nil, fmt.Errorf("vaulttest: token request failed with status %d: %s: %s", resp.StatusCode, body.Error, body.Description)
	}
	return &oauth2.Token{
		AccessToken: body.AccessToken,
		TokenType:   body.TokenType,
		Expiry:      start.Add(time.Duration(body.ExpiresIn) * time.Second),
		ExpiresIn:   body.ExpiresIn,
	}, nil
}
