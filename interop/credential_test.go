package interop

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/kvcerts/kvcerts/vaulttest"
)

func TestCredential(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	scope := srv.Resource() + "/.default"
	tests := []struct {
		name    string
		cred    *Credential
		opts    policy.TokenRequestOptions
		wantErr string // empty: want a token
	}{
		{"challenge scope and tenant", NewCredential(srv.TokenSource()), policy.TokenRequestOptions{Scopes: []string{scope}, TenantID: srv.TenantID()}, ""},
		{"default tenant", NewCredential(srv.TokenSource()), policy.TokenRequestOptions{Scopes: []string{scope}}, ""},
		{"no scope", NewCredential(srv.TokenSource()), policy.TokenRequestOptions{}, "want exactly one scope"},
		{"two scopes", NewCredential(srv.TokenSource()), policy.TokenRequestOptions{Scopes: []string{scope, "other/.default"}}, `"other/.default"`},
		{"unknown tenant", NewCredential(srv.TokenSource()), policy.TokenRequestOptions{Scopes: []string{scope}, TenantID: "not-the-tenant"}, "invalid_tenant"},
		{"zero value", &Credential{}, policy.TokenRequestOptions{Scopes: []string{scope}}, "use NewCredential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := tt.cred.GetToken(t.Context(), tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("GetToken error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			if tok.Token == "" || tok.ExpiresOn.IsZero() {
				t.Errorf("token %d characters, expiry %v; want both set", len(tok.Token), tok.ExpiresOn)
			}
		})
	}
}
