package client

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Page is one page of a listing.
type Page[T any] struct {
	// Items are the page's items. A page may be empty and still not be the
	// last one.
	Items []T
	// ContinuationToken resumes the listing after this page when passed as
	// the ContinuationToken option of the same listing. It is empty on the
	// last page.
	ContinuationToken string
}

// Pager reads a listing one page at a time. Its pages hold the same item
// type, a pointer such as *CertificateProperties, that the listing's
// iterator yields:
//
//	for pager.More() {
//		page, err := pager.NextPage(ctx)
//		if err != nil { ... }
//		for _, item := range page.Items { ... }
//	}
//
// A Pager refuses a next link that points anywhere but the vault (before
// sending anything) and one that repeats, and gives up with an error after
// [MaxEmptyPages] empty pages in a row (the service sends a few at most), so
// a listing always ends. It is not safe for concurrent use.
type Pager[T any] struct {
	c     *Client
	op    string                        // the listing's name, for OperationName
	first func() (*http.Request, error) // builds the first page's request; nil after it or when resuming
	next  string                        // URL of the next page; empty when done
	err   error                         // refused options, returned by the first NextPage
	done  bool
	empty int // consecutive empty pages with a next link
	links linkGuard
	fetch func(ctx context.Context, req *http.Request) ([]T, string, error)
}

var errNoMorePages = errors.New("kvcerts: the listing has no more pages")

// MaxEmptyPages is how many empty pages in a row, each with a next link, a
// [Pager] follows before it stops with an error. Key Vault sends a few empty
// pages in a row when the page size is small, never thousands.
const MaxEmptyPages = 1000

// newPager returns a pager over a listing whose wire pages have type W.
// first builds the request for the first page with gen's request builder,
// given the page size (nil for the service's default); a continuation
// token replaces it. page extracts a wire page's items and next link.
func newPager[W any, T listed](c *Client, op string, maxResults int, token string, first func(maxResults *int32) (*http.Request, error), page func(*W) ([]T, string)) *Pager[T] {
	p := &Pager[T]{c: c, op: op}
	p.fetch = func(ctx context.Context, req *http.Request) ([]T, string, error) {
		var w W
		if _, err := c.send(ctx, req, http.StatusOK, &w); err != nil {
			return nil, "", err
		}
		items, next := page(&w)
		for i, it := range items {
			if err := checkListed(label(req), i, it); err != nil {
				return nil, "", err
			}
		}
		return items, next, nil
	}
	switch {
	case maxResults < 0 || maxResults > 25:
		p.err = invalidArg("MaxResults %d: must be between 1 and 25, or 0 for the service's default", maxResults)
	case token != "":
		p.next = token
	default:
		p.first = func() (*http.Request, error) { return first(ptrIf(int32(maxResults))) }
	}
	return p
}

// More reports whether NextPage has anything more to return: a page or
// an error.
func (p *Pager[T]) More() bool { return !p.done }

// NextPage fetches the next page. After it returns an error, More reports
// false.
func (p *Pager[T]) NextPage(ctx context.Context) (*Page[T], error) {
	if p.done {
		return nil, errNoMorePages
	}
	page, err := p.nextPage(withOperation(ctx, p.op))
	if err != nil {
		p.done = true
		return nil, err
	}
	return page, nil
}

func (p *Pager[T]) nextPage(ctx context.Context) (*Page[T], error) {
	if p.err != nil {
		return nil, p.err
	}
	req, err := p.request()
	if err != nil {
		return nil, err
	}
	items, next, err := p.fetch(ctx, req)
	if err != nil {
		return nil, err
	}
	p.next = next
	p.done = next == ""
	if len(items) > 0 || p.done {
		p.empty = 0
	} else if p.empty++; p.empty >= MaxEmptyPages {
		return nil, fmt.Errorf("kvcerts: %s: the vault sent %d empty pages in a row, each with a next link; "+
			"stopping the listing (the last next link was %s)", sanitizeURL(req.URL), p.empty, quoteURL(next))
	}
	return &Page[T]{Items: items, ContinuationToken: next}, nil
}

// request returns the request for the next page: the first page's from
// gen's builder, later ones from the service's next link.
func (p *Pager[T]) request() (*http.Request, error) {
	if first := p.first; first != nil {
		p.first = nil
		return p.c.prepare(first())
	}
	link, err := p.checkLink(p.next)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		return nil, fmt.Errorf("kvcerts: next link: %w", err)
	}
	return req, nil
}

// checkLink refuses a next link or continuation token that is not on the
// vault's scheme and host or that was already followed, and returns it
// with the client's api-version.
func (p *Pager[T]) checkLink(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", invalidArg("next link %s: not a URL", quoteURL(link))
	}
	if u.Scheme != p.c.scheme || normalizeHost(u.Scheme, u.Host) != p.c.host || u.User != nil {
		return "", invalidArg("next link %s: not on the vault %s; refusing to follow it", quoteURL(link), p.c.vaultURL)
	}
	if p.links.repeats(link) {
		return "", invalidArg("next link %s: repeats an earlier page; stopping the listing", quoteURL(link))
	}
	switch {
	case u.RawQuery == "":
		u.RawQuery = p.c.apiQuery
	case !hasQueryKey(u.RawQuery, "api-version"):
		u.RawQuery = p.c.apiQuery + "&" + u.RawQuery
	}
	return u.String(), nil
}

// hasQueryKey reports whether the raw query has a parameter named key,
// which needs no escaping, without parsing the whole query.
func hasQueryKey(rawQuery, key string) bool {
	for param := range strings.SplitSeq(rawQuery, "&") {
		if name, _, _ := strings.Cut(param, "="); name == key {
			return true
		}
	}
	return false
}

// linkGuard detects a listing that goes round in circles, in memory that
// does not grow with the listing: it remembers the last few links, which
// catches a service that repeats a page or alternates between a few, and
// one checkpoint link that it moves ever further back (Brent's cycle
// detection), which catches a longer cycle a few turns into it.
type linkGuard struct {
	recent     [8]string
	next       int // index in recent of the next link to remember
	checkpoint string
	power, lam int // the checkpoint moves once lam links have passed it, lam reaching power
}

// repeats reports whether link was seen before, and remembers it if not.
func (g *linkGuard) repeats(link string) bool {
	if link == g.checkpoint || slices.Contains(g.recent[:], link) {
		return true
	}
	g.recent[g.next] = link
	g.next = (g.next + 1) % len(g.recent)
	if g.lam++; g.lam >= g.power {
		g.checkpoint, g.power, g.lam = link, max(1, 2*g.power), 0
	}
	return false
}

// items ranges over the items of the pages of a new pager, the same
// values the pages hold. It yields the zero T (a nil pointer) with an
// error and stops. Each range starts the listing afresh.
func items[T any](ctx context.Context, newPager func() *Pager[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		p := newPager()
		for p.More() {
			page, err := p.NextPage(ctx)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}
