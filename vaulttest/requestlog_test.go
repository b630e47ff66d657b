package vaulttest

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kvcerts/kvcerts/gen"
)

func TestRequestLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithRequestLogSize(3))
	h.srv.ResetRequests()
	h.do("GET", "/certificates?maxresults=2", nil)
	h.do("GET", "/certificates/none/", nil)
	h.doToken("GET", "/certificates", nil, "")
	h.do("DELETE", "/deletedcertificates/none", nil)

	got := h.srv.Requests()
	host := h.srv.URL[len("https://"):]
	want := []Request{
		{Method: "GET", Host: host, Path: "/certificates/none/", Query: "api-version=" + gen.APIVersion, Operation: "GetCertificate", Status: 404},
		{Method: "GET", Host: host, Path: "/certificates", Query: "api-version=" + gen.APIVersion, Operation: "GetCertificates", Status: 401},
		{Method: "DELETE", Host: host, Path: "/deletedcertificates/none", Query: "api-version=" + gen.APIVersion, Operation: "PurgeDeletedCertificate", Status: 404},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Request{}, "Time", "Duration", "RequestID")); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, r := range got {
		if !r.Time.Equal(h.clock.Now()) || r.RequestID == "" {
			t.Errorf("request %+v: want the fake clock's time and a request id", r)
		}
	}
	if n := h.srv.RequestCount(); n != 4 {
		t.Errorf("RequestCount() = %d, want 4", n)
	}
	h.srv.ResetRequests()
	if len(h.srv.Requests()) != 0 || h.srv.RequestCount() != 0 {
		t.Error("ResetRequests kept entries")
	}
	h.do("GET", "/certificates", nil)
	if r := h.srv.Requests(); len(r) != 1 || r[0].Operation != "GetCertificates" {
		t.Errorf("after reset: %+v", r)
	}
	h.fail("GET", "/certificates/x/", nil, http.StatusNotFound, "CertificateNotFound", "")
	if r := h.srv.Requests(); r[len(r)-1].Duration <= 0 {
		t.Errorf("duration %v, want > 0", r[len(r)-1].Duration)
	}
}

func TestRequestLogDisabled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithRequestLogSize(0))
	h.do("GET", "/certificates", nil)
	if len(h.srv.Requests()) != 0 || h.srv.RequestCount() != 2 {
		t.Errorf("log %v count %d, want nothing kept and 2 counted", h.srv.Requests(), h.srv.RequestCount())
	}
}
