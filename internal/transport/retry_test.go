package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// script is an in-memory RoundTripper that answers attempt i with steps[i] (the last step
// repeats) and records when each attempt arrived and what body it carried.
type script struct {
	steps  []func(*http.Request) (*http.Response, error)
	start  time.Time
	at     []time.Duration
	bodies []string
	resps  []*http.Response
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	s.at = append(s.at, time.Since(s.start))
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		s.bodies = append(s.bodies, string(b))
	}
	step := s.steps[min(len(s.at), len(s.steps))-1]
	resp, err := step(r)
	if resp != nil {
		s.resps = append(s.resps, resp)
	}
	return resp, err
}

func status(code int, header ...string) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) { return response(r, code, "body", header...), nil }
}

func fail(err error) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// testPolicy retries twice; maxJitter makes the backoff waits exact: 1s, 2s, 4s, 4s...
var testPolicy = RetryPolicy{MaxRetries: 2, BaseDelay: time.Second, MaxDelay: 4 * time.Second, MaxRetryAfter: 30 * time.Second}

func maxJitter(d time.Duration) time.Duration { return d }

func newTestRetry(next http.RoundTripper, p RetryPolicy) *retryTransport {
	t := newRetryTransport(next, p, "")
	t.jitter = maxJitter
	return t
}

func send(ctx context.Context, rt http.RoundTripper, method, body string) (*http.Response, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, vaultURL("/certificates/c"), r)
	if err != nil {
		return nil, err
	}
	return rt.RoundTrip(req)
}

func TestRetryDecisions(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name         string
		step         func(*http.Request) (*http.Response, error)
		attempts     int // for an ordinary request
		createsState int // for a request marked CreatesState
	}{
		{"200", status(200), 1, 1},
		{"400", status(400), 1, 1},
		{"401", status(401), 1, 1},
		{"404", status(404), 1, 1},
		{"409", status(409), 1, 1},
		{"408", status(408), 3, 3},
		{"429", status(429), 3, 3},
		{"500", status(500), 3, 1},
		{"501", status(501), 1, 1},
		{"502", status(502), 3, 1},
		{"503", status(503), 3, 3},
		{"504", status(504), 3, 1},
		{"dial error", fail(dial), 3, 3},
		{"connection reset", fail(reset), 3, 1},
		{"unexpected EOF", fail(io.ErrUnexpectedEOF), 3, 1},
		{"unknown authority", fail(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), 1, 1},
		{"bare x509 error", fail(x509.HostnameError{Host: "x"}), 1, 1},
		{"expired certificate", fail(x509.CertificateInvalidError{Reason: x509.Expired}), 1, 1},
		{"not TLS", fail(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), 1, 1},
		{"TLS alert", fail(tls.AlertError(42)), 1, 1},
		{"remote TLS alert", fail(&net.OpError{Op: "remote error", Err: errors.New("tls: bad certificate")}), 1, 1},
		{"TLS alert while dialing", fail(&net.OpError{Op: "dial", Err: &tls.CertificateVerificationError{}}), 1, 1},
		{"context error from below", fail(fmt.Errorf("wrapped: %w", context.DeadlineExceeded)), 1, 1},
		{"refused host", fail(&HostError{}), 1, 1},
		{"refused challenge", fail(&ChallengeError{Err: errors.New("x")}), 1, 1},
		{"token failure", fail(&TokenError{Err: errors.New("x")}), 1, 1},
	}
	for _, tt := range tests {
		for _, creates := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/createsState=%v", tt.name, creates), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					s := &script{steps: []func(*http.Request) (*http.Response, error){tt.step}}
					ctx := t.Context()
					want := tt.attempts
					if creates {
						ctx, want = CreatesState(ctx), tt.createsState
					}
					resp, err := send(ctx, newTestRetry(s, testPolicy), "POST", "{}")
					if resp != nil {
						resp.Body.Close()
					}
					if len(s.at) != want {
						t.Errorf("%d attempts, want %d (last result %v)", len(s.at), want, err)
					}
					for i, r := range s.resps[:len(s.resps)-min(len(s.resps), 1)] {
						if !r.Body.(*trackedBody).closed.Load() {
							t.Errorf("discarded response %d was not closed", i)
						}
					}
				})
			})
		}
	}
}

func TestRetryWaits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		step func(*http.Request) (*http.Response, error)
		want []time.Duration // arrival times of the three attempts
	}{
		{"exponential backoff", status(503), []time.Duration{0, time.Second, 3 * time.Second}},
		{"network error backoff", fail(io.ErrUnexpectedEOF), []time.Duration{0, time.Second, 3 * time.Second}},
		{"Retry-After seconds", status(429, "Retry-After", "5"), []time.Duration{0, 5 * time.Second, 10 * time.Second}},
		{"Retry-After zero", status(429, "Retry-After", "0"), []time.Duration{0, 0, 0}},
		{"Retry-After capped", status(429, "Retry-After", "3600"), []time.Duration{0, 30 * time.Second, 60 * time.Second}},
		{"Retry-After huge", status(429, "Retry-After", "99999999999999999"), []time.Duration{0, 30 * time.Second, 60 * time.Second}},
		{"Retry-After garbage", status(429, "Retry-After", "soon"), []time.Duration{0, time.Second, 3 * time.Second}},
		{"Retry-After negative", status(429, "Retry-After", "-3"), []time.Duration{0, time.Second, 3 * time.Second}},
		{"retry-after-ms", status(503, "retry-after-ms", "1500", "Retry-After", "20"), []time.Duration{0, 1500 * time.Millisecond, 3 * time.Second}},
		{"x-ms-retry-after-ms", status(503, "x-ms-retry-after-ms", "250", "retry-after-ms", "1500"), []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond}},
		{"HTTP date", func(r *http.Request) (*http.Response, error) {
			return response(r, 429, "", "Retry-After", time.Now().Add(7*time.Second).UTC().Format(http.TimeFormat)), nil
		}, []time.Duration{0, 7 * time.Second, 14 * time.Second}},
		{"HTTP date in the past", status(429, "Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"), []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				s := &script{steps: []func(*http.Request) (*http.Response, error){tt.step}}
				resp, _ := send(t.Context(), newTestRetry(s, testPolicy), "GET", "")
				if resp != nil {
					resp.Body.Close()
				}
				if diff := cmp.Diff(tt.want, s.at); diff != "" {
					t.Errorf("attempt times (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestRetryJitterBounds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := RetryPolicy{MaxRetries: 5, BaseDelay: time.Second, MaxDelay: 8 * time.Second, MaxRetryAfter: time.Minute}
		for range 20 {
			s := &script{steps: []func(*http.Request) (*http.Response, error){status(500)}}
			resp, _ := send(t.Context(), newRetryTransport(s, p, ""), "GET", "")
			resp.Body.Close()
			for i := 1; i < len(s.at); i++ {
				full := p.Backoff(i)
				if wait := s.at[i] - s.at[i-1]; wait < full/2 || wait > full {
					t.Fatalf("wait before retry %d = %v, want within [%v, %v]", i, wait, full/2, full)
				}
			}
		}
	})
}

func TestRetrySucceedsAndRewindsBody(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []func(*http.Request) (*http.Response, error){status(503), fail(io.ErrUnexpectedEOF), status(200)}}
		// A body without GetBody: the pipeline must buffer it.
		body := &trackedBody{Reader: io.MultiReader(strings.NewReader(`{"value":`), strings.NewReader(`"abc"}`))}
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", vaultURL("/certificates/c"), body)
		req.GetBody = nil
		resp, err := newTestRetry(s, testPolicy).RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("RoundTrip = %v, %v; want 200", resp, err)
		}
		resp.Body.Close()
		want := []string{`{"value":"abc"}`, `{"value":"abc"}`, `{"value":"abc"}`}
		if diff := cmp.Diff(want, s.bodies); diff != "" {
			t.Errorf("bodies sent (-want +got):\n%s", diff)
		}
		if !body.closed.Load() {
			t.Error("the caller's body was not closed")
		}
	})
}

func TestRetryHeaders(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var ids, agents []string
		rt := newRetryTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			ids = append(ids, r.Header.Get(clientRequestIDHeader))
			agents = append(agents, r.Header.Get("User-Agent"))
			return response(r, 503, ""), nil
		}), RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Millisecond}, "kvcerts/1.2.3")
		req, _ := http.NewRequestWithContext(t.Context(), "GET", vaultURL("/c"), nil)
		resp, _ := rt.RoundTrip(req)
		resp.Body.Close()
		if len(ids) != 2 || ids[0] != ids[1] {
			t.Fatalf("client request ids %q: want the same id on both attempts", ids)
		}
		if id, err := uuid.Parse(ids[0]); err != nil || id.Version() != 4 || len(ids[0]) != 36 {
			t.Errorf("client request id %q: want a version 4 UUID in its 36-character form", ids[0])
		}
		if req.Header.Get(clientRequestIDHeader) != "" {
			t.Error("the caller's request was modified")
		}
		if diff := cmp.Diff([]string{"kvcerts/1.2.3", "kvcerts/1.2.3"}, agents); diff != "" {
			t.Errorf("User-Agent (-want +got):\n%s", diff)
		}
		ids = nil
		req.Header.Set(clientRequestIDHeader, "caller-id")
		resp, _ = rt.RoundTrip(req)
		resp.Body.Close()
		if diff := cmp.Diff([]string{"caller-id", "caller-id"}, ids); diff != "" {
			t.Errorf("a caller's client request id was not kept (-want +got):\n%s", diff)
		}
	})
}

func TestRetryStopsWhenContextCanceled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []func(*http.Request) (*http.Response, error){status(429, "Retry-After", "10")}}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(3*time.Second, cancel)
		start := time.Now()
		resp, err := send(ctx, newTestRetry(s, testPolicy), "GET", "")
		if resp != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("RoundTrip = %v, %v; want context.Canceled", resp, err)
		}
		if elapsed := time.Since(start); elapsed != 3*time.Second {
			t.Errorf("returned after %v, want 3s (at the cancellation)", elapsed)
		}
		if len(s.at) != 1 || !s.resps[0].Body.(*trackedBody).closed.Load() {
			t.Errorf("%d attempts, want 1 whose response is closed", len(s.at))
		}
	})
}

func TestRetryNeverOutlivesDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []func(*http.Request) (*http.Response, error){status(503), status(429, "Retry-After", "10")}}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		resp, err := send(ctx, newTestRetry(s, testPolicy), "GET", "")
		if err != nil || resp.StatusCode != 429 {
			t.Fatalf("RoundTrip = %v, %v; want the last response, 429", resp, err)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != "body" {
			t.Errorf("the returned response's body was consumed: %q", b)
		}
		resp.Body.Close()
		if elapsed := time.Since(start); elapsed != time.Second {
			t.Errorf("gave up after %v, want 1s (at once when the next wait would pass the deadline)", elapsed)
		}
	})
}

func TestRetryContextErrorFromAttempt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	rt := newTestRetry(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cancel()
		return nil, errors.New("net/http: request canceled")
	}), testPolicy)
	_, err := send(ctx, rt, "GET", "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one matching context.Canceled", err)
	}
}

func TestRetryConnectionReset(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0) // close with a TCP reset
				conn.Close()
			}
			return
		}
		io.WriteString(w, "done")
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	p := RetryPolicy{MaxRetries: 3, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Nanosecond}
	rt, err := New(Config{TokenSource: &staticSource{token: "t"}, VaultHost: host, AllowHTTP: true, Retry: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.(interface{ CloseIdleConnections() }).CloseIdleConnections)

	req, _ := http.NewRequestWithContext(CreatesState(t.Context()), "POST", srv.URL+"/certificates/c/create", strings.NewReader("{}"))
	if resp, err := rt.RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Fatal("a reset request that creates state was retried to success; want the error")
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("server got %d requests for a state-creating request, want 1", n)
	}

	req, _ = http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/certificates/c/pending/merge-like", strings.NewReader("{}"))
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip after a reset: %v", err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "done" || hits.Load() != 3 {
		t.Errorf("got %q after %d requests, want \"done\" after 3", b, hits.Load())
	}
}

func TestRetryDialFailure(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close() // nothing listens there now: every dial is refused
	var attempts atomic.Int32
	base := http.DefaultTransport.(*http.Transport).Clone()
	p := RetryPolicy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Nanosecond}
	rt, err := New(Config{
		Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			attempts.Add(1)
			return base.RoundTrip(r)
		}),
		TokenSource: &staticSource{token: "t"}, VaultHost: host, AllowHTTP: true, Retry: p,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(CreatesState(t.Context()), "POST", "http://"+host+"/certificates/c/create", strings.NewReader("{}"))
	_, err = rt.RoundTrip(req)
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("error = %v, want a dial error", err)
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("%d attempts, want 3: failures to connect are retried even for state-creating requests", n)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header []string
		want   time.Duration
		ok     bool
	}{
		{nil, 0, false},
		{[]string{"Retry-After", "12"}, 12 * time.Second, true},
		{[]string{"Retry-After", " 3 "}, 3 * time.Second, true},
		{[]string{"Retry-After", "1.5"}, 0, false},
		{[]string{"Retry-After", now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{[]string{"Retry-After", now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{[]string{"retry-after-ms", "20"}, 20 * time.Millisecond, true},
		{[]string{"retry-after-ms", "x", "Retry-After", "2"}, 2 * time.Second, true},
		{[]string{"x-ms-retry-after-ms", "-1", "Retry-After", "2"}, 2 * time.Second, true},
		{[]string{"x-ms-retry-after-ms", "99999999999999999999"}, 0, false},
		{[]string{"Retry-After", "-5"}, 0, false},
		{[]string{"Retry-After", "soon"}, 0, false},
		{[]string{"Retry-After", "0x10"}, 0, false},
		{[]string{"Retry-After", "1e9"}, 0, false},
		{[]string{"Retry-After", ""}, 0, false},
		{[]string{"Retry-After", "99999999999999999999"}, 0, false},
		{[]string{"Retry-After", "9223372036854775807"}, maxRetryAfterSeconds * time.Second, true},
		{[]string{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Sub(now), true},
		{[]string{"retry-after-ms", "9223372036854775807"}, maxRetryAfterSeconds * time.Second, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		for i := 0; i+1 < len(tt.header); i += 2 {
			h.Set(tt.header[i], tt.header[i+1])
		}
		got, ok := RetryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxRetries: 100, BaseDelay: 800 * time.Millisecond, MaxDelay: 60 * time.Second, MaxRetryAfter: time.Minute}
	want := map[int]time.Duration{1: 800 * time.Millisecond, 2: 1600 * time.Millisecond, 4: 6400 * time.Millisecond, 7: 51200 * time.Millisecond, 8: time.Minute, 100: time.Minute}
	for n, w := range want {
		if got := p.Backoff(n); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, w)
		}
	}
	huge := RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Duration(1<<63 - 1)}
	if got := huge.Backoff(1000); got <= 0 {
		t.Errorf("backoff overflowed: %v", got)
	}
}

func TestRetryPolicyValidate(t *testing.T) {
	t.Parallel()
	valid := []RetryPolicy{{}, DefaultRetryPolicy(), {MaxRetries: 1, BaseDelay: 1, MaxDelay: 1, MaxRetryAfter: 1}}
	for _, p := range valid {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", p, err)
		}
	}
	d := DefaultRetryPolicy()
	tests := []struct {
		change func(*RetryPolicy)
		want   string
	}{
		{func(p *RetryPolicy) { p.MaxRetries = -1 }, "MaxRetries -1 is negative"},
		{func(p *RetryPolicy) { p.BaseDelay = -time.Second }, "BaseDelay -1s is negative"},
		{func(p *RetryPolicy) { p.MaxDelay = -time.Second }, "MaxDelay -1s is negative"},
		{func(p *RetryPolicy) { p.MaxRetryAfter = -time.Second }, "MaxRetryAfter -1s is negative"},
		{func(p *RetryPolicy) { p.BaseDelay = 0 }, "BaseDelay is 0 but MaxRetries is 3"},
		{func(p *RetryPolicy) { p.MaxDelay = time.Millisecond }, "MaxDelay 1ms is less than BaseDelay 800ms"},
		{func(p *RetryPolicy) { p.MaxRetryAfter = 0 }, "MaxRetryAfter is 0 but MaxRetries is 3"},
	}
	for _, tt := range tests {
		p := d
		tt.change(&p)
		if err := p.Validate(); err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%+v.Validate() = %v, want %q", p, err, tt.want)
		}
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestRequestBodyErrors(t *testing.T) {
	t.Parallel()
	rt := newTestRetry(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Error("request sent")
		return nil, errors.New("unreachable")
	}), testPolicy)

	req, _ := http.NewRequestWithContext(t.Context(), "PUT", vaultURL("/c"), failingReader{})
	if _, err := rt.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "reading the request body: disk on fire") {
		t.Errorf("unreadable body: error = %v", err)
	}

	req, _ = http.NewRequestWithContext(t.Context(), "PUT", vaultURL("/c"), strings.NewReader("{}"))
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("gone") }
	if _, err := rt.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "rewinding the request body: gone") {
		t.Errorf("failing GetBody: error = %v", err)
	}
}

func TestUnknownLengthBodyWithGetBody(t *testing.T) {
	t.Parallel()
	var lengths []int64
	var bodies []string
	rt := newTestRetry(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		lengths, bodies = append(lengths, r.ContentLength), append(bodies, string(b))
		return response(r, 200, ""), nil
	}), testPolicy)
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", vaultURL("/c"), io.NopCloser(strings.NewReader("streamed")))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("streamed")), nil }
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if diff := cmp.Diff([]string{"streamed"}, bodies); diff != "" || lengths[0] != -1 {
		t.Errorf("bodies (-want +got):\n%s\nlength %d, want -1 (unknown)", diff, lengths[0])
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := Sleep(t.Context(), 3*time.Second); err != nil || time.Since(start) != 3*time.Second {
			t.Errorf("Sleep(3s) = %v after %s", err, time.Since(start))
		}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start = time.Now()
		if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) != time.Second {
			t.Errorf("Sleep(1h) cancelled at 1s = %v after %s", err, time.Since(start))
		}
		if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep(0) with an ended context = %v, want its error", err)
		}
	})
}

// TestRetryNote checks that a RetryNote says whether a request was sent again after a
// failure that the service may have acted on, which lets the client tell a 404 to a
// retried DELETE from a 404 to a first one.
func TestRetryNote(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name      string
		first     func(*http.Request) (*http.Response, error)
		ambiguous bool
	}{
		{"first attempt answers", status(404), false},
		{"500", status(500), true},
		{"502", status(502), true},
		{"503", status(503), true},
		{"504", status(504), true},
		{"connection reset", fail(reset), true},
		{"unexpected EOF", fail(io.ErrUnexpectedEOF), true},
		{"408", status(408), false},
		{"429", status(429, "Retry-After", "1"), false},
		{"dial error", fail(dial), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				s := &script{steps: []func(*http.Request) (*http.Response, error){tt.first, status(404)}}
				ctx, note := WithRetryNote(t.Context())
				resp, err := send(ctx, newTestRetry(s, testPolicy), "DELETE", "")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 404 {
					t.Errorf("status %d, want 404", resp.StatusCode)
				}
				if got := note.Ambiguous(); got != tt.ambiguous {
					t.Errorf("Ambiguous() = %v, want %v after %d attempts", got, tt.ambiguous, len(s.at))
				}
			})
		})
	}
}
