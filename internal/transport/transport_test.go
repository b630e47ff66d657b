package transport

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	src := &staticSource{token: "t"}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no token source", Config{VaultHost: "v.vault.azure.net"}, "Config.TokenSource is nil"},
		{"no vault host", Config{TokenSource: src}, `Config.VaultHost "" is not a host[:port]`},
		{"URL instead of host", Config{TokenSource: src, VaultHost: "https://v.vault.azure.net"}, `Config.VaultHost "https://v.vault.azure.net" is not a host[:port]`},
		{"path", Config{TokenSource: src, VaultHost: "v.vault.azure.net/x"}, "is not a host[:port]"},
		{"user info", Config{TokenSource: src, VaultHost: "u@v.vault.azure.net"}, "is not a host[:port]"},
		{"empty port", Config{TokenSource: src, VaultHost: "v.vault.azure.net:"}, "is not a host[:port]"},
		{"bad port", Config{TokenSource: src, VaultHost: "v.vault.azure.net:https"}, "is not a host[:port]"},
		{"port out of range", Config{TokenSource: src, VaultHost: "v.vault.azure.net:70000"}, `Config.VaultHost "v.vault.azure.net:70000" has an invalid port`},
		{"port zero", Config{TokenSource: src, VaultHost: "v.vault.azure.net:0"}, "has an invalid port"},
		{"http for a remote vault", Config{TokenSource: src, VaultHost: "v.vault.azure.net", AllowHTTP: true}, `requires a loopback vault host (localhost, 127.0.0.0/8 or ::1), not "v.vault.azure.net"`},
		{"http for a localhost subdomain", Config{TokenSource: src, VaultHost: "v.vault.localhost:8443", AllowHTTP: true}, "requires a loopback vault host"},
		{"retry policy", Config{TokenSource: src, VaultHost: "v.vault.azure.net", Retry: RetryPolicy{MaxRetries: -2}}, "Config.Retry: MaxRetries -2 is negative"},
		{"user agent", Config{TokenSource: src, VaultHost: "v.vault.azure.net", UserAgent: "app\r\nX-Evil: 1"}, `Config.UserAgent "app\r\nX-Evil: 1" contains a control character at offset 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() = %v, %v; want an error containing %q", rt, err, tt.want)
			}
		})
	}
}

func TestParseVaultHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     vaultHost
		str      string
		loopback bool
	}{
		{"MyVault.Vault.Azure.Net", vaultHost{name: "myvault.vault.azure.net"}, "myvault.vault.azure.net", false},
		{"myvault.vault.azure.net:443", vaultHost{name: "myvault.vault.azure.net", port: "443"}, "myvault.vault.azure.net", false},
		{"myvault.vault.azure.net:8443", vaultHost{name: "myvault.vault.azure.net", port: "8443"}, "myvault.vault.azure.net:8443", false},
		{"localhost:8080", vaultHost{name: "localhost", port: "8080"}, "localhost:8080", true},
		{"127.5.6.7", vaultHost{name: "127.5.6.7"}, "127.5.6.7", true},
		{"[::1]:8080", vaultHost{name: "::1", port: "8080"}, "[::1]:8080", true},
		{"[::1]", vaultHost{name: "::1"}, "[::1]", true},
		{"10.0.0.1:8080", vaultHost{name: "10.0.0.1", port: "8080"}, "10.0.0.1:8080", false},
	}
	for _, tt := range tests {
		got, err := parseVaultHost(tt.in)
		if err != nil {
			t.Errorf("parseVaultHost(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(vaultHost{})); diff != "" {
			t.Errorf("parseVaultHost(%q) (-want +got):\n%s", tt.in, diff)
		}
		if got.String() != tt.str || got.isLoopback() != tt.loopback {
			t.Errorf("parseVaultHost(%q): String %q loopback %v, want %q %v", tt.in, got.String(), got.isLoopback(), tt.str, tt.loopback)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	rt, err := New(Config{TokenSource: &staticSource{token: "t"}, VaultHost: "v.vault.azure.net"})
	if err != nil {
		t.Fatal(err)
	}
	retry := rt.(*retryTransport)
	auth := retry.next.(*authTransport)
	logging := auth.next.(*logTransport)
	base, ok := logging.next.(*http.Transport)
	if !ok || base == http.DefaultTransport {
		t.Errorf("base transport %T is not a clone of http.DefaultTransport", logging.next)
	}
	if logging.log == nil || auth.challenger != nil {
		t.Error("nil logger not replaced, or a plain token source taken for a challenge source")
	}
}

// TestPipeline walks the whole stack against an HTTPS server: challenge discovery,
// throttling with Retry-After, and a replay that carries the body and a token.
func TestPipeline(t *testing.T) {
	t.Parallel()
	var throttled atomic.Bool
	v := newTestVault(t, challenging(testChallenge, func(w http.ResponseWriter, r *http.Request) {
		if !throttled.Swap(true) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		ok(w, r)
	}))
	src := &challengeSource{}
	client := &http.Client{Transport: newPipeline(t, v, src, DefaultRetryPolicy())}
	req, _ := http.NewRequestWithContext(CreatesState(t.Context()), "POST", vaultURL("/certificates/c/create"), strings.NewReader(`{"x":1}`))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("x-ms-request-id") != "server-request-id" {
		t.Errorf("status %d, request id %q", resp.StatusCode, resp.Header.Get("x-ms-request-id"))
	}
	var got []string
	for _, r := range v.received() {
		got = append(got, r.Authorization+"|"+r.Body)
	}
	want := []string{"|", `Bearer secret-token-1|{"x":1}`, `Bearer secret-token-1|{"x":1}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	client.CloseIdleConnections()
}

func TestDefaultRetryPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := RetryPolicy{MaxRetries: 3, BaseDelay: 800 * time.Millisecond, MaxDelay: time.Minute, MaxRetryAfter: 2 * time.Minute}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("DefaultRetryPolicy() (-want +got):\n%s", diff)
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	tests := []struct {
		err  error
		want string
	}{
		{&HostError{Scheme: "https", Host: "evil.example", VaultHost: "v.vault.azure.net"},
			"transport: refusing to send a request to https://evil.example: credentials go only to the vault host v.vault.azure.net over https"},
		{&ChallengeError{Host: "v.vault.azure.net", Err: cause}, "transport: refused the authentication challenge from v.vault.azure.net: cause"},
		{&ChallengeError{Host: "v.vault.azure.net", Scope: "https://x/.default", Err: cause},
			`transport: refused the authentication challenge from v.vault.azure.net for scope "https://x/.default": cause`},
		{&TokenError{VaultHost: "v.vault.azure.net", Err: cause}, "transport: getting a token for v.vault.azure.net: cause"},
		{&TokenError{VaultHost: "v.vault.azure.net", Scope: "https://x/.default", Err: cause},
			`transport: getting a token for v.vault.azure.net (scope "https://x/.default"): cause`},
		{&TokenError{VaultHost: "v.vault.azure.net", Scope: "https://x/.default", TenantID: "t", Err: cause},
			`transport: getting a token for v.vault.azure.net (scope "https://x/.default", tenant "t"): cause`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if _, isHost := tt.err.(*HostError); !isHost && !errors.Is(tt.err, cause) {
			t.Errorf("%T does not unwrap to its cause", tt.err)
		}
	}
}
