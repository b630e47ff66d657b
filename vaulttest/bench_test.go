package vaulttest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
)

const benchCertificates = 10000

// benchServer starts a server with 10,000 seeded certificates and returns it
// with a bearer token.
func benchServer(b *testing.B) (*Server, string) {
	b.Helper()
	s := NewServer(WithRequestLogSize(0))
	b.Cleanup(s.Close)
	if _, err := s.Seed(benchCertificates, nil); err != nil {
		b.Fatal(err)
	}
	tok, err := s.TokenSource().Token()
	if err != nil {
		b.Fatal(err)
	}
	return s, tok.AccessToken
}

func benchGet(b *testing.B, s *Server, token, url string) {
	benchDo(b, s, token, http.MethodGet, url, "")
}

// benchDo sends a request with a JSON body (none when empty) and fails b
// unless it is answered 200.
func benchDo(b *testing.B, s *Server, token, method, url, body string) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: %d", method, url, resp.StatusCode)
	}
}

// BenchmarkGetCertificate measures GetCertificate over loopback TLS with
// parallel clients, reporting requests per second.
func BenchmarkGetCertificate(b *testing.B) {
	s, token := benchServer(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchGet(b, s, token, fmt.Sprintf("%s/certificates/cert-%04d/?api-version=2025-07-01", s.URL, rand.IntN(benchCertificates)))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkListCertificates measures pages of 25 certificates, starting at
// random places of the list, reporting requests per second.
func BenchmarkListCertificates(b *testing.B) {
	s, token := benchServer(b)
	var links []string
	for i := range 100 {
		after := fmt.Sprintf("cert-%04d", i*benchCertificates/100)
		links = append(links, *s.vault.link(&call{apiVersion: "2025-07-01"}, "/certificates", page{size: 25}, skipToken{After: after}))
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchGet(b, s, token, links[rand.IntN(len(links))])
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkStoredCertificate reports the heap held per stored certificate
// after seeding 10,000.
func BenchmarkStoredCertificate(b *testing.B) {
	if _, err := seedMaterial(); err != nil {
		b.Fatal(err)
	}
	var perCert float64
	for b.Loop() {
		h, err := NewHandler(WithRequestLogSize(0))
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := h.Seed(benchCertificates, nil); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perCert = float64(after.HeapAlloc-before.HeapAlloc) / benchCertificates
		runtime.KeepAlive(h)
	}
	b.ReportMetric(perCert, "B/cert")
}

// BenchmarkUpdateInLargeVault measures a PATCH of one certificate's tags in
// a vault of 10,000: a write looks again only at the certificate it wrote,
// so it costs what it costs in an empty vault.
func BenchmarkUpdateInLargeVault(b *testing.B) {
	s, token := benchServer(b)
	i := 0
	for b.Loop() {
		i++
		benchDo(b, s, token, http.MethodPatch, s.URL+"/certificates/cert-0042/?api-version="+gen.APIVersion,
			fmt.Sprintf(`{"tags":{"n":"%d"}}`, i))
	}
}
