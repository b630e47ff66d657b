package auth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testSecret = "s3cr3t~Value.With-Chars_0123456789"

func TestClientSecretRequest(t *testing.T) {
	t.Parallel()
	srv := newEntraServer(t, nil)
	o := srv.options()
	o.AdditionallyAllowedTenants = []string{"other-tenant"}
	cred, err := NewClientSecret("my-tenant", "my-client", testSecret, &o)
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	cred.now = clk.Now

	tok, err := cred.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "token-1" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(testNow.Add(time.Hour)) {
		t.Errorf("token %q, type %q, expiry %v; want token-1, Bearer, %v", tok.AccessToken, tok.TokenType, tok.Expiry, testNow.Add(time.Hour))
	}
	const claims = `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`
	if _, err := cred.ChallengeToken(t.Context(), "https://vault.azure.cn/.default", "other-tenant", claims); err != nil {
		t.Fatal(err)
	}

	// MSAL adds the OpenID scopes, and announces the client capability cp1 in the claims,
	// merged with those of a challenge.
	form := func(scope, claims string) url.Values {
		return url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {"my-client"},
			"client_secret": {testSecret},
			"scope":         {scope + " openid offline_access profile"},
			"claims":        {claims},
		}
	}
	want := []entraRequest{
		{Path: "/my-tenant/oauth2/v2.0/token", Form: form(DefaultScope, `{"access_token":{"xms_cc":{"values":["cp1"]}}}`)},
		{Path: "/other-tenant/oauth2/v2.0/token", Form: form("https://vault.azure.cn/.default",
			`{"access_token":{"acrs":{"essential":true,"value":"c1"},"xms_cc":{"values":["cp1"]}}}`)},
	}
	if diff := cmp.Diff(want, srv.Requests()); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
}

func TestClientSecretErrorsKeepTheSecret(t *testing.T) {
	t.Parallel()
	srv := newEntraServer(t, writeEntraError)
	log, logs := captureLog()
	o := srv.options()
	o.Logger = log
	cred, err := NewClientSecret("my-tenant", "my-client", testSecret, &o)
	if err != nil {
		t.Fatal(err)
	}

	_, err = cred.Token()
	var ae *AuthenticationError
	if !errors.As(err, &ae) {
		t.Fatalf("Token() error = %v, want an *AuthenticationError", err)
	}
	if diff := cmp.Diff(wantEntraError, ae); diff != "" {
		t.Errorf("AuthenticationError (-want +got):\n%s", diff)
	}
	for _, want := range []string{"auth: client secret credential: ", "invalid_client", "AADSTS7000215", wantEntraError.TraceID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if !strings.Contains(logs.String(), "token request failed") {
		t.Errorf("the failure was not logged:\n%s", logs)
	}
	assertNoSecrets(t, "error", err.Error(), testSecret)
	assertNoSecrets(t, "log", logs.String(), testSecret)
}

func TestTokensAndSecretsAreNotLogged(t *testing.T) {
	t.Parallel()
	const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token-body.sig"
	srv := newEntraServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values) {
		writeToken(w, token, 3600)
	})
	log, logs := captureLog()
	o := srv.options()
	o.Logger = log
	cred, err := NewClientSecret("my-tenant", "my-client", testSecret, &o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.Token(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "token acquired") {
		t.Errorf("the token request was not logged:\n%s", logs)
	}
	assertNoSecrets(t, "log", logs.String(), testSecret, token)
	assertNoSecrets(t, "String()", cred.String(), testSecret)
}

func TestNewClientSecretValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		tenant, client, secret string
		o                      *Options
		want                   string
	}{
		{"no tenant", "", "c", "s", nil, `invalid tenant ID ""`},
		{"bad tenant", "a/b", "c", "s", nil, `invalid tenant ID "a/b"`},
		{"no client", "t", " ", "s", nil, "missing client ID"},
		{"no secret", "t", "c", "", nil, "missing client secret"},
		{"http authority", "t", "c", "s", &Options{AuthorityHost: "http://login.example.com"}, "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClientSecret(tt.tenant, tt.client, tt.secret, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "auth: client secret credential: ") {
				t.Errorf("error = %v, want one starting with the credential and containing %q", err, tt.want)
			}
		})
	}
}

func TestEntraResponsesThatAreNotTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"no access token", 200, `{"token_type":"Bearer","expires_in":3600}`, "the token endpoint's answer holds no access token"},
		{"empty access token", 200, `{"token_type":"Bearer","access_token":"","expires_in":3600}`, "holds no access token"},
		{"not JSON", 200, `<html>signed in</html>`, "the token endpoint's answer is not a JSON object"},
		{"no expiry", 200, `{"token_type":"Bearer","access_token":"x"}`, "the token response has neither expires_in nor expires_on"},
		{"error with 200", 200, `{"error":"invalid_request","error_description":"AADSTS900144: missing scope"}`, "HTTP 200 OK: invalid_request: AADSTS900144"},
		{"proxy page", 502, `<html>Bad gateway</html>`, "HTTP 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newEntraServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			o := srv.options()
			cred, err := NewClientSecret("t", "c", testSecret, &o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.Token()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
