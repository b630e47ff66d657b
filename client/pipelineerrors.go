package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/kvcerts/kvcerts/internal/transport"
)

// HostError reports a request refused because it was not for the vault's
// host over https (or http to a loopback vault with [WithLoopbackHTTP]),
// such as a next link or a redirect to another host. Nothing was sent.
// [errors.As] finds it in the error of the operation.
type HostError struct {
	// Scheme and Host (host[:port]) are those of the refused request.
	Scheme string
	Host   string
	// VaultHost is the client's vault host, the only one that receives
	// credentials.
	VaultHost string
}

// Error names the refused destination and the vault.
func (e *HostError) Error() string {
	return fmt.Sprintf("refusing to send a request to %s://%s: credentials go only to the vault host %s over https",
		e.Scheme, e.Host, e.VaultHost)
}

// ChallengeError reports an authentication challenge from the vault that
// was refused, because it was malformed or named a resource outside the
// vault's domain. No token was sent in answer to it. [errors.As] finds it
// in the error of the operation.
type ChallengeError struct {
	// Host is the vault host that sent the challenge.
	Host string
	// Scope is the token scope the challenge asked for, when it named one.
	Scope string
	// Err says why the challenge was refused.
	Err error
}

// Error names the vault, the scope and the reason.
func (e *ChallengeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refused the authentication challenge from %s", e.Host)
	if e.Scope != "" {
		fmt.Fprintf(&b, " for scope %q", e.Scope)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the reason the challenge was refused.
func (e *ChallengeError) Unwrap() error { return e.Err }

// TokenError reports that the token source failed to supply a token for a
// request to the vault. The request was not sent. [errors.As] finds it in
// the error of the operation, and [errors.Is] the token source's error.
type TokenError struct {
	// VaultHost is the vault the token was for.
	VaultHost string
	// Scope and TenantID are those the vault's challenge named; both are
	// empty for a token source that is not a [ChallengeTokenSource].
	Scope    string
	TenantID string
	// Err is the token source's error.
	Err error
}

// Error names the vault, scope and tenant, and the token source's error.
func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "getting a token for %s", e.VaultHost)
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

// Unwrap returns the token source's error.
func (e *TokenError) Unwrap() error { return e.Err }

// pipelineError returns err, from a request through the pipeline, with the
// pipeline's own error types replaced by the client's, so that callers see
// only types of this package. The rest of the chain is kept: *url.Error
// and context errors still match errors.As and errors.Is.
func pipelineError(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *transport.HostError:
		return &HostError{Scheme: e.Scheme, Host: e.Host, VaultHost: e.VaultHost}
	case *transport.ChallengeError:
		return &ChallengeError{Host: e.Host, Scope: e.Scope, Err: e.Err}
	case *transport.TokenError:
		return &TokenError{VaultHost: e.VaultHost, Scope: e.Scope, TenantID: e.TenantID, Err: e.Err}
	}
	if !hasPipelineError(err) {
		return err
	}
	switch e := err.(type) {
	case *url.Error:
		return &url.Error{Op: e.Op, URL: e.URL, Err: pipelineError(e.Err)}
	case interface{ Unwrap() error }:
		inner := e.Unwrap()
		conv := pipelineError(inner)
		return &rewrapped{msg: strings.Replace(err.Error(), inner.Error(), conv.Error(), 1), errs: []error{conv}}
	case interface{ Unwrap() []error }:
		msg := err.Error()
		var errs []error
		for _, inner := range e.Unwrap() {
			conv := pipelineError(inner)
			msg = strings.Replace(msg, inner.Error(), conv.Error(), 1)
			errs = append(errs, conv)
		}
		return &rewrapped{msg: msg, errs: errs}
	}
	return err
}

// hasPipelineError reports whether err's chain holds one of the
// pipeline's error types.
func hasPipelineError(err error) bool {
	var (
		h *transport.HostError
		c *transport.ChallengeError
		t *transport.TokenError
	)
	return errors.As(err, &h) || errors.As(err, &c) || errors.As(err, &t)
}

// rewrapped stands in for a wrapping error of the pipeline whose chain
// pipelineError changed: same message, converted errors.
type rewrapped struct {
	msg  string
	errs []error
}

func (e *rewrapped) Error() string   { return e.msg }
func (e *rewrapped) Unwrap() []error { return e.errs }
