package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// AzureCLIOptions configures NewAzureCLI. A nil *AzureCLIOptions is the same as the zero
// value. Of the embedded Options, HTTPClient, AuthorityHost, DisableInstanceDiscovery and
// InsecureAllowLoopbackHTTP do not apply: the Azure CLI makes its own requests.
type AzureCLIOptions struct {
	Options

	// TenantID is passed to az with --tenant. Default: the Azure CLI's current tenant, and
	// then any tenant a challenge asks for is passed through.
	TenantID string

	// Timeout bounds each run of az. Default: 10 s.
	Timeout time.Duration
}

// NewAzureCLI returns a credential that asks the Azure CLI for tokens with
// "az account get-access-token", for developers signed in with "az login". The az command is
// looked up on PATH for every token request and run without a shell. It cannot honour a
// claims challenge.
func NewAzureCLI(opts *AzureCLIOptions) (*Credential, error) {
	const kind = "Azure CLI"
	if opts == nil {
		opts = &AzureCLIOptions{}
	}
	timeout, detail, err := cliSettings(opts.TenantID, opts.Timeout)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	return newCredential(kind, detail, opts.TenantID, &cliSource{timeout: timeout}, &opts.Options), nil
}

type cliSource struct {
	timeout time.Duration
}

func (s *cliSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	if r.claims != "" {
		return nil, errors.New("the Azure CLI cannot honour a claims challenge (continuous access evaluation); sign in again with az login")
	}
	if !cliScopePattern.MatchString(r.scope) {
		return nil, fmt.Errorf("scope %q has characters that are not passed to the Azure CLI", r.scope)
	}
	args := []string{"account", "get-access-token", "--scope", r.scope}
	if r.tenant != "" {
		args = append(args, "--tenant", r.tenant)
	}
	args = append(args, "--output", "json")
	out, err := runCLI(ctx, r.now, s.timeout, "az", "Azure CLI", "az login", args...)
	if err != nil {
		return nil, err
	}
	return parseCLIToken(out, r.now)
}

// parseCLIToken reads the output of az account get-access-token. It prefers expires_on,
// Unix seconds, which newer versions print, over expiresOn, a local time without zone.
// The expiry must lie after now; one more than maxLifetime ahead is capped.
func parseCLIToken(out []byte, now time.Time) (*oauth2.Token, error) {
	var v struct {
		AccessToken string          `json:"accessToken"`
		TokenType   string          `json:"tokenType"`
		ExpiresOn   string          `json:"expiresOn"`
		ExpiresUnix json.RawMessage `json:"expires_on"`
	}
	// The decoding error is not wrapped: it could quote part of the output, which holds the token.
	if json.Unmarshal(out, &v) != nil || v.AccessToken == "" {
		return nil, errors.New("az account get-access-token printed no access token")
	}
	var (
		expiry time.Time
		err    error
	)
	if len(v.ExpiresUnix) > 0 && !isNull(v.ExpiresUnix) {
		expiry, err = parseUnixExpiry("expires_on", v.ExpiresUnix, now)
	} else if t, perr := time.ParseInLocation("2006-01-02 15:04:05.999999", v.ExpiresOn, time.Local); perr == nil {
		expiry, err = expiryAt("expiresOn", t, now)
	} else {
		err = fmt.Errorf("no readable expiry (expiresOn %q)", clip(v.ExpiresOn))
	}
	if err != nil {
		return nil, fmt.Errorf("az account get-access-token printed an unusable token: %w", err)
	}
	return &oauth2.Token{AccessToken: v.AccessToken, TokenType: cmp.Or(v.TokenType, "Bearer"), Expiry: expiry}, nil
}
