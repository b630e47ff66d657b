package auth

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
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

// defaultEnv lists every environment variable Default reads, besides those of managed
// identity (miEnv).
var defaultEnv = []string{
	"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
	"AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
	"AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "AZURE_TOKEN_CREDENTIALS",
}

// defaultFixture is a machine on which every step of the default chain can be made to work
// or fail: a fake Entra ID, a fake instance metadata service and no az or azd on PATH.
type defaultFixture struct {
	entra *entraServer
	imds  *identityServer
	opts  *DefaultOptions
	logs  fmt.Stringer
	bin   string // the folder that is the whole PATH
}

// clearDefaultEnv unsets every variable Default reads and leaves an empty folder as PATH.
func clearDefaultEnv(t *testing.T) string {
	t.Helper()
	for _, name := range defaultEnv {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	setHostEnv(t)
	bin := t.TempDir()
	t.Setenv("PATH", bin)
	return bin
}

// newDefaultFixture clears the environment and returns options that point Default at fakes
// only; in particular the metadata service is never the real 169.254.169.254.
func newDefaultFixture(t *testing.T, entraRespond func(http.ResponseWriter, *http.Request, url.Values), imdsRespond http.HandlerFunc) *defaultFixture {
	t.Helper()
	f := &defaultFixture{bin: clearDefaultEnv(t), entra: newEntraServer(t, entraRespond)}
	imdsURL := closedURL(t)
	if imdsRespond != nil {
		f.imds = newIdentityServer(t, false, imdsRespond)
		imdsURL = f.imds.URL + "/metadata/identity/oauth2/token"
	}
	log, logs := captureLog()
	f.logs = logs
	f.opts = &DefaultOptions{Options: f.entra.options(), IMDSEndpoint: imdsURL}
	f.opts.HTTPClient = loopbackOnly(f.entra.Client())
	f.opts.Logger = log
	f.opts.Scope = uniqueScope(t)
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

// imdsToken answers a token request of the metadata service, and its probe (a request
// without Metadata: true) with 400 as the service does.
func imdsToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Metadata") != "true" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	writeMIToken(w, "imds-token", `"3600"`)
}

// miEndpoint starts a managed identity endpoint for a host's variables and returns its URL.
func miEndpoint(t *testing.T, tls bool, respond http.HandlerFunc) (*identityServer, string) {
	srv := newIdentityServer(t, tls, respond)
	return srv, srv.URL + "/msi/token"
}

// Default runs in each host's environment, with the variables set as that host sets them,
// and must pick the step that serves the host.
func TestDefaultInEachHost(t *testing.T) {
	tests := []struct {
		name  string
		imds  http.HandlerFunc
		setup func(t *testing.T, f *defaultFixture)
		want  string // prefix of the chosen credential's String; "" when none is chosen
		check func(t *testing.T, f *defaultFixture, err error)
	}{
		{
			name: "VM or scale set",
			imds: imdsToken,
			want: "managed identity credential (IMDS endpoint http://127.0.0.1:",
			check: func(t *testing.T, f *defaultFixture, _ error) {
				if n := len(f.imds.Requests()); n != 2 {
					t.Errorf("%d IMDS requests, want the probe and the token request", n)
				}
			},
		},
		{
			name: "VM with a user-assigned identity",
			imds: imdsToken,
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_CLIENT_ID", "user-assigned")
			},
			want: "managed identity credential (IMDS endpoint http://127.0.0.1:",
			check: func(t *testing.T, f *defaultFixture, _ error) {
				reqs := f.imds.Requests()
				if len(reqs) != 2 || reqs[1].URL.Query().Get("client_id") != "user-assigned" {
					t.Errorf("IMDS requests = %v, want a probe and a token request for client_id user-assigned", reqs)
				}
			},
		},
		{
			name: "App Service",
			setup: func(t *testing.T, f *defaultFixture) {
				_, u := miEndpoint(t, false, nil)
				setEnv(t, "IDENTITY_ENDPOINT", u, "IDENTITY_HEADER", "app-secret", "WEBSITE_SITE_NAME", "site")
			},
			want: "managed identity credential (App Service endpoint http://127.0.0.1:",
		},
		{
			name: "Azure Functions",
			setup: func(t *testing.T, f *defaultFixture) {
				_, u := miEndpoint(t, false, nil)
				setEnv(t, "IDENTITY_ENDPOINT", u, "IDENTITY_HEADER", "fn-secret", "FUNCTIONS_WORKER_RUNTIME", "custom")
			},
			want: "managed identity credential (App Service endpoint http://127.0.0.1:",
		},
		{
			name: "Container Apps",
			setup: func(t *testing.T, f *defaultFixture) {
				_, u := miEndpoint(t, false, nil)
				setEnv(t, "IDENTITY_ENDPOINT", u, "IDENTITY_HEADER", "ca-secret", "MSI_ENDPOINT", u, "MSI_SECRET", "ca-secret",
					"CONTAINER_APP_NAME", "app")
			},
			want: "managed identity credential (App Service endpoint http://127.0.0.1:",
		},
		{
			name: "AKS with workload identity",
			setup: func(t *testing.T, f *defaultFixture) {
				path := filepath.Join(t.TempDir(), "azure-identity-token")
				writeFile(t, path, "federated")
				setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_FEDERATED_TOKEN_FILE", path,
					"AZURE_AUTHORITY_HOST", f.entra.URL)
			},
			want: "workload identity credential (tenant t, client c, token file ",
			check: func(t *testing.T, f *defaultFixture, _ error) {
				if f.imds != nil && len(f.imds.Requests()) != 0 {
					t.Error("managed identity ran after workload identity succeeded")
				}
			},
		},
		{
			name: "Azure Arc",
			setup: func(t *testing.T, f *defaultFixture) {
				keyFile := filepath.Join(t.TempDir(), "arc.key")
				writeFile(t, keyFile, "arc-key")
				_, u := miEndpoint(t, false, arcChallenge(t, keyFile, "arc-key"))
				setEnv(t, "IDENTITY_ENDPOINT", u, "IMDS_ENDPOINT", "http://127.0.0.1:40342")
			},
			// The key file is not in the agent's folder, which MSAL insists on.
			check: func(t *testing.T, f *defaultFixture, err error) {
				if err == nil || !strings.Contains(err.Error(), "managed identity: Azure Arc endpoint") || !strings.Contains(err.Error(), "invalid file path") {
					t.Errorf("error = %v, want the Arc step to fail on the key file's folder", err)
				}
			},
		},
		{
			name: "Service Fabric",
			setup: func(t *testing.T, f *defaultFixture) {
				srv, u := miEndpoint(t, true, nil)
				sum := sha1.Sum(srv.Certificate().Raw)
				setEnv(t, "IDENTITY_ENDPOINT", u, "IDENTITY_HEADER", "sf-secret",
					"IDENTITY_SERVER_THUMBPRINT", hex.EncodeToString(sum[:]))
			},
			want: "managed identity credential (Service Fabric endpoint https://127.0.0.1:",
		},
		{
			name: "Cloud Shell",
			setup: func(t *testing.T, f *defaultFixture) {
				_, u := miEndpoint(t, false, nil)
				setEnv(t, "MSI_ENDPOINT", u, "AZUREPS_HOST_ENVIRONMENT", "cloud-shell/1.0")
				fakeTool(t, f.bin, "az", azOutput(time.Now().Add(time.Hour), ""))
			},
			want: "managed identity credential (Cloud Shell endpoint http://127.0.0.1:",
		},
		{
			name: "Azure Machine Learning",
			setup: func(t *testing.T, f *defaultFixture) {
				_, u := miEndpoint(t, false, nil)
				setEnv(t, "MSI_ENDPOINT", u, "MSI_SECRET", "ml-secret", "DEFAULT_IDENTITY_CLIENT_ID", "ml-client")
			},
			want: "managed identity credential (Azure ML endpoint http://127.0.0.1:",
		},
		{
			name: "developer machine with az",
			setup: func(t *testing.T, f *defaultFixture) {
				fakeTool(t, f.bin, "az", azOutput(time.Now().Add(time.Hour), ""))
				fakeTool(t, f.bin, "azd", azdOutput("azd-token", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
			},
			want: "Azure CLI credential (current tenant)",
		},
		{
			name: "developer machine with azd",
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TENANT_ID", "dev-tenant")
				args := fakeTool(t, f.bin, "azd", azdOutput("azd-token", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
				t.Cleanup(func() {
					if got := strings.Join(args(), " "); !strings.Contains(got, "--tenant-id dev-tenant") {
						t.Errorf("azd arguments %q, want --tenant-id dev-tenant", got)
					}
				})
			},
			want: "Azure Developer CLI credential (tenant dev-tenant)",
		},
		{
			name: "AZURE_TOKEN_CREDENTIALS=dev skips the service principal",
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TOKEN_CREDENTIALS", "dev",
					"AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", testSecret)
				fakeTool(t, f.bin, "az", azOutput(time.Now().Add(time.Hour), ""))
			},
			want: "Azure CLI credential (tenant t)",
			check: func(t *testing.T, f *defaultFixture, _ error) {
				if n := len(f.entra.Requests()); n != 0 {
					t.Errorf("%d requests to Entra ID, want none", n)
				}
			},
		},
		{
			name: "AZURE_TOKEN_CREDENTIALS names managed identity: no probe",
			imds: imdsToken,
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TOKEN_CREDENTIALS", "managedidentitycredential")
			},
			want: "managed identity credential (IMDS endpoint http://127.0.0.1:",
			check: func(t *testing.T, f *defaultFixture, _ error) {
				if n := len(f.imds.Requests()); n != 1 {
					t.Errorf("%d IMDS requests, want the token request alone", n)
				}
			},
		},
		{
			name: "AZURE_TOKEN_CREDENTIALS=prod ignores az",
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TOKEN_CREDENTIALS", "prod")
				fakeTool(t, f.bin, "az", azOutput(time.Now().Add(time.Hour), ""))
			},
			check: func(t *testing.T, f *defaultFixture, err error) {
				chain, ok := errors.AsType[*ChainError](err)
				if !ok || len(chain.Attempts) != 4 || chain.Attempts[3].Source != "managed identity" {
					t.Errorf("error = %v, want a chain of the four production steps", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDefaultFixture(t, nil, tt.imds)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			cred, err := Default(t.Context(), f.opts)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("Default chose %q, want no credential", cred)
			case tt.want != "" && err != nil:
				t.Fatalf("Default: %v", err)
			case tt.want != "":
				if !strings.HasPrefix(cred.String(), tt.want) {
					t.Errorf("Default chose %q, want %q", cred.String(), tt.want)
				}
				if !strings.Contains(f.logs.String(), "default chain chose a credential") {
					t.Errorf("the choice was not logged:\n%s", f.logs)
				}
			}
			if tt.check != nil {
				tt.check(t, f, err)
			}
			assertNoSecrets(t, "log", f.logs.String(), testSecret, "app-secret", "fn-secret", "ca-secret", "sf-secret", "ml-secret", "arc-key")
			if err != nil {
				assertNoSecrets(t, "error", err.Error(), testSecret, "app-secret", "fn-secret", "ca-secret", "sf-secret", "ml-secret", "arc-key")
			}
		})
	}
}

func TestDefaultServicePrincipalOrder(t *testing.T) {
	tests := []struct {
		name  string
		entra func(http.ResponseWriter, *http.Request, url.Values)
		setup func(t *testing.T, f *defaultFixture)
		want  string
		check func(t *testing.T, f *defaultFixture)
	}{
		{
			name: "client secret first",
			setup: func(t *testing.T, f *defaultFixture) {
				setEnv(t, "AZURE_TENANT_ID", "t", "AZURE_CLIENT_ID", "c", "AZURE_CLIENT_SECRET", testSecret,
					"AZURE_FEDERATED_TOKEN_FILE", "/nonexistent")
				fakeTool(t, f.bin, "az", azOutput(time.Now().Add(time.Hour), ""))
			},
			want: "client secret credential (tenant t, client c)",
			check: func(t *testing.T, f *defaultFixture) {
				if reqs := f.entra.Requests(); len(reqs) != 1 || reqs[0].Form.Get("client_secret") != testSecret {
					t.Errorf("token requests = %v, want one with the secret", reqs)
				}
			},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDefaultFixture(t, tt.entra, nil)
			tt.setup(t, f)
			cred, err := Default(t.Context(), f.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(cred.String(), tt.want) {
				t.Errorf("Default chose %q, want %q", cred.String(), tt.want)
			}
			tt.check(t, f)
			assertNoSecrets(t, "log", f.logs.String(), testSecret, "pfx-pw")
		})
	}
}

func TestDefaultTokenCredentialsSelector(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  []string
		err   string
	}{
		{"", []string{"environment (client secret)", "environment (client certificate)", "workload identity", "managed identity", "Azure CLI", "Azure Developer CLI"}, ""},
		{"prod", []string{"environment (client secret)", "environment (client certificate)", "workload identity", "managed identity"}, ""},
		{"dev", []string{"Azure CLI", "Azure Developer CLI"}, ""},
		{"EnvironmentCredential", []string{"environment (client secret)", "environment (client certificate)"}, ""},
		{"workloadidentitycredential", []string{"workload identity"}, ""},
		{"ManagedIdentityCredential", []string{"managed identity"}, ""},
		{"AZURECLICREDENTIAL", []string{"Azure CLI"}, ""},
		{"AzureDeveloperCLICredential", []string{"Azure Developer CLI"}, ""},
		{"Prod", nil, `AZURE_TOKEN_CREDENTIALS="Prod" is not valid: want "dev", "prod" or one of EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential, AzureCLICredential, AzureDeveloperCLICredential`},
		{"AzurePowerShellCredential", nil, "is not valid"},
		{"dev,prod", nil, "is not valid"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			steps, err := selectSteps(tc.value)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			var got []string
			for _, s := range steps {
				got = append(got, s.source)
			}
			if err != nil || !cmp.Equal(tc.want, got) {
				t.Errorf("steps = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDefaultRefusesAnUnknownSelector(t *testing.T) {
	f := newDefaultFixture(t, nil, nil)
	setEnv(t, "AZURE_TOKEN_CREDENTIALS", "Everything")
	if _, err := Default(t.Context(), f.opts); err == nil || !strings.Contains(err.Error(), "AzureDeveloperCLICredential") {
		t.Errorf("error = %v, want one listing the valid values", err)
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
	wantSources := []string{"environment (client secret)", "environment (client certificate)", "workload identity", "managed identity", "Azure CLI", "Azure Developer CLI"}
	if diff := cmp.Diff(wantSources, sources); diff != "" {
		t.Fatalf("attempts (-want +got):\n%s", diff)
	}
	wantReasons := []string{
		"token endpoint answered HTTP 401 Unauthorized: invalid_client: AADSTS7000215",
		"not configured: AZURE_CLIENT_CERTIFICATE_PATH is not set",
		"not configured: AZURE_FEDERATED_TOKEN_FILE is not set",
		"IMDS endpoint " + f.opts.IMDSEndpoint + ", client ID c is unavailable",
		"Azure CLI not found on PATH",
		"Azure Developer CLI not found on PATH",
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
		!strings.Contains(err.Error(), "the PKCS #12 password is wrong") {
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
		if err == nil || !strings.Contains(err.Error(), "managed identity: IMDS endpoint "+imdsEndpoint+" did not answer within 50ms") {
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
