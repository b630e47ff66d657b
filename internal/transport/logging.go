package transport

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// logTransport writes one debug record per attempt: method, path (never the query
// string, whose values could be sensitive), status or error, attempt number, time to the
// response headers, and the request ids of both sides. It never logs headers or bodies,
// so no token, password, private key or secret value can reach the log.
type logTransport struct {
	next http.RoundTripper
	log  *slog.Logger
}

func (t *logTransport) CloseIdleConnections() { closeIdle(t.next) }

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// The retry layer counts every send of one logical request, including the bare
	// request that discovers an authentication challenge.
	n := 1
	if c, ok := ctx.Value(attemptsKey{}).(*atomic.Int32); ok {
		n = int(c.Add(1))
	}
	if !t.log.Enabled(ctx, slog.LevelDebug) {
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("host", req.URL.Host),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", n),
		slog.Duration("duration", time.Since(start)),
		slog.String("client_request_id", req.Header.Get(clientRequestIDHeader)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs,
			slog.Int("status", resp.StatusCode),
			slog.String("request_id", resp.Header.Get("x-ms-request-id")))
	}
	t.log.LogAttrs(ctx, slog.LevelDebug, "kvcerts http attempt", attrs...)
	return resp, err
}
