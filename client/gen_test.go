package client

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Gen's typed client answers with status, headers, raw and typed body,
// through the client's challenge authentication and logging.
func TestGenSharesThePipeline(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(srv.URL, srv.TokenSource(), WithHTTPClient(srv.Client()), WithLogger(logger), WithPollFrequency(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	policy := DefaultPolicy()
	policy.PlatformManaged = &PlatformManaged{CertificateUsage: "frontdoor"}
	create(t, c, "web", policy)

	r, err := c.Gen().GetCertificatePolicyWithResponse(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != http.StatusOK || r.HTTPResponse.Header.Get("x-ms-request-id") == "" {
		t.Errorf("status %d, headers %v", r.StatusCode(), r.HTTPResponse.Header)
	}
	if !bytes.Contains(r.Body, []byte(`"platformManaged"`)) {
		t.Errorf("raw body lacks platformManaged: %s", r.Body)
	}
	if r.JSON200 == nil || r.JSON200.PlatformManaged.CertificateUsage != "frontdoor" {
		t.Errorf("typed body %+v", r.JSON200)
	}
	if !strings.Contains(logs.String(), "/certificates/web/policy") {
		t.Errorf("no log record of the typed client's request:\n%s", logs.String())
	}

	// An error status is an answer, not an error.
	missing, err := c.Gen().GetCertificateWithResponse(t.Context(), "missing", "")
	if err != nil {
		t.Fatal(err)
	}
	if missing.StatusCode() != http.StatusNotFound || missing.JSONDefault == nil || missing.JSONDefault.Error.Code != "CertificateNotFound" {
		t.Errorf("missing certificate: status %d, body %s", missing.StatusCode(), missing.Body)
	}
}

// The typed client sends the client's api-version, so it works against a
// vault that speaks only an older one.
func TestGenSendsTheClientsAPIVersion(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(vaulttest.WithOnlyAPIVersions("2025-07-01"))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, srv.TokenSource(), WithHTTPClient(srv.Client()), WithAPIVersion("2025-07-01"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Gen().GetCertificatesWithResponse(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != http.StatusOK || r.JSON200 == nil {
		t.Errorf("status %d, body %s", r.StatusCode(), r.Body)
	}
	// An api-version given per call wins.
	r, err = c.Gen().GetCertificatesWithResponse(t.Context(), nil, func(_ context.Context, req *http.Request) error {
		req.URL.RawQuery = "api-version=" + gen.APIVersion
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != http.StatusBadRequest {
		t.Errorf("with api-version %s: status %d, want 400 from a 2025-07-01 vault", gen.APIVersion, r.StatusCode())
	}
}

func TestGenRetries(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		attempts := 0
		mux := http.NewServeMux()
		mux.HandleFunc("GET /certificates/web/policy", func(w http.ResponseWriter, r *http.Request) {
			checkAPIVersion(t, r)
			if attempts++; attempts == 1 {
				w.Header().Set("Retry-After", "2")
				reply(w, http.StatusTooManyRequests, `{"error":{"code":"Throttled","message":"slow down"}}`)
				return
			}
			reply(w, http.StatusOK, `{"id":"https://myvault.vault.azure.net/certificates/web/policy"}`)
		})
		c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}), WithTransport(&handlerTransport{h: mux}))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Gen().GetCertificatePolicyWithResponse(t.Context(), "web")
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 2 || r.StatusCode() != http.StatusOK || r.JSON200 == nil {
			t.Errorf("%d attempts, status %d, body %s", attempts, r.StatusCode(), r.Body)
		}
	})
}

func TestGenNamesItsOperation(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /certificates/contacts", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"contacts":[]}`)
	})
	var names []string
	c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}), WithTransport(&handlerTransport{h: mux}),
		WithOperationTransport(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(req *http.Request) (*http.Response, error) {
				names = append(names, OperationName(req.Context()))
				return rt.RoundTrip(req)
			})
		}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Gen().GetCertificateContactsWithResponse(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "Gen" {
		t.Errorf("operation names %q, want [Gen]", names)
	}
}

func TestGenLimitsTheResponseSize(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /certificates/big/policy", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"id":"`+strings.Repeat("x", maxResponseBody)+`"}`)
	})
	_, err := c.Gen().GetCertificatePolicyWithResponse(t.Context(), "big")
	if !errors.Is(err, errBodyTooLarge) {
		t.Errorf("err = %v, want %v", err, errBodyTooLarge)
	}
}

// The typed client's requests go to the vault only: a request for another
// host is refused before it is sent, so the token stays with the vault.
func TestGenStaysOnTheVault(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	for _, target := range []string{"https://evil.example/certificates", "http://myvault.vault.azure.net/certificates", "https://myvault.vault.azure.net.evil.example/x"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (genDoer{c}).Do(req); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", target, err)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
