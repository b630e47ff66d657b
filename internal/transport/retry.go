package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// RetryPolicy says how the pipeline retries a request.
//
// The wait before retry n (1-based) is BaseDelay·2^(n-1), capped at MaxDelay, with equal
// jitter: a uniformly random duration between half of it and all of it. When the response
// names a wait (x-ms-retry-after-ms, retry-after-ms, or Retry-After in seconds or as an
// HTTP date), that wait is used instead, capped at MaxRetryAfter.
type RetryPolicy struct {
	MaxRetries    int           // retries after the first attempt; 0 means none
	BaseDelay     time.Duration // first backoff step
	MaxDelay      time.Duration // cap of the computed exponential backoff
	MaxRetryAfter time.Duration // cap on a server-requested Retry-After
}

// DefaultRetryPolicy returns 3 retries with backoff from 800ms up to 60s, and at most
// 120s for a server-requested wait: enough to ride out Key Vault's 10-second throttling
// windows without hiding a service that is really down.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:    3,
		BaseDelay:     800 * time.Millisecond,
		MaxDelay:      60 * time.Second,
		MaxRetryAfter: 120 * time.Second,
	}
}

// Validate reports the first field of p that is out of range. The zero RetryPolicy is
// valid and means no retries; with MaxRetries > 0 every delay must be positive and
// MaxDelay at least BaseDelay.
func (p RetryPolicy) Validate() error {
	switch {
	case p.MaxRetries < 0:
		return fmt.Errorf("MaxRetries %d is negative", p.MaxRetries)
	case p.BaseDelay < 0:
		return fmt.Errorf("BaseDelay %v is negative", p.BaseDelay)
	case p.MaxDelay < 0:
		return fmt.Errorf("MaxDelay %v is negative", p.MaxDelay)
	case p.MaxRetryAfter < 0:
		return fmt.Errorf("MaxRetryAfter %v is negative", p.MaxRetryAfter)
	case p.MaxRetries == 0:
		return nil
	case p.BaseDelay == 0:
		return fmt.Errorf("BaseDelay is 0 but MaxRetries is %d; retries need a positive BaseDelay", p.MaxRetries)
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("MaxDelay %v is less than BaseDelay %v", p.MaxDelay, p.BaseDelay)
	case p.MaxRetryAfter == 0:
		return fmt.Errorf("MaxRetryAfter is 0 but MaxRetries is %d; retries need a positive MaxRetryAfter", p.MaxRetries)
	}
	return nil
}

// Backoff returns the wait before retry n (1-based), before any jitter: BaseDelay doubled
// n-1 times, capped at MaxDelay.
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		if d > p.MaxDelay/2 {
			return p.MaxDelay
		}
		d *= 2
	}
	return min(d, p.MaxDelay)
}

type createsStateKey struct{}

// CreatesState marks a request context: the request creates state (create, import, merge,
// restore, recover), so it is retried only on 408, 429, 503 and failures to connect, where
// the service cannot have acted on it.
func CreatesState(ctx context.Context) context.Context {
	return context.WithValue(ctx, createsStateKey{}, true)
}

func createsState(ctx context.Context) bool {
	v, _ := ctx.Value(createsStateKey{}).(bool)
	return v
}

type retryNoteKey struct{}

// RetryNote records whether the pipeline retried a request after an ambiguous failure: a
// 500, 502, 503 or 504, or a connection that failed after the request may have reached
// the service (anything but a failure to connect). The service may then have acted on an
// earlier attempt, so that a 404 to a retried DELETE can mean that the first one worked.
type RetryNote struct{ ambiguous atomic.Bool }

// WithRetryNote returns a context for a request and the note that the pipeline keeps
// about the request's retries.
func WithRetryNote(ctx context.Context) (context.Context, *RetryNote) {
	n := new(RetryNote)
	return context.WithValue(ctx, retryNoteKey{}, n), n
}

// Ambiguous reports whether the request was sent again after an ambiguous failure.
func (n *RetryNote) Ambiguous() bool { return n.ambiguous.Load() }

// ambiguous reports whether an attempt that ended with resp or err may have been acted on
// by the service although it failed.
func ambiguous(resp *http.Response, err error) bool {
	if err != nil {
		return !isDialError(err)
	}
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// attemptsKey carries a counter of the sends made for one logical request, which the
// logging layer numbers its records with.
type attemptsKey struct{}

// clientRequestIDHeader is x-ms-client-request-id in the canonical form that http.Header
// keys have, so that it can index a header directly.
const clientRequestIDHeader = "X-Ms-Client-Request-Id"

type retryTransport struct {
	next      http.RoundTripper
	policy    RetryPolicy
	userAgent []string // the User-Agent header's value; nil to leave it as it is
	// jitter returns a uniformly random duration in [0, d].
	jitter func(d time.Duration) time.Duration
}

func newRetryTransport(next http.RoundTripper, p RetryPolicy, userAgent string) *retryTransport {
	t := &retryTransport{
		next:   next,
		policy: p,
		jitter: func(d time.Duration) time.Duration { return mathrand.N(d + 1) },
	}
	if userAgent != "" {
		t.userAgent = []string{userAgent}
	}
	return t
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req, err := replayable(req)
	if err != nil {
		return nil, err
	}
	ctx := context.WithValue(req.Context(), attemptsKey{}, new(atomic.Int32))
	base := req.WithContext(ctx)
	base.Header = copyHeader(req.Header, 2)
	if t.userAgent != nil {
		base.Header["User-Agent"] = t.userAgent // shared, capped: never appended to in place
	}
	if base.Header.Get(clientRequestIDHeader) == "" {
		base.Header[clientRequestIDHeader] = []string{uuid.NewString()}
	}
	creates := createsState(ctx)
	note, _ := ctx.Value(retryNoteKey{}).(*RetryNote)

	for n := 1; ; n++ {
		a, err := withFreshBody(base)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(a)
		if err != nil && ctx.Err() != nil {
			return nil, contextError(ctx, err)
		}
		if n > t.policy.MaxRetries || !retriable(resp, err, creates) {
			return resp, err
		}
		wait := t.wait(n, resp)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return resp, err // the retry could not finish in time
		}
		if note != nil && ambiguous(resp, err) {
			note.ambiguous.Store(true)
		}
		discard(resp)
		if err := Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("transport: waiting to retry %s %s after attempt %d: %w", req.Method, req.URL.Path, n, err)
		}
	}
}

func (t *retryTransport) CloseIdleConnections() { closeIdle(t.next) }

// wait returns how long to wait before retry n.
func (t *retryTransport) wait(n int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			return min(d, t.policy.MaxRetryAfter)
		}
	}
	d := t.policy.Backoff(n)
	return d/2 + t.jitter(d-d/2)
}

// retriable reports whether an attempt that ended with resp or err may be sent again.
func retriable(resp *http.Response, err error, createsState bool) bool {
	if err != nil {
		if createsState {
			return isDialError(err)
		}
		return !isPermanent(err)
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return !createsState
	}
	return false
}

// isDialError reports whether err is a failure to connect, so the request never left.
func isDialError(err error) bool {
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "dial" && !isPermanent(err)
}

// isPermanent reports whether sending again cannot help: the context ended, the pipeline
// refused the request, or TLS failed (a certificate problem stays a certificate problem).
func isPermanent(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch {
	case has[*HostError](err), has[*ChallengeError](err), has[*TokenError](err),
		has[*tls.CertificateVerificationError](err), has[*tls.ECHRejectionError](err),
		has[tls.RecordHeaderError](err), has[tls.AlertError](err),
		has[x509.UnknownAuthorityError](err), has[x509.HostnameError](err),
		has[x509.CertificateInvalidError](err), has[x509.SystemRootsError](err),
		has[x509.InsecureAlgorithmError](err), has[x509.UnhandledCriticalExtension](err),
		has[x509.ConstraintViolationError](err):
		return true
	}
	if op, ok := errors.AsType[*net.OpError](err); ok {
		// crypto/tls reports TLS alerts, sent or received, as these operations.
		return op.Op == "remote error" || op.Op == "local error"
	}
	return false
}

// has reports whether err's tree holds an error of type T.
func has[T error](err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}

// contextError returns err, which ended an attempt after ctx was done, so that
// errors.Is(err, ctx.Err()) holds.
func contextError(ctx context.Context, err error) error {
	if errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: %w", ctx.Err(), err)
}

// Sleep waits for d, or until ctx ends and then returns ctx's error. A context that has
// already ended returns its error even when d is not positive.
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxRetryAfterSeconds keeps a server's wait from overflowing time.Duration; it is capped
// far lower by RetryPolicy.MaxRetryAfter anyway.
const maxRetryAfterSeconds = 1 << 31

// RetryAfter returns the wait a response with header h asks for: x-ms-retry-after-ms or
// retry-after-ms in milliseconds, else Retry-After in seconds or as an HTTP date, counted
// from now (a past date is no wait). It reports false when h asks for no wait it can read.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	for _, name := range []string{"x-ms-retry-after-ms", "retry-after-ms"} {
		if ms, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64); err == nil && ms >= 0 {
			return time.Duration(min(ms, maxRetryAfterSeconds*1000)) * time.Millisecond, true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, maxRetryAfterSeconds)) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
