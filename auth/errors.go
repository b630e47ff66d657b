package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// credentialError says which kind of credential failed.
type credentialError struct {
	kind string
	err  error
}

func (e *credentialError) Error() string { return "auth: " + e.kind + " credential: " + e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// AuthenticationError is a token endpoint's refusal: Microsoft Entra ID's error body, or a
// managed identity endpoint's. Find it in a credential's error with errors.As.
type AuthenticationError struct {
	StatusCode    int    // HTTP status code
	ErrorCode     string // "error", such as "invalid_client"
	Description   string // "error_description" (or a managed identity endpoint's "message")
	ErrorCodes    []int  // "error_codes": AADSTS numbers, such as 7000215
	TraceID       string // "trace_id"
	CorrelationID string // "correlation_id"
}

func (e *AuthenticationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "token endpoint answered HTTP %d", e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.ErrorCode != "" {
		b.WriteString(": " + e.ErrorCode)
	}
	// Entra ID appends trace and correlation IDs and a timestamp to the description on
	// further lines; the first line says what went wrong, the IDs are added below.
	if first, _, _ := strings.Cut(strings.TrimSpace(e.Description), "\n"); first != "" {
		b.WriteString(": " + strings.TrimSpace(first))
	}
	if e.TraceID != "" {
		b.WriteString(" (trace ID " + e.TraceID)
		if e.CorrelationID != "" {
			b.WriteString(", correlation ID " + e.CorrelationID)
		}
		b.WriteString(")")
	} else if e.CorrelationID != "" {
		b.WriteString(" (correlation ID " + e.CorrelationID + ")")
	}
	return b.String()
}

// newAuthenticationError reads an error body of any of the token endpoints. The body is
// never copied into the error as a whole: only the known, non-secret fields are.
func newAuthenticationError(status int, body []byte) *AuthenticationError {
	var v struct {
		Error         string `json:"error"`
		Description   string `json:"error_description"`
		Message       string `json:"message"`
		ErrorCodes    []int  `json:"error_codes"`
		TraceID       string `json:"trace_id"`
		CorrelationID string `json:"correlation_id"`
	}
	// A body that is not JSON (a proxy's HTML page, say) leaves only the status code.
	_ = json.Unmarshal(body, &v)
	if v.Description == "" {
		v.Description = v.Message
	}
	return &AuthenticationError{
		StatusCode:    status,
		ErrorCode:     v.Error,
		Description:   v.Description,
		ErrorCodes:    v.ErrorCodes,
		TraceID:       v.TraceID,
		CorrelationID: v.CorrelationID,
	}
}

// ChainError is returned by Default when no source produced a token. It lists every step in
// order with the reason it failed; errors.As and errors.Is look into each reason.
type ChainError struct {
	Attempts []Attempt
}

// Attempt is one step of the default chain and why it failed.
type Attempt struct {
	Source string // the step, such as "workload identity"
	Err    error
}

func (e *ChainError) Error() string {
	var b strings.Builder
	b.WriteString("auth: no credential in the default chain produced a token:")
	for _, a := range e.Attempts {
		fmt.Fprintf(&b, "\n\t%s: %v", a.Source, a.Err)
	}
	return b.String()
}

// Unwrap returns the reason of every attempt.
func (e *ChainError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}

// redact removes secrets from the fields that came from the endpoint, and returns e.
func (e *AuthenticationError) redact(secrets []string) *AuthenticationError {
	e.ErrorCode = redact(e.ErrorCode, secrets...)
	e.Description = redact(e.Description, secrets...)
	e.TraceID = redact(e.TraceID, secrets...)
	e.CorrelationID = redact(e.CorrelationID, secrets...)
	return e
}
