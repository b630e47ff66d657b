package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/internal/transport"
	"golang.org/x/oauth2"
)

// TestPipelineErrorConverts checks that the pipeline's error types become
// the client's wherever they sit in an error's chain, and that the rest of
// the chain still matches.
func TestPipelineErrorConverts(t *testing.T) {
	t.Parallel()
	errSource := errors.New("the token source is down")
	errWhy := errors.New("resource host is not the vault")
	hostErr := &transport.HostError{Scheme: "http", Host: "evil.example", VaultHost: "myvault.vault.azure.net"}
	challengeErr := &transport.ChallengeError{Host: "myvault.vault.azure.net", Scope: "https://evil.example/.default", Err: errWhy}
	tokenErr := &transport.TokenError{VaultHost: "myvault.vault.azure.net", Scope: "https://vault.azure.net/.default", TenantID: "t1", Err: errSource}
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: testVault + "/certificates/web/", Err: err} }
	tests := []struct {
		name string
		err  error
		want error  // what errors.As must find, compared with cmp.Diff
		is   error  // what errors.Is must still match, if anything
		text string // what the message must say
	}{
		{"host", hostErr, &HostError{Scheme: "http", Host: "evil.example", VaultHost: "myvault.vault.azure.net"}, nil, "credentials go only to the vault host"},
		{"challenge in url.Error", urlErr(challengeErr), &ChallengeError{Host: "myvault.vault.azure.net", Scope: "https://evil.example/.default", Err: errWhy}, errWhy, "resource host is not the vault"},
		{"token in url.Error", urlErr(tokenErr), &TokenError{VaultHost: "myvault.vault.azure.net", Scope: "https://vault.azure.net/.default", TenantID: "t1", Err: errSource}, errSource, `tenant "t1"`},
		{"token after a deadline", urlErr(fmt.Errorf("%w: %w", context.DeadlineExceeded, tokenErr)), &TokenError{VaultHost: "myvault.vault.azure.net", Scope: "https://vault.azure.net/.default", TenantID: "t1", Err: errSource}, context.DeadlineExceeded, "deadline exceeded"},
		{"host while retrying", fmt.Errorf("waiting to retry: %w", hostErr), &HostError{Scheme: "http", Host: "evil.example", VaultHost: "myvault.vault.azure.net"}, nil, "waiting to retry: refusing to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pipelineError(tt.err)
			if hasPipelineError(got) {
				t.Errorf("%v still holds a type of internal/transport", got)
			}
			switch want := tt.want.(type) {
			case *HostError:
				var e *HostError
				if !errors.As(got, &e) {
					t.Fatalf("errors.As(%v, *HostError) = false", got)
				}
				if diff := cmp.Diff(want, e); diff != "" {
					t.Errorf("HostError (-want +got):\n%s", diff)
				}
			case *ChallengeError:
				var e *ChallengeError
				if !errors.As(got, &e) {
					t.Fatalf("errors.As(%v, *ChallengeError) = false", got)
				}
				if e.Host != want.Host || e.Scope != want.Scope || e.Err != want.Err {
					t.Errorf("ChallengeError = %+v, want %+v", e, want)
				}
			case *TokenError:
				var e *TokenError
				if !errors.As(got, &e) {
					t.Fatalf("errors.As(%v, *TokenError) = false", got)
				}
				if e.VaultHost != want.VaultHost || e.Scope != want.Scope || e.TenantID != want.TenantID || e.Err != want.Err {
					t.Errorf("TokenError = %+v, want %+v", e, want)
				}
			}
			if tt.is != nil && !errors.Is(got, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", got, tt.is)
			}
			if _, wasURL := tt.err.(*url.Error); wasURL {
				if _, ok := got.(*url.Error); !ok {
					t.Errorf("%T, want a *url.Error", got)
				}
			}
			if msg := got.Error(); !strings.Contains(msg, tt.text) || strings.Contains(msg, "transport:") {
				t.Errorf("message %q: want it to say %q and not to name the internal package", msg, tt.text)
			}
		})
	}
	other := errors.New("connection refused")
	if got := pipelineError(other); got != other {
		t.Errorf("an error without pipeline types became %v", got)
	}
	if got := pipelineError(nil); got != nil {
		t.Errorf("pipelineError(nil) = %v", got)
	}
}

// failingSource is a token source that always fails.
type failingSource struct{ err error }

func (s failingSource) Token() (*oauth2.Token, error) { return nil, s.err }

// TestTokenErrorFromOperation checks the error of an operation whose token
// source fails: a *TokenError of this package, wrapping the source's error.
func TestTokenErrorFromOperation(t *testing.T) {
	t.Parallel()
	errSource := errors.New("no credentials")
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("%s %s was sent without a token", r.Method, r.URL)
	})
	c, err := New(testVault, failingSource{errSource}, WithTransport(&handlerTransport{h: mux}), WithRetry(RetryOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCertificate(t.Context(), "web", nil)
	var te *TokenError
	if !errors.As(err, &te) || !errors.Is(err, errSource) {
		t.Fatalf("err = %v, want a *TokenError wrapping the source's error", err)
	}
	if te.VaultHost != "myvault.vault.azure.net" {
		t.Errorf("VaultHost = %q", te.VaultHost)
	}
	if hasPipelineError(err) {
		t.Errorf("%v holds a type of internal/transport", err)
	}

	// The typed client of Gen shares the pipeline, and its errors too.
	_, err = c.Gen().GetCertificateWithResponse(t.Context(), "web", "")
	if !errors.As(err, &te) || !errors.Is(err, errSource) || hasPipelineError(err) {
		t.Errorf("Gen: err = %v, want a *TokenError of this package wrapping the source's error", err)
	}
}
