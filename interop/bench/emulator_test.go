package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"runtime"
	"testing"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// BenchmarkEmulator measures vaulttest itself: GetCertificate answered over
// loopback TLS with keep-alive to GOMAXPROCS floor clients (req/s), and the
// heap a stored certificate holds (B/cert), both for certificates loaded
// with Seed, which share one key and certificate, and for certificates
// with keys and certificates of their own.
func BenchmarkEmulator(b *testing.B) {
	b.Run("op=get/client="+floorName, func(b *testing.B) {
		srv := newServer(b)
		addFullCertificate(b, srv, benchCertificate)
		want := servedGet(b, srv)
		fl := newFloor(b, srv, tlsTransport(srv))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c, err := fl.getCertificate(b.Context(), benchCertificate)
				if err == nil {
					err = errWrap(floorName, checkFloorCertificate(c, want))
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	for _, kind := range []struct {
		name string
		n    int
		add  func(h *vaulttest.Handler, n int) error
	}{
		{"seeded", 1000, func(h *vaulttest.Handler, n int) error {
			_, err := h.Seed(n, nil)
			return err
		}},
		{"distinct", 100, addDistinct},
	} {
		b.Run("op=store-"+kind.name+"/client=emulator", func(b *testing.B) {
			var perCert float64
			for b.Loop() {
				h, err := vaulttest.NewHandler(vaulttest.WithRequestLogSize(0))
				if err != nil {
					b.Fatal(err)
				}
				before := liveHeap()
				if err := kind.add(h, kind.n); err != nil {
					b.Fatal(err)
				}
				perCert = float64(liveHeap()-before) / float64(kind.n)
				runtime.KeepAlive(h)
			}
			b.ReportMetric(perCert, "B/cert")
		})
	}
}

// addDistinct adds n self-signed certificates, each with a P-256 key of its
// own.
func addDistinct(h *vaulttest.Handler, n int) error {
	for i := range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		if _, err := h.AddCertificate(vaulttest.SeedCertificate{Name: fmt.Sprintf("distinct-%d", i), Key: key}); err != nil {
			return err
		}
	}
	return nil
}
