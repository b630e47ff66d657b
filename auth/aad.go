package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// envAuthorityHost overrides the default authority host.
const envAuthorityHost = "AZURE_AUTHORITY_HOST"

// entraClient sends the client credentials grant to a Microsoft Entra ID token endpoint. The
// client secret, client certificate and workload identity credentials differ only in how they
// prove the client's identity.
type entraClient struct {
	authority string // validated, without a trailing slash
	clientID  string
	hc        *http.Client
}

// newEntraClient validates what the three Entra ID credentials have in common.
func newEntraClient(tenantID, clientID string, o *Options) (*entraClient, error) {
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
	return &entraClient{authority: authority, clientID: clientID, hc: httpClient(o)}, nil
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
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("invalid %s %q: want a URL such as %q", from, host, AuthorityPublic)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && o.InsecureAllowLoopbackHTTP && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("%s %q must use https", from, host)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenURL is the v2.0 token endpoint of tenant; client assertions name it as their audience.
func (c *entraClient) tokenURL(tenant string) string {
	return c.authority + "/" + tenant + "/oauth2/v2.0/token"
}

// request sends the grant for r with the given client secret or, when secret is empty, the
// client assertion in params.
func (c *entraClient) request(ctx context.Context, r tokenRequest, secret string, params url.Values) (*oauth2.Token, error) {
	if r.claims != "" {
		params.Set("claims", r.claims)
	}
	cfg := clientcredentials.Config{
		ClientID:       c.clientID,
		ClientSecret:   secret,
		TokenURL:       c.tokenURL(r.tenant),
		Scopes:         []string{r.scope},
		EndpointParams: params,
		AuthStyle:      oauth2.AuthStyleInParams,
	}
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, c.hc))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			status := 0
			if re.Response != nil {
				status = re.Response.StatusCode
			}
			return nil, newAuthenticationError(status, re.Body)
		}
		return nil, err
	}
	// The oauth2 package computes Expiry from its own clock; recompute it from expires_in
	// on the credential's clock so that expiry is measured consistently.
	if d, ok := seconds(tok.Extra("expires_in")); ok {
		tok.Expiry = r.now.Add(time.Duration(d) * time.Second)
	}
	return tok, nil
}

// seconds reads a count of seconds that a token endpoint sent as a JSON number or string.
func seconds(v any) (int64, bool) {
	switch v := v.(type) {
	case float64:
		return int64(v), v > 0
	case int64:
		return v, v > 0
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil && n > 0
	}
	return 0, false
}
