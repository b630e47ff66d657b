package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWorkloadIdentityRereadsTheTokenFile(t *testing.T) {
	t.Parallel()
	srv := newEntraServer(t, nil)
	path := filepath.Join(t.TempDir(), "azure-identity-token")
	writeFile(t, path, "federated-assertion-1\n")
	cred, err := NewWorkloadIdentity(&WorkloadIdentityOptions{
		Options:       srv.options(),
		TenantID:      "my-tenant",
		ClientID:      "my-client",
		TokenFilePath: path,
	})
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	cred.now = clk.Now

	if _, err := cred.Token(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "federated-assertion-2") // the kubelet rotates the token
	// A claims challenge skips the caches, so it makes the next token request.
	if _, err := cred.ChallengeToken(t.Context(), "", "", `{"access_token":{"nbf":{"essential":true,"value":"1"}}}`); err != nil {
		t.Fatal(err)
	}

	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.Path+" "+r.Form.Get("client_id")+" "+r.Form.Get("client_assertion_type")+" "+r.Form.Get("client_assertion"))
	}
	const prefix = "/my-tenant/oauth2/v2.0/token my-client urn:ietf:params:oauth:client-assertion-type:jwt-bearer "
	if diff := cmp.Diff([]string{prefix + "federated-assertion-1", prefix + "federated-assertion-2"}, got); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
}

func TestWorkloadIdentityFromEnvironment(t *testing.T) {
	srv := newEntraServer(t, nil)
	path := filepath.Join(t.TempDir(), "token")
	writeFile(t, path, "federated-assertion")
	t.Setenv("AZURE_TENANT_ID", "env-tenant")
	t.Setenv("AZURE_CLIENT_ID", "env-client")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", path)
	t.Setenv("AZURE_AUTHORITY_HOST", srv.URL)

	cred, err := NewWorkloadIdentity(&WorkloadIdentityOptions{Options: Options{HTTPClient: loopbackOnly(srv.Client()), DisableInstanceDiscovery: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.Token(); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/env-tenant/oauth2/v2.0/token" || reqs[0].Form.Get("client_id") != "env-client" ||
		reqs[0].Form.Get("client_assertion") != "federated-assertion" {
		t.Errorf("requests = %+v, want one for env-tenant and env-client with the file's assertion", reqs)
	}
}

func TestWorkloadIdentityConfigurationErrors(t *testing.T) {
	for _, name := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AZURE_TENANT_ID", "t")
			t.Setenv("AZURE_CLIENT_ID", "c")
			t.Setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/token")
			t.Setenv(name, "")
			_, err := NewWorkloadIdentity(nil)
			if err == nil || !strings.Contains(err.Error(), name) || !strings.HasPrefix(err.Error(), "auth: workload identity credential: ") {
				t.Errorf("error = %v, want one naming %s", err, name)
			}
		})
	}
}

func TestWorkloadIdentityTokenFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, " \n")
	tests := []struct {
		name, path, want string
		wantIs           error
	}{
		{"missing", filepath.Join(dir, "missing"), "reading the federated token", os.ErrNotExist},
		{"empty", empty, "the federated token file " + empty + " is empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newEntraServer(t, nil)
			cred, err := NewWorkloadIdentity(&WorkloadIdentityOptions{Options: srv.options(), TenantID: "t", ClientID: "c", TokenFilePath: tt.path})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.Token()
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d token requests without an assertion", n)
			}
		})
	}
}

func TestWorkloadIdentityErrorsKeepTheAssertion(t *testing.T) {
	t.Parallel()
	const assertion = "eyJhbGciOiJSUzI1NiJ9.federated-secret.sig"
	srv := newEntraServer(t, writeEntraError)
	path := filepath.Join(t.TempDir(), "token")
	writeFile(t, path, assertion)
	log, logs := captureLog()
	o := WorkloadIdentityOptions{Options: srv.options(), TenantID: "t", ClientID: "c", TokenFilePath: path}
	o.Logger = log
	cred, err := NewWorkloadIdentity(&o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.ChallengeToken(t.Context(), "", "", `{"access_token":{"nbf":{"essential":true,"value":"1"}}}`)
	if _, ok := errors.AsType[*AuthenticationError](err); !ok {
		t.Fatalf("error = %v, want an *AuthenticationError", err)
	}
	if got := srv.Requests()[0].Form.Get("claims"); got == "" {
		t.Error("the claims challenge was not sent")
	}
	assertNoSecrets(t, "error", err.Error(), assertion)
	assertNoSecrets(t, "log", logs.String(), assertion)
}
