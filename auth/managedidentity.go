package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

const (
	// defaultIMDSEndpoint is the token endpoint of the Azure instance metadata service. It is
	// plain http on a link-local address that only the local machine can reach.
	defaultIMDSEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token"
	imdsAPIVersion      = "2018-02-01"

	// App Service and Azure Functions name their local token endpoint and its secret header
	// value in these environment variables.
	envIdentityEndpoint   = "IDENTITY_ENDPOINT"
	envIdentityHeader     = "IDENTITY_HEADER"
	appServiceAPIVersion  = "2019-08-01"
	maxTokenResponseBytes = 1 << 20
)

// ManagedIdentityOptions configures NewManagedIdentity. A nil *ManagedIdentityOptions is the
// same as the zero value. Of the embedded Options, AuthorityHost,
// AdditionallyAllowedTenants and InsecureAllowLoopbackHTTP do not apply: the token comes from
// a local endpoint, and the identity belongs to one tenant.
type ManagedIdentityOptions struct {
	Options

	// ClientID, ObjectID or ResourceID selects a user-assigned identity; set at most one.
	// When all are empty the resource's system-assigned identity is used.
	ClientID   string
	ObjectID   string
	ResourceID string

	// IMDSEndpoint is the instance metadata service's token endpoint.
	// Default: http://169.254.169.254/metadata/identity/oauth2/token.
	IMDSEndpoint string

	// IdentityEndpoint and IdentityHeader are the App Service (and Azure Functions) token
	// endpoint and the secret it expects in the X-IDENTITY-HEADER header.
	// Default: IDENTITY_ENDPOINT and IDENTITY_HEADER. When an IdentityEndpoint is known it is
	// used instead of the instance metadata service.
	IdentityEndpoint string
	IdentityHeader   string
}

// NewManagedIdentity returns a credential for the managed identity of the Azure resource the
// program runs on: the App Service or Functions endpoint when IDENTITY_ENDPOINT (or
// ManagedIdentityOptions.IdentityEndpoint) is set, and the instance metadata service (VMs,
// scale sets, AKS nodes, Container Instances) otherwise. These endpoints are plain http on
// the local machine, the one exception to this package's https requirement.
//
// The resource asked for is the scope without its "/.default" suffix. Managed identities
// cannot honour a claims challenge.
func NewManagedIdentity(opts *ManagedIdentityOptions) (*Credential, error) {
	const kind = "managed identity"
	if opts == nil {
		opts = &ManagedIdentityOptions{}
	}
	src, err := newManagedIdentitySource(opts)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	detail := src.describe()
	if src.idParam != "" {
		detail += ", " + src.idParam + " " + src.id
	}
	cred := newCredential(kind, detail, "", src, &opts.Options)
	cred.tenantless = true
	return cred, nil
}

type managedIdentitySource struct {
	hc         *http.Client
	endpoint   *url.URL
	appService bool
	secret     string // the App Service X-IDENTITY-HEADER value
	idParam    string // query parameter naming a user-assigned identity, if any
	id         string
}

func newManagedIdentitySource(o *ManagedIdentityOptions) (*managedIdentitySource, error) {
	s := &managedIdentitySource{hc: httpClient(&o.Options)}
	endpoint := cmp.Or(o.IdentityEndpoint, os.Getenv(envIdentityEndpoint))
	if endpoint != "" {
		s.appService = true
		s.secret = cmp.Or(o.IdentityHeader, os.Getenv(envIdentityHeader))
		if s.secret == "" {
			return nil, fmt.Errorf("the App Service endpoint %s needs a secret: set ManagedIdentityOptions.IdentityHeader or %s", endpoint, envIdentityHeader)
		}
	} else {
		endpoint = cmp.Or(o.IMDSEndpoint, defaultIMDSEndpoint)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid managed identity endpoint %q: want an http or https URL", endpoint)
	}
	s.endpoint = u

	var set int
	for _, id := range []struct{ imds, appService, value string }{
		{"client_id", "client_id", o.ClientID},
		{"object_id", "principal_id", o.ObjectID},
		{"msi_res_id", "mi_res_id", o.ResourceID},
	} {
		if id.value == "" {
			continue
		}
		set++
		s.idParam, s.id = id.imds, id.value
		if s.appService {
			s.idParam = id.appService
		}
	}
	if set > 1 {
		return nil, errors.New("set only one of ManagedIdentityOptions.ClientID, ObjectID and ResourceID")
	}
	return s, nil
}

// describe names the endpoint for messages.
func (s *managedIdentitySource) describe() string {
	if s.appService {
		return "App Service endpoint " + s.endpoint.Redacted()
	}
	return "IMDS endpoint " + s.endpoint.Redacted()
}

func (s *managedIdentitySource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	if r.claims != "" {
		return nil, errors.New("managed identity endpoints cannot honour a claims challenge (continuous access evaluation)")
	}
	apiVersion, header, value := imdsAPIVersion, "Metadata", "true"
	if s.appService {
		apiVersion, header, value = appServiceAPIVersion, "X-IDENTITY-HEADER", s.secret
	}
	q := s.endpoint.Query()
	q.Set("api-version", apiVersion)
	q.Set("resource", strings.TrimSuffix(r.scope, "/.default"))
	if s.idParam != "" {
		q.Set(s.idParam, s.id)
	}
	u := *s.endpoint
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(header, value)
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the response: %w", s.describe(), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %w", s.describe(), newAuthenticationError(resp.StatusCode, body))
	}
	return s.parse(body, r.now)
}

// parse reads a token response. Both endpoints send numbers as strings, and App Service
// has sent expires_on as a date.
func (s *managedIdentitySource) parse(body []byte, now time.Time) (*oauth2.Token, error) {
	var v struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   any    `json:"expires_in"`
		ExpiresOn   any    `json:"expires_on"`
	}
	// The decoding error is not wrapped: it could quote part of the body, which holds the token.
	if json.Unmarshal(body, &v) != nil || v.AccessToken == "" {
		return nil, fmt.Errorf("%s: the response is not a token", s.describe())
	}
	tok := &oauth2.Token{AccessToken: v.AccessToken, TokenType: cmp.Or(v.TokenType, "Bearer")}
	if d, ok := seconds(v.ExpiresIn); ok {
		tok.Expiry = now.Add(time.Duration(d) * time.Second)
	} else if t, ok := expiresOn(v.ExpiresOn); ok {
		tok.Expiry = t
	} else {
		return nil, fmt.Errorf("%s: the token has no readable expires_in or expires_on", s.describe())
	}
	return tok, nil
}

// expiresOn reads an absolute expiry: Unix seconds, or a date as older App Service versions
// send it.
func expiresOn(v any) (time.Time, bool) {
	if n, ok := seconds(v); ok {
		return time.Unix(n, 0), true
	}
	str, _ := v.(string)
	for _, layout := range []string{"1/2/2006 3:04:05 PM -07:00", time.RFC3339} {
		if t, err := time.Parse(layout, str); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// probe reports whether anything answers HTTP at the endpoint within timeout. Default uses
// it so that a machine without a metadata service fails this step quickly instead of
// waiting for a connection that never comes.
func (s *managedIdentitySource) probe(ctx context.Context, timeout time.Duration) error {
	probeCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(probeCtx, http.MethodGet, s.endpoint.String(), nil)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if probeCtx.Err() != nil {
			return fmt.Errorf("%s did not answer within %s", s.describe(), timeout)
		}
		return fmt.Errorf("%s is unavailable: %w", s.describe(), err)
	}
	resp.Body.Close()
	return nil
}
