package client

import (
	"errors"
	"fmt"
	"testing"
)

func TestResponseErrorIs(t *testing.T) {
	t.Parallel()
	sentinels := map[int]error{
		401: ErrUnauthorized,
		403: ErrForbidden,
		404: ErrNotFound,
		409: ErrConflict,
		429: ErrThrottled,
	}
	for _, status := range []int{400, 401, 403, 404, 409, 429, 500} {
		err := fmt.Errorf("wrapped: %w", &ResponseError{StatusCode: status})
		for s, sentinel := range sentinels {
			if got, want := errors.Is(err, sentinel), s == status; got != want {
				t.Errorf("status %d: errors.Is(%v) = %v, want %v", status, sentinel, got, want)
			}
		}
	}
}

func TestResponseErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  ResponseError
		want string
	}{
		{ResponseError{StatusCode: 409, Code: "Conflict", InnerCode: "ObjectIsBeingDeleted", Message: "busy",
			RequestID: "r1", Method: "DELETE", URL: "https://v/deletedcertificates/a"},
			"kvcerts: DELETE https://v/deletedcertificates/a: 409 Conflict: Conflict (ObjectIsBeingDeleted): busy (request id r1)"},
		{ResponseError{StatusCode: 404, Code: "CertificateNotFound", Method: "GET", URL: "https://v/certificates/a/"},
			"kvcerts: GET https://v/certificates/a/: 404 Not Found: CertificateNotFound"},
		{ResponseError{StatusCode: 502, Method: "GET", URL: "https://v/certificates"},
			"kvcerts: GET https://v/certificates: 502 Bad Gateway"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

func TestOperationError(t *testing.T) {
	t.Parallel()
	svc := &ServiceError{Code: "CertificateAuthorityError", Message: "CA said no", Inner: &ServiceError{Code: "Rejected"}}
	failed := &OperationError{Name: "web", Operation: &CertificateOperation{Status: OperationStatusFailed, Error: svc}}
	cancelled := &OperationError{Name: "web", Operation: &CertificateOperation{Status: OperationStatusCancelled, StatusDetails: "by user"}}

	if !errors.Is(failed, ErrOperationFailed) || errors.Is(failed, ErrOperationCancelled) {
		t.Errorf("failed operation matches the wrong sentinels")
	}
	if !errors.Is(cancelled, ErrOperationCancelled) || errors.Is(cancelled, ErrOperationFailed) {
		t.Errorf("cancelled operation matches the wrong sentinels")
	}
	var got *ServiceError
	if !errors.As(failed, &got) || got != svc {
		t.Errorf("errors.As did not find the service error")
	}
	if errors.As(cancelled, &got) && got == nil {
		t.Errorf("cancelled operation unwrapped to a nil service error")
	}
	if want := `kvcerts: certificate operation for "web" ended with status "failed": CertificateAuthorityError (Rejected): CA said no`; failed.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", failed.Error(), want)
	}
	if want := `kvcerts: certificate operation for "web" ended with status "cancelled": by user`; cancelled.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", cancelled.Error(), want)
	}
}
