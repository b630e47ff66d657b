package interop

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// call is the part of a request log entry these tests compare.
type call struct {
	Operation string
	Status    int
}

func calls(srv *vaulttest.Server) []call {
	var out []call
	for _, r := range srv.Requests() {
		out = append(out, call{r.Operation, r.Status})
	}
	return out
}

// TestChallengeFlow follows the SDK through the vault's challenge: the first
// request goes out without a token, the 401 names the scope and tenant, the
// credential gets a token for them from the emulator's token endpoint, and
// the request is sent again with its body.
func TestChallengeFlow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)

	if _, err := v.certs.CreateCertificate(ctx, "first", azcertificates.CreateCertificateParameters{
		CertificatePolicy: selfPolicy("CN=first"),
	}, nil); err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	want := []call{{"CreateCertificate", 401}, {"Token", 200}, {"CreateCertificate", 202}}
	if diff := cmp.Diff(want, calls(v.srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	// The SDK asks for CAE tokens, as it handles claims challenges.
	wantReq := policy.TokenRequestOptions{Scopes: []string{v.srv.Resource() + "/.default"}, TenantID: v.srv.TenantID(), EnableCAE: true}
	if diff := cmp.Diff([]policy.TokenRequestOptions{wantReq}, v.cred.requests()); diff != "" {
		t.Errorf("token requests of the SDK (-want +got):\n%s", diff)
	}

	// The client keeps its token; the secrets client meets its own
	// challenge and gets the same scope and tenant.
	v.srv.ResetRequests()
	if _, err := v.certs.GetCertificateOperation(ctx, "first", nil); err != nil {
		t.Fatalf("GetCertificateOperation: %v", err)
	}
	if _, err := v.secrets.GetSecret(ctx, "first", "", nil); err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	want = []call{{"GetCertificateOperation", 200}, {"GetSecret", 401}, {"GetSecret", 200}}
	if diff := cmp.Diff(want, calls(v.srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]policy.TokenRequestOptions{wantReq, wantReq}, v.cred.requests()); diff != "" {
		t.Errorf("token requests of the SDK (-want +got):\n%s", diff)
	}
	if n := v.srv.TokenRequests(); n != 1 {
		t.Errorf("token endpoint requests = %d, want 1 (the token source caches)", n)
	}
}

// TestChallengeResourceVerificationIsOn shows the SDK does verify the
// challenge: the same emulator reached under a host name that is not below
// the challenge's resource (localhost, which its TLS certificate covers) is
// refused before any token is requested.
func TestChallengeResourceVerificationIsOn(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	cred := &recordingCredential{cred: NewCredential(srv.TokenSource())}
	certs, _ := sdkClients(t, "https://localhost:"+port, cred, srv.Client())

	_, err = certs.GetCertificate(ctx, "any", "", nil)
	if err == nil || !strings.Contains(err.Error(), "doesn't match the requested domain") {
		t.Fatalf("GetCertificate through a host outside the challenge's resource: %v; want the SDK's challenge mismatch error", err)
	}
	if n := len(cred.requests()); n != 0 || srv.TokenRequests() != 0 {
		t.Errorf("%d token requests to the credential, %d to the endpoint; want none", n, srv.TokenRequests())
	}
}

// fixedCredential hands out one token, whatever is asked.
type fixedCredential string

func (f fixedCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(f), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestTokensAreVerified shows the emulator checks the tokens the SDK sends,
// unless it runs with lenient auth.
func TestTokensAreVerified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []vaulttest.Option
		wantErr bool
	}{
		{"strict", nil, true},
		{"lenient", []vaulttest.Option{vaulttest.WithLenientAuth()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			srv := vaulttest.NewServer(tt.opts...)
			t.Cleanup(srv.Close)
			certs, _ := sdkClients(t, srv.URL, fixedCredential("not-a-token-the-emulator-issued"), srv.Client())
			_, err := certs.SetContacts(ctx, azcertificates.Contacts{ContactList: []*azcertificates.Contact{{Email: new("a@example.com")}}}, nil)
			if tt.wantErr {
				wantResponseError(t, err, 401, "Unauthorized")
			} else if err != nil {
				t.Fatalf("SetContacts with lenient auth: %v", err)
			}
		})
	}
}
