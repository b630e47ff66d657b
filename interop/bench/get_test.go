package bench

import (
	"context"
	"net/http"
	"testing"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// benchCertificate is the certificate the Get benchmarks read: the latest
// version, with its policy.
const benchCertificate = "bench"

// getter gets benchCertificate once.
type getter func(ctx context.Context) error

// BenchmarkGet gets one certificate, from one goroutine (mode=serial) and
// from GOMAXPROCS goroutines sharing a client (mode=parallel), over
// loopback TLS to the emulator (net=tls) and through an in-memory transport
// that replays a response recorded from it (net=memory), which leaves the
// clients' own cost. Besides the three contenders, floor-id is the floor
// sending a random x-ms-client-request-id, as both clients do: over HTTP/2
// a header value that never repeats has a cost of its own (see
// docs/BENCHMARKS.md).
func BenchmarkGet(b *testing.B) {
	srv := newServer(b)
	if _, err := srv.AddCertificate(vaulttest.SeedCertificate{Name: benchCertificate}); err != nil {
		b.Fatal(err)
	}
	url := srv.URL + "/certificates/" + benchCertificate + "/" + apiVersion
	rec := tlsTransport(srv)
	mem := &replay{
		challenge: record(b, rec, url, ""),
		ok:        record(b, rec, url, "Bearer "+fixedToken(b, srv).AccessToken),
	}
	if mem.challenge.status != http.StatusUnauthorized || mem.ok.status != http.StatusOK {
		b.Fatalf("recorded statuses %d and %d, want 401 and 200", mem.challenge.status, mem.ok.status)
	}

	for _, network := range []string{"memory", "tls"} {
		transport := func() http.RoundTripper {
			if network == "memory" {
				return mem
			}
			return tlsTransport(srv)
		}
		contenders := getters(b, srv, transport)
		for _, mode := range []string{"serial", "parallel"} {
			for _, c := range contenders {
				b.Run("net="+network+"/mode="+mode+"/client="+c.name, func(b *testing.B) {
					benchGet(b, mode == "parallel", c.fn)
				})
			}
		}
	}
}

// getters returns the contenders' ways to get benchCertificate, each with a
// client of its own sending through a new transport().
func getters(b *testing.B, srv *vaulttest.Server, transport func() http.RoundTripper) []contender[getter] {
	fl := newFloor(b, srv, transport())
	flID := newFloor(b, srv, transport())
	flID.requestIDs = true
	ours := newOurs(b, srv, transport(), srv.TokenSource())
	sdk := newSDK(b, srv, transport(), sdkCredential(srv))
	return []contender[getter]{
		{floorName, func(ctx context.Context) error {
			_, err := fl.getCertificate(ctx, benchCertificate)
			return err
		}},
		{floorIDName, func(ctx context.Context) error {
			_, err := flID.getCertificate(ctx, benchCertificate)
			return err
		}},
		{oursName, func(ctx context.Context) error {
			_, err := ours.GetCertificate(ctx, benchCertificate, nil)
			return err
		}},
		{sdkName, func(ctx context.Context) error {
			_, err := sdk.GetCertificate(ctx, benchCertificate, "", nil)
			return err
		}},
	}
}

func benchGet(b *testing.B, parallel bool, get getter) {
	ctx := b.Context()
	if err := get(ctx); err != nil { // the challenge and token, outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	if !parallel {
		for b.Loop() {
			if err := get(ctx); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := get(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
