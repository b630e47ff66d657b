package vaulttest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const maxPageSize = 25

// page is a list request's position: the page size, the sort key of the
// last item already served, and how many injected empty pages were
// served since then.
type page struct {
	size    int
	after   string
	empties int
}

// listPage is a list answer: the shape of gen's list results, except that
// the last page says "nextLink": null, as the service writes it.
type listPage[T any] struct {
	Value    []T     `json:"value"`
	NextLink *string `json:"nextLink"`
}

// skipToken is the decoded form of the opaque $skiptoken.
type skipToken struct {
	After   string `json:"a"`
	Empties int    `json:"e,omitempty"`
}

// pageOf reads maxresults and $skiptoken.
func (v *vault) pageOf(c *call) (page, error) {
	q := c.r.URL.Query()
	p := page{size: v.cfg.pageSize}
	if q.Has("maxresults") {
		raw := q.Get("maxresults")
		n, err := strconv.Atoi(raw)
		if err != nil {
			return p, badParameter("maxresults %q is not an integer", raw)
		}
		if n < 1 || n > maxPageSize {
			return p, badParameter("maxresults %d is outside 1..%d", n, maxPageSize)
		}
		p.size = n
	}
	if raw := q.Get("$skiptoken"); raw != "" {
		data, err := base64.RawURLEncoding.DecodeString(raw)
		var t skipToken
		if err != nil || json.Unmarshal(data, &t) != nil || t.Empties < 0 || (t.After == "" && t.Empties == 0) {
			return p, badParameter("$skiptoken is not a token this vault issued")
		}
		p.after, p.empties = t.After, t.Empties
	}
	return p, nil
}

// wantEmpty reports whether the next page is an injected empty one.
func (v *vault) wantEmpty(p page) bool { return p.empties < v.cfg.emptyPages }

// nextLink is the absolute link to the page after `after`, with the port
// always explicit as the service writes it.
func (v *vault) nextLink(c *call, path, after string, empties int, p page) *string {
	data, _ := json.Marshal(skipToken{After: after, Empties: empties})
	var b strings.Builder
	b.WriteString(v.urls.link)
	b.WriteString(path)
	b.WriteString("?api-version=")
	b.WriteString(url.QueryEscape(c.apiVersion))
	b.WriteString("&$skiptoken=")
	b.WriteString(base64.RawURLEncoding.EncodeToString(data))
	b.WriteString("&maxresults=")
	b.WriteString(strconv.Itoa(p.size))
	if includePending(c) {
		b.WriteString("&includePending=true")
	}
	return ptr(b.String())
}

// emptyPageLink is the nextLink of an injected empty page.
func (v *vault) emptyPageLink(c *call, path string, p page) *string {
	return v.nextLink(c, path, p.after, p.empties+1, p)
}

// pageKeys picks up to size keys after `after` from the sorted keys that
// keep accepts, and reports whether an accepted key follows them.
func pageKeys(keys []string, after string, size int, keep func(string) bool) (picked []string, more bool) {
	start, found := slices.BinarySearch(keys, after)
	if found {
		start++
	}
	for _, k := range keys[start:] {
		if !keep(k) {
			continue
		}
		if len(picked) == size {
			return picked, true
		}
		picked = append(picked, k)
	}
	return picked, false
}

func includePending(c *call) bool {
	b, _ := strconv.ParseBool(c.r.URL.Query().Get("includePending"))
	return b
}

func checkIncludePending(c *call) error {
	q := c.r.URL.Query()
	if !q.Has("includePending") {
		return nil
	}
	if _, err := strconv.ParseBool(q.Get("includePending")); err != nil {
		return badParameter("includePending %q is not true or false", q.Get("includePending"))
	}
	return nil
}
