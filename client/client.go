package client

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Client is a client of one Key Vault's certificates API. It is immutable
// and safe for concurrent use; create it once with [New] and share it.
type Client struct {
	vaultURL      string // scheme://host[:port], no trailing slash
	server        string // vaultURL + "/", the server of gen's request builders
	scheme, host  string // normalised, to compare with next links
	hc            *http.Client
	apiVersion    string
	apiQuery      string // "api-version=..."
	pollFrequency time.Duration
	logger        *slog.Logger // for events outside requests, such as TLSSource errors
}

// New returns a client for the vault at vaultURL, such as
// "https://myvault.vault.azure.net/", that authenticates with tokens from
// ts. The URL must be https://host[:port] with an optional trailing slash
// and nothing else; http is refused unless [WithLoopbackHTTP] is given and
// the host is a loopback address.
//
// If ts also implements [ChallengeTokenSource], the scope and tenant from
// the vault's authentication challenge are used to get tokens; otherwise ts
// must return tokens for Key Vault (scope https://vault.azure.net/.default).
// A token is never sent to a server whose challenge names a resource that is
// not the vault's host or a parent domain of it.
func New(vaultURL string, ts oauth2.TokenSource, opts ...Option) (*Client, error) {
	if ts == nil {
		return nil, invalidArg("the oauth2.TokenSource is nil")
	}
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	u, err := parseVaultURL(vaultURL, s.allowHTTP)
	if err != nil {
		return nil, err
	}
	rt, err := newPipeline(&s, u.Host, ts)
	if err != nil {
		return nil, err
	}
	return newClient(u, rt, &s), nil
}

// newClient returns a client that sends requests through rt as they are:
// authentication, retries and logging are rt's business.
func newClient(u *url.URL, rt http.RoundTripper, s *settings) *Client {
	return &Client{
		vaultURL: u.Scheme + "://" + u.Host,
		server:   u.Scheme + "://" + u.Host + "/",
		scheme:   u.Scheme,
		host:     u.Host,
		hc: &http.Client{
			Transport: rt,
			Timeout:   s.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		apiVersion:    s.apiVersion,
		apiQuery:      "api-version=" + s.apiVersion,
		pollFrequency: s.pollFrequency,
		logger:        s.logger,
	}
}

// VaultURL returns the vault's URL without a trailing slash, such as
// "https://myvault.vault.azure.net".
func (c *Client) VaultURL() string { return c.vaultURL }

// parseVaultURL checks a vault URL and returns it with its scheme and host
// normalised.
func parseVaultURL(s string, allowHTTP bool) (*url.URL, error) {
	fail := func(why string) (*url.URL, error) {
		return nil, invalidArg("vault URL %s: %s", quoteURL(s), why)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fail("not a URL")
	}
	if _, why := vaultOrigin(u); why != "" {
		return fail(why)
	}
	if u.Path != "" && u.Path != "/" || u.RawPath != "" {
		return fail("a path is not allowed")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme == "http" {
		if !allowHTTP {
			return fail("http is not allowed; use https (or WithLoopbackHTTP for a loopback emulator)")
		}
		if !isLoopback(u.Hostname()) {
			return fail("http is allowed only for loopback hosts")
		}
	}
	u.Host = normalizeHost(u.Scheme, u.Host)
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
