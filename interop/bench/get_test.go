package bench

import (
	"context"
	"net/http"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// benchCertificate is the certificate the Get benchmarks read: the latest
// version, with its policy.
const benchCertificate = "bench"

// sdkAPIVersion is the api-version azcertificates sends.
const sdkAPIVersion = "2025-07-01"

// getter gets benchCertificate once and checks what it decoded.
type getter func(ctx context.Context) error

// BenchmarkGet gets one certificate (about 3 KB of JSON: tags, subject
// alternative names, extended key usages, lifetime actions), from one
// goroutine (mode=serial) and from GOMAXPROCS goroutines sharing a client
// (mode=parallel), over loopback TLS to the emulator (net=tls) and through
// an in-memory transport that replays a response recorded from it
// (net=memory), which leaves the clients' own cost. Every call's result is
// compared with the served document, field by field, inside the timing.
// Besides the three contenders, floor-id is the floor sending a random
// x-ms-client-request-id, as both clients do: over HTTP/2 a header value
// that never repeats has a cost of its own (see docs/BENCHMARKS.md).
func BenchmarkGet(b *testing.B) {
	srv := newServer(b)
	addFullCertificate(b, srv, benchCertificate)
	url := srv.URL + "/certificates/" + benchCertificate + "/" + apiVersion
	mem := newReplay(b, srv, tlsTransport(srv), url)
	want, err := servedCertificateOf(mem.ok.body)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("the served certificate is %d bytes of JSON", len(mem.ok.body))

	for _, network := range []string{"memory", "tls"} {
		transport := func(apiVersion string) http.RoundTripper {
			if network == "memory" {
				return mem.forVersion(apiVersion)
			}
			return tlsTransport(srv)
		}
		contenders := getters(b, srv, transport, want)
		for _, mode := range []string{"serial", "parallel"} {
			for _, c := range contenders {
				b.Run("net="+network+"/mode="+mode+"/client="+c.name, func(b *testing.B) {
					benchGet(b, mode == "parallel", c.fn)
				})
			}
		}
	}
}

// getters returns the contenders' ways to get benchCertificate and check
// it against want, each with a client of its own sending through a new
// transport for its api-version.
func getters(b *testing.B, srv *vaulttest.Server, transport func(apiVersion string) http.RoundTripper, want *servedCertificate) []contender[getter] {
	floorVersion := apiVersion[len("?api-version="):]
	fl := newFloor(b, srv, transport(floorVersion))
	flID := newFloor(b, srv, transport(floorVersion))
	flID.requestIDs = true
	ours := newOurs(b, srv, transport(gen.APIVersion), srv.TokenSource())
	sdk := newSDK(b, srv, transport(sdkAPIVersion), sdkCredential(srv))
	return []contender[getter]{
		{floorName, func(ctx context.Context) error {
			c, err := fl.getCertificate(ctx, benchCertificate)
			if err != nil {
				return err
			}
			return errWrap(floorName, checkFloorCertificate(c, want))
		}},
		{floorIDName, func(ctx context.Context) error {
			c, err := flID.getCertificate(ctx, benchCertificate)
			if err != nil {
				return err
			}
			return errWrap(floorIDName, checkFloorCertificate(c, want))
		}},
		{oursName, func(ctx context.Context) error {
			c, err := ours.GetCertificate(ctx, benchCertificate, nil)
			if err != nil {
				return err
			}
			return errWrap(oursName, checkOursCertificate(c, want))
		}},
		{sdkName, func(ctx context.Context) error {
			resp, err := sdk.GetCertificate(ctx, benchCertificate, "", nil)
			if err != nil {
				return err
			}
			return errWrap(sdkName, checkSDKCertificate(&resp.Certificate, want))
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
