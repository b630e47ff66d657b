package auth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// defaultCLITimeout bounds one run of az when AzureCLIOptions.Timeout is zero.
const defaultCLITimeout = 10 * time.Second

// AzureCLIOptions configures NewAzureCLI. A nil *AzureCLIOptions is the same as the zero
// value. Of the embedded Options, HTTPClient, AuthorityHost and InsecureAllowLoopbackHTTP do
// not apply: the Azure CLI makes its own requests.
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
	if opts.TenantID != "" {
		if err := validateTenant(opts.TenantID); err != nil {
			return nil, &credentialError{kind, err}
		}
	}
	if opts.Timeout < 0 {
		return nil, &credentialError{kind, fmt.Errorf("negative timeout %s", opts.Timeout)}
	}
	timeout := cmp.Or(opts.Timeout, defaultCLITimeout)
	detail := "current tenant"
	if opts.TenantID != "" {
		detail = "tenant " + opts.TenantID
	}
	return newCredential(kind, detail, opts.TenantID, &cliSource{timeout: timeout}, &opts.Options), nil
}

type cliSource struct {
	timeout time.Duration
}

// cliScopePattern limits the scopes passed to az to URL-like strings that cannot be mistaken
// for a flag.
var cliScopePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_.:/-]*$`)

func (s *cliSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	if r.claims != "" {
		return nil, errors.New("the Azure CLI cannot honour a claims challenge (continuous access evaluation); sign in again with az login")
	}
	if !cliScopePattern.MatchString(r.scope) {
		return nil, fmt.Errorf("scope %q has characters that are not passed to the Azure CLI", r.scope)
	}
	path, err := exec.LookPath("az")
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			//lint:ignore ST1005 "Azure CLI" is a proper name
			return nil, errors.New("Azure CLI not found on PATH: install it and sign in with az login")
		}
		//lint:ignore ST1005 "Azure CLI" is a proper name
		return nil, fmt.Errorf("Azure CLI not found: %w", err)
	}
	args := []string{"account", "get-access-token", "--scope", r.scope}
	if r.tenant != "" {
		args = append(args, "--tenant", r.tenant)
	}
	args = append(args, "--output", "json")

	// The timeout runs from the start of the request on the credential's clock.
	runCtx, cancel := context.WithDeadline(ctx, r.now.Add(s.timeout))
	defer cancel()
	cmd := exec.CommandContext(runCtx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// After az is killed, do not wait long for children of it that still hold its output.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		switch msg := strings.TrimSpace(stderr.String()); {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case runCtx.Err() != nil:
			return nil, fmt.Errorf("az account get-access-token did not finish within %s", s.timeout)
		case strings.Contains(msg, "az login"):
			return nil, fmt.Errorf("not signed in to the Azure CLI: run az login (az: %s)", clip(msg))
		default:
			return nil, fmt.Errorf("az account get-access-token failed (%v): %s", err, clip(msg))
		}
	}
	return parseCLIToken(stdout.Bytes())
}

// parseCLIToken reads the output of az account get-access-token. It prefers expires_on,
// Unix seconds, which newer versions print, over expiresOn, a local time without zone.
func parseCLIToken(out []byte) (*oauth2.Token, error) {
	var v struct {
		AccessToken string `json:"accessToken"`
		TokenType   string `json:"tokenType"`
		ExpiresOn   string `json:"expiresOn"`
		ExpiresUnix any    `json:"expires_on"`
	}
	// The decoding error is not wrapped: it could quote part of the output, which holds the token.
	if json.Unmarshal(out, &v) != nil || v.AccessToken == "" {
		return nil, errors.New("az account get-access-token printed no access token")
	}
	tok := &oauth2.Token{AccessToken: v.AccessToken, TokenType: cmp.Or(v.TokenType, "Bearer")}
	if n, ok := seconds(v.ExpiresUnix); ok {
		tok.Expiry = time.Unix(n, 0)
	} else if t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", v.ExpiresOn, time.Local); err == nil {
		tok.Expiry = t
	} else {
		return nil, fmt.Errorf("az account get-access-token printed no readable expiry (expiresOn %q)", v.ExpiresOn)
	}
	return tok, nil
}

// clip shortens az's error output for an error message.
func clip(s string) string {
	const limit = 400
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}
