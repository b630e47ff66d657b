package vaulttest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The token source satisfies oauth2.TokenSource and the challenge-aware
// interface our client looks for, without importing it.
var (
	_ oauth2.TokenSource = (*TokenSource)(nil)
	_ interface {
		ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error)
	} = (*TokenSource)(nil)
)

func TestTokenSourceCaching(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewServer(WithClock(clock.Now))
	t.Cleanup(s.Close)
	ts := s.TokenSource()

	first, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if first.TokenType != "Bearer" || !first.Expiry.Equal(clock.Now().Add(time.Hour)) || first.ExpiresIn != 3600 {
		t.Errorf("token type %q expiry %v expires_in %d", first.TokenType, first.Expiry, first.ExpiresIn)
	}
	again, _ := ts.Token()
	if again.AccessToken != first.AccessToken || s.TokenRequests() != 1 {
		t.Errorf("second Token() fetched again (%d requests)", s.TokenRequests())
	}
	// Another scope or tenant spelling, and a claims challenge, fetch.
	if _, err := ts.ChallengeToken(t.Context(), "https://vault.localhost/.default", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.ChallengeToken(t.Context(), "", strings.ToUpper(s.TenantID()), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.ChallengeToken(t.Context(), "", "", `{"access_token":{"nbf":{"essential":true}}}`); err != nil {
		t.Fatal(err)
	}
	if n := s.TokenRequests(); n != 3 {
		t.Errorf("%d token requests, want 3 (same tenant in other case is cached)", n)
	}
	// Shortly before expiry the token is refreshed.
	clock.Advance(time.Hour - 2*time.Minute)
	fresh, _ := ts.Token()
	if fresh.AccessToken == first.AccessToken || s.TokenRequests() != 4 {
		t.Errorf("no refresh near expiry (%d requests)", s.TokenRequests())
	}
}

func TestTokenSourceOneFetchAtATime(t *testing.T) {
	t.Parallel()
	s := NewServer()
	t.Cleanup(s.Close)
	ts := s.TokenSource()
	var wg sync.WaitGroup
	tokens := make([]string, 16)
	for i := range tokens {
		wg.Go(func() {
			tok, err := ts.ChallengeToken(t.Context(), "", "", "")
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = tok.AccessToken
		})
	}
	wg.Wait()
	if n := s.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for 16 concurrent callers, want 1", n)
	}
	for _, tok := range tokens[1:] {
		if tok != tokens[0] {
			t.Error("callers got different tokens")
		}
	}
}

func TestTokenSourceErrors(t *testing.T) {
	t.Parallel()
	s := NewServer(WithClientSecret("only", "the-real-secret"))
	t.Cleanup(s.Close)
	_, err := s.TokenSource().ChallengeToken(t.Context(), "", "other-tenant", "")
	if err == nil || !strings.Contains(err.Error(), "invalid_tenant") || strings.Contains(err.Error(), "the-real-secret") {
		t.Errorf("error %v, want invalid_tenant without the secret", err)
	}
	s.Close()
	if _, err := s.TokenSource().ChallengeToken(t.Context(), "", "", ""); err == nil {
		t.Error("a closed server gave a token")
	}
}
