package auth

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// miCredential returns a managed identity credential on the test's environment, whose
// metadata service requests go to srv.
func miCredential(t *testing.T, srv *identityServer, o ManagedIdentityOptions) *Credential {
	t.Helper()
	if srv != nil {
		o.HTTPClient = loopbackOnly(srv.Client())
		if o.IMDSEndpoint == "" {
			o.IMDSEndpoint = srv.URL + "/metadata/identity/oauth2/token"
		}
	}
	o.Scope = uniqueScope(t)
	cred, err := NewManagedIdentity(&o)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// request is what a test checks of a request to a managed identity endpoint.
type request struct {
	Method string
	Path   string
	Query  map[string]string
	Header map[string]string
	Form   map[string]string
}

func summarize(r *http.Request, headers ...string) request {
	out := request{Method: r.Method, Path: r.URL.Path, Query: map[string]string{}, Header: map[string]string{}}
	for k, v := range r.URL.Query() {
		out.Query[k] = v[0]
	}
	for _, h := range headers {
		out.Header[h] = r.Header.Get(h)
	}
	if len(r.PostForm) > 0 {
		out.Form = map[string]string{}
		for k, v := range r.PostForm {
			out.Form[k] = v[0]
		}
	}
	return out
}

func TestIMDSRequests(t *testing.T) {
	setHostEnv(t)
	for _, tc := range []struct {
		name  string
		opts  ManagedIdentityOptions
		param map[string]string
	}{
		{"system-assigned", ManagedIdentityOptions{}, nil},
		{"client ID", ManagedIdentityOptions{ClientID: "cid"}, map[string]string{"client_id": "cid"}},
		{"object ID", ManagedIdentityOptions{ObjectID: "oid"}, map[string]string{"object_id": "oid"}},
		{"resource ID", ManagedIdentityOptions{ResourceID: "/subscriptions/s/rid"}, map[string]string{"msi_res_id": "/subscriptions/s/rid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIdentityServer(t, false, nil)
			cred := miCredential(t, srv, tc.opts)
			tok, err := cred.Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "mi-token-1" || time.Until(tok.Expiry) < 59*time.Minute {
				t.Errorf("token %q expiring %s, want mi-token-1 for an hour", tok.AccessToken, tok.Expiry)
			}
			want := request{Method: "GET", Path: "/metadata/identity/oauth2/token",
				Query:  map[string]string{"api-version": "2018-02-01", "resource": strings.TrimSuffix(uniqueScope(t), "/.default")},
				Header: map[string]string{"Metadata": "true"}}
			maps.Copy(want.Query, tc.param)
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if diff := cmp.Diff(want, summarize(reqs[0], "Metadata")); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// miAnswer is one scripted answer of a fake managed identity endpoint: an HTTP status (0 for
// a token), with a Retry-After header when retryAfter is set, or a transport error.
type miAnswer struct {
	status     int
	retryAfter string
	err        error
}

// Managed identity token requests are retried by this package (MSAL's own three attempts a
// second apart are turned off), long enough to outlast the metadata service's 410 window.
func TestManagedIdentityRetries(t *testing.T) {
	const s = time.Second
	reset := errors.New("connection reset by peer")
	tests := []struct {
		name         string
		appService   bool
		script       []miAnswer // the last one repeats
		wantRequests int
		minWait      time.Duration // in all, with jitter
		maxWait      time.Duration
		wantErr      bool
		wantCanceled bool
	}{
		{name: "503 then a token", script: []miAnswer{{status: 503}, {}},
			wantRequests: 2, minWait: 1600 * time.Millisecond, maxWait: 2400 * time.Millisecond},
		{name: "410 three times then a token", script: []miAnswer{{status: 410}, {status: 410}, {status: 410}, {}},
			wantRequests: 4, minWait: (2 + 4 + 8) * s * 4 / 5, maxWait: (2 + 4 + 8) * s * 6 / 5},
		{name: "410 for good outlasts 70 s", script: []miAnswer{{status: 410}},
			wantRequests: 7, minWait: 72 * s, maxWait: 96 * s, wantErr: true},
		{name: "metadata 404 is retried", script: []miAnswer{{status: 404}, {}},
			wantRequests: 2, minWait: 1600 * time.Millisecond, maxWait: 2400 * time.Millisecond},
		{name: "App Service 404 is not", appService: true, script: []miAnswer{{status: 404}},
			wantRequests: 1, wantErr: true},
		{name: "400 is not", script: []miAnswer{{status: 400}}, wantRequests: 1, wantErr: true},
		{name: "429 with Retry-After", appService: true, script: []miAnswer{{status: 429, retryAfter: "5"}, {}},
			wantRequests: 2, minWait: 5 * s, maxWait: 5 * s},
		{name: "Retry-After is capped at 30 s", script: []miAnswer{{status: 503, retryAfter: "3600"}, {}},
			wantRequests: 2, minWait: 30 * s, maxWait: 30 * s},
		{name: "network error", script: []miAnswer{{err: reset}, {}},
			wantRequests: 2, minWait: 1600 * time.Millisecond, maxWait: 2400 * time.Millisecond},
		{name: "timeout is not repeated", script: []miAnswer{{err: os.ErrDeadlineExceeded}},
			wantRequests: 1, wantErr: true},
		{name: "a certificate not pinned is not", script: []miAnswer{{err: &thumbprintError{got: make([]byte, 20)}}},
			wantRequests: 1, wantErr: true},
		{name: "a certificate not trusted is not", script: []miAnswer{{err: &tls.CertificateVerificationError{Err: reset}}},
			wantRequests: 1, wantErr: true},
		{name: "context ends the waits", script: []miAnswer{{status: 503}},
			wantRequests: 3, minWait: 10 * s, maxWait: 10 * s, wantErr: true, wantCanceled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := "http://imds.test/metadata/identity/oauth2/token"
			if tt.appService {
				endpoint = "http://appservice.test/msi/token"
				setHostEnv(t, envIdentityEndpoint, endpoint, envIdentityHeader, "header-secret")
			} else {
				setHostEnv(t)
			}
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int32
				hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					if want, _ := url.Parse(endpoint); r.URL.Host != want.Host {
						t.Errorf("request to %s, want %s", r.URL.Host, want.Host)
					}
					a := tt.script[min(int(calls.Add(1)), len(tt.script))-1]
					if a.err != nil {
						return nil, a.err
					}
					rec := httptest.NewRecorder()
					if a.status == 0 {
						writeMIToken(rec, "after-retry", "3600")
					} else {
						if a.retryAfter != "" {
							rec.Header().Set("Retry-After", a.retryAfter)
						}
						rec.WriteHeader(a.status)
					}
					resp := rec.Result()
					resp.Request = r
					return resp, nil
				})}
				opts := &ManagedIdentityOptions{Options: Options{HTTPClient: hc, Scope: uniqueScope(t)}}
				if !tt.appService {
					opts.IMDSEndpoint = endpoint
				}
				cred, err := NewManagedIdentity(opts)
				if err != nil {
					t.Fatal(err)
				}
				ctx := t.Context()
				if tt.wantCanceled {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.maxWait)
					defer cancel()
				}
				start := time.Now()
				tok, err := cred.ChallengeToken(ctx, opts.Scope, "", "")
				waited := time.Since(start)
				switch {
				case tt.wantErr && err == nil:
					t.Fatalf("ChallengeToken() = %v, want an error", tok)
				case !tt.wantErr && (err != nil || tok.AccessToken != "after-retry"):
					t.Fatalf("ChallengeToken() = %v, %v", tok, err)
				}
				if tt.wantCanceled && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v, want one that matches context.DeadlineExceeded", err)
				}
				if n := int(calls.Load()); n != tt.wantRequests {
					t.Errorf("%d requests, want %d", n, tt.wantRequests)
				}
				if waited < tt.minWait || waited > tt.maxWait {
					t.Errorf("waited %s in all, want %s to %s", waited, tt.minWait, tt.maxWait)
				}
			})
		})
	}
}

func TestIMDSErrors(t *testing.T) {
	setHostEnv(t)
	srv := newIdentityServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_request","error_description":"Identity not found"}`))
	})
	cred := miCredential(t, srv, ManagedIdentityOptions{ClientID: "missing"})
	_, err := cred.Token()
	ae, ok := errors.AsType[*AuthenticationError](err)
	if !ok || ae.StatusCode != 400 || ae.ErrorCode != "invalid_request" || ae.Description != "Identity not found" {
		t.Fatalf("error = %v, want an *AuthenticationError for the 400", err)
	}
	if want := "auth: managed identity credential: IMDS endpoint"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests for a 400, want 1 (not retried)", n)
	}
}

func TestAppServiceRequests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  ManagedIdentityOptions
		param map[string]string
	}{
		{"system-assigned", ManagedIdentityOptions{}, nil},
		{"client ID", ManagedIdentityOptions{ClientID: "cid"}, map[string]string{"client_id": "cid"}},
		{"object ID", ManagedIdentityOptions{ObjectID: "oid"}, map[string]string{"object_id": "oid"}},
		{"resource ID", ManagedIdentityOptions{ResourceID: "/subscriptions/s/rid"}, map[string]string{"mi_res_id": "/subscriptions/s/rid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIdentityServer(t, false, nil)
			setHostEnv(t, envIdentityEndpoint, srv.URL+"/msi/token", envIdentityHeader, "app-service-secret")
			cred := miCredential(t, srv, tc.opts)
			if _, err := cred.Token(); err != nil {
				t.Fatal(err)
			}
			want := request{Method: "GET", Path: "/msi/token",
				Query:  map[string]string{"api-version": "2019-08-01", "resource": strings.TrimSuffix(uniqueScope(t), "/.default")},
				Header: map[string]string{"X-Identity-Header": "app-service-secret"}}
			maps.Copy(want.Query, tc.param)
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if diff := cmp.Diff(want, summarize(reqs[0], "X-Identity-Header")); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if !strings.Contains(cred.String(), "App Service endpoint") {
				t.Errorf("String() = %q, want it to name App Service", cred.String())
			}
		})
	}
}

// An App Service endpoint that echoes its request must not put the header secret into
// the error.
func TestAppServiceErrorKeepsTheSecret(t *testing.T) {
	srv := newIdentityServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"statusCode":400,"message":"bad header ` + r.Header.Get("X-Identity-Header") + `"}`))
	})
	setHostEnv(t, envIdentityEndpoint, srv.URL, envIdentityHeader, "echoed-secret")
	log, buf := captureLog()
	cred := miCredential(t, srv, ManagedIdentityOptions{Options: Options{Logger: log}})
	_, err := cred.Token()
	if err == nil || !strings.Contains(err.Error(), "bad header [REDACTED]") {
		t.Fatalf("error = %v, want the message with the secret redacted", err)
	}
	assertNoSecrets(t, "error", err.Error(), "echoed-secret")
	assertNoSecrets(t, "log", buf.String(), "echoed-secret")
}

func TestServiceFabricChecksTheThumbprint(t *testing.T) {
	srv := newIdentityServer(t, true, nil)
	sum := sha1.Sum(srv.Certificate().Raw)
	good := strings.ToUpper(hex.EncodeToString(sum[:]))
	for _, tc := range []struct {
		name, thumbprint, wantErr string
	}{
		{"matching", good, ""},
		{"matching in lower case", strings.ToLower(good), ""},
		{"another certificate", strings.Repeat("AB", 20), "thumbprint " + good},
		{"not a thumbprint", "xyz", "is not a hex SHA-1 thumbprint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setHostEnv(t, envIdentityEndpoint, srv.URL+"/metadata/identity/oauth2/token",
				envIdentityHeader, "sf-secret", envIdentityServerThumbprint, tc.thumbprint)
			before := len(srv.Requests())
			cred, err := NewManagedIdentity(&ManagedIdentityOptions{Options: Options{Scope: uniqueScope(t)}})
			if err == nil {
				_, err = cred.Token()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				if n := len(srv.Requests()) - before; n != 0 {
					t.Errorf("%d requests reached the endpoint, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			got := summarize(reqs[len(reqs)-1], "Secret")
			want := request{Method: "GET", Path: "/metadata/identity/oauth2/token",
				Query:  map[string]string{"api-version": "2019-07-01-preview", "resource": strings.TrimSuffix(uniqueScope(t), "/.default")},
				Header: map[string]string{"Secret": "sf-secret"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceFabricHasNoUserAssignedIdentity(t *testing.T) {
	setHostEnv(t, envIdentityEndpoint, "https://127.0.0.1:2377/metadata/identity/oauth2/token",
		envIdentityHeader, "sf-secret", envIdentityServerThumbprint, strings.Repeat("AB", 20))
	_, err := NewManagedIdentity(&ManagedIdentityOptions{ClientID: "cid"})
	if err == nil || !strings.Contains(err.Error(), "Service Fabric") {
		t.Errorf("error = %v, want MSAL's refusal naming Service Fabric", err)
	}
}

func TestCloudShellRequest(t *testing.T) {
	srv := newIdentityServer(t, false, nil)
	setHostEnv(t, envMSIEndpoint, srv.URL+"/oauth2/token")
	cred := miCredential(t, srv, ManagedIdentityOptions{})
	if _, err := cred.Token(); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	want := request{Method: "POST", Path: "/oauth2/token", Query: map[string]string{},
		Header: map[string]string{"Metadata": "true"},
		Form:   map[string]string{"resource": strings.TrimSuffix(uniqueScope(t), "/.default")}}
	if diff := cmp.Diff(want, summarize(reqs[0], "Metadata")); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if _, err := NewManagedIdentity(&ManagedIdentityOptions{ClientID: "cid"}); err == nil {
		t.Error("a user-assigned identity in Cloud Shell was accepted")
	}
}

func TestAzureMLRequest(t *testing.T) {
	srv := newIdentityServer(t, false, nil)
	setHostEnv(t, envMSIEndpoint, srv.URL+"/msi/token", envMSISecret, "ml-secret", "DEFAULT_IDENTITY_CLIENT_ID", "default-cid")
	for _, tc := range []struct {
		name     string
		opts     ManagedIdentityOptions
		clientID string
	}{
		{"default identity", ManagedIdentityOptions{}, "default-cid"},
		{"client ID", ManagedIdentityOptions{ClientID: "cid"}, "cid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Requests())
			cred := miCredential(t, srv, tc.opts)
			if _, err := cred.Token(); err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()[before:]
			want := request{Method: "GET", Path: "/msi/token",
				Query: map[string]string{"api-version": "2017-09-01", "resource": strings.TrimSuffix(uniqueScope(t), "/.default"),
					"clientid": tc.clientID},
				Header: map[string]string{"Secret": "ml-secret"}}
			if diff := cmp.Diff(want, summarize(reqs[0], "Secret")); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := NewManagedIdentity(&ManagedIdentityOptions{ObjectID: "oid"}); err == nil {
		t.Error("an object ID in Azure ML was accepted")
	}
}

// arcChallenge answers the first Arc request with the challenge naming keyFile, and the
// second, which must carry the key, with a token.
func arcChallenge(t *testing.T, keyFile, key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" {
			t.Errorf("Arc request without Metadata: true")
		}
		auth := r.Header.Get("Authorization")
		if auth == "" {
			w.Header().Set("WWW-Authenticate", "Basic realm="+keyFile)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if auth != "Basic "+key {
			t.Errorf("Authorization %q, want the key file's content", auth)
		}
		writeMIToken(w, "arc-token", `"3600"`)
	}
}

// MSAL reads Arc's key file only from the agent's own folder (/var/opt/azcmagent/tokens on
// Linux), whatever the challenge names, so that a process posing as the endpoint cannot
// make it read another file. A key file in a temp folder is therefore refused before it is
// read.
func TestAzureArcRefusesAKeyFileOutsideTheAgentFolder(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	writeFile(t, keyFile, "arc-key")
	srv := newIdentityServer(t, false, arcChallenge(t, keyFile, "arc-key"))
	setHostEnv(t, envIdentityEndpoint, srv.URL+"/metadata/identity/oauth2/token", envIMDSEndpoint, "http://127.0.0.1:40342")
	cred := miCredential(t, srv, ManagedIdentityOptions{})
	if !strings.Contains(cred.String(), "Azure Arc endpoint") {
		t.Errorf("String() = %q, want it to name Azure Arc", cred.String())
	}
	_, err := cred.Token()
	if err == nil || !strings.Contains(err.Error(), "invalid file path") {
		t.Fatalf("error = %v, want MSAL's refusal of the key file's folder", err)
	}
	assertNoSecrets(t, "error", err.Error(), "arc-key")
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want only the one that got the challenge", n)
	}
	if _, err := NewManagedIdentity(&ManagedIdentityOptions{ClientID: "cid"}); err == nil {
		t.Error("a user-assigned identity on Arc was accepted")
	}
}

// The whole Arc exchange needs the key file in the agent's folder, which only an Arc
// machine (or root) has. Set KVCERTS_TEST_ARC_FOLDER=1 to run it where that folder may be
// written; the test removes its file afterwards.
func TestAzureArcChallenge(t *testing.T) {
	const folder = "/var/opt/azcmagent/tokens"
	if os.Getenv("KVCERTS_TEST_ARC_FOLDER") != "1" {
		t.Skip("set KVCERTS_TEST_ARC_FOLDER=1 to let the test write a key file in " + folder)
	}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(folder, "kvcerts-test-"+hex.EncodeToString([]byte(t.Name()))[:16]+".key")
	writeFile(t, keyFile, "arc-key")
	t.Cleanup(func() { os.Remove(keyFile) })
	srv := newIdentityServer(t, false, arcChallenge(t, keyFile, "arc-key"))
	setHostEnv(t, envIdentityEndpoint, srv.URL+"/metadata/identity/oauth2/token", envIMDSEndpoint, "http://127.0.0.1:40342")
	cred := miCredential(t, srv, ManagedIdentityOptions{})
	tok, err := cred.Token()
	if err != nil || tok.AccessToken != "arc-token" {
		t.Fatalf("Token() = %v, %v", tok, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[1].URL.Query().Get("api-version") != "2020-06-01" {
		t.Errorf("requests %d (api-version %q), want 2 with 2020-06-01", len(reqs), reqs[len(reqs)-1].URL.Query().Get("api-version"))
	}
}

func TestManagedIdentityClaimsSkipTheCache(t *testing.T) {
	setHostEnv(t)
	srv := newIdentityServer(t, false, nil)
	cred := miCredential(t, srv, ManagedIdentityOptions{})
	first, err := cred.Token()
	if err != nil {
		t.Fatal(err)
	}
	again, err := cred.ChallengeToken(t.Context(), "", "", `{"access_token":{"nbf":{"essential":true,"value":"1"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken == first.AccessToken {
		t.Errorf("a claims challenge got the cached token %q back", first.AccessToken)
	}
	if tok, _ := cred.Token(); tok.AccessToken != again.AccessToken {
		t.Errorf("after the claims challenge Token() = %q, want the new token %q", tok.AccessToken, again.AccessToken)
	}
}

func TestManagedIdentityIgnoresTenants(t *testing.T) {
	setHostEnv(t)
	srv := newIdentityServer(t, false, nil)
	cred := miCredential(t, srv, ManagedIdentityOptions{})
	if _, err := cred.ChallengeToken(t.Context(), "", "other-tenant", ""); err != nil {
		t.Fatal(err)
	}
	if q := srv.Requests()[0].URL.Query(); q.Has("tenant") || q.Has("tenant_id") {
		t.Errorf("query %v names a tenant", q)
	}
}

func TestNewManagedIdentityValidates(t *testing.T) {
	setHostEnv(t)
	for _, tc := range []struct {
		name string
		opts ManagedIdentityOptions
		want string
	}{
		{"two identities", ManagedIdentityOptions{ClientID: "a", ObjectID: "b"}, "set only one of"},
		{"bad IMDS endpoint", ManagedIdentityOptions{IMDSEndpoint: "ftp://x"}, "invalid IMDS endpoint"},
		{"IMDS endpoint with user info", ManagedIdentityOptions{IMDSEndpoint: "http://u:p@127.0.0.1/"}, "invalid IMDS endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewManagedIdentity(&tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	setHostEnv(t)
	srv := newIdentityServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "" {
			t.Error("the probe sent Metadata: true, which would make it a token request")
		}
		w.WriteHeader(http.StatusBadRequest)
	})
	cred := miCredential(t, srv, ManagedIdentityOptions{})
	if err := cred.src.(*managedIdentitySource).probe(t.Context(), time.Minute); err != nil {
		t.Errorf("probe of an answering endpoint: %v", err)
	}
	closed := miCredential(t, nil, ManagedIdentityOptions{IMDSEndpoint: closedURL(t), Options: Options{HTTPClient: loopbackOnly(http.DefaultClient)}})
	if err := closed.src.(*managedIdentitySource).probe(t.Context(), time.Minute); err == nil || !strings.Contains(err.Error(), "is unavailable") {
		t.Errorf("probe of a closed port = %v, want unavailable", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := cred.src.(*managedIdentitySource).probe(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("probe with an ended context = %v, want context.Canceled", err)
	}
}
