package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// identityServer is a fake managed identity endpoint: the instance metadata service, or the
// App Service one. It is plain http, like the real ones.
type identityServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

func newIdentityServer(t *testing.T, respond http.HandlerFunc) *identityServer {
	t.Helper()
	s := &identityServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		respond(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *identityServer) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

// imdsToken answers like the instance metadata service, which sends numbers as strings and
// refuses requests without the Metadata header.
func imdsToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Metadata") != "true" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_request","error_description":"Required metadata header not specified"}`)
		return
	}
	fmt.Fprintf(w, `{"access_token":"imds-token","client_id":"11111111-2222-3333-4444-555555555555",`+
		`"expires_in":"86399","expires_on":"%d","ext_expires_in":"86399","not_before":"%d",`+
		`"resource":%q,"token_type":"Bearer"}`,
		testNow.Unix()+86399, testNow.Unix(), r.URL.Query().Get("resource"))
}

func TestIMDSRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      ManagedIdentityOptions
		wantQuery url.Values
	}{
		{"system-assigned", ManagedIdentityOptions{}, url.Values{}},
		{"client ID", ManagedIdentityOptions{ClientID: "client-guid"}, url.Values{"client_id": {"client-guid"}}},
		{"object ID", ManagedIdentityOptions{ObjectID: "object-guid"}, url.Values{"object_id": {"object-guid"}}},
		{"resource ID", ManagedIdentityOptions{ResourceID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"},
			url.Values{"msi_res_id": {"/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newIdentityServer(t, imdsToken)
			tt.opts.IMDSEndpoint = srv.URL + "/metadata/identity/oauth2/token"
			cred, err := NewManagedIdentity(&tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			clk := newFakeClock()
			cred.now = clk.Now
			// A managed identity cannot pick a tenant: the challenge's tenant is ignored.
			tok, err := cred.ChallengeToken(t.Context(), "", "challenge-tenant", "")
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "imds-token" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(testNow.Add(86399*time.Second)) {
				t.Errorf("token %q, type %q, expiry %v", tok.AccessToken, tok.TokenType, tok.Expiry)
			}

			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			tt.wantQuery.Set("api-version", "2018-02-01")
			tt.wantQuery.Set("resource", "https://vault.azure.net")
			if diff := cmp.Diff(tt.wantQuery, r.URL.Query()); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if r.Method != http.MethodGet || r.URL.Path != "/metadata/identity/oauth2/token" || r.Header.Get("Metadata") != "true" {
				t.Errorf("request %s %s with Metadata %q", r.Method, r.URL.Path, r.Header.Get("Metadata"))
			}
		})
	}
}

func TestAppServiceRequest(t *testing.T) {
	t.Parallel()
	const secret = "app-service-identity-header-secret"
	in1h := testNow.Add(time.Hour)
	tests := []struct {
		name       string
		opts       ManagedIdentityOptions
		expiresOn  string
		wantQuery  url.Values
		wantExpiry time.Time
	}{
		{"system-assigned", ManagedIdentityOptions{}, fmt.Sprintf("%q", fmt.Sprint(in1h.Unix())), url.Values{}, in1h},
		{"client ID", ManagedIdentityOptions{ClientID: "c"}, fmt.Sprint(in1h.Unix()), url.Values{"client_id": {"c"}}, in1h},
		{"object ID", ManagedIdentityOptions{ObjectID: "o"}, `"6/1/2025 1:00:00 PM +00:00"`, url.Values{"principal_id": {"o"}}, in1h},
		{"resource ID", ManagedIdentityOptions{ResourceID: "/r"}, `"2025-06-01T13:00:00Z"`, url.Values{"mi_res_id": {"/r"}}, in1h},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newIdentityServer(t, func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"access_token":"app-token","expires_on":%s,"resource":"https://vault.azure.net","token_type":"Bearer","client_id":"c"}`, tt.expiresOn)
			})
			tt.opts.IdentityEndpoint = srv.URL + "/msi/token"
			tt.opts.IdentityHeader = secret
			cred, err := NewManagedIdentity(&tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := cred.Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "app-token" || !tok.Expiry.Equal(tt.wantExpiry) {
				t.Errorf("token %q expiring %v, want app-token expiring %v", tok.AccessToken, tok.Expiry, tt.wantExpiry)
			}
			r := srv.Requests()[0]
			tt.wantQuery.Set("api-version", "2019-08-01")
			tt.wantQuery.Set("resource", "https://vault.azure.net")
			if diff := cmp.Diff(tt.wantQuery, r.URL.Query()); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if r.URL.Path != "/msi/token" || r.Header.Get("X-IDENTITY-HEADER") != secret || r.Header.Get("Metadata") != "" {
				t.Errorf("request to %s with headers %v", r.URL.Path, r.Header)
			}
		})
	}
}

func TestAppServiceFromEnvironment(t *testing.T) {
	srv := newIdentityServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"app-token","expires_in":"3600","token_type":"Bearer"}`)
	})
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "env-secret")
	cred, err := NewManagedIdentity(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.Token(); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.Header.Get("X-IDENTITY-HEADER") != "env-secret" {
		t.Errorf("X-IDENTITY-HEADER = %q, want the IDENTITY_HEADER value", r.Header.Get("X-IDENTITY-HEADER"))
	}
	if s := cred.String(); strings.Contains(s, "env-secret") || !strings.Contains(s, "App Service endpoint "+srv.URL) {
		t.Errorf("String() = %q", s)
	}
}

// loggedIdentity returns a managed identity credential for srv, as an App Service
// endpoint with the given secret or as the instance metadata service, and its debug log.
func loggedIdentity(t *testing.T, srv *identityServer, appService bool, secret string) (*Credential, *bytes.Buffer) {
	t.Helper()
	log, logs := captureLog()
	o := ManagedIdentityOptions{Options: Options{Logger: log}, IMDSEndpoint: srv.URL}
	if appService {
		o.IdentityEndpoint, o.IdentityHeader = srv.URL, secret
	}
	cred, err := NewManagedIdentity(&o)
	if err != nil {
		t.Fatal(err)
	}
	return cred, logs
}

func TestManagedIdentityErrors(t *testing.T) {
	t.Parallel()
	const secret = "app-service-identity-header-secret"
	tests := []struct {
		name       string
		appService bool
		status     int
		body       string
		claims     string
		want       string
		wantAuth   *AuthenticationError
	}{
		{name: "IMDS refusal", status: 400, body: `{"error":"invalid_request","error_description":"Identity not found"}`,
			want:     "auth: managed identity credential: IMDS endpoint http://",
			wantAuth: &AuthenticationError{StatusCode: 400, ErrorCode: "invalid_request", Description: "Identity not found"}},
		{name: "App Service refusal", appService: true, status: 400, body: `{"statusCode":400,"message":"No managed identity found for client ID c"}`,
			want:     "App Service endpoint http://",
			wantAuth: &AuthenticationError{StatusCode: 400, Description: "No managed identity found for client ID c"}},
		{name: "not a token", status: 200, body: `{"access_token":"leaked-token"`, want: "the response is not a token"},
		{name: "no expiry", status: 200, body: `{"access_token":"leaked-token","expires_on":"tomorrow"}`, want: "no readable expires_in or expires_on"},
		{name: "claims", appService: true, claims: `{"access_token":{}}`, want: "cannot honour a claims challenge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newIdentityServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			cred, logs := loggedIdentity(t, srv, tt.appService, secret)
			_, err := cred.ChallengeToken(t.Context(), "", "", tt.claims)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			var ae *AuthenticationError
			errors.As(err, &ae)
			if diff := cmp.Diff(tt.wantAuth, ae); diff != "" {
				t.Errorf("AuthenticationError (-want +got):\n%s", diff)
			}
			if tt.claims != "" && len(srv.Requests()) != 0 {
				t.Error("a claims request reached the endpoint")
			}
			assertNoSecrets(t, "error", err.Error(), secret, "leaked-token")
			assertNoSecrets(t, "log", logs.String(), secret, "leaked-token")
		})
	}
}

func TestNewManagedIdentityValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ManagedIdentityOptions
		want string
	}{
		{"two IDs", ManagedIdentityOptions{ClientID: "c", ObjectID: "o", IMDSEndpoint: "http://127.0.0.1:1"}, "set only one of"},
		{"App Service without secret", ManagedIdentityOptions{IdentityEndpoint: "http://127.0.0.1:1/msi/token"}, "needs a secret"},
		{"not http", ManagedIdentityOptions{IMDSEndpoint: "ftp://127.0.0.1/token"}, `invalid managed identity endpoint "ftp://127.0.0.1/token"`},
		{"no host", ManagedIdentityOptions{IMDSEndpoint: "/metadata/identity"}, "invalid managed identity endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewManagedIdentity(&tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper for transports that are not a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// silentClient is an HTTP client for a network where nothing answers and nothing refuses,
// like 169.254.169.254 on a machine outside Azure: every request waits for its context.
// It never dials, so it works inside a testing/synctest bubble.
func silentClient() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	t.Run("answers", func(t *testing.T) {
		t.Parallel()
		srv := newIdentityServer(t, imdsToken)
		src, err := newManagedIdentitySource(&ManagedIdentityOptions{IMDSEndpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if err := src.probe(t.Context(), time.Second); err != nil {
			t.Errorf("probe() = %v, want nil for an endpoint that answers (even with 400)", err)
		}
		if r := srv.Requests(); len(r) != 1 || r[0].Header.Get("Metadata") != "" {
			t.Errorf("probe requests = %v, want one without the Metadata header", r)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		src, err := newManagedIdentitySource(&ManagedIdentityOptions{IMDSEndpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if err := src.probe(t.Context(), time.Second); err == nil || !strings.Contains(err.Error(), "is unavailable") {
			t.Errorf("probe() = %v, want it to report the endpoint unavailable", err)
		}
	})
	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			src, err := newManagedIdentitySource(&ManagedIdentityOptions{Options: Options{HTTPClient: silentClient()}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = src.probe(t.Context(), 1500*time.Millisecond)
			if err == nil || !strings.Contains(err.Error(), "IMDS endpoint http://169.254.169.254/metadata/identity/oauth2/token did not answer within 1.5s") {
				t.Errorf("probe() = %v, want a timeout", err)
			}
			if waited := time.Since(start); waited != 1500*time.Millisecond {
				t.Errorf("probe waited %s, want the 1.5s timeout", waited)
			}
		})
	})
}
