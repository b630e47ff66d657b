package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResponseErrorFromService(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/gone/", "", 409,
		`{"error":{"code":"Conflict","message":"Certificate gone is currently being deleted.","innererror":{"code":"ObjectIsBeingDeleted"}}}`)
	_, err := c.GetCertificate(t.Context(), "gone", nil)
	var re *ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *ResponseError", err)
	}
	want := &ResponseError{
		StatusCode: 409, Code: "Conflict", InnerCode: "ObjectIsBeingDeleted",
		Message: "Certificate gone is currently being deleted.", RequestID: "req-1",
		Method: "GET", URL: testVault + "/certificates/gone/",
	}
	if diff := cmp.Diff(want, re); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(err, ErrConflict) {
		t.Error("errors.Is(err, ErrConflict) = false")
	}
}

func TestResponseErrorStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		body     string
		sentinel error
		wantMsg  string
	}{
		{401, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`, ErrUnauthorized, "AKV10000"},
		{403, `{"error":{"code":"Forbidden","message":"does not have certificates get permission"}}`, ErrForbidden, "permission"},
		{404, `{"error":{"code":"CertificateNotFound","message":"not found"}}`, ErrNotFound, "CertificateNotFound"},
		{429, `{"error":{"code":"Throttled","message":"slow down"}}`, ErrThrottled, "Throttled"},
		{502, `<html>bad gateway</html>`, nil, "502 Bad Gateway: the response body is not a Key Vault error document"},
		{500, ``, nil, "500 Internal Server Error"},
		{302, ``, nil, "302 Found"},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t)
		mux.HandleFunc("GET /certificates/a/", func(w http.ResponseWriter, r *http.Request) {
			if tt.status == 302 {
				w.Header().Set("Location", "https://elsewhere.example/steal")
			}
			reply(w, tt.status, tt.body)
		})
		_, err := c.GetCertificate(t.Context(), "a", nil)
		var re *ResponseError
		if !errors.As(err, &re) || re.StatusCode != tt.status {
			t.Errorf("status %d: err = %v", tt.status, err)
			continue
		}
		if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
			t.Errorf("status %d: errors.Is(%v) = false", tt.status, tt.sentinel)
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("status %d: %q does not mention %q", tt.status, err, tt.wantMsg)
		}
	}
}

func TestMalformedBody(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/a/", "", 200, `{"id": 42`)
	_, err := c.GetCertificate(t.Context(), "a", nil)
	if err == nil || !strings.Contains(err.Error(), "malformed response body (status 200)") {
		t.Errorf("err = %v", err)
	}
	if re, ok := errors.AsType[*ResponseError](err); ok {
		t.Errorf("malformed body reported as a service error: %v", re)
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /certificates/a/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.Write([]byte(`{"tags":{"a":"`))
		w.Write([]byte(strings.Repeat("x", maxResponseBody)))
		w.Write([]byte(`"}}`))
	})
	_, err := c.GetCertificate(t.Context(), "a", nil)
	if !errors.Is(err, errBodyTooLarge) || !strings.Contains(err.Error(), "status 200") {
		t.Errorf("err = %v", err)
	}
}

func TestRequestHeadersAndURL(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithAPIVersion("7.5"))
	mux.HandleFunc("PATCH /certificates/web/", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.RawQuery; got != "api-version=7.5" {
			t.Errorf("query = %q", got)
		}
		if r.Host != "myvault.vault.azure.net" || r.URL.Scheme != "https" {
			t.Errorf("request to %s://%s", r.URL.Scheme, r.Host)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept = %q", got)
		}
		if r.GetBody == nil {
			t.Error("the body cannot be replayed by retries")
		}
		reply(w, 200, bundleJSON)
	})
	if _, err := c.UpdateCertificateProperties(t.Context(), "web", &UpdateCertificatePropertiesOptions{Enabled: new(true)}); err != nil {
		t.Fatal(err)
	}
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	u := mustURL(t, "https://user:pw@v.example/certificates?api-version=1&$skiptoken=secret#frag")
	if got, want := sanitizeURL(u), "https://v.example/certificates"; got != want {
		t.Errorf("sanitizeURL = %q, want %q", got, want)
	}
}

func TestTransportErrorWrapped(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.GetCertificate(ctx, "a", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
