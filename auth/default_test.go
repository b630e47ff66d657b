package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"software.sslmate.com/src/go-pkcs12"
)

// defaultEnv lists every environment variable Default reads.
var defaultEnv = []string{
	"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
	"AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
	"AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
}

// defaultFixture is a machine on which every step of the default chain can be made to work
// or fail: a fake Entra ID, a fake instance metadata service and no az on PATH.
type defaultFixture struct {
	entra *entraServer
	imds  *identityServer
	opts  *DefaultOptions
	logs  fmt.Stringer
}

// clearDefaultEnv unsets every variable Default reads and leaves no az on PATH.
func clearDefaultEnv(t *testing.T) {
	t.Helper()
	for _, name := range defaultEnv {
		t.Setenv(name, "")
	}
	t.Setenv("PATH", t.TempDir())
}

// newDefaultFixture clears the environment and returns options that point Default at fakes
// only; in particular the metadata service is never the real 169.254.169.254.
func newDefaultFixture(t *testing.T, entraRespond func(http.ResponseWriter, *http.Request, url.Values), imdsRespond http.HandlerFunc) *defaultFixture {
	t.Helper()
	clearDefaultEnv(t)
	f := &defaultFixture{entra: newEntraServer(t, entraRespond)}
	imdsURL := closedURL(t)
	if imdsRespond != nil {
		f.imds = newIdentityServer(t, imdsRespond)
		imdsURL = f.imds.URL + "/metadata/identity/oauth2/token"
	}
	log, logs := captureLog()
	f.logs = logs
	f.opts = &DefaultOptions{Options: f.entra.options(), IMDSEndpoint: imdsURL}
	f.opts.Logger = log
	return f
}

// closedURL is the address of a server that has gone: connecting to it is refused at once.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL + "/metadata/identity/oauth2/token"
}

func setEnv(t *testing.T, kv ...string) {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

// writePFX writes the test certificate chain as a PFX file.
func writePFX(t *testing.T, password string) string {
	t.Helper()
	tc := newTestCert(t)
	pfx, err := pkcs12.Modern.Encode(tc.key, tc.chain[0], tc.chain[1:], password)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client.pfx")
	if err := os.WriteFile(path, pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// onlyAssertions refuses client secrets and accepts client assertions.
func onlyAssertions(w http.ResponseWriter, r *http.Request, form url.Values) {
	if form.Get("client_secret") != "" {
		writeEntraError(w, r, form)
		return
	}
	writeToken(w, "assertion-token", 3600)
}

func TestDefaultOrder(t *testing.T) {
	tests := []struct {
		name   string
		entra  func(http.ResponseWriter, *http.Request, url.Values)
		imds   http.HandlerFunc
		setup  func(t *testing.T, f *defaultFixture)
		want   string // prefix of the chosen credential's String
		check  func(t *testing.T, f *defaultFixture)
		noIMDS bool
	}{
		{
			name: "client secret first",
			imds: imdsToken,
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", testSecret,
					"AZURE_FEDERATED_TOKEN_FILE", "/nonexistent")
				fakeAz(t, azOutput(testNow.Add(time.Hour), ""))
			},
			want: "client secret credential (tenant t, client c)",
			check: func(t *testing.T, f *defaultFixture) {
				if reqs := f.entra.Requests(); len(reqs) != 1 || reqs[0].Form.Get("client_secret") != testSecret {
					t.Errorf("token requests = %v, want one with the secret", reqs)
				}
			},
			noIMDS: true,
		},
		{
			name:  "client certificate when the secret fails",
			entra: onlyAssertions,
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", testSecret,
					"AZURE_CLIENT_CERTIFICATE_PATH", writePFX(t, "pfx-pw"), "AZURE_CLIENT_CERTIFICATE_PASSWORD", "pfx-pw",
					"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true")
			},
			want: `client certificate credential (tenant t, client c, certificate "CN=kvcerts test client")`,
			check: func(t *testing.T, f *defaultFixture) {
				reqs := f.entra.Requests()
				if len(reqs) != 2 {
					t.Fatalf("%d token requests, want a secret one and then an assertion one", len(reqs))
				}
				h, _ := verifyAssertion(t, reqs[1].Form.Get("client_assertion"), newTestCert(t).chain[0])
				if x5c, _ := h["x5c"].([]any); len(x5c) != 2 {
					t.Errorf("x5c = %v, want the chain of 2 (AZURE_CLIENT_SEND_CERTIFICATE_CHAIN)", h["x5c"])
				}
			},
		},
		{
			name:  "workload identity",
			entra: onlyAssertions,
			imds:  imdsToken,
			setup: func(t *testing.T, f *defaultFixture) {
				path := filepath.Join(t.TempDir(), "token")
				writeFile(t, path, "federated")
				setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_FEDERATED_TOKEN_FILE", path)
			},
			want:   "workload identity credential (tenant t, client c, token file ",
			noIMDS: true,
		},
		{
			name: "managed identity",
			imds: imdsToken,
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_CLIENT_ID", "user-assigned") // selects the identity
				fakeAz(t, azOutput(testNow.Add(time.Hour), ""))
			},
			want: "managed identity credential (IMDS endpoint http://",
			check: func(t *testing.T, f *defaultFixture) {
				reqs := f.imds.Requests()
				if len(reqs) != 2 || reqs[1].URL.Query().Get("client_id") != "user-assigned" {
					t.Errorf("IMDS requests = %v, want a probe and a token request for client_id user-assigned", reqs)
				}
			},
		},
		{
			name: "App Service without probing",
			setup: func(t *testing.T, f *defaultFixture) {
				app := newIdentityServer(t, func(w http.ResponseWriter, r *http.Request) {
					fmt.Fprint(w, `{"access_token":"app","expires_on":"`+fmt.Sprint(time.Now().Add(time.Hour).Unix())+`","token_type":"Bearer"}`)
				})
				setEnv(t, "IDENTITY_ENDPOINT", app.URL, "IDENTITY_HEADER", "h")
			},
			want: "managed identity credential (App Service endpoint http://",
		},
		{
			name: "Azure CLI",
			setup: func(t *testing.T, f *defaultFixture) {
				fakeAz(t, azOutput(time.Now().Add(time.Hour), ""))
			},
			want: "Azure CLI credential (current tenant)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDefaultFixture(t, tt.entra, tt.imds)
			tt.setup(t, f)
			cred, err := Default(t.Context(), f.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(cred.String(), tt.want) {
				t.Errorf("Default chose %q, want %q", cred.String(), tt.want)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
			if tt.noIMDS && len(f.imds.Requests()) != 0 {
				t.Error("a later step ran after an earlier one succeeded")
			}
			if !strings.Contains(f.logs.String(), "default chain chose a credential") {
				t.Errorf("the choice was not logged:\n%s", f.logs)
			}
			assertNoSecrets(t, "log", f.logs.String(), testSecret, "pfx-pw")
		})
	}
}

func TestDefaultKeepsUsingTheChosenSource(t *testing.T) {
	f := newDefaultFixture(t, nil, nil)
	setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", testSecret)
	cred, err := Default(t.Context(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.Token()
	if err != nil || tok.AccessToken != "token-1" {
		t.Fatalf("Token() = %v, %v; want the token Default fetched", tok, err)
	}
	if _, err := cred.ChallengeToken(t.Context(), "https://storage.azure.com/.default", "", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(f.entra.Requests()); n != 2 {
		t.Errorf("%d token requests, want 2: Default's, then one for the new scope", n)
	}
}

func TestDefaultChainError(t *testing.T) {
	f := newDefaultFixture(t, writeEntraError, nil)
	setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", testSecret)

	_, err := Default(t.Context(), f.opts)
	var chain *ChainError
	if !errors.As(err, &chain) {
		t.Fatalf("Default() error = %v, want a *ChainError", err)
	}
	var sources []string
	for _, a := range chain.Attempts {
		sources = append(sources, a.Source)
	}
	wantSources := []string{"environment (client secret)", "environment (client certificate)", "workload identity", "managed identity", "Azure CLI"}
	if diff := cmp.Diff(wantSources, sources); diff != "" {
		t.Fatalf("attempts (-want +got):\n%s", diff)
	}
	wantReasons := []string{
		"token endpoint answered HTTP 401 Unauthorized: invalid_client: AADSTS7000215",
		"not configured: AZURE_CLIENT_CERTIFICATE_PATH is not set",
		"not configured: AZURE_FEDERATED_TOKEN_FILE is not set",
		"IMDS endpoint " + f.opts.IMDSEndpoint + " is unavailable",
		"Azure CLI not found on PATH",
	}
	for i, a := range chain.Attempts {
		if !strings.HasPrefix(a.Err.Error(), wantReasons[i]) {
			t.Errorf("attempt %q: %v, want it to start with %q", a.Source, a.Err, wantReasons[i])
		}
	}
	if !strings.HasPrefix(err.Error(), "auth: no credential in the default chain produced a token:\n\tenvironment (client secret): token endpoint answered HTTP 401") {
		t.Errorf("Error() =\n%s", err)
	}
	var ae *AuthenticationError
	if !errors.As(err, &ae) || ae.TraceID != wantEntraError.TraceID {
		t.Errorf("errors.As found %v, want the Entra ID error of the first step", ae)
	}
	assertNoSecrets(t, "error", err.Error(), testSecret)
	assertNoSecrets(t, "log", f.logs.String(), testSecret)
}

func TestDefaultNamesMissingVariables(t *testing.T) {
	f := newDefaultFixture(t, nil, nil)
	setEnv(t, "AZURE_CLIENT_ID", "c")
	_, err := Default(t.Context(), f.opts)
	for _, want := range []string{
		"environment (client secret): not configured: AZURE_TENANT_ID, AZURE_CLIENT_SECRET are not set",
		"workload identity: not configured: AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE are not set",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want it to contain %q", err, want)
		}
	}
}

func TestDefaultReportsBadCertificateSettings(t *testing.T) {
	f := newDefaultFixture(t, nil, nil)
	setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c",
		"AZURE_CLIENT_CERTIFICATE_PATH", writePFX(t, "right"), "AZURE_CLIENT_CERTIFICATE_PASSWORD", "wrong-password")
	_, err := Default(t.Context(), f.opts)
	if err == nil || !strings.Contains(err.Error(), "environment (client certificate): AZURE_CLIENT_CERTIFICATE_PATH ") ||
		!strings.Contains(err.Error(), "reading PFX data") {
		t.Errorf("error = %v, want the certificate step to explain the PFX failure", err)
	}
	assertNoSecrets(t, "error", err.Error(), "wrong-password")
}

func TestDefaultRejectsABadChainSetting(t *testing.T) {
	f := newDefaultFixture(t, nil, nil)
	setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c",
		"AZURE_CLIENT_CERTIFICATE_PATH", writePFX(t, ""), "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "sure")
	_, err := Default(t.Context(), f.opts)
	if err == nil || !strings.Contains(err.Error(), `environment (client certificate): AZURE_CLIENT_SEND_CERTIFICATE_CHAIN="sure" is not a boolean`) {
		t.Errorf("error = %v, want the bad setting named", err)
	}
}

func TestDefaultProbeTimeout(t *testing.T) {
	clearDefaultEnv(t)
	synctest.Test(t, func(t *testing.T) {
		// The default metadata address, where nothing answers; the silent client never dials it.
		opts := &DefaultOptions{Options: Options{HTTPClient: silentClient()}, ProbeTimeout: 50 * time.Millisecond}
		start := time.Now()
		_, err := Default(t.Context(), opts)
		if err == nil || !strings.Contains(err.Error(), "managed identity: IMDS endpoint "+defaultIMDSEndpoint+" did not answer within 50ms") {
			t.Errorf("error = %v, want the probe to give up after 50ms", err)
		}
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Errorf("Default waited %s, want the 50ms of the probe", waited)
		}
	})
}

func TestDefaultStopsWhenTheContextEnds(t *testing.T) {
	f := newDefaultFixture(t, nil, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Default(ctx, f.opts)
	var chain *ChainError
	if !errors.As(err, &chain) || !errors.Is(err, context.Canceled) || len(chain.Attempts) != 1 {
		t.Errorf("Default() = %v, want a *ChainError with one attempt that ended with the context", err)
	}
}

func TestDefaultValidatesOptions(t *testing.T) {
	t.Parallel()
	_, err := Default(t.Context(), &DefaultOptions{ProbeTimeout: -1})
	if err == nil || !strings.Contains(err.Error(), "negative timeout") {
		t.Errorf("error = %v, want one about the negative timeout", err)
	}
}
