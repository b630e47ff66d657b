package auth

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Managed identity token requests are retried with these limits. The instance metadata
// service asks for retries of 404, 429 and 5xx answers, and answers 410 for up to 70 s while
// it is being updated; the waits below add up to 72 s to 96 s, so the last attempt comes
// after that window.
const (
	miMaxAttempts = 7               // the first request and six retries
	miBaseDelay   = 2 * time.Second // the wait before the first retry; it doubles for each next one
	miMaxDelay    = 30 * time.Second
)

// backoff returns the wait before retry n (1-based), before jitter: miBaseDelay doubled
// n-1 times, capped at miMaxDelay.
func backoff(n int) time.Duration {
	return min(miBaseDelay<<min(n-1, 10), miMaxDelay)
}

// jitter returns d shortened or lengthened at random by up to a fifth, so that the many
// processes of a machine that boots do not retry in step.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}

// retryAfter returns the wait a response's Retry-After header asks for, in seconds or as an
// HTTP date (a past date means no wait). ok is false when the header is absent or unreadable.
func retryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits for d, or until ctx ends and then returns ctx's error.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
