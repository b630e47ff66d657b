package client

import (
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestParseVaultURL(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"https://myvault.vault.azure.net/":     "https://myvault.vault.azure.net",
		"https://myvault.vault.azure.net":      "https://myvault.vault.azure.net",
		"HTTPS://MyVault.Vault.Azure.Net:443/": "https://myvault.vault.azure.net",
		"https://v.vault.localhost:8443":       "https://v.vault.localhost:8443",
		"https://[::1]:8443/":                  "https://[::1]:8443",
	}
	for in, want := range ok {
		u, err := parseVaultURL(in, false)
		if err != nil {
			t.Errorf("parseVaultURL(%q): %v", in, err)
			continue
		}
		if got := u.Scheme + "://" + u.Host; got != want {
			t.Errorf("parseVaultURL(%q) = %q, want %q", in, got, want)
		}
	}
	bad := map[string]string{
		"":                               "scheme",
		"myvault.vault.azure.net":        "scheme",
		"ftp://v":                        "scheme",
		"https://":                       "no host",
		"https://:443":                   "no host",
		"https://v:":                     "port is empty",
		"https://v:0":                    "port is not a number",
		"https://v:65536/":               "port is not a number",
		"https://u:p@v":                  "user information",
		"https://v/certificates":         "path",
		"https://v//":                    "path",
		"https://v/?api-version=1":       "query",
		"https://v/?":                    "query",
		"https://v/#x":                   "fragment",
		"http://myvault.vault.azure.net": "http is not allowed",
		"http://127.0.0.1:8080":          "http is not allowed",
		"%zz":                            "not a URL",
	}
	for in, want := range bad {
		_, err := parseVaultURL(in, false)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), want) {
			t.Errorf("parseVaultURL(%q) = %v, want an error about %q", in, err, want)
		}
	}
	for in, allowed := range map[string]bool{
		"http://127.0.0.1:8080":  true,
		"http://localhost:8080/": true,
		"http://[::1]:8080":      true,
		"http://127.8.9.1":       true,
		"http://vault.example":   false,
		"http://10.0.0.1":        false,
	} {
		_, err := parseVaultURL(in, true)
		if (err == nil) != allowed {
			t.Errorf("parseVaultURL(%q, allowHTTP) = %v", in, err)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"nil http client":       WithHTTPClient(nil),
		"nil transport":         WithTransport(nil),
		"empty api version":     WithAPIVersion(""),
		"api version with '/'":  WithAPIVersion("2025/07/01"),
		"api version with '&'":  WithAPIVersion("1&x=y"),
		"negative retries":      WithRetry(RetryOptions{MaxRetries: -1, BaseDelay: time.Second, MaxDelay: time.Second}),
		"zero base delay":       WithRetry(RetryOptions{MaxRetries: 1, MaxDelay: time.Second}),
		"max below base":        WithRetry(RetryOptions{MaxRetries: 1, BaseDelay: time.Second, MaxDelay: time.Millisecond}),
		"negative retry-after":  WithRetry(RetryOptions{MaxRetries: 1, BaseDelay: time.Second, MaxDelay: time.Second, MaxRetryAfter: -1}),
		"nil logger":            WithLogger(nil),
		"empty user agent":      WithUserAgent(""),
		"user agent newline":    WithUserAgent("app\r\nX-Evil: 1"),
		"user agent too long":   WithUserAgent(strings.Repeat("a", 257)),
		"zero poll frequency":   WithPollFrequency(0),
		"negative poll frequen": WithPollFrequency(-time.Second),
	}
	for name, o := range bad {
		s := defaultSettings()
		if err := o(&s); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v", name, err)
		}
	}

	s := defaultSettings()
	rt := http.NewFileTransport(http.Dir("."))
	hc := &http.Client{Transport: rt, Timeout: 7 * time.Second}
	logger := slog.New(slog.DiscardHandler)
	retry := DefaultRetryOptions()
	retry.MaxRetries = 0
	for _, o := range []Option{
		WithHTTPClient(hc), WithAPIVersion("7.5-preview.1"), WithRetry(retry), WithLogger(logger),
		WithUserAgent("myapp/1.2 (+https://example.com)"), WithPollFrequency(time.Second), WithLoopbackHTTP(),
	} {
		if err := o(&s); err != nil {
			t.Fatal(err)
		}
	}
	if s.base != rt || s.timeout != 7*time.Second || s.apiVersion != "7.5-preview.1" || s.retry != retry ||
		s.logger != logger || s.userAgent != "myapp/1.2 (+https://example.com)" || s.pollFrequency != time.Second || !s.allowHTTP {
		t.Errorf("settings = %+v", s)
	}
	if err := DefaultRetryOptions().validate(); err != nil {
		t.Errorf("DefaultRetryOptions is invalid: %v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})
	if _, err := New(testVault, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil token source: err = %v", err)
	}
	if _, err := New("http://myvault.vault.azure.net", ts); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("http URL: err = %v", err)
	}
	if _, err := New(testVault, ts, WithPollFrequency(0)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad option: err = %v", err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	mux.HandleFunc("GET /certificates/a/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/x", http.StatusTemporaryRedirect)
	})
	_, err := c.GetCertificate(t.Context(), "a", nil)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("err = %v", err)
	}
	if n := tr.calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if c.VaultURL() != testVault {
		t.Errorf("VaultURL() = %q", c.VaultURL())
	}
}

// Every method of Client takes an options type of its own, so that each can
// grow without changing the others.
func TestEveryMethodHasItsOwnOptions(t *testing.T) {
	t.Parallel()
	owner := map[reflect.Type]string{}
	ct := reflect.TypeFor[*Client]()
	for m := range ct.Methods() {
		for in := range m.Type.Ins() {
			if in.Kind() != reflect.Pointer || !strings.HasSuffix(in.Elem().Name(), "Options") {
				continue
			}
			if other, ok := owner[in]; ok {
				t.Errorf("%s and %s share %s", other, m.Name, in.Elem().Name())
			}
			owner[in] = m.Name
		}
	}
	if len(owner) < 30 {
		t.Errorf("found %d options types, want one per operation (30 or more)", len(owner))
	}
}
