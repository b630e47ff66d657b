package transport

import (
	"fmt"
	"strings"
)

// HostError reports a request the pipeline refused to send because credentials go only to
// the vault's host, and only over HTTPS (or plain HTTP to a loopback vault when
// Config.AllowHTTP is set). Nothing was sent.
type HostError struct {
	Scheme    string // scheme of the refused request
	Host      string // host[:port] of the refused request
	VaultHost string // the configured vault host
}

func (e *HostError) Error() string {
	return fmt.Sprintf("transport: refusing to send a request to %s://%s: credentials go only to the vault host %s over https",
		e.Scheme, e.Host, e.VaultHost)
}

// ChallengeError reports an authentication challenge from the vault that the pipeline
// refused: it was malformed, or it named a resource outside the vault's domain. No token
// was sent in answer to it.
type ChallengeError struct {
	Host  string // the vault host that sent the challenge
	Scope string // the token scope the challenge asked for, when it named one
	Err   error  // why the challenge was refused
}

func (e *ChallengeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transport: refused the authentication challenge from %s", e.Host)
	if e.Scope != "" {
		fmt.Fprintf(&b, " for scope %q", e.Scope)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *ChallengeError) Unwrap() error { return e.Err }

// TokenError reports that the token source failed to supply a token for a request to the
// vault. Nothing was sent with the failed token request.
type TokenError struct {
	VaultHost string // the vault the token was for
	Scope     string // the scope from the vault's challenge; "" for a plain token source
	TenantID  string // the tenant from the vault's challenge; "" when none was named
	Err       error  // the token source's error
}

func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "transport: getting a token for %s", e.VaultHost)
	if e.Scope != "" {
		fmt.Fprintf(&b, " (scope %q", e.Scope)
		if e.TenantID != "" {
			fmt.Fprintf(&b, ", tenant %q", e.TenantID)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *TokenError) Unwrap() error { return e.Err }
