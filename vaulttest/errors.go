package vaulttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kvcerts/kvcerts/gen"
)

// apiError is an error answer in the service's shape:
// {"error":{"code":...,"message":...,"innererror":{"code":...}}}.
type apiError struct {
	status  int
	code    string
	inner   string
	message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

func (e *apiError) wire() gen.KeyVaultError {
	body := gen.Error{Code: e.code, Message: e.message}
	if e.inner != "" {
		body.InnerError = &gen.Error{Code: e.inner}
	}
	return gen.KeyVaultError{Error: body}
}

func badParameter(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "BadParameter", message: fmt.Sprintf(format, args...)}
}

func certificateNotFound(name string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    "CertificateNotFound",
		message: fmt.Sprintf("certificate %q was not found in this vault; if it was deleted recently it may be recoverable", name),
	}
}

func versionNotFound(name, version string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    "CertificateNotFound",
		message: fmt.Sprintf("certificate %q has no version %q in this vault", name, version),
	}
}

func deletedNotFound(name string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    "CertificateNotFound",
		message: fmt.Sprintf("deleted certificate %q was not found in this vault", name),
	}
}

func pendingNotFound(name string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    "PendingCertificateNotFound",
		message: fmt.Sprintf("certificate %q has no pending operation", name),
	}
}

func conflict(inner, format string, args ...any) *apiError {
	return &apiError{status: http.StatusConflict, code: "Conflict", inner: inner, message: fmt.Sprintf(format, args...)}
}

func beingDeleted(name string) *apiError {
	return conflict("ObjectIsBeingDeleted", "certificate %q is being deleted; retry later", name)
}

func deletedButRecoverable(name string) *apiError {
	return conflict("ObjectIsDeletedButRecoverable",
		"certificate %q is deleted but recoverable; recover or purge it before reusing the name", name)
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{status: http.StatusForbidden, code: "Forbidden", message: fmt.Sprintf(format, args...)}
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		// Every body is one of our wire structs; failing to encode one is a bug.
		http.Error(w, "vaulttest: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeError answers with err, which is an *apiError or a bug (500).
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()}
	}
	writeJSON(w, ae.status, ae.wire())
}
