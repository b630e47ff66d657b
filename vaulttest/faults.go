package vaulttest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Faults are failures the emulator injects into vault requests (never into
// the token endpoint), to test retries and error handling. The zero value
// injects nothing. Counting rules ("every Nth") count the requests the
// faults apply to, starting at 1 when the faults are set.
type Faults struct {
	// ThrottleEvery answers every Nth request with 429 Throttled.
	ThrottleEvery int
	// RateLimit answers 429 Throttled to the requests beyond RateLimit in
	// each RateWindow (default 10 s), like the service's per-vault limits.
	// Retry-After then says how long the window still runs.
	RateLimit  int
	RateWindow time.Duration
	// RetryAfter is the Retry-After of ThrottleEvery's 429 answers and of
	// ErrorEvery's 503 answers, rounded up to whole seconds (default 0).
	RetryAfter time.Duration
	// ErrorEvery answers every Nth request with ErrorStatus (500, 502, 503
	// or 504; default 500).
	ErrorEvery  int
	ErrorStatus int
	// DropEvery drops every Nth request without an answer: HTTP/1.1 closes
	// the connection, HTTP/2 resets the stream.
	DropEvery int
	// Latency delays every request by this much (real time, or the fake
	// time of testing/synctest).
	Latency time.Duration
	// Operations limits the faults above to these operations (REST
	// operation ids such as "GetCertificate"); empty means all of them.
	Operations []string
	// Forbidden operations answer 403 Forbidden, as for a caller without
	// the permission.
	Forbidden []string
}

func (f Faults) validate() error {
	if f.ThrottleEvery < 0 || f.RateLimit < 0 || f.RateWindow < 0 || f.RetryAfter < 0 ||
		f.ErrorEvery < 0 || f.DropEvery < 0 || f.Latency < 0 {
		return fmt.Errorf("faults must not be negative: %+v", f)
	}
	switch f.ErrorStatus {
	case 0, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		return fmt.Errorf("fault error status %d is not 500, 502, 503 or 504", f.ErrorStatus)
	}
	for _, list := range [][]string{f.Operations, f.Forbidden} {
		for _, op := range list {
			if _, ok := operations[op]; !ok {
				return fmt.Errorf("fault operation %q is not a vault operation id", op)
			}
		}
	}
	return nil
}

type faultInjector struct {
	mu          sync.Mutex
	f           Faults
	count       int
	windowStart time.Time
	windowCount int
}

func newFaultInjector(f Faults) *faultInjector { return &faultInjector{f: f} }

// SetFaults replaces the injected faults and restarts their counting.
func (h *Handler) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("vaulttest: %w", err)
	}
	fi := h.faults
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.f = f
	fi.count, fi.windowCount, fi.windowStart = 0, 0, time.Time{}
	return nil
}

func (fi *faultInjector) forbids(op string) bool {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return slices.Contains(fi.f.Forbidden, op)
}

type faultAction int

const (
	faultNone faultAction = iota
	faultDrop
	faultError
	faultThrottle
)

// inject applies the faults to a request and reports whether it answered it.
func (fi *faultInjector) inject(w http.ResponseWriter, r *http.Request, op string, now time.Time) bool {
	fi.mu.Lock()
	f := fi.f
	if op == "" || (len(f.Operations) > 0 && !slices.Contains(f.Operations, op)) {
		fi.mu.Unlock()
		return false
	}
	fi.count++
	n := fi.count
	action := faultNone
	retryAfter := f.RetryAfter
	switch {
	case every(n, f.DropEvery):
		action = faultDrop
	case every(n, f.ErrorEvery):
		action = faultError
	case every(n, f.ThrottleEvery):
		action = faultThrottle
	case f.RateLimit > 0:
		window := f.RateWindow
		if window == 0 {
			window = 10 * time.Second
		}
		if fi.windowStart.IsZero() || now.Sub(fi.windowStart) >= window || now.Before(fi.windowStart) {
			fi.windowStart, fi.windowCount = now, 0
		}
		fi.windowCount++
		if fi.windowCount > f.RateLimit {
			action = faultThrottle
			retryAfter = fi.windowStart.Add(window).Sub(now)
		}
	}
	fi.mu.Unlock()

	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	switch action {
	case faultDrop:
		panic(http.ErrAbortHandler)
	case faultError:
		status := f.ErrorStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", seconds(retryAfter))
		}
		writeError(w, &apiError{status: status, code: faultCodes[status], message: "injected fault: the service could not handle the request"})
		return true
	case faultThrottle:
		w.Header().Set("Retry-After", seconds(retryAfter))
		writeError(w, &apiError{status: http.StatusTooManyRequests, code: "Throttled",
			message: "too many requests for this vault; retry after the time in Retry-After"})
		return true
	}
	return false
}

var faultCodes = map[int]string{
	http.StatusInternalServerError: "InternalServerError",
	http.StatusBadGateway:          "BadGateway",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
	http.StatusGatewayTimeout:      "GatewayTimeout",
}

func every(n, period int) bool { return period > 0 && n%period == 0 }

// setRetryAfter tells a poller how long to wait before it asks again:
// Retry-After in whole seconds, rounded up, and retry-after-ms exactly.
func setRetryAfter(h http.Header, d time.Duration) {
	d = max(d, 0)
	h.Set("Retry-After", seconds(d))
	h.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
}

// seconds formats d as whole seconds, rounded up, for Retry-After.
func seconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
