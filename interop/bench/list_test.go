package bench

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// lister ranges over every certificate of the vault, calling each once per
// item.
type lister func(ctx context.Context, each func()) error

// BenchmarkList lists 1,000 and 10,000 certificates, seeded without HTTP,
// in the emulator's pages of 25, over loopback TLS. Besides time and
// allocations per listing it reports items/s and peak-heap-B: the most heap
// the listing kept alive at any point (sampled after a GC every 250 items,
// above the heap before it started). A listing that does not hold on to
// its pages reports the same peak for both totals.
func BenchmarkList(b *testing.B) {
	for _, total := range []int{1000, 10000} {
		srv := newServer(b)
		if _, err := srv.Seed(total, nil); err != nil {
			b.Fatal(err)
		}
		for _, c := range listers(b, srv) {
			b.Run(fmt.Sprintf("n=%d/client=%s", total, c.name), func(b *testing.B) {
				benchList(b, total, c.fn)
			})
		}
	}
}

func listers(b *testing.B, srv *vaulttest.Server) []contender[lister] {
	fl := newFloor(b, srv, tlsTransport(srv))
	ours := newOurs(b, srv, tlsTransport(srv), srv.TokenSource())
	sdk := newSDK(b, srv, tlsTransport(srv), sdkCredential(srv))
	return []contender[lister]{
		{floorName, func(ctx context.Context, each func()) error {
			return fl.listCertificates(ctx, func(*floorItem) { each() })
		}},
		{oursName, func(ctx context.Context, each func()) error {
			for _, err := range ours.ListCertificates(ctx, nil) {
				if err != nil {
					return err
				}
				each()
			}
			return nil
		}},
		{sdkName, func(ctx context.Context, each func()) error {
			pager := sdk.NewListCertificatePropertiesPager(nil)
			for pager.More() {
				page, err := pager.NextPage(ctx)
				if err != nil {
					return err
				}
				for range page.Value {
					each()
				}
			}
			return nil
		}},
	}
}

func benchList(b *testing.B, total int, list lister) {
	ctx := b.Context()
	listAll := func(each func()) {
		n := 0
		if err := list(ctx, func() { n++; each() }); err != nil {
			b.Fatal(err)
		}
		if n != total {
			b.Fatalf("listed %d certificates, want %d", n, total)
		}
	}
	listAll(func() {}) // the challenge and token, outside the timing
	b.ReportAllocs()
	for b.Loop() {
		listAll(func() {})
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "items/s")

	live := liveHeap()
	peak, n := live, 0
	listAll(func() {
		if n++; n%250 == 0 {
			peak = max(peak, liveHeap())
		}
	})
	b.ReportMetric(float64(peak-live), "peak-heap-B")
}

// liveHeap collects garbage and returns the bytes of the heap left alive.
// The second collection frees what sync.Pools kept through the first.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
