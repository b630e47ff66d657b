package vaulttest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func statuses(h *harness, n int, path string) (codes []int, retryAfter []string) {
	h.t.Helper()
	for range n {
		status, hdr, _ := h.do("GET", path, nil)
		codes = append(codes, status)
		retryAfter = append(retryAfter, hdr.Get("Retry-After"))
	}
	return codes, retryAfter
}

func TestThrottleEvery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithFaults(Faults{ThrottleEvery: 3, RetryAfter: 1500 * time.Millisecond}))
	codes, ra := statuses(h, 6, "/certificates")
	if diff := cmp.Diff([]int{200, 200, 429, 200, 200, 429}, codes); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if ra[2] != "2" {
		t.Errorf("Retry-After = %q, want 2 (rounded up)", ra[2])
	}
	h.call("GET", "/certificates", nil, http.StatusOK, nil) // request 7 is fine again
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithFaults(Faults{RateLimit: 2}))
	codes, ra := statuses(h, 3, "/certificates")
	if diff := cmp.Diff([]int{200, 200, 429}, codes); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if ra[2] != "10" {
		t.Errorf("Retry-After = %q, want 10", ra[2])
	}
	h.clock.Advance(4 * time.Second)
	h.fail("GET", "/certificates", nil, http.StatusTooManyRequests, "Throttled", "")
	_, ra = statuses(h, 1, "/certificates")
	if ra[0] != "6" {
		t.Errorf("Retry-After 4 s into the window = %q, want 6", ra[0])
	}
	h.clock.Advance(6 * time.Second)
	h.call("GET", "/certificates", nil, http.StatusOK, nil)
}

func TestErrorFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithFaults(Faults{ErrorEvery: 2}))
	h.call("GET", "/certificates", nil, http.StatusOK, nil)
	h.fail("GET", "/certificates", nil, http.StatusInternalServerError, "InternalServerError", "")
	if err := h.srv.SetFaults(Faults{ErrorEvery: 1, ErrorStatus: http.StatusServiceUnavailable, RetryAfter: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	status, hdr, _ := h.do("GET", "/certificates", nil)
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "3" {
		t.Errorf("503 fault: %d Retry-After %q", status, hdr.Get("Retry-After"))
	}
	// The token endpoint is never faulted.
	if _, err := h.srv.TokenSource().ChallengeToken(t.Context(), "https://other.example/.default", "", ""); err != nil {
		t.Errorf("token request under faults: %v", err)
	}
	if err := h.srv.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	h.call("GET", "/certificates", nil, http.StatusOK, nil)
}

func TestDroppedConnections(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithFaults(Faults{DropEvery: 2}))
	h.call("POST", "/certificates/d1/create", map[string]any{"policy": selfPolicy("CN=d")}, http.StatusAccepted, nil)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", h.url("/certificates/d2/create"), nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	if resp, err := h.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request answered %d", resp.StatusCode)
	}
	reqs := h.srv.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || last.Operation != "CreateCertificate" {
		t.Errorf("log of the dropped request: %+v", last)
	}
}

func TestFaultsForOperationsAndForbidden(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithFaults(Faults{ThrottleEvery: 1, Operations: []string{"GetCertificates"}, Forbidden: []string{"GetDeletedCertificate"}}))
	h.createDone("ok")
	h.fail("GET", "/certificates", nil, http.StatusTooManyRequests, "Throttled", "")
	h.fail("GET", "/deletedcertificates/ok", nil, http.StatusForbidden, "Forbidden", "")
}

func TestFaultsValidation(t *testing.T) {
	t.Parallel()
	h, err := NewHandler()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Faults{
		{ThrottleEvery: -1}, {ErrorStatus: 418}, {Operations: []string{"NoSuchOp"}}, {Forbidden: []string{"Token"}},
	} {
		if err := h.SetFaults(f); err == nil {
			t.Errorf("SetFaults(%+v) succeeded", f)
		}
	}
	if _, err := NewHandler(WithFaults(Faults{Latency: -time.Second})); err == nil {
		t.Error("WithFaults with negative latency succeeded")
	}
}

// TestLatency runs the handler in a synctest bubble, so the injected
// latency passes in fake time.
func TestLatency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h, err := NewHandler(WithLenientAuth(), WithFaults(Faults{Latency: 3 * time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "https://myvault.vault.localhost/certificates?api-version=2025-07-01", nil)
		req.Header.Set("Authorization", "Bearer x")
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("request took %v, want 3s", took)
		}
	})
}
