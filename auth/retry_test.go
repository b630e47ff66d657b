package auth

import (
	"context"
	"errors"
	"fmt"
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
)

// answer is one response of a fake managed identity endpoint; status 0 drops the connection
// without answering.
type answer struct {
	status int
	header []string // name, value, ...
	body   string
}

var (
	tokenAnswer = answer{status: 200, body: `{"access_token":"mi-token","expires_in":"3600","token_type":"Bearer"}`}
	dropped     = answer{}
)

// answers serves the scripted answers in order, repeating the last one.
func answers(t *testing.T, script []answer) func(n int, w http.ResponseWriter) {
	return func(n int, w http.ResponseWriter) {
		a := script[min(n, len(script))-1]
		if a.status == 0 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijacking the connection: %v", err)
				return
			}
			conn.Close()
			return
		}
		for i := 0; i < len(a.header); i += 2 {
			w.Header().Set(a.header[i], a.header[i+1])
		}
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}
}

// exactWaits makes src's retries take no time and wait exactly the unjittered backoff, and
// returns the waits they asked for.
func exactWaits(src *managedIdentitySource) *[]time.Duration {
	var waits []time.Duration
	src.jitter = func(d time.Duration) time.Duration { return d }
	src.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return &waits
}

func TestManagedIdentityRetries(t *testing.T) {
	t.Parallel()
	const secret = "app-service-identity-header-secret"
	const s = time.Second
	identityNotFound := answer{status: 400, body: `{"error":"invalid_request","error_description":"Identity not found"}`}
	tests := []struct {
		name         string
		appService   bool
		script       []answer
		wantRequests int
		wantWaits    []time.Duration
		wantErr      string // with $URL for the endpoint; "" for a token
		wantStatus   int    // of the *AuthenticationError in the error
	}{
		{name: "410 then a token", script: []answer{{status: 410}, tokenAnswer},
			wantRequests: 2, wantWaits: []time.Duration{2 * s}},
		{name: "404 twice then a token", script: []answer{{status: 404}, {status: 404}, tokenAnswer},
			wantRequests: 3, wantWaits: []time.Duration{2 * s, 4 * s}},
		{name: "429 with Retry-After", script: []answer{{status: 429, header: []string{"Retry-After", "5"}}, tokenAnswer},
			wantRequests: 2, wantWaits: []time.Duration{5 * s}},
		{name: "Retry-After beyond the cap", script: []answer{{status: 503, header: []string{"Retry-After", "3600"}}, tokenAnswer},
			wantRequests: 2, wantWaits: []time.Duration{30 * s}},
		{name: "network error then a token", script: []answer{dropped, tokenAnswer},
			wantRequests: 2, wantWaits: []time.Duration{2 * s}},
		{name: "500 until the attempts run out", script: []answer{{status: 500, body: `{"error":"unknown_error","error_description":"try later"}`}},
			wantRequests: 7, wantWaits: []time.Duration{2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s},
			wantErr:    "auth: managed identity credential: IMDS endpoint $URL: after 7 attempts: token endpoint answered HTTP 500 Internal Server Error: unknown_error: try later",
			wantStatus: 500},
		{name: "400 is not retried", script: []answer{identityNotFound},
			wantRequests: 1,
			wantErr:      "auth: managed identity credential: IMDS endpoint $URL: token endpoint answered HTTP 400 Bad Request: invalid_request: Identity not found",
			wantStatus:   400},
		{name: "410 then 400", script: []answer{{status: 410}, identityNotFound},
			wantRequests: 2, wantWaits: []time.Duration{2 * s},
			wantErr:    "auth: managed identity credential: IMDS endpoint $URL: after 2 attempts: token endpoint answered HTTP 400 Bad Request: invalid_request: Identity not found",
			wantStatus: 400},
		{name: "a 200 that is not a token is not retried", script: []answer{{status: 200, body: `{"access_token":"leaked-token"`}},
			wantRequests: 1,
			wantErr:      "auth: managed identity credential: IMDS endpoint $URL: the response is not a token"},
		{name: "App Service 503 then a token", appService: true, script: []answer{{status: 503}, tokenAnswer},
			wantRequests: 2, wantWaits: []time.Duration{2 * s}},
		{name: "App Service 404 is not retried", appService: true, script: []answer{{status: 404, body: `{"message":"no such path"}`}},
			wantRequests: 1,
			wantErr:      "auth: managed identity credential: App Service endpoint $URL: token endpoint answered HTTP 404 Not Found: no such path",
			wantStatus:   404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srv *identityServer
			respond := answers(t, tt.script)
			srv = newIdentityServer(t, func(w http.ResponseWriter, r *http.Request) {
				respond(len(srv.Requests()), w)
			})
			cred, logs := loggedIdentity(t, srv, tt.appService, secret)
			waits := exactWaits(cred.src.(*managedIdentitySource))

			tok, err := cred.ChallengeToken(t.Context(), "", "", "")
			if tt.wantErr == "" {
				if err != nil || tok.AccessToken != "mi-token" {
					t.Errorf("ChallengeToken() = %v, %v; want mi-token", tok, err)
				}
			} else {
				got := "<nil>"
				if err != nil {
					got = strings.ReplaceAll(err.Error(), srv.URL, "$URL")
				}
				if got != tt.wantErr {
					t.Errorf("error = %s\nwant    %s", got, tt.wantErr)
				}
				var ae *AuthenticationError
				if errors.As(err, &ae) != (tt.wantStatus != 0) || (ae != nil && ae.StatusCode != tt.wantStatus) {
					t.Errorf("AuthenticationError = %+v, want status %d", ae, tt.wantStatus)
				}
				assertNoSecrets(t, "error", got, secret, "leaked-token")
			}
			if n := len(srv.Requests()); n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
			if diff := cmp.Diff(tt.wantWaits, *waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if n := strings.Count(logs.String(), "retrying the managed identity token request"); n != len(tt.wantWaits) {
				t.Errorf("%d retries logged, want %d:\n%s", n, len(tt.wantWaits), logs)
			}
			assertNoSecrets(t, "log", logs.String(), secret, "leaked-token")
		})
	}
}

// handlerClient is an HTTP client whose requests h answers in memory. It never dials, so it
// works inside a testing/synctest bubble.
func handlerClient(h http.HandlerFunc) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h(rec, r)
		return rec.Result(), nil
	})}
}

func TestManagedIdentityTimeoutIsNotRetried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var requests atomic.Int32
		hc := silentClient()
		next := hc.Transport
		hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			requests.Add(1)
			return next.RoundTrip(r)
		})
		hc.Timeout = 3 * time.Second
		cred, err := NewManagedIdentity(&ManagedIdentityOptions{Options: Options{HTTPClient: hc}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = cred.ChallengeToken(t.Context(), "", "", "")
		if waited := time.Since(start); waited != 3*time.Second {
			t.Errorf("returned after %s, want at the client's timeout of 3s", waited)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("error = %v, want the client's timeout", err)
		}
		if n := requests.Load(); n != 1 {
			t.Errorf("%d requests, want 1: a timeout is not retried", n)
		}
	})
}

func TestDefaultRetriesTheTokenRequestAfterTheProbe(t *testing.T) {
	clearDefaultEnv(t)
	synctest.Test(t, func(t *testing.T) {
		var probes, tokenRequests atomic.Int32
		imds := func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Metadata") == "" {
				probes.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			if tokenRequests.Add(1) < 3 {
				w.WriteHeader(http.StatusGone) // the metadata service is being updated
				return
			}
			imdsToken(w, r)
		}
		cred, err := Default(t.Context(), &DefaultOptions{Options: Options{HTTPClient: handlerClient(imds)}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cred.String(), "managed identity credential") {
			t.Errorf("Default chose %s", cred)
		}
		if p, n := probes.Load(), tokenRequests.Load(); p != 1 || n != 3 {
			t.Errorf("%d probes and %d token requests, want 1 and 3 (410, 410, token)", p, n)
		}
	})
}

func TestDefaultProbeIsNotRetried(t *testing.T) {
	clearDefaultEnv(t)
	synctest.Test(t, func(t *testing.T) {
		var requests atomic.Int32
		refused := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			requests.Add(1)
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		})}
		start := time.Now()
		_, err := Default(t.Context(), &DefaultOptions{Options: Options{HTTPClient: refused}})
		if err == nil || !strings.Contains(err.Error(), "managed identity: IMDS endpoint "+defaultIMDSEndpoint+" is unavailable") {
			t.Errorf("error = %v, want the managed identity step to fail on the probe", err)
		}
		if n := requests.Load(); n != 1 {
			t.Errorf("%d requests, want the probe's one", n)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("Default waited %s, want no wait", waited)
		}
	})
}

// The retries' waits must outlast the 70 s for which the metadata service can answer 410.
func TestManagedIdentityRetryOutlastsGone(t *testing.T) {
	t.Parallel()
	p := managedIdentityRetry
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	var shortest time.Duration
	for n := 1; n <= p.MaxRetries; n++ {
		shortest += p.Backoff(n) * 4 / 5
	}
	if shortest < 70*time.Second {
		t.Errorf("the shortest waits add up to %s, less than the 70s that 410 answers can last", shortest)
	}
}

func TestJitterBounds(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, time.Nanosecond, 2 * time.Second, 30 * time.Second} {
		for range 1000 {
			if j := jitter(d); j < d*4/5 || j > d*6/5 {
				t.Fatalf("jitter(%s) = %s, want within [%s, %s]", d, j, d*4/5, d*6/5)
			}
		}
	}
}
