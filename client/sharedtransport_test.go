package client

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

// connCounter is a loopback vault that answers every request with a
// certificate and counts the connections clients open to it.
func connCounter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, bundleJSON)
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &opened
}

// getWith makes n clients with the options of opts(i) and has each get a
// certificate once, one after the other.
func getWith(t *testing.T, url string, n int, opts func(i int) []Option) {
	t.Helper()
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "token"})
	for i := range n {
		c, err := New(url, ts, append(opts(i), WithLoopbackHTTP())...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetCertificate(t.Context(), "web", nil); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClientsShareOneConnectionPool has 50 clients without a transport of
// their own (half with WithHTTPClient and a nil Transport) get a
// certificate from one vault in turn, and counts the connections they
// open: they share one pool, so the first connection serves them all (a
// second one may be dialled if a request starts before the previous
// response's connection is back in the pool). Clients with transports of
// their own open one each.
func TestClientsShareOneConnectionPool(t *testing.T) {
	t.Parallel()
	const clients = 50

	srv, opened := connCounter(t)
	getWith(t, srv.URL, clients, func(i int) []Option {
		if i%2 == 1 {
			return []Option{WithHTTPClient(&http.Client{})}
		}
		return nil
	})
	shared := opened.Load()
	t.Logf("%d clients sharing the default transport opened %d connection(s)", clients, shared)
	if shared < 1 || shared > 2 {
		t.Errorf("%d clients sharing the default transport opened %d connections, want 1 (or 2)", clients, shared)
	}

	own, ownOpened := connCounter(t)
	var transports []*http.Transport
	getWith(t, own.URL, clients, func(int) []Option {
		tr := &http.Transport{}
		transports = append(transports, tr)
		return []Option{WithTransport(tr)}
	})
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	t.Logf("%d clients with transports of their own opened %d connections", clients, ownOpened.Load())
	if n := ownOpened.Load(); n != clients {
		t.Errorf("%d clients with transports of their own opened %d connections, want %d", clients, n, clients)
	}
}
