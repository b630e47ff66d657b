package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The adversarial suite attacks a client as a hostile vault, a broken
// network and a careless caller would, against loopback servers only, and
// measures what must never happen: a token reaching a foreign host or
// travelling over http, and a token or secret in a log record or an error.
// It logs its figures (go test -run TestAdversarialSuite -v).

const (
	advToken    = "adv-TOKEN-3f1c9a"
	advPassword = "adv-PASSWORD-77e0"
	advTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

// advSource is a challenge-aware token source that counts the tokens it
// hands out.
type advSource struct{ minted atomic.Int32 }

func (s *advSource) Token() (*oauth2.Token, error) {
	s.minted.Add(1)
	return &oauth2.Token{AccessToken: advToken, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func (s *advSource) ChallengeToken(_ context.Context, _, _, _ string) (*oauth2.Token, error) {
	return s.Token()
}

// advFigures are the suite's counts.
type advFigures struct {
	badInputs, faults, tokensAway, secretsSeen atomic.Int64
}

// listener records whether requests, and tokens, reached a foreign server.
type listener struct {
	requests, tokens atomic.Int64
}

func (l *listener) handler(w http.ResponseWriter, r *http.Request) {
	l.requests.Add(1)
	if r.Header.Get("Authorization") != "" || strings.Contains(r.URL.String(), advToken) {
		l.tokens.Add(1)
	}
	reply(w, 200, `{"value":[],"nextLink":null}`)
}

// advEnv is one hostile vault with its foreign neighbours.
type advEnv struct {
	c              *Client
	src            *advSource
	logs           *syncBuffer
	vault          *httptest.Server
	foreignTLS     *httptest.Server // another host:port with a certificate the client trusts
	foreignHTTP    *httptest.Server // a plain-http server
	away, awayHTTP *listener
}

// newAdvEnv starts a vault whose authorized requests h answers; requests
// without a token get the service's challenge for the vault's own host.
func newAdvEnv(t *testing.T, h http.HandlerFunc) *advEnv {
	t.Helper()
	e := &advEnv{src: &advSource{}, logs: &syncBuffer{}, away: &listener{}, awayHTTP: &listener{}}
	e.foreignTLS = quietTLSServer(http.HandlerFunc(e.away.handler))
	t.Cleanup(e.foreignTLS.Close)
	e.foreignHTTP = httptest.NewServer(http.HandlerFunc(e.awayHTTP.handler))
	t.Cleanup(e.foreignHTTP.Close)
	e.vault = quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/`+advTenant+`", resource="https://127.0.0.1"`)
			reply(w, 401, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(e.vault.Close)
	retry := RetryOptions{MaxRetries: 3, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Millisecond}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(e.vault.URL, e.src, WithHTTPClient(e.vault.Client()), WithRetry(retry), WithLogger(logger), WithPollFrequency(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

// check counts the foreign requests and secrets of one attack, whose
// result was err.
func (e *advEnv) check(t *testing.T, fig *advFigures, attack string, err error) {
	t.Helper()
	if n := e.away.tokens.Load() + e.awayHTTP.tokens.Load(); n > 0 {
		fig.tokensAway.Add(n)
		t.Errorf("%s: %d tokens reached a foreign host or went over http", attack, n)
	}
	for _, s := range []string{advToken, advPassword} {
		if err != nil && strings.Contains(err.Error(), s) {
			fig.secretsSeen.Add(1)
			t.Errorf("%s: the error holds a secret: %v", attack, err)
		}
		if strings.Contains(e.logs.String(), s) {
			fig.secretsSeen.Add(1)
			t.Errorf("%s: the logs hold a secret", attack)
		}
	}
}

func TestAdversarialSuite(t *testing.T) {
	t.Parallel()
	fig := &advFigures{}
	t.Cleanup(func() {
		t.Logf("adversarial suite: %d bad inputs tried, %d faults injected, %d tokens sent to a foreign host or over http, %d secrets in logs and errors",
			fig.badInputs.Load(), fig.faults.Load(), fig.tokensAway.Load(), fig.secretsSeen.Load())
	})

	t.Run("foreign and http next links", func(t *testing.T) {
		var cur atomic.Value
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 200, `{"value":[],"nextLink":"`+cur.Load().(string)+`"}`)
		})
		fu, hu := strings.TrimPrefix(e.foreignTLS.URL, "https://"), strings.TrimPrefix(e.foreignHTTP.URL, "http://")
		vu := strings.TrimPrefix(e.vault.URL, "https://")
		host, port, _ := net.SplitHostPort(vu)
		links := []string{
			"https://" + fu + "/certificates?i=0", "http://" + hu + "/certificates?i=0", "http://" + vu + "/certificates?i=0",
			"https://user:" + advPassword + "@" + vu + "/certificates?i=0", "https://" + host + ".evil.example:" + port + "/certificates",
			"https://" + host + ":1/certificates", "//" + fu + "/certificates", "https://[::1]:" + port + "/certificates",
		}
		for _, link := range links {
			fig.badInputs.Add(2)
			_, err := e.c.NewListCertificatesPager(&NewListCertificatesPagerOptions{ContinuationToken: link}).NextPage(t.Context())
			if err == nil {
				t.Errorf("continuation token %q followed", link)
			}
			e.check(t, fig, "continuation token "+link, err)
			// The same link as a next link from the vault.
			cur.Store(link)
			var last error
			for _, err := range e.c.ListCertificates(t.Context(), nil) {
				last = err
			}
			if last == nil {
				t.Errorf("next link %q followed", link)
			}
			e.check(t, fig, "next link "+link, last)
		}
		if n := e.away.requests.Load() + e.awayHTTP.requests.Load(); n > 0 {
			t.Errorf("%d requests reached a foreign server", n)
		}
	})

	t.Run("redirects to other hosts", func(t *testing.T) {
		type redirect struct {
			to   string
			code int
		}
		var target atomic.Value
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) {
			rd := target.Load().(redirect)
			w.Header().Set("Location", rd.to)
			w.WriteHeader(rd.code)
		})
		for _, to := range []string{e.foreignTLS.URL + "/certificates/web/", e.foreignHTTP.URL + "/certificates/web/",
			"http://" + strings.TrimPrefix(e.vault.URL, "https://") + "/certificates/web/"} {
			for _, code := range []int{301, 302, 303, 307, 308} {
				fig.badInputs.Add(1)
				target.Store(redirect{to, code})
				_, err := e.c.GetCertificate(t.Context(), "web", nil)
				if err == nil {
					t.Errorf("redirect to %s: no error", to)
				}
				e.check(t, fig, "redirect to "+to, err)
			}
		}
		if n := e.away.requests.Load() + e.awayHTTP.requests.Load(); n > 0 {
			t.Errorf("%d requests followed a redirect to a foreign server", n)
		}
	})

	t.Run("hostile challenges", func(t *testing.T) {
		challenges := []string{
			`Bearer authorization="https://login.microsoftonline.com/t", resource="https://evil.example"`,
			`Bearer authorization="https://login.microsoftonline.com/t", resource="https://127.0.0.1.evil.example"`,
			`Bearer authorization="https://login.microsoftonline.com/t", resource="https://127.0.0.2"`,
			`Bearer authorization="https://login.microsoftonline.com/t", resource="https://[::1]"`,
			`Bearer authorization="https://login.microsoftonline.com/t", resource="https://user@127.0.0.1"`,
			`Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default"`,
			`Bearer authorization="https://login.microsoftonline.com/t", scope="ftp://127.0.0.1/.default"`,
			`Bearer authorization="https://login.microsoftonline.com/t", resource="https://0.0.1"`,
			`Bearer resource="https://127.0.0.1`,
			`Bearer realm=""`,
		}
		for _, uri := range []string{"https://login.example/../../x", "https://login.example/./x", "https://login.example/",
			"https://login.example", "https://login.example/%2e%2e", "https://login.example/t@evil.example", "https://login.example/-t",
			"https://login.example/a..b", "https://t@login.example/t", "ftp://login.example/t"} {
			challenges = append(challenges, `Bearer authorization="`+uri+`", resource="https://127.0.0.1"`)
		}
		for _, ch := range challenges {
			fig.badInputs.Add(1)
			srv := quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "" {
					t.Errorf("challenge %s: a token reached the vault that sent it", ch)
				}
				w.Header().Set("WWW-Authenticate", ch)
				reply(w, 401, `{"error":{"code":"Unauthorized","message":"no"}}`)
			}))
			src := &advSource{}
			c, err := New(srv.URL, src, WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetCertificate(t.Context(), "web", nil)
			srv.Close()
			if err == nil {
				t.Errorf("challenge %s: no error", ch)
			}
			if n := src.minted.Load(); n > 0 {
				fig.tokensAway.Add(int64(n))
				t.Errorf("challenge %s: %d tokens fetched for it", ch, n)
			}
			if err != nil && strings.Contains(err.Error(), advToken) {
				fig.secretsSeen.Add(1)
			}
		}
	})

	t.Run("foreign ids in poller and operation answers", func(t *testing.T) {
		var e *advEnv
		e = newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) {
			foreign := e.foreignTLS.URL
			switch {
			case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/create"):
				reply(w, 202, `{"id":"`+foreign+`/certificates/web/pending","status":"inProgress"}`)
			case strings.HasSuffix(r.URL.Path, "/pending"):
				reply(w, 200, `{"id":"`+e.vault.URL+`/certificates/web/pending","status":"completed","target":"`+foreign+`/certificates/web/`+testVersion+`"}`)
			case r.URL.Path == "/certificates/web/"+testVersion:
				reply(w, 200, `{"id":"`+e.vault.URL+`/certificates/web/`+testVersion+`","sid":"`+foreign+`/secrets/web/`+testVersion+`"}`)
			default:
				reply(w, 200, `{"id":"`+foreign+`/certificates/other/`+testVersion+`"}`)
			}
		})
		fig.badInputs.Add(4)
		p, err := e.c.ResumeCreateCertificate("web", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Wait(t.Context())
		e.check(t, fig, "create poller", err)
		if err != nil {
			t.Fatalf("create poller: %v", err)
		}
		_, err = e.c.download(t.Context(), res.Certificate)
		if err == nil {
			t.Error("a secret id on a foreign host was followed")
		}
		e.check(t, fig, "download with a foreign secret id", err)
		_, err = e.c.GetCertificate(t.Context(), "web", nil)
		if !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("an answer about another certificate: %v", err)
		}
		e.check(t, fig, "answer about another certificate", err)
		if n := e.away.requests.Load() + e.awayHTTP.requests.Load(); n > 0 {
			t.Errorf("%d requests reached a foreign server", n)
		}
	})

	t.Run("Retry-After in every form", func(t *testing.T) {
		var mu sync.Mutex
		var retryAfter string
		var n int
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			first := n%2 == 1
			ra := retryAfter
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", ra)
				reply(w, 503, `{"error":{"code":"ServiceUnavailable","message":"busy"}}`)
				return
			}
			reply(w, 200, bundleJSON)
		})
		for _, ra := range []string{"1", "0", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), "Mon, 01 Jan 1990 00:00:00 GMT",
			"99999999999999999999", "9223372036854775807", "-5", "soon", "1.5", "", " 3 ", "1e9", "0x10"} {
			fig.faults.Add(1)
			mu.Lock()
			retryAfter = ra
			mu.Unlock()
			_, err := e.c.GetCertificate(t.Context(), "web", nil)
			if err != nil {
				t.Errorf("Retry-After %q: %v", ra, err)
			}
			e.check(t, fig, "Retry-After "+ra, err)
		}
	})

	t.Run("resets before and in the middle of a body", func(t *testing.T) {
		var mu sync.Mutex
		var mode string
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			m := mode
			mode = ""
			mu.Unlock()
			switch m {
			case "before":
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			case "middle":
				w.Header().Set("Content-Length", strconv.Itoa(len(bundleJSON)))
				w.WriteHeader(200)
				io.WriteString(w, bundleJSON[:len(bundleJSON)/2])
				w.(http.Flusher).Flush()
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			reply(w, 200, bundleJSON)
		})
		for _, m := range []string{"before", "middle", "before", "middle"} {
			fig.faults.Add(1)
			mu.Lock()
			mode = m
			mu.Unlock()
			got, err := e.c.GetCertificate(t.Context(), "web", nil)
			switch {
			case m == "before" && err != nil:
				t.Errorf("a reset before the answer was not retried: %v", err)
			case m == "middle" && (err == nil || got != nil):
				t.Errorf("a body cut in the middle gave %v, %v; want an error", got, err)
			}
			e.check(t, fig, "reset "+m, err)
		}
	})

	t.Run("bad names and versions", func(t *testing.T) {
		c := noRequests(t)
		names := []string{"", " ", "a b", "../x", "..", ".", "a/b", "a%2fb", "a?b", "a#b", "a\x00b", "a\nb", "caf\u00e9",
			strings.Repeat("a", 128), "web/" + testVersion, "web?api-version=1", "web#x", "-web\t", "web\\x", "contacts", "ISSUERS", "Restore"}
		for op, call := range nameOperations(t) {
			for _, name := range names {
				fig.badInputs.Add(1)
				if err := call(t.Context(), c, name); !errors.Is(err, ErrInvalidArgument) {
					t.Errorf("%s(%q) = %v, want ErrInvalidArgument", op, name, err)
				}
			}
		}
		for _, v := range []string{" ", "latest", "pending", "policy", "../x", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdeg",
			"0123456789abcdef0123456789abcdef0", "0123456789abcdef/123456789abcdef", "%30123456789abcdef0123456789abcd"} {
			fig.badInputs.Add(2)
			if _, err := c.GetCertificateVersion(t.Context(), "web", v, nil); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("GetCertificateVersion(%q) = %v", v, err)
			}
			if _, err := c.DownloadCertificate(t.Context(), "web", &DownloadCertificateOptions{Version: v}); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("DownloadCertificate(version %q) = %v", v, err)
			}
		}
	})

	t.Run("64 concurrent first calls", func(t *testing.T) {
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, bundleJSON) })
		var wg sync.WaitGroup
		errs := make([]error, 64)
		for i := range 64 {
			wg.Go(func() { _, errs[i] = e.c.GetCertificate(t.Context(), "web", nil) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
			e.check(t, fig, fmt.Sprintf("concurrent call %d", i), err)
		}
		if n := e.src.minted.Load(); n != 1 {
			t.Errorf("%d tokens fetched for 64 concurrent first calls, want 1", n)
		}
	})

	t.Run("deep JSON nesting", func(t *testing.T) {
		deep := `{"id":"x","tags":` + strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + `}`
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, deep) })
		fig.badInputs.Add(1)
		_, err := e.c.GetCertificate(t.Context(), "web", nil)
		if !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("deeply nested answer: %v, want ErrInvalidResponse", err)
		}
		e.check(t, fig, "deep nesting", err)
	})

	t.Run("1 GiB bodies", func(t *testing.T) {
		for _, status := range []int{200, 500, 404} {
			fig.faults.Add(1)
			body := &endlessBody{limit: 1 << 30}
			c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: advToken}),
				WithTransport(roundTripper(func(r *http.Request) (*http.Response, error) {
					return &http.Response{StatusCode: status, Header: http.Header{}, Body: body, Request: r}, nil
				})), WithRetry(RetryOptions{}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetCertificate(t.Context(), "web", nil)
			if !errors.Is(err, errBodyTooLarge) {
				t.Errorf("status %d with a 1 GiB body: %v", status, err)
			}
			if n := body.read.Load(); n > maxResponseBody+1 {
				t.Errorf("status %d: read %d bytes of a 1 GiB body, want at most %d", status, n, maxResponseBody+1)
			}
			if !body.closed.Load() {
				t.Errorf("status %d: the body was not closed", status)
			}
		}
	})

	t.Run("secrets sent with refused requests", func(t *testing.T) {
		e := newAdvEnv(t, func(w http.ResponseWriter, r *http.Request) {
			reply(w, 400, `{"error":{"code":"BadParameter","message":"refused"}}`)
		})
		fig.badInputs.Add(2)
		_, err := e.c.CreateIssuer(t.Context(), "iss", "Test", &CreateIssuerOptions{Password: advPassword})
		e.check(t, fig, "issuer with a password", err)
		_, err = e.c.ImportCertificate(t.Context(), "pfx", []byte{0x30, 0x82, 1, 2}, &ImportCertificateOptions{Password: advPassword})
		e.check(t, fig, "import with a password", err)
		if !strings.Contains(e.logs.String(), "/certificates/issuers/iss") {
			t.Error("the requests were not logged; the scan of the logs tests nothing")
		}
		if strings.Contains(e.logs.String(), base64.StdEncoding.EncodeToString([]byte(advToken))) {
			fig.secretsSeen.Add(1)
			t.Error("the logs hold the token in base64")
		}
	})
}

// quietTLSServer starts an httptest TLS server that does not log the
// handshakes its clients abandon.
func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// endlessBody yields limit bytes of JSON-looking filler without holding
// them, counting what was read.
type endlessBody struct {
	limit        int64
	read         atomic.Int64
	closed       atomic.Bool
	openedString bool
}

func (b *endlessBody) Read(p []byte) (int, error) {
	n := b.read.Load()
	if n >= b.limit {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), b.limit-n)]
	i := 0
	if !b.openedString {
		i = copy(p, `{"tags":{"a":"`)
		b.openedString = true
	}
	for ; i < len(p); i++ {
		p[i] = 'x'
	}
	b.read.Add(int64(len(p)))
	return len(p), nil
}

func (b *endlessBody) Close() error { b.closed.Store(true); return nil }
