package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// Config describes the pipeline for one vault.
type Config struct {
	// Base sends the requests. Nil means a clone of http.DefaultTransport.
	Base http.RoundTripper
	// TokenSource supplies bearer tokens; it is required. When it also implements
	// ChallengeTokenSource, tokens are fetched for the scope and tenant named by the
	// vault's authentication challenge.
	TokenSource oauth2.TokenSource
	// VaultHost is the host[:port] of the vault URL, such as "myvault.vault.azure.net".
	// It is the only host that ever receives a token. It is compared case-insensitively,
	// and a missing port means the default port of the request's scheme.
	VaultHost string
	// Retry says how often and how long to retry; see RetryPolicy.
	Retry RetryPolicy
	// Logger receives one debug record per attempt. Nil discards them.
	Logger *slog.Logger
	// UserAgent, when not empty, is sent as the User-Agent header.
	UserAgent string
	// AllowHTTP permits plain http requests; it is accepted only when VaultHost is a
	// loopback host (localhost, 127.0.0.0/8 or ::1), as for a local emulator.
	AllowHTTP bool
}

// New validates cfg and returns the pipeline for its vault: retry, then auth, then
// logging, then cfg.Base. The result is safe for concurrent use.
func New(cfg Config) (http.RoundTripper, error) {
	if cfg.TokenSource == nil {
		return nil, errors.New("transport: Config.TokenSource is nil")
	}
	vault, err := parseVaultHost(cfg.VaultHost)
	if err != nil {
		return nil, err
	}
	if cfg.AllowHTTP && !vault.isLoopback() {
		return nil, fmt.Errorf("transport: Config.AllowHTTP requires a loopback vault host (localhost, 127.0.0.0/8 or ::1), not %q", cfg.VaultHost)
	}
	if err := cfg.Retry.Validate(); err != nil {
		return nil, fmt.Errorf("transport: Config.Retry: %w", err)
	}
	if i := strings.IndexFunc(cfg.UserAgent, isControl); i >= 0 {
		return nil, fmt.Errorf("transport: Config.UserAgent %q contains a control character at offset %d", cfg.UserAgent, i)
	}
	base := cfg.Base
	if base == nil {
		base = defaultBase()
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var rt http.RoundTripper = &logTransport{next: base, log: logger}
	rt = newAuthTransport(rt, cfg.TokenSource, vault, cfg.AllowHTTP)
	return newRetryTransport(rt, cfg.Retry, cfg.UserAgent), nil
}

// defaultBase returns a private clone of http.DefaultTransport, so that settings the
// pipeline's owner changes on it affect no one else.
func defaultBase() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return http.DefaultTransport
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// vaultHost is a parsed Config.VaultHost.
type vaultHost struct {
	name string // lower-case host name or IP address, without brackets
	port string // "" when the vault URL has no port
}

func parseVaultHost(s string) (vaultHost, error) {
	u, err := url.Parse("https://" + s)
	if s == "" || err != nil || u.Host != s || u.Hostname() == "" || strings.HasSuffix(s, ":") {
		return vaultHost{}, fmt.Errorf("transport: Config.VaultHost %q is not a host[:port]", s)
	}
	v := vaultHost{name: strings.ToLower(u.Hostname()), port: u.Port()}
	if v.port != "" {
		if n, err := strconv.Atoi(v.port); err != nil || n < 1 || n > 65535 {
			return vaultHost{}, fmt.Errorf("transport: Config.VaultHost %q has an invalid port", s)
		}
	}
	return v, nil
}

// String returns the vault host in the form Config.VaultHost documents.
func (v vaultHost) String() string {
	if v.port == "" || v.port == "443" {
		if strings.Contains(v.name, ":") {
			return "[" + v.name + "]"
		}
		return v.name
	}
	return net.JoinHostPort(v.name, v.port)
}

func (v vaultHost) isLoopback() bool {
	if v.name == "localhost" {
		return true
	}
	ip := net.ParseIP(v.name)
	return ip != nil && ip.IsLoopback()
}

// matches reports whether a request to scheme://hostport goes to the vault. Host names
// compare case-insensitively and a missing port is the scheme's default port.
func (v vaultHost) matches(scheme, hostport string) bool {
	u := url.URL{Host: hostport}
	return strings.EqualFold(u.Hostname(), v.name) && effectivePort(scheme, u.Port()) == effectivePort(scheme, v.port)
}

func effectivePort(scheme, port string) string {
	switch {
	case port != "":
		return port
	case scheme == "http":
		return "80"
	default:
		return "443"
	}
}

// closeIdle forwards http.Client.CloseIdleConnections down the pipeline.
func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
