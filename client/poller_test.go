package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/gen"
)

// clock records when requests arrive, in a synctest bubble's fake time.
type clock struct {
	mu    sync.Mutex
	start time.Time
	at    []time.Duration
}

func newClock() *clock { return &clock{start: time.Now()} }

func (c *clock) tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = append(c.at, time.Since(c.start))
}

func (c *clock) times() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.at...)
}

// within reports whether d is in [lo, lo+lo/10], the range jitter allows.
func within(d, lo time.Duration) bool { return d >= lo && d <= lo+lo/10+1 }

const opInProgress = `{"id":"https://myvault.vault.azure.net/certificates/web/pending","issuer":{"name":"Self"},"csr":"MIIBAg==","status":"inProgress","status_details":"Pending"}`

func opWith(status, extra string) string {
	return `{"id":"https://myvault.vault.azure.net/certificates/web/pending","issuer":{"name":"Self"},"status":"` + status + `"` + extra + `}`
}

func TestCreatePollerCompletes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t)
		clk := newClock()
		mux.HandleFunc("POST /certificates/web/create", func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			checkJSONBody(t, r, `{"policy":{"issuer":{"name":"Self"},"x509_props":{"subject":"CN=web"}},"tags":{"a":"b"},"attributes":{"enabled":true},"preserveCertOrder":true}`)
			w.Header().Set("Location", testVault+"/certificates/web/pending?api-version="+gen.APIVersion+"&request_id=1")
			w.Header().Set("Retry-After", "10")
			reply(w, 202, opInProgress)
		})
		polls := 0
		mux.HandleFunc("GET /certificates/web/pending", func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			polls++
			if polls == 1 {
				w.Header().Set("Retry-After", "5")
				reply(w, 200, opInProgress)
				return
			}
			reply(w, 200, opWith("Completed", `,"target":"https://myvault.vault.azure.net/certificates/web/`+testVersion+`"`))
		})
		mux.HandleFunc("GET /certificates/web/"+testVersion, func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			reply(w, 200, bundleJSON)
		})

		p, err := c.BeginCreateCertificate(t.Context(), "web", &CertificatePolicy{IssuerName: IssuerSelf, Subject: "CN=web"},
			&BeginCreateCertificateOptions{Tags: map[string]string{"a": "b"}, Enabled: new(true), PreserveCertOrder: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.Done() {
			t.Fatal("done right after Begin")
		}
		if _, err := p.Result(); !errors.Is(err, errNotDone) {
			t.Errorf("Result before done: err = %v", err)
		}
		res, err := p.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantCertificate(), res.Certificate); diff != "" {
			t.Errorf("certificate mismatch (-want +got):\n%s", diff)
		}
		if res.Operation.Status != OperationStatusCompleted {
			t.Errorf("operation status = %q", res.Operation.Status)
		}
		at := clk.times()
		if len(at) != 4 {
			t.Fatalf("requests at %v, want 4", at)
		}
		if d := at[1] - at[0]; !within(d, 10*time.Second) {
			t.Errorf("first poll %v after create, want Retry-After 10s plus jitter", d)
		}
		if d := at[2] - at[1]; !within(d, 5*time.Second) {
			t.Errorf("second poll %v after the first, want Retry-After 5s plus jitter", d)
		}
		if at[3] != at[2] {
			t.Errorf("certificate fetched %v after completion, want at once", at[3]-at[2])
		}
		if again, err := p.Result(); err != nil || again != res {
			t.Errorf("Result after Wait = %v, %v", again, err)
		}
	})
}

func TestCreatePollerDefaultFrequency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t, WithPollFrequency(3*time.Second))
		clk := newClock()
		handle(t, mux, "POST /certificates/web/create", "", 202, opInProgress)
		polls := 0
		mux.HandleFunc("GET /certificates/web/pending", func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			if polls++; polls < 4 {
				reply(w, 200, opInProgress)
				return
			}
			reply(w, 200, opWith("completed", ""))
		})
		handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON)
		p, err := c.BeginCreateCertificate(t.Context(), "web", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		at := clk.times()
		if !within(at[0], 3*time.Second) {
			t.Errorf("first poll after %v", at[0])
		}
		jittered := at[0] != 3*time.Second
		for i := 1; i < len(at); i++ {
			d := at[i] - at[i-1]
			if !within(d, 3*time.Second) {
				t.Errorf("poll %d came %v after the previous one", i, d)
			}
			jittered = jittered || d != 3*time.Second
		}
		if !jittered {
			t.Errorf("no jitter in %v", at)
		}
	})
}

func TestCreatePollerUnknownIssuer(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	handle(t, mux, "POST /certificates/web/create", "", 202,
		`{"id":"https://myvault.vault.azure.net/certificates/web/pending","issuer":{"name":"unknown"},"csr":"MIIBAg==","status":"inProgress",`+
			`"status_details":"Pending certificate created. Please Perform Merge to complete the request."}`)
	p, err := c.BeginCreateCertificate(t.Context(), "web", &CertificatePolicy{IssuerName: IssuerUnknown, Subject: "CN=web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Done() {
		t.Fatal("not done after Begin with issuer Unknown")
	}
	res, err := p.Wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Certificate != nil || res.Operation == nil || !cmp.Equal(res.Operation.CSR, []byte{0x30, 0x82, 0x01, 0x02}) {
		t.Errorf("result = %+v", res)
	}
	if err := p.Poll(t.Context()); err != nil || tr.calls.Load() != 1 {
		t.Errorf("Poll after done: %v, %d requests", err, tr.calls.Load())
	}
}

func TestCreatePollerFailedAndCancelled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		final    string
		sentinel error
		wantCode string
	}{
		{opWith("failed", `,"error":{"code":"CertificateAuthorityError","message":"the CA refused"}`), ErrOperationFailed, "CertificateAuthorityError"},
		{opWith("Cancelled", `,"cancellation_requested":true`), ErrOperationCancelled, ""},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			c, mux, _ := setup(t)
			handle(t, mux, "POST /certificates/web/create", "", 202, opInProgress)
			handle(t, mux, "GET /certificates/web/pending", "", 200, tt.final)
			p, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Wait(t.Context())
			var oe *OperationError
			if res != nil || !errors.Is(err, tt.sentinel) || !errors.As(err, &oe) || oe.Name != "web" {
				t.Fatalf("Wait = %v, %v", res, err)
			}
			var se *ServiceError
			if tt.wantCode != "" && (!errors.As(err, &se) || se.Code != tt.wantCode) {
				t.Errorf("service error = %v", se)
			}
			if _, err2 := p.Result(); err2 != err {
				t.Errorf("Result = %v, want %v", err2, err)
			}
		})
	}
}

func TestCreatePollerFailsAtBegin(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "POST /certificates/web/create", "", 202, opWith("failed", `,"error":{"code":"BadCSR","message":"x"}`))
	p, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Result(); !p.Done() || !errors.Is(err, ErrOperationFailed) {
		t.Errorf("Done = %v, Result err = %v", p.Done(), err)
	}
}

func TestCreateConflict(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "POST /certificates/web/create", "", 409, `{"error":{"code":"Conflict","message":"pending"}}`)
	if _, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil); !errors.Is(err, ErrConflict) {
		t.Errorf("err = %v", err)
	}
}

func TestResumeCreateCertificate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t)
		clk := newClock()
		mux.HandleFunc("GET /certificates/web/pending", func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			reply(w, 200, opWith("completed", `,"target":"https://myvault.vault.azure.net/certificates/web"`))
		})
		handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON)
		p, err := c.ResumeCreateCertificate("web", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if res.Certificate.Properties.Name != "web" {
			t.Errorf("result = %+v", res)
		}
		if at := clk.times(); len(at) != 1 || at[0] != 0 {
			t.Errorf("polls at %v, want one at once", at)
		}
	})
}

func TestResumeCreateCertificateNotFound(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/web/pending", "", 404, `{"error":{"code":"CertificateNotFound","message":"no operation"}}`)
	p, err := c.ResumeCreateCertificate("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Poll(t.Context()); !errors.Is(err, ErrNotFound) || p.Done() {
		t.Errorf("Poll = %v, Done = %v", err, p.Done())
	}
}

func TestPollerWaitStopsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, tr := setup(t)
		mux.HandleFunc("POST /certificates/web/create", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			reply(w, 202, opInProgress)
		})
		p, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err = p.Wait(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait = %v", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Wait returned after %v, want 5s", d)
		}
		if n := tr.calls.Load(); n != 1 {
			t.Errorf("%d requests, want only the create", n)
		}
	})
}

func TestPollerWaitReturnsRequestError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t)
		handle(t, mux, "POST /certificates/web/create", "", 202, opInProgress)
		handle(t, mux, "GET /certificates/web/pending", "", 500, `{"error":{"code":"InternalError","message":"oops"}}`)
		p, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(t.Context()); !strings.Contains(err.Error(), "oops") || p.Done() {
			t.Errorf("Wait = %v, Done = %v", err, p.Done())
		}
	})
}

func TestPollDelay(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, _, _ := setup(t, WithPollFrequency(3*time.Second))
		future := time.Now().Add(42 * time.Second).UTC().Format(http.TimeFormat)
		tests := []struct {
			name, v string
			want    time.Duration
		}{
			{"Retry-After", "", 3 * time.Second},
			{"Retry-After", "7", 7 * time.Second},
			{"Retry-After", "0", 0},
			{"Retry-After", "-3", 3 * time.Second},
			{"Retry-After", "86400", maxPollDelay},
			{"Retry-After", "soon", 3 * time.Second},
			{"Retry-After", future, 42 * time.Second},
			{"Retry-After", "Sat, 01 Jan 1994 15:04:05 GMT", 0},
			{"Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT", maxPollDelay},
			{"x-ms-retry-after-ms", "1500", 1500 * time.Millisecond},
		}
		for _, tt := range tests {
			h := http.Header{}
			if tt.v != "" {
				h.Set(tt.name, tt.v)
			}
			if got := c.pollDelay(h); got != tt.want {
				t.Errorf("pollDelay(%s: %q) = %v, want %v", tt.name, tt.v, got, tt.want)
			}
		}
	})
}

func TestJitter(t *testing.T) {
	t.Parallel()
	if jitter(0) != 0 || jitter(-time.Second) != 0 {
		t.Error("jitter of a non-positive delay is not 0")
	}
	seen := map[time.Duration]bool{}
	for range 100 {
		d := jitter(time.Second)
		if !within(d, time.Second) {
			t.Fatalf("jitter(1s) = %v", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("jitter never varies")
	}
}

func TestPollerZeroRetryAfterDoesNotSpin(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t, WithPollFrequency(time.Second))
		clk := newClock()
		mux.HandleFunc("POST /certificates/web/create", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			reply(w, 202, opInProgress)
		})
		polls := 0
		mux.HandleFunc("GET /certificates/web/pending", func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			w.Header().Set("Retry-After", "0")
			if polls++; polls < 3 {
				reply(w, 200, opInProgress)
				return
			}
			reply(w, 200, opWith("completed", ""))
		})
		handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON)
		p, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		at := clk.times()
		if len(at) != 3 || at[0] != 0 || !within(at[1], time.Second) || at[2] != at[1] {
			t.Errorf("polls at %v, want 0s, then 1s (frequency after a second zero wait), then at once", at)
		}
	})
}

// statusPoller is what TestPollerStatus needs of a Poller, whatever its
// result type.
type statusPoller interface {
	Poll(context.Context) error
	Done() bool
	Status() string
}

func TestPollerStatus(t *testing.T) {
	t.Parallel()
	notFound := `{"error":{"code":"CertificateNotFound","message":"not yet"}}`
	create := func(ctx context.Context, c *Client) (statusPoller, error) {
		return c.BeginCreateCertificate(ctx, "web", DefaultPolicy(), nil)
	}
	type answer struct {
		status int
		body   string
	}
	tests := []struct {
		name  string
		start string // pattern of the request that starts the operation; none for a resumed one
		begin func(context.Context, *Client) (statusPoller, error)
		first answer // the answer to start
		poll  string // pattern of the status request
		polls []answer
		// want is the status after begin, then after each poll; the
		// poller is done after the last.
		want []string
	}{
		{
			name:  "create completes",
			start: "POST /certificates/web/create", begin: create, first: answer{202, opInProgress},
			poll:  "GET /certificates/web/pending",
			polls: []answer{{200, opInProgress}, {200, opWith("Completed", "")}},
			want:  []string{"inProgress", "inProgress", "completed"},
		},
		{
			name:  "create fails",
			start: "POST /certificates/web/create", begin: create, first: answer{202, opInProgress},
			poll:  "GET /certificates/web/pending",
			polls: []answer{{200, opWith("failed", `,"error":{"code":"CertificateAuthorityError","message":"no"}`)}},
			want:  []string{"inProgress", "failed"},
		},
		{
			name:  "create is cancelled",
			start: "POST /certificates/web/create", begin: create, first: answer{202, opInProgress},
			poll:  "GET /certificates/web/pending",
			polls: []answer{{200, opWith("CANCELLED", "")}},
			want:  []string{"inProgress", "cancelled"},
		},
		{
			name:  "create reports a status of its own",
			start: "POST /certificates/web/create", begin: create, first: answer{202, opWith("queued", "")},
			poll:  "GET /certificates/web/pending",
			polls: []answer{{200, opWith("completed", "")}},
			want:  []string{"queued", "completed"},
		},
		{
			name:  "create fails at once",
			start: "POST /certificates/web/create", begin: create, first: answer{202, opWith("failed", "")},
			want: []string{"failed"},
		},
		{
			name:  "create waits for a merge",
			start: "POST /certificates/web/create", first: answer{202, `{"id":"https://myvault.vault.azure.net/certificates/web/pending","issuer":{"name":"Unknown"},"status":"inProgress"}`},
			begin: func(ctx context.Context, c *Client) (statusPoller, error) {
				return c.BeginCreateCertificate(ctx, "web", &CertificatePolicy{IssuerName: IssuerUnknown}, nil)
			},
			want: []string{"inProgress"},
		},
		{
			name: "resumed create",
			begin: func(_ context.Context, c *Client) (statusPoller, error) {
				return c.ResumeCreateCertificate("web", nil)
			},
			poll:  "GET /certificates/web/pending",
			polls: []answer{{200, opInProgress}, {200, opWith("completed", "")}},
			want:  []string{"", "inProgress", "completed"},
		},
		{
			name:  "delete",
			start: "DELETE /certificates/web", first: answer{200, deletedJSON},
			begin: func(ctx context.Context, c *Client) (statusPoller, error) {
				return c.BeginDeleteCertificate(ctx, "web", nil)
			},
			poll:  "GET /deletedcertificates/web",
			polls: []answer{{404, notFound}, {404, notFound}, {200, deletedJSON}},
			want:  []string{"deleting", "deleting", "deleting", "deleted"},
		},
		{
			name:  "delete without the get permission",
			start: "DELETE /certificates/web", first: answer{200, deletedJSON},
			begin: func(ctx context.Context, c *Client) (statusPoller, error) {
				return c.BeginDeleteCertificate(ctx, "web", nil)
			},
			poll:  "GET /deletedcertificates/web",
			polls: []answer{{403, `{"error":{"code":"Forbidden","message":"no get permission"}}`}},
			want:  []string{"deleting", "deleted"},
		},
		{
			name:  "delete without soft delete",
			start: "DELETE /certificates/web", first: answer{200, `{"id":"https://myvault.vault.azure.net/certificates/web/` + testVersion + `"}`},
			begin: func(ctx context.Context, c *Client) (statusPoller, error) {
				return c.BeginDeleteCertificate(ctx, "web", nil)
			},
			want: []string{"deleted"},
		},
		{
			name:  "recover",
			start: "POST /deletedcertificates/web/recover", first: answer{200, bundleJSON},
			begin: func(ctx context.Context, c *Client) (statusPoller, error) {
				return c.BeginRecoverDeletedCertificate(ctx, "web", nil)
			},
			poll:  "GET /certificates/web/",
			polls: []answer{{404, notFound}, {200, bundleJSON}},
			want:  []string{"recovering", "recovering", "recovered"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			if tt.start != "" {
				handle(t, mux, tt.start, "", tt.first.status, tt.first.body)
			}
			polls := 0
			if tt.poll != "" {
				mux.HandleFunc(tt.poll, func(w http.ResponseWriter, r *http.Request) {
					if polls >= len(tt.polls) {
						t.Errorf("poll %d, want %d", polls+1, len(tt.polls))
						reply(w, 500, `{"error":{"code":"InternalError","message":"too many polls"}}`)
						return
					}
					a := tt.polls[polls]
					polls++
					reply(w, a.status, a.body)
				})
			}
			if tt.poll != "GET /certificates/web/" {
				handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON) // a completed create's certificate
			}
			p, err := tt.begin(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{p.Status()}
			for !p.Done() && len(got) <= len(tt.polls) {
				if err := p.Poll(t.Context()); err != nil {
					t.Fatalf("poll %d: %v", len(got), err)
				}
				got = append(got, p.Status())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if !p.Done() {
				t.Error("not done after the last poll")
			}
		})
	}
}

// A failed status request leaves the status as it was.
func TestPollerStatusAfterFailedPoll(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "DELETE /certificates/web", "", 200, deletedJSON)
	handle(t, mux, "GET /deletedcertificates/web", "", 401, `{"error":{"code":"Unauthorized","message":"no"}}`)
	p, err := c.BeginDeleteCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Poll(t.Context()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Poll = %v, want ErrUnauthorized", err)
	}
	if got := p.Status(); got != "deleting" {
		t.Errorf("status %q after a failed poll, want deleting", got)
	}
}

// Status may be read while another goroutine waits, as a progress display
// does; the race detector checks that this is safe.
func TestPollerStatusWhileWaiting(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t, WithPollFrequency(time.Second))
		handle(t, mux, "POST /certificates/web/create", "", 202, opInProgress)
		polls := 0
		mux.HandleFunc("GET /certificates/web/pending", func(w http.ResponseWriter, r *http.Request) {
			if polls++; polls < 3 {
				reply(w, 200, opInProgress)
				return
			}
			reply(w, 200, opWith("completed", ""))
		})
		handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON)
		p, err := c.BeginCreateCertificate(t.Context(), "web", DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() {
			_, err := p.Wait(t.Context())
			done <- err
		}()
		seen := []string{p.Status()}
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				if s := p.Status(); s != seen[len(seen)-1] {
					seen = append(seen, s)
				}
				if diff := cmp.Diff([]string{"inProgress", "completed"}, seen); diff != "" {
					t.Errorf("statuses seen (-want +got):\n%s", diff)
				}
				return
			case <-time.After(100 * time.Millisecond):
				if s := p.Status(); s != seen[len(seen)-1] {
					seen = append(seen, s)
				}
			}
		}
	})
}

// TestFindPollerHonoursEveryRetryAfter checks that the delete poller waits
// as long as each answer asks, the first (the DELETE's) included: a zero
// wait polls at once, a 404 with Retry-After waits that long, and an answer
// without one falls back to the poll frequency.
func TestFindPollerHonoursEveryRetryAfter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mux, _ := setup(t)
		clk := newClock()
		mux.HandleFunc("DELETE /certificates/web", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			reply(w, 200, deletedJSON)
		})
		gets := 0
		mux.HandleFunc("GET /deletedcertificates/web", func(w http.ResponseWriter, r *http.Request) {
			clk.tick()
			switch gets++; gets {
			case 1:
				w.Header().Set("retry-after-ms", "1500")
				reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"not yet"}}`)
			case 2:
				reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"not yet"}}`)
			default:
				reply(w, 200, deletedJSON)
			}
		})
		p, err := c.BeginDeleteCertificate(t.Context(), "web", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		at := clk.times()
		if len(at) != 3 || at[0] != 0 || !within(at[1], 1500*time.Millisecond) || !within(at[2]-at[1], defaultPollFrequency) {
			t.Errorf("polls at %v, want at once, 1.5s later, then the poll frequency later", at)
		}
	})
}
