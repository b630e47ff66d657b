package client

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/gen"
)

func item(name string) string {
	return fmt.Sprintf(`{"id":"https://myvault.vault.azure.net/certificates/%s","attributes":{"enabled":true},"x5t":"AQI"}`, name)
}

// pagedVault serves /certificates in pages keyed by $skiptoken; next maps
// a page to the next link it returns ("" for null).
func pagedVault(t *testing.T, mux *http.ServeMux, pages map[string][]string, next map[string]string) {
	mux.HandleFunc("GET /certificates", func(w http.ResponseWriter, r *http.Request) {
		checkAPIVersion(t, r)
		tok := r.URL.Query().Get("$skiptoken")
		items, ok := pages[tok]
		if !ok {
			reply(w, 500, `{"error":{"code":"InternalError","message":"page `+tok+` broke"}}`)
			return
		}
		link := "null"
		if n := next[tok]; n != "" {
			link = `"` + n + `"`
		}
		reply(w, 200, `{"value":[`+strings.Join(items, ",")+`],"nextLink":`+link+`}`)
	})
}

func names(t *testing.T, seq func(func(*CertificateProperties, error) bool)) ([]string, error) {
	t.Helper()
	var got []string
	for p, err := range seq {
		if err != nil {
			return got, err
		}
		got = append(got, p.Name)
	}
	return got, nil
}

// nextBase is how the fake service begins its next links; like the real
// one, it keeps the api-version of the request.
const nextBase = "https://myvault.vault.azure.net:443/certificates?api-version=" + gen.APIVersion + "&maxresults=2&$skiptoken="

func TestListCertificatesPages(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	pages := map[string][]string{"": {item("a"), item("b")}, "p2": {}, "p3": {}, "p4": {item("c")}}
	next := map[string]string{"": nextBase + "p2", "p2": nextBase + "p3", "p3": "HTTPS://MyVault.vault.azure.net/certificates?$skiptoken=p4"}
	pagedVault(t, mux, pages, next)
	got, err := names(t, c.ListCertificates(t.Context(), &ListCertificatesOptions{MaxResults: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("items mismatch (-want +got):\n%s", diff)
	}
	if n := tr.calls.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

func TestListCertificatesFirstQuery(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /certificates", func(w http.ResponseWriter, r *http.Request) {
		if got, want := r.URL.RawQuery, "api-version="+gen.APIVersion+"&maxresults=25&includePending=true"; got != want {
			t.Errorf("query = %q, want %q", got, want)
		}
		reply(w, 200, `{"value":[],"nextLink":null}`)
	})
	for _, err := range c.ListCertificates(t.Context(), &ListCertificatesOptions{MaxResults: 25, IncludePending: true}) {
		t.Fatal(err)
	}
}

func TestPagerRefusesForeignNextLink(t *testing.T) {
	t.Parallel()
	for _, link := range []string{
		"https://evil.example/certificates?$skiptoken=p2",
		"https://myvault.vault.azure.net.evil.example/certificates?$skiptoken=p2",
		"https://myvault.vault.azure.net:8443/certificates?$skiptoken=p2",
		"http://myvault.vault.azure.net/certificates?$skiptoken=p2",
		"https://user@myvault.vault.azure.net/certificates?$skiptoken=p2",
		"/certificates?$skiptoken=p2",
		"::not a url",
	} {
		c, mux, tr := setup(t)
		pagedVault(t, mux, map[string][]string{"": {item("a")}, "p2": {item("b")}}, map[string]string{"": link})
		got, err := names(t, c.ListCertificates(t.Context(), nil))
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "next link") {
			t.Errorf("%s: err = %v", link, err)
		}
		if diff := cmp.Diff([]string{"a"}, got); diff != "" {
			t.Errorf("%s: items mismatch (-want +got):\n%s", link, diff)
		}
		if n := tr.calls.Load(); n != 1 {
			t.Errorf("%s: %d requests, want 1 (the link must be refused before sending)", link, n)
		}
	}
}

func TestPagerRepeatedNextLink(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	pagedVault(t, mux,
		map[string][]string{"": {item("a")}, "p2": {item("b")}, "p3": {}},
		map[string]string{"": nextBase + "p2", "p2": nextBase + "p3", "p3": nextBase + "p2"})
	got, err := names(t, c.ListCertificates(t.Context(), nil))
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("err = %v", err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("items mismatch (-want +got):\n%s", diff)
	}
	if n := tr.calls.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestPagerMaxResults(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	for _, n := range []int{-1, 26, 1000} {
		_, err := names(t, c.ListCertificates(t.Context(), &ListCertificatesOptions{MaxResults: n}))
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), fmt.Sprint(n)) {
			t.Errorf("MaxResults %d: err = %v", n, err)
		}
	}
	for _, err := range c.ListIssuers(t.Context(), &ListIssuersOptions{MaxResults: 26}) {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("issuers: err = %v", err)
		}
	}
	for _, err := range c.ListDeletedCertificates(t.Context(), &ListDeletedCertificatesOptions{MaxResults: 26}) {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("deleted: err = %v", err)
		}
	}
}

func TestPagerStopsAfterError(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	pagedVault(t, mux, map[string][]string{"": {item("a")}}, map[string]string{"": nextBase + "broken"})
	var got []string
	var errs []error
	for p, err := range c.ListCertificates(t.Context(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue // the iterator must stop by itself
		}
		got = append(got, p.Name)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "page broke") {
		t.Errorf("errors = %v", errs)
	}
	if diff := cmp.Diff([]string{"a"}, got); diff != "" {
		t.Errorf("items mismatch (-want +got):\n%s", diff)
	}
	if n := tr.calls.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestPagerBreakEarly(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	pagedVault(t, mux, map[string][]string{"": {item("a"), item("b")}, "p2": {item("c")}}, map[string]string{"": nextBase + "p2"})
	for range c.ListCertificates(t.Context(), nil) {
		break
	}
	if n := tr.calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestPagerContinuation(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	pagedVault(t, mux,
		map[string][]string{"": {item("a")}, "p2": {item("b")}, "p3": {item("c")}},
		map[string]string{"": nextBase + "p2", "p2": nextBase + "p3"})

	pager := c.NewListCertificatesPager(nil)
	if !pager.More() {
		t.Fatal("a new pager has no pages")
	}
	page, err := pager.NextPage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].Name != "a" || page.ContinuationToken != nextBase+"p2" {
		t.Fatalf("first page = %+v", page)
	}

	// Later, perhaps in another process: resume from the token.
	got, err := names(t, c.ListCertificates(t.Context(), &ListCertificatesOptions{ContinuationToken: page.ContinuationToken}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b", "c"}, got); diff != "" {
		t.Errorf("resumed items mismatch (-want +got):\n%s", diff)
	}
	if n := tr.calls.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	// The first pager goes on independently and ends.
	for pager.More() {
		if _, err := pager.NextPage(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pager.NextPage(t.Context()); !errors.Is(err, errNoMorePages) {
		t.Errorf("NextPage after the end: err = %v", err)
	}
}

func TestPagerForeignContinuationToken(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	_, err := names(t, c.ListCertificates(t.Context(), &ListCertificatesOptions{ContinuationToken: "https://evil.example/certificates"}))
	if !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("err = %v", err)
	}
}

func TestCheckLinkAddsAPIVersion(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	p := &Pager[int]{c: c}
	for in, want := range map[string]string{
		"https://myvault.vault.azure.net/certificates":                       testVault + "/certificates?api-version=" + gen.APIVersion,
		"https://myvault.vault.azure.net/certificates?$skiptoken=x":          testVault + "/certificates?api-version=" + gen.APIVersion + "&$skiptoken=x",
		"https://myvault.vault.azure.net:443/certificates?api-version=7.4&a": "https://myvault.vault.azure.net:443/certificates?api-version=7.4&a",
	} {
		got, err := p.checkLink(in)
		if err != nil || got != want {
			t.Errorf("checkLink(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestListCertificateVersions(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /certificates/web/versions", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("maxresults"); got != "3" {
			t.Errorf("maxresults = %q", got)
		}
		reply(w, 200, `{"value":[{"id":"https://myvault.vault.azure.net/certificates/web/`+testVersion+`"}],"nextLink":null}`)
	})
	var got []string
	for p, err := range c.ListCertificateVersions(t.Context(), "web", &ListCertificateVersionsOptions{MaxResults: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Version)
	}
	if diff := cmp.Diff([]string{testVersion}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLinkGuard(t *testing.T) {
	t.Parallel()
	link := func(i int) string { return nextBase + strconv.Itoa(i) }
	var g linkGuard
	for i := range 10000 {
		if g.repeats(link(i)) {
			t.Fatalf("link %d of 10000 distinct links reported as a repeat", i)
		}
	}
	// Cycles of every length up to 100 after a lead-in: the first repeat is
	// the link at step length; detection comes at most a few turns later.
	for _, lead := range []int{0, 1, 7, 50} {
		for length := 1; length <= 100; length++ {
			var g linkGuard
			for i := range lead {
				if g.repeats(link(-1 - i)) {
					t.Fatalf("lead %d: lead-in link %d reported as a repeat", lead, i)
				}
			}
			detected := -1
			for step := 0; step < lead+4*length+16 && detected < 0; step++ {
				if g.repeats(link(step % length)) {
					detected = step
				}
			}
			if detected < length || detected > 2*(lead+length)+length {
				t.Errorf("lead %d, cycle of %d: detected at step %d", lead, length, detected)
			}
		}
	}
}

func TestHasQueryKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		query string
		want  bool
	}{
		{"", false},
		{"api-version=2025-07-01", true},
		{"$skiptoken=x&api-version=7.4", true},
		{"api-version", true},
		{"xapi-version=1&api-versions=2", false},
		{"$skiptoken=api-version%3D1", false},
	} {
		if got := hasQueryKey(tt.query, "api-version"); got != tt.want {
			t.Errorf("hasQueryKey(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

// endlessPages serves /certificates as empty pages, each with a new next
// link, except that the pages whose number items names hold one item.
func endlessPages(t *testing.T, mux *http.ServeMux, items map[int]bool) {
	mux.HandleFunc("GET /certificates", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
		value := ""
		if items[n] {
			value = item("c" + strconv.Itoa(n))
		}
		reply(w, 200, `{"value":[`+value+`],"nextLink":"`+nextBase+strconv.Itoa(n+1)+`"}`)
	})
}

func TestPagerStopsAfterEmptyPages(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	endlessPages(t, mux, nil)
	got, err := names(t, c.ListCertificates(t.Context(), nil))
	if err == nil || !strings.Contains(err.Error(), "1000 empty pages in a row") {
		t.Fatalf("err = %v, want one saying 1000 empty pages in a row", err)
	}
	if len(got) != 0 {
		t.Errorf("items %q, want none", got)
	}
	if n := tr.calls.Load(); n != MaxEmptyPages {
		t.Errorf("%d requests, want %d", n, MaxEmptyPages)
	}
}

func TestPagerEmptyRunResetsOnItems(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	// Runs of 999 empty pages between pages with an item never reach the bound.
	endlessPages(t, mux, map[int]bool{0: true, 1000: true, 2000: true})
	p := c.NewListCertificatesPager(nil)
	var got []string
	var err error
	for p.More() && len(got) < 3 {
		var page *Page[*CertificateProperties]
		if page, err = p.NextPage(t.Context()); err != nil {
			break
		}
		for _, it := range page.Items {
			got = append(got, it.Name)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"c0", "c1000", "c2000"}, got); diff != "" {
		t.Errorf("items mismatch (-want +got):\n%s", diff)
	}
	if n := tr.calls.Load(); n != 2001 {
		t.Errorf("%d requests, want 2001", n)
	}
}

// TestListShapes checks that a listing's iterator and its pager give the
// same items: pointers to equal values, none nil, a nil one with an error.
func TestListShapes(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	pagedVault(t, mux,
		map[string][]string{"": {item("a"), item("b")}, "p2": {item("c")}, "p3": nil},
		map[string]string{"": nextBase + "p2", "p2": nextBase + "p3", "p3": nextBase + "broken"})

	var fromPages []*CertificateProperties
	pager := c.NewListCertificatesPager(nil)
	for pager.More() {
		page, err := pager.NextPage(t.Context())
		if err != nil {
			break
		}
		fromPages = append(fromPages, page.Items...)
	}
	var fromIter []*CertificateProperties
	var iterErr error
	for p, err := range c.ListCertificates(t.Context(), nil) {
		if err != nil {
			if p != nil {
				t.Errorf("the iterator yielded %+v with its error", p)
			}
			iterErr = err
			break
		}
		if p == nil {
			t.Fatal("the iterator yielded a nil item without an error")
		}
		fromIter = append(fromIter, p)
	}
	if iterErr == nil {
		t.Error("the broken last page gave no error")
	}
	if len(fromPages) != 3 {
		t.Fatalf("pages held %d items, want 3", len(fromPages))
	}
	if diff := cmp.Diff(fromPages, fromIter); diff != "" {
		t.Errorf("iterator and pager disagree (-pager +iterator):\n%s", diff)
	}
	if fromPages[0] == fromPages[1] {
		t.Error("two items of a page share one value")
	}
}

// TestListedItemsWithoutIdentityRefused checks that every listing refuses a
// page whose items do not name an object of the listing's collection.
func TestListedItemsWithoutIdentityRefused(t *testing.T) {
	t.Parallel()
	certItem := `{"id":"https://myvault.vault.azure.net/certificates/web","attributes":{"enabled":true}}`
	issuerItem := `{"id":"https://myvault.vault.azure.net/certificates/issuers/digi","provider":"DigiCert"}`
	deletedItem := `{"id":"https://myvault.vault.azure.net/certificates/web","recoveryId":"https://myvault.vault.azure.net/deletedcertificates/web"}`
	tests := []struct {
		name, pattern, good string
		bad                 []string
		list                func(c *Client) error
	}{
		{"ListCertificates", "GET /certificates", certItem, []string{issuerItem, `{"id":"https://myvault.vault.azure.net/keys/web"}`},
			func(c *Client) error {
				return seqErr(c.ListCertificates(t.Context(), nil))
			}},
		{"ListCertificateVersions", "GET /certificates/web/versions", certItem, []string{issuerItem},
			func(c *Client) error {
				return seqErr(c.ListCertificateVersions(t.Context(), "web", nil))
			}},
		{"ListDeletedCertificates", "GET /deletedcertificates", deletedItem,
			[]string{issuerItem, strings.Replace(deletedItem, "deletedcertificates/web", "deletedcertificates/other", 1)},
			func(c *Client) error {
				return seqErr(c.ListDeletedCertificates(t.Context(), nil))
			}},
		{"ListIssuers", "GET /certificates/issuers", issuerItem, []string{certItem},
			func(c *Client) error {
				return seqErr(c.ListIssuers(t.Context(), nil))
			}},
	}
	for _, tt := range tests {
		for _, item := range append([]string{"null", "{}", `{"id":""}`, tt.good}, tt.bad...) {
			c, mux, _ := setup(t)
			handle(t, mux, tt.pattern, "", 200, `{"value":[`+tt.good+`,`+item+`],"nextLink":null}`)
			err := tt.list(c)
			if item == tt.good {
				if err != nil {
					t.Errorf("%s with item %s: %v", tt.name, item, err)
				}
				continue
			}
			if !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), "item 1") {
				t.Errorf("%s with item %s: err = %v, want ErrInvalidResponse about item 1", tt.name, item, err)
			}
		}
	}
}

// seqErr ranges over seq and returns the error it yields, or nil.
func seqErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}
