package interop

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// pages drains an SDK pager and returns its pages.
func pages[T any](t *testing.T, ctx context.Context, p *runtime.Pager[T]) []T {
	t.Helper()
	var out []T
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("NextPage after %d pages: %v", len(out), err)
		}
		out = append(out, page)
		if len(out) > 100 {
			t.Fatal("pager did not end after 100 pages")
		}
	}
	return out
}

func TestListCertificatePropertiesPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		emptyPages int
		wantSizes  []int
	}{
		{"full pages", 0, []int{4, 4, 2}},
		// The service sometimes answers empty pages with a nextLink; the
		// SDK must go on to the items behind them.
		{"empty pages between", 1, []int{0, 4, 0, 4, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			v := newVault(t, vaulttest.WithPageSize(4), vaulttest.WithEmptyPages(tt.emptyPages))
			names, err := v.srv.Seed(10, &vaulttest.SeedOptions{Prefix: "seeded-", Tags: map[string]string{"batch": "1"}})
			if err != nil {
				t.Fatal(err)
			}
			seeded, err := v.certs.GetCertificate(ctx, names[0], "", nil)
			if err != nil {
				t.Fatalf("GetCertificate(%s): %v", names[0], err)
			}
			// A pending request is listed only with IncludePending.
			unknown := selfPolicy("CN=pending")
			unknown.IssuerParameters.Name = new("Unknown")
			if _, err := v.certs.CreateCertificate(ctx, "zz-pending", azcertificates.CreateCertificateParameters{CertificatePolicy: unknown}, nil); err != nil {
				t.Fatalf("CreateCertificate: %v", err)
			}

			got := pages(t, ctx, v.certs.NewListCertificatePropertiesPager(nil))
			var sizes []int
			var listed []string
			for i, page := range got {
				sizes = append(sizes, len(page.Value))
				last := i == len(got)-1
				if last != (page.NextLink == nil) {
					t.Errorf("page %d NextLink = %s; want one on every page but the last", i, str(page.NextLink))
				}
				if page.NextLink != nil && !strings.HasPrefix(*page.NextLink, v.url+"/certificates?") {
					t.Errorf("page %d NextLink = %s, want an absolute link under %s", i, *page.NextLink, v.url)
				}
				for _, item := range page.Value {
					listed = append(listed, item.ID.Name())
					if want := v.url + "/certificates/" + item.ID.Name(); string(*item.ID) != want {
						t.Errorf("item ID = %s, want %s (no version)", *item.ID, want)
					}
					if string(item.X509Thumbprint) != string(seeded.X509Thumbprint) {
						t.Errorf("%s X509Thumbprint = %x, want the seeded certificate's %x", *item.ID, item.X509Thumbprint, seeded.X509Thumbprint)
					}
					if a := item.Attributes; a == nil || !*a.Enabled || !a.Expires.Equal(*seeded.Attributes.Expires) || a.Created == nil {
						t.Errorf("%s Attributes = %+v, want enabled with the seeded expiry and a creation time", *item.ID, a)
					}
					if diff := cmp.Diff(tags("batch", "1"), item.Tags); diff != "" {
						t.Errorf("%s Tags (-want +got):\n%s", *item.ID, diff)
					}
				}
			}
			if diff := cmp.Diff(tt.wantSizes, sizes); diff != "" {
				t.Errorf("page sizes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names, listed); diff != "" {
				t.Errorf("listed certificates (-want +got):\n%s", diff)
			}

			withPending := pages(t, ctx, v.certs.NewListCertificatePropertiesPager(&azcertificates.ListCertificatePropertiesOptions{IncludePending: new(true)}))
			var all []string
			for _, page := range withPending {
				for _, item := range page.Value {
					all = append(all, item.ID.Name())
				}
			}
			if diff := cmp.Diff(append(names, "zz-pending"), all); diff != "" {
				t.Errorf("listed with IncludePending (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListCertificatePropertiesVersionsPaging(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t, vaulttest.WithPageSize(3))
	var want []string
	for range 7 {
		id, err := v.srv.AddCertificate(vaulttest.SeedCertificate{Name: "many"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	// Another certificate's versions stay out of the list.
	if _, err := v.srv.AddCertificate(vaulttest.SeedCertificate{Name: "other"}); err != nil {
		t.Fatal(err)
	}

	got := pages(t, ctx, v.certs.NewListCertificatePropertiesVersionsPager("many", nil))
	var sizes []int
	var ids []string
	for _, page := range got {
		sizes = append(sizes, len(page.Value))
		for _, item := range page.Value {
			ids = append(ids, string(*item.ID))
			checkVersion(t, "listed", item.ID.Version())
			// Every listed version can be read, and is the one listed.
			cert, err := v.certs.GetCertificate(ctx, "many", item.ID.Version(), nil)
			if err != nil {
				t.Fatalf("GetCertificate(many, %s): %v", item.ID.Version(), err)
			}
			if *cert.ID != *item.ID || string(cert.X509Thumbprint) != string(item.X509Thumbprint) {
				t.Errorf("GetCertificate(%s) = %s x5t %x, want the listed item's x5t %x", *item.ID, *cert.ID, cert.X509Thumbprint, item.X509Thumbprint)
			}
		}
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	// The service lists versions by version id, not by creation: its
	// GetCertificateVersions example lists 002ade... (created 1482189534)
	// before 7fcb3e... (created 1482189532).
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), ids); diff != "" {
		t.Errorf("listed versions, want the added ones sorted by version id (-want +got):\n%s", diff)
	}

	_, err := pagesErr(ctx, v.certs.NewListCertificatePropertiesVersionsPager("missing", nil))
	wantResponseError(t, err, 404, "CertificateNotFound")
}

// pagesErr drains a pager and returns its first error.
func pagesErr[T any](ctx context.Context, p *runtime.Pager[T]) (int, error) {
	n := 0
	for p.More() {
		if _, err := p.NextPage(ctx); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func TestListDeletedCertificateProperties(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t, vaulttest.WithPageSize(2))
	names, err := v.srv.Seed(4, &vaulttest.SeedOptions{Prefix: "gone-", Deleted: true})
	if err != nil {
		t.Fatal(err)
	}
	live := v.create(t, ctx, "zz-deleted-by-sdk", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=sdk")})
	del, err := v.certs.DeleteCertificate(ctx, "zz-deleted-by-sdk", nil)
	if err != nil {
		t.Fatalf("DeleteCertificate: %v", err)
	}
	names = append(names, "zz-deleted-by-sdk")

	got := pages(t, ctx, v.certs.NewListDeletedCertificatePropertiesPager(nil))
	var sizes []int
	var listed []string
	for _, page := range got {
		sizes = append(sizes, len(page.Value))
		for _, item := range page.Value {
			name := item.ID.Name()
			listed = append(listed, name)
			if want := v.url + "/deletedcertificates/" + name; str(item.RecoveryID) != want {
				t.Errorf("%s RecoveryID = %s, want %s", name, str(item.RecoveryID), want)
			}
			if item.DeletedDate == nil || item.ScheduledPurgeDate == nil ||
				!item.ScheduledPurgeDate.Equal(item.DeletedDate.AddDate(0, 0, 90)) {
				t.Errorf("%s deleted %v, purge %v; want the purge 90 days after the deletion", name, item.DeletedDate, item.ScheduledPurgeDate)
			}
			if a := item.Attributes; a == nil || str(a.RecoveryLevel) != "Recoverable+Purgeable" || len(item.X509Thumbprint) != 20 {
				t.Errorf("%s Attributes = %+v, x5t %x; want recovery level Recoverable+Purgeable and a thumbprint", name, a, item.X509Thumbprint)
			}
		}
	}
	if diff := cmp.Diff([]int{2, 2, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(names, listed); diff != "" {
		t.Errorf("listed deleted certificates (-want +got):\n%s", diff)
	}
	last := got[len(got)-1].Value[0]
	if string(last.X509Thumbprint) != string(live.X509Thumbprint) || !last.DeletedDate.Equal(*del.DeletedDate) {
		t.Errorf("listed item of the SDK's deletion: x5t %x deleted %v, want %x %v",
			last.X509Thumbprint, last.DeletedDate, live.X509Thumbprint, del.DeletedDate)
	}
}
