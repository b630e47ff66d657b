package auth

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/kvcerts/kvcerts/internal/transport"
)

// managedIdentityRetry limits the retries of managed identity token requests: the first
// request and six retries, waiting 2 s and then twice as long each time, up to 30 s, and at
// most 30 s for an answer's Retry-After. The instance metadata service answers 410 for up to
// 70 s while it is being updated; with jitter the waits add up to 72 s to 96 s, so the last
// attempt comes after that window. (MSAL's own policy, three attempts a second apart, would
// give up within 2 s; azidentity retries in its pipeline for the same reason.)
var managedIdentityRetry = transport.RetryPolicy{
	MaxRetries:    6,
	BaseDelay:     2 * time.Second,
	MaxDelay:      30 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// jitter returns d shortened or lengthened at random by up to a fifth, so that the many
// processes of a machine that boots do not retry in step.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}

// msalDoer is the HTTP client interface MSAL takes.
type msalDoer interface {
	Do(*http.Request) (*http.Response, error)
	CloseIdleConnections()
}

// retryingDoer sits between MSAL's managed identity client (whose own retries are turned off)
// and msalHTTP, and retries what may pass: network errors other than timeouts, 408, 429 and
// 5xx answers, and for the metadata service also 404 (no identity assigned yet) and 410
// (being updated). It waits as an answer's Retry-After asks, or the jittered backoff, and
// stops at once when the request's context ends.
type retryingDoer struct {
	next msalDoer
	imds bool
}

func (d *retryingDoer) CloseIdleConnections() { d.next.CloseIdleConnections() }

func (d *retryingDoer) Do(req *http.Request) (*http.Response, error) {
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		return d.next.Do(req) // cannot be sent again
	}
	ctx := req.Context()
	for n := 1; ; n++ {
		attempt := req
		if n > 1 && hasBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			attempt = req.Clone(ctx)
			attempt.Body = body
		}
		resp, err := d.next.Do(attempt)
		if n > managedIdentityRetry.MaxRetries || !d.transient(resp, err) {
			return resp, err
		}
		wait := d.wait(n, resp)
		if resp != nil {
			resp.Body.Close()
		}
		if serr := transport.Sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("stopped waiting to retry after %d attempts: %w", n, serr)
		}
	}
}

// transient reports whether an attempt that ended with resp or err may pass when repeated.
// An attempt that ran into the HTTP client's timeout is not repeated: on a machine without
// the endpoint, every attempt would wait as long again.
func (d *retryingDoer) transient(resp *http.Response, err error) bool {
	if err != nil {
		// Only the HTTP client's own failures; msalHTTP's refusals (a foreign host, an answer
		// too large) would come again.
		// A certificate that fails its check would fail it again too.
		ue, ok := errors.AsType[*url.Error](err)
		_, pin := errors.AsType[*thumbprintError](err)
		_, cert := errors.AsType[*tls.CertificateVerificationError](err)
		return ok && !ue.Timeout() && !pin && !cert
	}
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return true
	case code == http.StatusNotFound, code == http.StatusGone:
		return d.imds
	}
	return false
}

// wait returns how long to wait before retry n: what the answer's Retry-After asks for, or
// the jittered backoff, within managedIdentityRetry's caps.
func (d *retryingDoer) wait(n int, resp *http.Response) time.Duration {
	p := managedIdentityRetry
	if resp != nil {
		if after, ok := transport.RetryAfter(resp.Header, time.Now()); ok {
			return min(after, p.MaxRetryAfter)
		}
	}
	return min(jitter(p.Backoff(n)), p.MaxDelay)
}
