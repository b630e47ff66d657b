package client

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
	"golang.org/x/oauth2"
)

// cannedTransport answers every request with the same JSON body.
type cannedTransport struct{ body []byte }

func (t cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(t.body)),
		Request:    req,
	}, nil
}

// BenchmarkGetCertificateFloor is the floor GetCertificate is measured
// against: one request with net/http and one decode with encoding/json.
func BenchmarkGetCertificateFloor(b *testing.B) {
	hc := &http.Client{Transport: cannedTransport{[]byte(bundleJSON)}}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, testVault+"/certificates/web/?api-version=2025-07-01", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer token")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var bundle gen.CertificateBundle
		err = json.NewDecoder(resp.Body).Decode(&bundle)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCertificate measures the whole client: pipeline, request,
// decoding and conversion.
func BenchmarkGetCertificate(b *testing.B) {
	c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "token"}),
		WithTransport(cannedTransport{[]byte(bundleJSON)}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetCertificate(ctx, "web", nil); err != nil {
			b.Fatal(err)
		}
	}
}
