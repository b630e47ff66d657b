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

// page is a list request's position and options: the page size, the sort
// key of the last item already served, how many injected empty pages were
// served since then, and includePending.
type page struct {
	size    int
	after   string
	empties int
	pending bool
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

// pageOf reads maxresults, $skiptoken and includePending.
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
	if q.Has("includePending") {
		raw := q.Get("includePending")
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return p, badParameter("includePending %q is not true or false", raw)
		}
		p.pending = b
	}
	return p, nil
}

// list makes the page p of a list over sorted keys: up to p.size of the
// keys after p.after that keep accepts (all, if keep is nil), each made an
// item, and a link to the next page when another key follows. Injected
// empty pages (WithEmptyPages) come first. Callers hold v.mu.
func list[T any](v *vault, c *call, path string, p page, keys []string, keep func(string) bool, item func(string) T) listPage[T] {
	out := listPage[T]{Value: []T{}}
	if p.empties < v.cfg.emptyPages {
		out.NextLink = v.link(c, path, p, skipToken{After: p.after, Empties: p.empties + 1})
		return out
	}
	start, found := slices.BinarySearch(keys, p.after)
	if found {
		start++
	}
	last := ""
	for _, k := range keys[start:] {
		if keep != nil && !keep(k) {
			continue
		}
		if len(out.Value) == p.size {
			out.NextLink = v.link(c, path, p, skipToken{After: last})
			return out
		}
		out.Value = append(out.Value, item(k))
		last = k
	}
	return out
}

// link is the absolute link to the page at t, with the port always
// explicit, as the service writes it.
func (v *vault) link(c *call, path string, p page, t skipToken) *string {
	data, _ := json.Marshal(t)
	var b strings.Builder
	b.WriteString(v.urls.link)
	b.WriteString(path)
	b.WriteString("?api-version=")
	b.WriteString(url.QueryEscape(c.apiVersion))
	b.WriteString("&$skiptoken=")
	b.WriteString(base64.RawURLEncoding.EncodeToString(data))
	b.WriteString("&maxresults=")
	b.WriteString(strconv.Itoa(p.size))
	if p.pending {
		b.WriteString("&includePending=true")
	}
	return new(b.String())
}
