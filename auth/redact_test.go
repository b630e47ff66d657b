package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	const secret = `a+b/c d"é`
	for _, text := range []string{
		secret,
		url.QueryEscape(secret),
		url.PathEscape(secret),
		strings.Trim(mustJSON(t, secret), `"`),
	} {
		got := redact("said: "+text+".", secret)
		if got != "said: [REDACTED]." {
			t.Errorf("redact(%q) = %q", text, got)
		}
	}
	if got := redact("abc", "", "b"); got != "a[REDACTED]c" {
		t.Errorf("redact with an empty secret = %q", got)
	}
	if got := redact("xx-long-secret-xx", "long", "long-secret"); got != "xx-[REDACTED]-xx" {
		t.Errorf("a secret holding another = %q, want the longer one replaced whole", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// echoingEntra is a token endpoint that refuses every request with an error_description
// quoting the request's form, raw and URL-encoded, as a broken or hostile endpoint might.
func echoingEntra(w http.ResponseWriter, r *http.Request, form url.Values) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	// It even knows the certificate's PFX password, which no request carries.
	desc := fmt.Sprintf("bad request: secret=%s assertion=%s raw=%s pfx=pfx-password-9876",
		form.Get("client_secret"), form.Get("client_assertion"), form.Encode())
	fmt.Fprintf(w, `{"error":"invalid_request","error_description":%s,"trace_id":%q}`, mustJSONNoT(desc), form.Get("client_secret"))
}

func mustJSONNoT(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// An endpoint echoing the request must not put the client secret, the client assertion
// (signed by MSAL, or read from the federated token file) or the certificate password into
// err.Error() or the logs, for every credential that sends them.
func TestSecretsFromEchoingEndpointsAreRedacted(t *testing.T) {
	t.Parallel()
	const fileAssertion = "eyJhbGciOiJSUzI1NiJ9.federated-assertion-body.signature"
	const password = "pfx-password-9876"
	tests := []struct {
		name    string
		make    func(t *testing.T, o Options) *Credential
		secrets func(srv *entraServer) []string
	}{
		{"client secret", func(t *testing.T, o Options) *Credential {
			cred, err := NewClientSecret("t", "c", testSecret, &o)
			if err != nil {
				t.Fatal(err)
			}
			return cred
		}, func(*entraServer) []string { return []string{testSecret, url.QueryEscape(testSecret)} }},
		{"client certificate", func(t *testing.T, o Options) *Credential {
			tc := newTestCert(t)
			cred, err := NewClientCertificate("t", "c", tc.chain, tc.key, &CertificateOptions{Options: o, password: password})
			if err != nil {
				t.Fatal(err)
			}
			return cred
		}, func(srv *entraServer) []string {
			a := srv.Requests()[0].Form.Get("client_assertion")
			return []string{a, a[strings.LastIndex(a, ".")+1:], password}
		}},
		{"workload identity", func(t *testing.T, o Options) *Credential {
			path := filepath.Join(t.TempDir(), "token")
			writeFile(t, path, fileAssertion)
			cred, err := NewWorkloadIdentity(&WorkloadIdentityOptions{Options: o, TenantID: "t", ClientID: "c", TokenFilePath: path})
			if err != nil {
				t.Fatal(err)
			}
			return cred
		}, func(*entraServer) []string { return []string{fileAssertion} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newEntraServer(t, echoingEntra)
			log, logs := captureLog()
			o := srv.options()
			o.Logger = log
			cred := tt.make(t, o)
			_, err := cred.Token()
			ae, ok := errors.AsType[*AuthenticationError](err)
			if !ok || ae.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Description, "[REDACTED]") {
				t.Fatalf("error = %v, want an *AuthenticationError with the echo redacted", err)
			}
			secrets := tt.secrets(srv)
			assertNoSecrets(t, "error", err.Error(), secrets...)
			assertNoSecrets(t, "AuthenticationError", fmt.Sprintf("%+v", *ae), secrets...)
			assertNoSecrets(t, "log", logs.String(), secrets...)
		})
	}
}
