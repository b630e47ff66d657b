package bench

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// lister ranges over every certificate of the vault, checks each item
// against want (in order) and the count, and calls each once per item.
type lister func(ctx context.Context, want []servedItem, each func()) error

// BenchmarkList lists 1,000 and 10,000 certificates with tags, seeded
// without HTTP, in the emulator's pages of 25, over loopback TLS; every
// item is compared with the served one inside the timing. Besides time and
// allocations per listing it reports items/s and peak-heap-B: the most heap
// the listing kept alive at any point (sampled after a GC every 250 items,
// above the heap before it started). A listing that does not hold on to
// its pages reports the same peak for both totals.
func BenchmarkList(b *testing.B) {
	for _, total := range []int{1000, 10000} {
		srv := newServer(b)
		if _, err := srv.Seed(total, &vaulttest.SeedOptions{Tags: listTags}); err != nil {
			b.Fatal(err)
		}
		want := servedListing(b, srv)
		if len(want) != total {
			b.Fatalf("the emulator lists %d certificates, want %d", len(want), total)
		}
		for _, c := range listers(b, srv) {
			b.Run(fmt.Sprintf("n=%d/client=%s", total, c.name), func(b *testing.B) {
				benchList(b, want, c.fn)
			})
		}
	}
}

// servedListing reads every page of the listing as served.
func servedListing(b *testing.B, srv *vaulttest.Server) []servedItem {
	b.Helper()
	rt := tlsTransport(srv)
	auth := "Bearer " + fixedToken(b, srv).AccessToken
	var all []servedItem
	for next := srv.URL + "/certificates" + apiVersion; next != ""; {
		rec := record(b, rt, next, auth)
		if rec.status != http.StatusOK {
			b.Fatalf("GET %s: %d", next, rec.status)
		}
		items, n, err := servedPage(rec.body)
		if err != nil {
			b.Fatal(err)
		}
		all, next = append(all, items...), n
	}
	return all
}

func listers(b *testing.B, srv *vaulttest.Server) []contender[lister] {
	fl := newFloor(b, srv, tlsTransport(srv))
	ours := newOurs(b, srv, tlsTransport(srv), srv.TokenSource())
	sdk := newSDK(b, srv, tlsTransport(srv), sdkCredential(srv))
	return []contender[lister]{
		{floorName, func(ctx context.Context, want []servedItem, each func()) error {
			n := 0
			var bad error
			err := fl.listCertificates(ctx, func(it *floorItem) {
				if bad == nil && n < len(want) {
					bad = errWrap(floorName, checkFloorItem(it, &want[n]))
				}
				n++
				each()
			})
			return listed(err, bad, n, len(want))
		}},
		{oursName, func(ctx context.Context, want []servedItem, each func()) error {
			n := 0
			for p, err := range ours.ListCertificates(ctx, nil) {
				if err != nil {
					return err
				}
				if n < len(want) {
					if err := checkOursItem(p, &want[n]); err != nil {
						return errWrap(oursName, err)
					}
				}
				n++
				each()
			}
			return listed(nil, nil, n, len(want))
		}},
		{sdkName, func(ctx context.Context, want []servedItem, each func()) error {
			n := 0
			pager := sdk.NewListCertificatePropertiesPager(nil)
			for pager.More() {
				page, err := pager.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, it := range page.Value {
					if n < len(want) {
						if err := checkSDKItem(it, &want[n]); err != nil {
							return errWrap(sdkName, err)
						}
					}
					n++
					each()
				}
			}
			return listed(nil, nil, n, len(want))
		}},
	}
}

// listed is a listing's outcome: its error, a mismatch, or a count that
// is not the served one.
func listed(err, bad error, n, want int) error {
	switch {
	case err != nil:
		return err
	case bad != nil:
		return bad
	case n != want:
		return fmt.Errorf("listed %d certificates, want %d", n, want)
	}
	return nil
}

func benchList(b *testing.B, want []servedItem, list lister) {
	ctx := b.Context()
	listAll := func(each func()) {
		if err := list(ctx, want, each); err != nil {
			b.Fatal(err)
		}
	}
	listAll(func() {}) // the challenge and token, outside the timing
	b.ReportAllocs()
	for b.Loop() {
		listAll(func() {})
	}
	b.ReportMetric(float64(len(want))*float64(b.N)/b.Elapsed().Seconds(), "items/s")

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
