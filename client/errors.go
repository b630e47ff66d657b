package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors. A [*ResponseError] matches the one for its HTTP status
// with [errors.Is]; argument and operation errors match theirs.
var (
	// ErrNotFound matches responses with status 404: the certificate,
	// version, issuer, contacts or pending operation does not exist.
	ErrNotFound = errors.New("kvcerts: not found")
	// ErrConflict matches responses with status 409, such as a name that is
	// being deleted or is deleted but recoverable, or a create while another
	// operation is pending.
	ErrConflict = errors.New("kvcerts: conflict")
	// ErrForbidden matches responses with status 403: the caller lacks the
	// permission the operation needs.
	ErrForbidden = errors.New("kvcerts: forbidden")
	// ErrUnauthorized matches responses with status 401: no token, or a token
	// the vault does not accept.
	ErrUnauthorized = errors.New("kvcerts: unauthorized")
	// ErrThrottled matches responses with status 429 that remained after the
	// retry policy gave up.
	ErrThrottled = errors.New("kvcerts: throttled")

	// ErrInvalidArgument matches errors about arguments or options refused
	// before any request was sent.
	ErrInvalidArgument = errors.New("kvcerts: invalid argument")

	// ErrInvalidResponse matches errors about a successful answer that the
	// service never sends: a body that is not JSON, one without the object
	// it is about (null, {}, no id), or one about another object than the
	// one asked for, such as another certificate's. Nothing from such an
	// answer is returned.
	ErrInvalidResponse = errors.New("kvcerts: invalid response")

	// ErrKeyNotExportable matches the error of [Client.DownloadCertificate]
	// for a certificate version whose secret holds no private key, because
	// its policy made the key not exportable.
	ErrKeyNotExportable = errors.New("kvcerts: private key not exportable")

	// ErrUnsupportedKey matches the error of [Client.DownloadCertificate]
	// and of a [TLSSource] for a certificate whose key Go's crypto/x509 and
	// crypto/tls cannot use, such as an EC key on curve P-256K (secp256k1),
	// which Key Vault issues. The message names the curve. When the policy or
	// the certificate already names such a curve, the private key is not
	// downloaded.
	ErrUnsupportedKey = errors.New("kvcerts: unsupported key")

	// ErrOperationFailed matches an [*OperationError] for a certificate
	// operation whose status became "failed".
	ErrOperationFailed = errors.New("kvcerts: certificate operation failed")
	// ErrOperationCancelled matches an [*OperationError] for a certificate
	// operation whose status became "cancelled".
	ErrOperationCancelled = errors.New("kvcerts: certificate operation cancelled")
)

// ResponseError is a response from Key Vault with an unexpected status.
type ResponseError struct {
	// StatusCode is the HTTP status, such as 404.
	StatusCode int
	// Code and InnerCode are the service's error codes, such as "Conflict"
	// and "ObjectIsBeingDeleted"; empty when the body carried none.
	Code      string
	InnerCode string
	// Message is the service's explanation.
	Message string
	// RequestID is the x-ms-request-id header, useful to Azure support.
	RequestID string
	// Method and URL describe the request. URL has no query string and
	// no user information.
	Method string
	URL    string
}

// Error describes the failure in one line.
func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kvcerts: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Code != "" && e.InnerCode != "":
		fmt.Fprintf(&b, ": %s (%s)", e.Code, e.InnerCode)
	case e.Code != "":
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status code.
func (e *ResponseError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// ServiceError is an error reported inside a response body, such as the
// reason a certificate operation failed.
type ServiceError struct {
	Code    string
	Message string
	Inner   *ServiceError
}

// Error returns the code, the inner codes and the message.
func (e *ServiceError) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	for in := e.Inner; in != nil; in = in.Inner {
		if in.Code != "" {
			fmt.Fprintf(&b, " (%s)", in.Code)
		}
	}
	if e.Message != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	return b.String()
}

// OperationError reports a certificate operation that ended without
// producing a certificate because it failed or was cancelled.
type OperationError struct {
	// Name is the certificate's name.
	Name string
	// Operation is the operation's final state, including Status and Error.
	Operation *CertificateOperation
}

// Error names the certificate, the status and the service's reason.
func (e *OperationError) Error() string {
	msg := fmt.Sprintf("kvcerts: certificate operation for %q ended with status %q", e.Name, e.Operation.Status)
	if e.Operation.Error != nil {
		msg += ": " + e.Operation.Error.Error()
	} else if e.Operation.StatusDetails != "" {
		msg += ": " + e.Operation.StatusDetails
	}
	return msg
}

// Is matches [ErrOperationFailed] or [ErrOperationCancelled] by status.
func (e *OperationError) Is(target error) bool {
	switch target {
	case ErrOperationFailed:
		return e.Operation.Status == OperationStatusFailed
	case ErrOperationCancelled:
		return e.Operation.Status == OperationStatusCancelled
	}
	return false
}

// Unwrap returns the service's error, if the operation carried one.
func (e *OperationError) Unwrap() error {
	if e.Operation.Error == nil {
		return nil
	}
	return e.Operation.Error
}

// invalidArg returns an error matching ErrInvalidArgument.
func invalidArg(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}
