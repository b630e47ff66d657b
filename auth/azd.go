package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// AzureDeveloperCLIOptions configures NewAzureDeveloperCLI. A nil *AzureDeveloperCLIOptions
// is the same as the zero value. Of the embedded Options, HTTPClient, AuthorityHost,
// DisableInstanceDiscovery and InsecureAllowLoopbackHTTP do not apply: azd makes its own
// requests.
type AzureDeveloperCLIOptions struct {
	Options

	// TenantID is passed to azd with --tenant-id. Default: azd's current tenant, and then
	// any tenant a challenge asks for is passed through.
	TenantID string

	// Timeout bounds each run of azd. Default: 10 s.
	Timeout time.Duration
}

// NewAzureDeveloperCLI returns a credential that asks the Azure Developer CLI for tokens
// with "azd auth token --output json --scope <scope>" (and --tenant-id when a tenant is
// asked for), for developers signed in with "azd auth login". The azd command is looked up
// on PATH for every token request and run without a shell. A claims challenge is passed
// with --claims, which azd 1.18.1 and later understand.
func NewAzureDeveloperCLI(opts *AzureDeveloperCLIOptions) (*Credential, error) {
	const kind = "Azure Developer CLI"
	if opts == nil {
		opts = &AzureDeveloperCLIOptions{}
	}
	timeout, detail, err := cliSettings(opts.TenantID, opts.Timeout)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	return newCredential(kind, detail, opts.TenantID, &azdSource{timeout: timeout}, &opts.Options), nil
}

type azdSource struct {
	timeout time.Duration
}

func (s *azdSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	if !cliScopePattern.MatchString(r.scope) {
		return nil, fmt.Errorf("scope %q has characters that are not passed to the Azure Developer CLI", r.scope)
	}
	args := []string{"auth", "token", "--output", "json", "--no-prompt", "--scope", r.scope}
	if r.tenant != "" {
		args = append(args, "--tenant-id", r.tenant)
	}
	if r.claims != "" {
		args = append(args, "--claims", base64.StdEncoding.EncodeToString([]byte(r.claims)))
	}
	out, err := runCLI(ctx, r.now, s.timeout, "azd", "Azure Developer CLI", "azd auth login", args...)
	if err != nil {
		if r.claims != "" && strings.Contains(err.Error(), "unknown flag: --claims") {
			return nil, errors.New("the installed Azure Developer CLI cannot pass a claims challenge; upgrade it to 1.18.1 or later")
		}
		return nil, err
	}
	return parseAzdToken(out, r.now)
}

// parseAzdToken reads the output of azd auth token: {"token": ..., "expiresOn": RFC 3339}.
// The expiry must lie after now; one more than maxLifetime ahead is capped.
func parseAzdToken(out []byte, now time.Time) (*oauth2.Token, error) {
	var v struct {
		Token     string `json:"token"`
		ExpiresOn string `json:"expiresOn"`
	}
	// The decoding error is not wrapped: it could quote part of the output, which holds the token.
	if json.Unmarshal(out, &v) != nil || v.Token == "" {
		return nil, errors.New("azd auth token printed no token")
	}
	t, err := time.Parse(time.RFC3339, v.ExpiresOn)
	if err != nil {
		return nil, fmt.Errorf("azd auth token printed no readable expiry (expiresOn %q)", clip(v.ExpiresOn))
	}
	expiry, err := expiryAt("expiresOn", t, now)
	if err != nil {
		return nil, fmt.Errorf("azd auth token printed an unusable token: %w", err)
	}
	return &oauth2.Token{AccessToken: v.Token, TokenType: "Bearer", Expiry: expiry}, nil
}
