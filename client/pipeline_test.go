package client

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"
)

// scopedSource is a ChallengeTokenSource that records what it was asked for.
type scopedSource struct {
	mu    sync.Mutex
	asked []string
}

func (s *scopedSource) Token() (*oauth2.Token, error) {
	return nil, errors.New("scopedSource needs a challenge")
}

func (s *scopedSource) ChallengeToken(_ context.Context, scope, tenant, claims string) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, scope+" "+tenant)
	return &oauth2.Token{AccessToken: "secret-token-for-" + tenant, Expiry: time.Now().Add(time.Hour)}, nil
}

func TestNewSendsTokenAndUserAgent(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /certificates/web/", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer static-token" {
			t.Errorf("Authorization = %q", got)
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "kvcerts/") || !strings.HasSuffix(ua, " myapp/1.0") {
			t.Errorf("User-Agent = %q", ua)
		}
		reply(w, 200, bundleJSON)
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(testVault+"/", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static-token"}),
		WithTransport(&handlerTransport{h: mux}), WithUserAgent("myapp/1.0"), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCertificate(t.Context(), "web", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "/certificates/web/") {
		t.Errorf("no log record of the request: %q", logs.String())
	}
	if strings.Contains(logs.String(), "static-token") {
		t.Errorf("the token was logged: %q", logs.String())
	}
}

func TestNewAnswersChallenge(t *testing.T) {
	t.Parallel()
	const challenge = `Bearer authorization="https://login.microsoftonline.com/tenant-1", resource="https://vault.azure.net"`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /certificates/web/create", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", challenge)
			reply(w, 401, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer secret-token-for-tenant-1" {
			t.Errorf("Authorization = %q", got)
		}
		checkJSONBody(t, r, `{"policy":{"issuer":{"name":"Unknown"}}}`)
		reply(w, 202, `{"id":"https://myvault.vault.azure.net/certificates/web/pending","issuer":{"name":"Unknown"},"status":"inProgress"}`)
	})
	src := &scopedSource{}
	c, err := New(testVault, src, WithTransport(&handlerTransport{h: mux}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.BeginCreateCertificate(t.Context(), "web", &CertificatePolicy{IssuerName: IssuerUnknown}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Done() {
		t.Error("not done")
	}
	if len(src.asked) != 1 || src.asked[0] != "https://vault.azure.net/.default tenant-1" {
		t.Errorf("token source asked for %q", src.asked)
	}
}

func TestNewRefusesHostileChallenge(t *testing.T) {
	t.Parallel()
	var sawAuth bool
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			sawAuth = true
		}
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://evil.example"`)
		reply(w, 401, `{"error":{"code":"Unauthorized","message":"no"}}`)
	})
	c, err := New(testVault, &scopedSource{}, WithTransport(&handlerTransport{h: mux}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCertificate(t.Context(), "web", nil)
	if _, ok := errors.AsType[*ChallengeError](err); !ok {
		t.Errorf("err = %v, want a *ChallengeError", err)
	}
	if sawAuth {
		t.Error("a token was sent to a server with a hostile challenge")
	}
}

func TestNewRetriesThrottling(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		mux := http.NewServeMux()
		mux.HandleFunc("GET /certificates/web/", func(w http.ResponseWriter, r *http.Request) {
			if at = append(at, time.Since(start)); len(at) == 1 {
				w.Header().Set("Retry-After", "3")
				reply(w, 429, `{"error":{"code":"Throttled","message":"slow down"}}`)
				return
			}
			reply(w, 200, bundleJSON)
		})
		c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}), WithTransport(&handlerTransport{h: mux}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetCertificate(t.Context(), "web", nil); err != nil {
			t.Fatal(err)
		}
		if len(at) != 2 || at[1]-at[0] != 3*time.Second {
			t.Errorf("attempts at %v, want two 3s apart", at)
		}
	})
}

func TestNewLoopbackHTTP(t *testing.T) {
	t.Parallel()
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})
	if _, err := New("http://127.0.0.1:8080", ts, WithLoopbackHTTP()); err != nil {
		t.Errorf("loopback http: %v", err)
	}
	if _, err := New("http://127.0.0.1:8080", ts); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("http without the option: err = %v", err)
	}
}

// TestSecretsStayOutOfLogsAndErrors sends a token, a PFX password, a PEM
// private key and an issuer password to a vault that refuses them all, and
// checks that none of them appears in a log record or an error.
func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	t.Parallel()
	const (
		token       = "tok-SECRET-1"
		pfxPassword = "pfx-SECRET-2"
		issuerPass  = "iss-SECRET-3"
	)
	cert, key := selfSigned(t)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), keyPEM...)

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 400, `{"error":{"code":"BadParameter","message":"refused"}}`)
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}),
		WithTransport(&handlerTransport{h: mux}), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	_, err = c.ImportCertificate(t.Context(), "pfx", []byte{0x30, 0x82, 1, 2}, &ImportCertificateOptions{Password: pfxPassword})
	errs = append(errs, err)
	_, err = c.ImportCertificate(t.Context(), "pem", data, nil)
	errs = append(errs, err)
	_, err = c.CreateIssuer(t.Context(), "iss", "Test", &CreateIssuerOptions{Password: issuerPass})
	errs = append(errs, err)

	secrets := []string{token, pfxPassword, issuerPass, string(keyPEM[30:80]), base64.StdEncoding.EncodeToString(keyDER)[:40]}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded", i)
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains a secret", err)
			}
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged")
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs contain a secret %q:\n%s", s, logs.String())
		}
	}
}

func TestClientConcurrentUse(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				if cert, err := c.GetCertificate(t.Context(), "web", nil); err != nil || cert.Properties.Name != "web" {
					t.Errorf("GetCertificate = %v, %v", cert, err)
				}
			}
		})
	}
	wg.Wait()
	if n := tr.calls.Load(); n != 160 {
		t.Errorf("%d requests, want 160", n)
	}
}

// TestStateCreatingRequestsRetryLess checks that the requests that create
// state (create, import, merge, restore, recover) are retried on 503, which
// the service sends before acting, but not on 500, after which they may
// have taken effect, while other requests are retried on both.
func TestStateCreatingRequestsRetryLess(t *testing.T) {
	t.Parallel()
	leaf, _ := selfSigned(t)
	retries := int32(DefaultRetryOptions().MaxRetries)
	tests := []struct {
		name         string
		call         func(ctx context.Context, c *Client) error
		createsState bool
	}{
		{"BeginCreateCertificate", func(ctx context.Context, c *Client) error {
			_, err := c.BeginCreateCertificate(ctx, "web", DefaultPolicy(), nil)
			return err
		}, true},
		{"ImportCertificate", func(ctx context.Context, c *Client) error {
			_, err := c.ImportCertificate(ctx, "web", []byte{0x30, 0x82, 1, 2}, nil)
			return err
		}, true},
		{"MergeCertificate", func(ctx context.Context, c *Client) error {
			_, err := c.MergeCertificate(ctx, "web", DERChain(leaf), nil)
			return err
		}, true},
		{"RestoreCertificateBackup", func(ctx context.Context, c *Client) error {
			_, err := c.RestoreCertificateBackup(ctx, []byte{1}, nil)
			return err
		}, true},
		{"BeginRecoverDeletedCertificate", func(ctx context.Context, c *Client) error {
			_, err := c.BeginRecoverDeletedCertificate(ctx, "web", nil)
			return err
		}, true},
		{"GetCertificate", func(ctx context.Context, c *Client) error {
			_, err := c.GetCertificate(ctx, "web", nil)
			return err
		}, false},
		{"BeginDeleteCertificate", func(ctx context.Context, c *Client) error {
			_, err := c.BeginDeleteCertificate(ctx, "web", nil)
			return err
		}, false},
	}
	for _, tt := range tests {
		for _, status := range []int{500, 503} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, status), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					tr := &handlerTransport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						reply(w, status, `{"error":{"code":"ServiceUnavailable","message":"try later"}}`)
					})}
					c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}), WithTransport(tr))
					if err != nil {
						t.Fatal(err)
					}
					if err := tt.call(t.Context(), c); !isStatus(err, status) {
						t.Errorf("err = %v, want status %d", err, status)
					}
					want := 1 + retries
					if tt.createsState && status == 500 {
						want = 1
					}
					if n := tr.calls.Load(); n != want {
						t.Errorf("%d attempts, want %d", n, want)
					}
				})
			})
		}
	}
}
