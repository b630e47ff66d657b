package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"golang.org/x/oauth2"
)

// envAuthorityHost overrides the default authority host.
const envAuthorityHost = "AZURE_AUTHORITY_HOST"

// instanceDiscoveryHost is where MSAL asks about authority hosts it does not know, unless
// Options.DisableInstanceDiscovery is set.
const instanceDiscoveryHost = "login.microsoftonline.com"

// entraSource gets tokens from Microsoft Entra ID with MSAL's confidential client: the
// client credentials grant, proved by a secret, a certificate or a client assertion.
type entraSource struct {
	client  confidential.Client
	secrets []string // the secret or certificate password, removed from errors
}

// newEntraSource builds the confidential client of the three Entra ID credentials.
func newEntraSource(tenantID, clientID string, cred confidential.Credential, o *Options, x5c bool, secrets ...string) (*entraSource, error) {
	if err := validateTenant(tenantID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(clientID) == "" {
		return nil, errors.New("missing client ID")
	}
	authority, err := authorityHost(o)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(authority)
	hc := httpClient(o)
	wrapper := &msalHTTP{hc: hc, now: time.Now, allow: entraHosts(u, o.DisableInstanceDiscovery), isToken: func(req *http.Request) bool {
		return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/token")
	}}
	if u.Scheme == "http" {
		// MSAL accepts only https authorities; a permitted loopback http authority is given
		// to it as https and sent as http.
		wrapper.rewrite = func(req *http.Request) *http.Request {
			if req.URL.Scheme == "https" && req.URL.Host == u.Host {
				req = req.Clone(req.Context())
				req.URL.Scheme = "http"
			}
			return req
		}
		u.Scheme = "https"
	}
	opts := []confidential.Option{
		confidential.WithHTTPClient(wrapper),
		confidential.WithInstanceDiscovery(!o.DisableInstanceDiscovery),
		// cp1: this client handles continuous access evaluation's claims challenges.
		confidential.WithClientCapabilities([]string{"cp1"}),
	}
	if x5c {
		opts = append(opts, confidential.WithX5C())
	}
	client, err := confidential.New(u.String()+"/"+tenantID, clientID, cred, opts...)
	if err != nil {
		return nil, errors.New(redact(err.Error(), secrets...))
	}
	return &entraSource{client: client, secrets: secrets}, nil
}

// entraHosts returns the check of where a confidential client's requests may go: the
// authority's host, and the instance discovery host unless discovery is off.
func entraHosts(authority *url.URL, noDiscovery bool) func(*http.Request) error {
	return func(req *http.Request) error {
		host := req.URL.Host
		if strings.EqualFold(host, authority.Host) || (!noDiscovery && strings.EqualFold(host, instanceDiscoveryHost)) {
			return nil
		}
		return fmt.Errorf("refusing to send a token request to %s: only the authority host %s is allowed", req.URL.Redacted(), authority.Host)
	}
}

func (s *entraSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	ctx, rec := withRecord(ctx)
	opts := []confidential.AcquireByCredentialOption{confidential.WithTenantID(r.tenant)}
	if r.claims != "" {
		opts = append(opts, confidential.WithClaims(r.claims))
	}
	ar, err := s.client.AcquireTokenByCredential(ctx, []string{r.scope}, opts...)
	if err != nil {
		return nil, msalError(ctx, rec, err, s.secrets)
	}
	return resultToken(ar.AccessToken, ar.ExpiresOn, ar.Metadata.RefreshOn, time.Now(), r.now)
}

// resultToken makes the oauth2.Token of an MSAL result, whose expiry may also come from
// MSAL's cache: an expiry in the past is refused and one beyond maxLifetime capped. MSAL's
// times are on the system clock; the token's are moved to the credential's clock, whose
// time is now, while the system clock's is msalNow. A refresh time MSAL suggests is kept
// under refreshOnKey for the credential's cache.
func resultToken(accessToken string, expires, refreshOn, msalNow, now time.Time) (*oauth2.Token, error) {
	if accessToken == "" {
		return nil, errors.New("the token response holds no access token")
	}
	exp, err := expiryAt("the token's expiry", expires, msalNow)
	if err != nil {
		return nil, err
	}
	life := exp.Sub(msalNow)
	// MSAL counts whole seconds from when it read the answer, a moment ago.
	life = max(life.Round(time.Second), time.Second)
	tok := &oauth2.Token{AccessToken: accessToken, TokenType: "Bearer", Expiry: now.Add(life)}
	if !refreshOn.IsZero() {
		if r := refreshOn.Sub(msalNow); r < life {
			tok = tok.WithExtra(map[string]any{refreshOnKey: now.Add(max(r, 0))})
		}
	}
	return tok, nil
}

// authorityHost returns the configured authority host, checked to be https (or plain http on
// a loopback address when the options allow it).
func authorityHost(o *Options) (string, error) {
	host, from := o.AuthorityHost, "authority host"
	if host == "" {
		host, from = os.Getenv(envAuthorityHost), envAuthorityHost
	}
	if host == "" {
		return AuthorityPublic, nil
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "", fmt.Errorf("invalid %s %q: want a URL such as %q", from, host, AuthorityPublic)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && o.InsecureAllowLoopbackHTTP && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("%s %q must use https", from, host)
	}
	return u.Scheme + "://" + u.Host, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
