package vaulttest

import (
	"slices"
	"sync"
	"time"
)

// Request is one entry of the request log. It holds no header or body, so
// no token, password or secret ever appears in it.
type Request struct {
	Time      time.Time // when it arrived, by the emulator's clock
	Method    string
	Host      string
	Path      string // escaped path
	Query     string // raw query
	Operation string // REST operation id, such as "GetCertificate"; "Token" for the token endpoint; empty if unknown
	Status    int    // 0 when the connection was dropped on purpose
	Duration  time.Duration
	RequestID string // the x-ms-request-id header of the answer
}

// requestLog keeps the latest requests in a ring: request number i (from
// 0) goes to ring[i % len(ring)].
type requestLog struct {
	mu    sync.Mutex
	ring  []Request
	total int
}

func newRequestLog(size int) *requestLog {
	return &requestLog{ring: make([]Request, size)}
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ring) > 0 {
		l.ring[l.total%len(l.ring)] = r
	}
	l.total++
}

// Requests returns the logged requests, oldest first: the latest ones up to
// the log size (see WithRequestLogSize).
func (h *Handler) Requests() []Request {
	l := h.log
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total <= len(l.ring) {
		return slices.Clone(l.ring[:l.total])
	}
	if len(l.ring) == 0 {
		return nil
	}
	oldest := l.total % len(l.ring)
	return slices.Concat(l.ring[oldest:], l.ring[:oldest])
}

// RequestCount returns how many requests have been served in all, including
// those no longer kept in the log.
func (h *Handler) RequestCount() int {
	h.log.mu.Lock()
	defer h.log.mu.Unlock()
	return h.log.total
}

// ResetRequests empties the request log and its count.
func (h *Handler) ResetRequests() {
	l := h.log
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.ring)
	l.total = 0
}
