package vaulttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

// pageThrough follows nextLinks from path and returns the item ids (without
// the vault URL) and the sizes of the pages.
func pageThrough(h *harness, path string) (ids []string, sizes []int) {
	h.t.Helper()
	link := path
	for range 1000 {
		var page struct {
			Value    []struct{ ID string }
			NextLink *string
		}
		status, _, body := h.do("GET", link, nil)
		if status != http.StatusOK {
			h.t.Fatalf("GET %s: %d %s", link, status, body)
		}
		if !strings.Contains(string(body), `"nextLink":`) {
			h.t.Fatalf("page %s has no nextLink member", body)
		}
		if err := json.Unmarshal(body, &page); err != nil {
			h.t.Fatal(err)
		}
		sizes = append(sizes, len(page.Value))
		for _, it := range page.Value {
			ids = append(ids, strings.TrimPrefix(it.ID, h.srv.URL))
		}
		if page.NextLink == nil {
			return ids, sizes
		}
		link = *page.NextLink
	}
	h.t.Fatal("paging does not end")
	return nil, nil
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	names, err := h.srv.Seed(60, nil)
	if err != nil {
		t.Fatal(err)
	}
	var first listPage[gen.CertificateItem]
	h.call("GET", "/certificates?maxresults=25", nil, http.StatusOK, &first)
	port := h.srv.URL[strings.LastIndexByte(h.srv.URL, ':')+1:]
	re := regexp.MustCompile(`^https://myvault\.vault\.localhost:` + port +
		`/certificates\?api-version=` + regexp.QuoteMeta(gen.APIVersion) + `&\$skiptoken=[A-Za-z0-9_-]+&maxresults=25$`)
	if first.NextLink == nil || !re.MatchString(*first.NextLink) {
		t.Errorf("nextLink = %v, want an absolute link with the port, $skiptoken and maxresults", deref(first.NextLink))
	}

	ids, sizes := pageThrough(h, "/certificates?maxresults=25")
	var want []string
	for _, n := range names {
		want = append(want, "/certificates/"+n)
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{25, 25, 10}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	_, sizes = pageThrough(h, "/certificates")
	if diff := cmp.Diff([]int{25, 25, 10}, sizes); diff != "" {
		t.Errorf("default page sizes (-want +got):\n%s", diff)
	}
	// Certificates added after the first page show up in order.
	var p1 listPage[gen.CertificateItem]
	h.call("GET", "/certificates?maxresults=5", nil, http.StatusOK, &p1)
	h.createDone("cert-04a")
	var p2 listPage[gen.CertificateItem]
	h.call("GET", *p1.NextLink, nil, http.StatusOK, &p2)
	if got := p2.Value[0].ID; !strings.HasSuffix(got, "/certificates/cert-04a") {
		t.Errorf("second page starts with %s, want cert-04a", got)
	}
}

func TestListPagingErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, q := range []string{"maxresults=0", "maxresults=26", "maxresults=ten", "$skiptoken=not-ours", "$skiptoken=e30"} {
		for _, path := range []string{"/certificates", "/deletedcertificates", "/certificates/issuers"} {
			h.fail("GET", path+"?"+q, nil, http.StatusBadRequest, "BadParameter", "")
		}
	}
	h.createDone("v")
	h.fail("GET", "/certificates/v/versions?$skiptoken=eyJhIjoieCJ9", nil, http.StatusBadRequest, "BadParameter", "")
}

func TestPageSizeAndEmptyPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithPageSize(4), WithEmptyPages(2))
	if _, err := h.srv.Seed(9, nil); err != nil {
		t.Fatal(err)
	}
	ids, sizes := pageThrough(h, "/certificates")
	if len(ids) != 9 {
		t.Errorf("%d items, want 9", len(ids))
	}
	if diff := cmp.Diff([]int{0, 0, 4, 0, 0, 4, 0, 0, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	// Empty pages keep includePending in their links.
	var page listPage[gen.CertificateItem]
	h.call("GET", "/certificates?includePending=true", nil, http.StatusOK, &page)
	if !strings.HasSuffix(deref(page.NextLink), "&includePending=true") {
		t.Errorf("nextLink %q lost includePending", deref(page.NextLink))
	}
}

func TestOtherListsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.srv.Seed(7, &SeedOptions{Prefix: "gone-", Deleted: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Seed(1, &SeedOptions{Prefix: "many-", Versions: 7}); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		h.call("PUT", fmt.Sprintf("/certificates/issuers/iss%d", i), gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusOK, nil)
	}
	for _, path := range []string{"/deletedcertificates?maxresults=3", "/certificates/many-0/versions?maxresults=3", "/certificates/issuers?maxresults=3"} {
		ids, sizes := pageThrough(h, path)
		if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
			t.Errorf("%s page sizes (-want +got):\n%s", path, diff)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(seen) != 7 {
			t.Errorf("%s: %d distinct items, want 7", path, len(seen))
		}
	}
}
