package client

import (
	"context"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/kvcerts/kvcerts/internal/transport"
	"golang.org/x/oauth2"
)

// ChallengeTokenSource is an [oauth2.TokenSource] that can also fetch a
// token for the scope, tenant and claims named in a Key Vault
// authentication challenge. An empty tenantID means the source's own
// tenant; claims is the decoded JSON of a claims challenge, or "".
//
// The credentials of package auth and the token source of a vaulttest
// server implement it. With one, [New] learns the scope and tenant from the
// vault instead of assuming them.
type ChallengeTokenSource interface {
	oauth2.TokenSource
	ChallengeToken(ctx context.Context, scope, tenantID, claims string) (*oauth2.Token, error)
}

// The pipeline's ChallengeTokenSource and ours must stay interchangeable.
var _ transport.ChallengeTokenSource = ChallengeTokenSource(nil)

// DefaultRetryOptions returns the retry policy clients use unless told
// otherwise: 3 retries with backoff from 800ms up to 60s, and at most 120s
// for a wait the service asks for.
func DefaultRetryOptions() RetryOptions {
	p := transport.DefaultRetryPolicy()
	return RetryOptions{MaxRetries: p.MaxRetries, BaseDelay: p.BaseDelay, MaxDelay: p.MaxDelay, MaxRetryAfter: p.MaxRetryAfter}
}

func (r RetryOptions) policy() transport.RetryPolicy {
	return transport.RetryPolicy{MaxRetries: r.MaxRetries, BaseDelay: r.BaseDelay, MaxDelay: r.MaxDelay, MaxRetryAfter: r.MaxRetryAfter}
}

func (r RetryOptions) validate() error {
	if err := r.policy().Validate(); err != nil {
		return invalidArg("RetryOptions: %v", err)
	}
	return nil
}

// newPipeline returns the retry, authentication and logging layers over the
// base transport for the vault at host.
func newPipeline(s *settings, host string, ts oauth2.TokenSource) (http.RoundTripper, error) {
	ua := userAgent()
	if s.userAgent != "" {
		ua += " " + s.userAgent
	}
	base := s.base
	if base == nil {
		base = sharedTransport()
	}
	base, err := wrapTransport("WithAttemptTransport", base, s.wrapAttempt)
	if err != nil {
		return nil, err
	}
	rt, err := transport.New(transport.Config{
		Base:        base,
		TokenSource: ts,
		VaultHost:   host,
		Retry:       s.retry.policy(),
		Logger:      s.logger,
		UserAgent:   ua,
		AllowHTTP:   s.allowHTTP,
	})
	if err != nil {
		return nil, invalidArg("%v", err)
	}
	return wrapTransport("WithOperationTransport", rt, s.wrapOperation)
}

// createsState marks requests that create state, so that the pipeline
// retries them only where the service cannot have acted on them.
func createsState(ctx context.Context) context.Context { return transport.CreatesState(ctx) }

// userAgent is the client's own User-Agent: kvcerts/{module version}
// {Go version} ({os}/{arch}).
var userAgent = sync.OnceValue(func() string {
	version := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
			if m.Path == "github.com/kvcerts/kvcerts" && m.Version != "" && m.Version != "(devel)" {
				version = m.Version
			}
		}
	}
	return "kvcerts/" + version + " " + runtime.Version() + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
})
