package interop

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// TestConcurrentUse shares one SDK client among goroutines that all start
// on a fresh vault, so their first requests meet the challenge at once.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	const n = 16
	names := make([]string, n)
	got := make([]azcertificates.Certificate, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		names[i] = fmt.Sprintf("par-%02d", i)
		wg.Go(func() {
			name := names[i]
			if _, err := v.certs.CreateCertificate(ctx, name, azcertificates.CreateCertificateParameters{
				CertificatePolicy: selfPolicy("CN=" + name),
			}, nil); err != nil {
				errs[i] = fmt.Errorf("CreateCertificate(%s): %w", name, err)
				return
			}
			for range maxPolls {
				op, err := v.certs.GetCertificateOperation(ctx, name, nil)
				if err != nil {
					errs[i] = fmt.Errorf("GetCertificateOperation(%s): %w", name, err)
					return
				}
				if !strings.EqualFold(str(op.Status), "inProgress") {
					break
				}
			}
			resp, err := v.certs.GetCertificate(ctx, name, "", nil)
			if err != nil {
				errs[i] = fmt.Errorf("GetCertificate(%s): %w", name, err)
				return
			}
			got[i] = resp.Certificate
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		return
	}
	for i, c := range got {
		if cert := parseCER(t, c.CER, c.X509Thumbprint); cert.Subject.CommonName != names[i] {
			t.Errorf("%s has subject %q", names[i], cert.Subject)
		}
	}
	var listed []string
	for _, page := range pages(t, ctx, v.certs.NewListCertificatePropertiesPager(nil)) {
		for _, item := range page.Value {
			listed = append(listed, item.ID.Name())
		}
	}
	if diff := cmp.Diff(names, listed); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if n := v.srv.TokenRequests(); n != 1 {
		t.Errorf("token endpoint requests = %d, want 1", n)
	}
}

// TestFaultsReachTheSDK checks that the failures the emulator injects reach
// the SDK in the service's shape. The SDK's retries are off (see
// sdkClients), so each fault shows as the error it is.
func TestFaultsReachTheSDK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		faults         vaulttest.Faults
		status         int
		code           string
		wantRetryAfter string
	}{
		{"throttled", vaulttest.Faults{ThrottleEvery: 1, RetryAfter: 3 * time.Second}, 429, "Throttled", "3"},
		{"forbidden", vaulttest.Faults{Forbidden: []string{"GetCertificate"}}, 403, "Forbidden", ""},
		{"unavailable", vaulttest.Faults{ErrorEvery: 1, ErrorStatus: 503}, 503, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			v := newVault(t)
			if _, err := v.srv.AddCertificate(vaulttest.SeedCertificate{Name: "target"}); err != nil {
				t.Fatal(err)
			}
			// Get a token first, so the fault meets an authorized request.
			if _, err := v.certs.GetCertificate(ctx, "target", "", nil); err != nil {
				t.Fatalf("GetCertificate before faults: %v", err)
			}
			tt.faults.Operations = []string{"GetCertificate"}
			if err := v.srv.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			_, err := v.certs.GetCertificate(ctx, "target", "", nil)
			wantResponseError(t, err, tt.status, tt.code)
			if tt.wantRetryAfter != "" {
				var re *azcore.ResponseError
				if errors.As(err, &re) && re.RawResponse.Header.Get("Retry-After") != tt.wantRetryAfter {
					t.Errorf("Retry-After = %q, want %q", re.RawResponse.Header.Get("Retry-After"), tt.wantRetryAfter)
				}
			}
			// Other operations are not affected.
			if _, err := v.certs.GetCertificatePolicy(ctx, "target", nil); err != nil {
				t.Errorf("GetCertificatePolicy with faults on GetCertificate only: %v", err)
			}
		})
	}
}
