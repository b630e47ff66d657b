package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/kvcerts/kvcerts/internal/transport"
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
//
// A token request that fails for a passing reason is retried: after a network error other
// than a timeout, or an answer of 408, 429 or 5xx, and from the instance metadata service
// also 404 (the identity is not assigned yet) and 410 (the service is being updated, for up to 70 s after a VM
// boots). Other answers, such as 400 for an identity that does not exist, end the request
// at once. It makes at most 7 attempts. The wait before the first retry is 2 s and doubles
// for each next one up to 30 s, each wait lengthened or shortened at random by up to a fifth:
// 72 s to 96 s of waiting in all. An answer's Retry-After header sets the wait instead, up to
// 30 s. When the context given to ChallengeToken ends, the request stops at once with an
// error that wraps the context's error. The error after the last attempt says how many
// attempts were made and wraps the last answer's *AuthenticationError.
//
// An attempt that runs into the HTTP client's timeout is not repeated: where nothing
// answers at the metadata address, as outside Azure, waiting again would not help.
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
	log        *slog.Logger
	endpoint   *url.URL
	appService bool
	secret     string // the App Service X-IDENTITY-HEADER value
	idParam    string // query parameter naming a user-assigned identity, if any
	id         string

	// sleep and jitter are the retries' clock and randomness; tests replace them.
	sleep  func(context.Context, time.Duration) error
	jitter func(time.Duration) time.Duration
}

func newManagedIdentitySource(o *ManagedIdentityOptions) (*managedIdentitySource, error) {
	s := &managedIdentitySource{hc: httpClient(&o.Options), log: logger(&o.Options), sleep: transport.Sleep, jitter: jitter}
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
	u := s.tokenURL(r.scope)
	for n := 1; ; n++ {
		resp, body, err := s.send(ctx, u)
		switch {
		case err == nil && resp.StatusCode == http.StatusOK:
			return s.parse(body, r.now)
		case err == nil:
			err = newAuthenticationError(resp.StatusCode, body)
		case ctx.Err() != nil:
			return nil, s.failed(n, err)
		}
		if n > managedIdentityRetry.MaxRetries || !s.transient(resp, err) {
			return nil, s.failed(n, err)
		}
		wait := s.wait(n, resp)
		s.log.DebugContext(ctx, "auth: retrying the managed identity token request",
			"attempt", n, "error", err.Error(), "wait", wait)
		if werr := s.sleep(ctx, wait); werr != nil {
			return nil, fmt.Errorf("%s: stopped waiting to retry after %d attempts: %w; the last one failed: %w",
				s.describe(), n, werr, err)
		}
	}
}

// tokenURL is the token request's URL for scope.
func (s *managedIdentitySource) tokenURL(scope string) string {
	apiVersion := imdsAPIVersion
	if s.appService {
		apiVersion = appServiceAPIVersion
	}
	q := s.endpoint.Query()
	q.Set("api-version", apiVersion)
	q.Set("resource", strings.TrimSuffix(scope, "/.default"))
	if s.idParam != "" {
		q.Set(s.idParam, s.id)
	}
	u := *s.endpoint
	u.RawQuery = q.Encode()
	return u.String()
}

// send makes one token request and reads the answer. A failure to read it is an error like
// a failure to connect: both may pass when the request is sent again.
func (s *managedIdentitySource) send(ctx context.Context, u string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	if s.appService {
		req.Header.Set("X-IDENTITY-HEADER", s.secret)
	} else {
		req.Header.Set("Metadata", "true")
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the response: %w", err)
	}
	return resp, body, nil
}

// transient reports whether an attempt that failed with resp or err may succeed when
// repeated: a network error other than a timeout (resp is nil), or an answer that says to
// try later. The instance metadata service also
// answers 404 until an identity is assigned and 410 while it is being updated; from App
// Service these codes mean a wrong endpoint, which waiting cannot fix.
func (s *managedIdentitySource) transient(resp *http.Response, err error) bool {
	if resp == nil {
		var ne net.Error
		return !errors.As(err, &ne) || !ne.Timeout()
	}
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return true
	case code == http.StatusNotFound, code == http.StatusGone:
		return !s.appService
	}
	return false
}

// wait returns how long to wait before retry n: what the answer's Retry-After asks for, or
// the jittered backoff, within managedIdentityRetry's caps.
func (s *managedIdentitySource) wait(n int, resp *http.Response) time.Duration {
	p := managedIdentityRetry
	if resp != nil {
		if d, ok := transport.RetryAfter(resp.Header, time.Now()); ok {
			return min(d, p.MaxRetryAfter)
		}
	}
	return min(s.jitter(p.Backoff(n)), p.MaxDelay)
}

// failed is the error of a token request whose attempt n failed with err and is the last.
func (s *managedIdentitySource) failed(n int, err error) error {
	if n == 1 {
		return fmt.Errorf("%s: %w", s.describe(), err)
	}
	return fmt.Errorf("%s: after %d attempts: %w", s.describe(), n, err)
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
