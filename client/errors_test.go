package client

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// TestEveryOperationReportsServiceErrors has the vault refuse the first
// request of every operation and checks that the operation returns the
// service's error as a *ResponseError for the REST call its doc names.
func TestEveryOperationReportsServiceErrors(t *testing.T) {
	t.Parallel()
	leaf, key := selfSigned(t)
	kp, err := NewKeyPair([]*x509.Certificate{leaf}, key)
	if err != nil {
		t.Fatal(err)
	}
	first := func(seq func(func(*CertificateProperties, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	tests := []struct {
		name         string
		method, path string
		call         func(ctx context.Context, c *Client) error
	}{
		{"GetCertificate", "GET", "/certificates/web/", func(ctx context.Context, c *Client) error {
			_, err := c.GetCertificate(ctx, "web", nil)
			return err
		}},
		{"GetCertificateVersion", "GET", "/certificates/web/" + testVersion, func(ctx context.Context, c *Client) error {
			_, err := c.GetCertificateVersion(ctx, "web", testVersion, nil)
			return err
		}},
		{"UpdateCertificateProperties", "PATCH", "/certificates/web/", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateCertificateProperties(ctx, "web", &UpdateCertificatePropertiesOptions{Enabled: new(false)})
			return err
		}},
		{"BackupCertificate", "POST", "/certificates/web/backup", func(ctx context.Context, c *Client) error {
			_, err := c.BackupCertificate(ctx, "web", nil)
			return err
		}},
		{"RestoreCertificateBackup", "POST", "/certificates/restore", func(ctx context.Context, c *Client) error {
			_, err := c.RestoreCertificateBackup(ctx, []byte{1}, nil)
			return err
		}},
		{"ListCertificates", "GET", "/certificates", func(ctx context.Context, c *Client) error {
			return first(c.ListCertificates(ctx, nil))
		}},
		{"ListCertificateVersions", "GET", "/certificates/web/versions", func(ctx context.Context, c *Client) error {
			return first(c.ListCertificateVersions(ctx, "web", nil))
		}},
		{"BeginCreateCertificate", "POST", "/certificates/web/create", func(ctx context.Context, c *Client) error {
			_, err := c.BeginCreateCertificate(ctx, "web", DefaultPolicy(), nil)
			return err
		}},
		{"ResumeCreateCertificate", "GET", "/certificates/web/pending", func(ctx context.Context, c *Client) error {
			p, err := c.ResumeCreateCertificate("web", nil)
			if err != nil {
				return err
			}
			_, err = p.Wait(ctx)
			return err
		}},
		{"BeginDeleteCertificate", "DELETE", "/certificates/web", func(ctx context.Context, c *Client) error {
			_, err := c.BeginDeleteCertificate(ctx, "web", nil)
			return err
		}},
		{"GetDeletedCertificate", "GET", "/deletedcertificates/web", func(ctx context.Context, c *Client) error {
			_, err := c.GetDeletedCertificate(ctx, "web", nil)
			return err
		}},
		{"ListDeletedCertificates", "GET", "/deletedcertificates", func(ctx context.Context, c *Client) error {
			for _, err := range c.ListDeletedCertificates(ctx, nil) {
				return err
			}
			return nil
		}},
		{"PurgeDeletedCertificate", "DELETE", "/deletedcertificates/web", func(ctx context.Context, c *Client) error {
			return c.PurgeDeletedCertificate(ctx, "web", nil)
		}},
		{"BeginRecoverDeletedCertificate", "POST", "/deletedcertificates/web/recover", func(ctx context.Context, c *Client) error {
			_, err := c.BeginRecoverDeletedCertificate(ctx, "web", nil)
			return err
		}},
		{"ImportCertificate", "POST", "/certificates/web/import", func(ctx context.Context, c *Client) error {
			_, err := c.ImportCertificate(ctx, "web", []byte{0x30, 0x82, 1, 2}, nil)
			return err
		}},
		{"ImportKeyPair", "POST", "/certificates/web/import", func(ctx context.Context, c *Client) error {
			_, err := c.ImportKeyPair(ctx, "web", kp, nil)
			return err
		}},
		{"MergeCertificate", "POST", "/certificates/web/pending/merge", func(ctx context.Context, c *Client) error {
			_, err := c.MergeCertificate(ctx, "web", DERChain(leaf), nil)
			return err
		}},
		{"GetCertificatePolicy", "GET", "/certificates/web/policy", func(ctx context.Context, c *Client) error {
			_, err := c.GetCertificatePolicy(ctx, "web", nil)
			return err
		}},
		{"UpdateCertificatePolicy", "PATCH", "/certificates/web/policy", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateCertificatePolicy(ctx, "web", DefaultPolicy(), nil)
			return err
		}},
		{"GetCertificateOperation", "GET", "/certificates/web/pending", func(ctx context.Context, c *Client) error {
			_, err := c.GetCertificateOperation(ctx, "web", nil)
			return err
		}},
		{"CancelCertificateOperation", "PATCH", "/certificates/web/pending", func(ctx context.Context, c *Client) error {
			_, err := c.CancelCertificateOperation(ctx, "web", nil)
			return err
		}},
		{"DeleteCertificateOperation", "DELETE", "/certificates/web/pending", func(ctx context.Context, c *Client) error {
			_, err := c.DeleteCertificateOperation(ctx, "web", nil)
			return err
		}},
		{"SetContacts", "PUT", "/certificates/contacts", func(ctx context.Context, c *Client) error {
			_, err := c.SetContacts(ctx, []Contact{{Email: "ops@example.com"}}, nil)
			return err
		}},
		{"GetContacts", "GET", "/certificates/contacts", func(ctx context.Context, c *Client) error {
			_, err := c.GetContacts(ctx, nil)
			return err
		}},
		{"DeleteContacts", "DELETE", "/certificates/contacts", func(ctx context.Context, c *Client) error {
			_, err := c.DeleteContacts(ctx, nil)
			return err
		}},
		{"CreateIssuer", "PUT", "/certificates/issuers/iss", func(ctx context.Context, c *Client) error {
			_, err := c.CreateIssuer(ctx, "iss", "Test", nil)
			return err
		}},
		{"GetIssuer", "GET", "/certificates/issuers/iss", func(ctx context.Context, c *Client) error {
			_, err := c.GetIssuer(ctx, "iss", nil)
			return err
		}},
		{"UpdateIssuer", "PATCH", "/certificates/issuers/iss", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateIssuer(ctx, "iss", &UpdateIssuerOptions{Enabled: new(false)})
			return err
		}},
		{"DeleteIssuer", "DELETE", "/certificates/issuers/iss", func(ctx context.Context, c *Client) error {
			_, err := c.DeleteIssuer(ctx, "iss", nil)
			return err
		}},
		{"ListIssuers", "GET", "/certificates/issuers", func(ctx context.Context, c *Client) error {
			for _, err := range c.ListIssuers(ctx, nil) {
				return err
			}
			return nil
		}},
		{"DownloadCertificate", "GET", "/certificates/web/", func(ctx context.Context, c *Client) error {
			_, err := c.DownloadCertificate(ctx, "web", nil)
			return err
		}},
		{"NewTLSSource", "GET", "/certificates/web/", func(ctx context.Context, c *Client) error {
			_, err := c.NewTLSSource(ctx, "web", nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, tr := setup(t)
			pattern := tt.method + " " + tt.path
			if strings.HasSuffix(pattern, "/") {
				pattern += "{$}" // the path itself, not its subtree
			}
			handle(t, mux, pattern, "", 403,
				`{"error":{"code":"Forbidden","message":"The caller does not have the permission"}}`)
			err := tt.call(t.Context(), c)
			var re *ResponseError
			if !errors.Is(err, ErrForbidden) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *ResponseError matching ErrForbidden", err)
			}
			want := ResponseError{StatusCode: 403, Code: "Forbidden", Message: "The caller does not have the permission",
				RequestID: "req-1", Method: tt.method, URL: testVault + tt.path}
			if diff := cmp.Diff(want, *re); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if n := tr.calls.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
