package vaulttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// clock is the emulator's time: the time source (time.Now, or the function
// given to WithClock) moved by an offset, which WithStartTime sets and
// Handler.Advance grows. It keeps ticking with its source, so delays pass
// on their own as well as with Advance.
type clock struct {
	source func() time.Time
	offset atomic.Int64 // nanoseconds
}

func newClock(source func() time.Time, start time.Time) *clock {
	c := &clock{source: source}
	if !start.IsZero() {
		c.offset.Store(int64(start.Sub(source())))
	}
	return c
}

func (c *clock) now() time.Time { return c.source().Add(time.Duration(c.offset.Load())) }

// maxAdvance is the longest step Advance takes.
const maxAdvance = 100 * 365 * 24 * time.Hour

// WithStartTime starts the emulator's clock at t instead of the current
// time (or the time WithClock's function returns). The clock then runs on
// from t; Advance moves it forward.
func WithStartTime(t time.Time) Option {
	return func(c *config) error {
		if t.IsZero() {
			return errors.New("start time is the zero time")
		}
		if y := t.Year(); y < 1950 || y > 2199 {
			return fmt.Errorf("start time %v is outside the years 1950 to 2199", t)
		}
		c.start = t
		return nil
	}
}

// Now returns the time by the emulator's clock.
func (h *Handler) Now() time.Time { return h.cfg.now() }

// Advance moves the emulator's clock forward by d and then brings the vault
// up to the new time, as if that time had passed: create operations
// complete, deleted certificates appear in the deleted views and are purged
// on their scheduled purge date, and the lifetime actions whose triggers
// were passed run in order, each once, dated when it was due (see
// Notifications). It returns the new time, and an error for a negative d,
// a d over 100 years or a time past the year 2199, or when the state file
// (WithStateFile) cannot be saved.
//
// Renewals generate keys while the vault is locked, so a jump over many
// RSA renewals holds other requests for a while. One call runs at most
// 2000 operations and actions per certificate; the next request or Advance
// goes on with the rest.
func (h *Handler) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fmt.Errorf("vaulttest: the clock only moves forward; Advance(%v)", d)
	}
	if d > maxAdvance || h.Now().Add(d).Year() > 2199 {
		return time.Time{}, fmt.Errorf("vaulttest: Advance(%v) is too far: at most 100 years at a time, and not past the year 2199", d)
	}
	h.cfg.clock.offset.Add(int64(d))
	now := h.cfg.now()
	h.vault.mu.Lock()
	h.vault.runDue(now)
	h.vault.mu.Unlock()
	if err := h.persist(clockRecord); err != nil {
		return now, fmt.Errorf("vaulttest: the clock moved to %v but the state file could not be saved: %w", now, err)
	}
	return now, nil
}

// ClockPath is the path of the clock endpoint that WithClockEndpoint
// enables, outside Key Vault's paths.
const ClockPath = "/vaulttest/clock"

// WithClockEndpoint serves the emulator's clock at ClockPath, for programs
// that cannot call Advance, such as tests in other languages against
// cmd/kvemulator. GET answers {"now": "<RFC 3339 time>"}; POST with
// {"advance": "<Go duration, such as 720h>"} or {"to": "<RFC 3339 time>"}
// moves the clock forward as Advance does and answers the new time. The
// endpoint needs no token, so it is off unless this option is given.
func WithClockEndpoint() Option {
	return func(c *config) error {
		c.clockEndpoint = true
		return nil
	}
}

type clockAnswer struct {
	Now time.Time `json:"now"`
}

// serveClock answers the clock endpoint.
func (h *Handler) serveClock(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, clockAnswer{Now: h.Now()})
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, code: "MethodNotAllowed", message: "the clock endpoint supports GET and POST"})
		return
	}
	var body struct {
		Advance *string `json:"advance"`
		To      *string `json:"to"`
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&body)
	}
	if err != nil {
		writeError(w, badParameter(`the clock endpoint wants {"advance": "720h"} or {"to": "2030-01-02T15:04:05Z"}`))
		return
	}
	var d time.Duration
	switch {
	case (body.Advance == nil) == (body.To == nil):
		writeError(w, badParameter(`give exactly one of "advance" and "to"`))
		return
	case body.Advance != nil:
		if d, err = time.ParseDuration(*body.Advance); err != nil || d < 0 {
			writeError(w, badParameter("advance %q is not a duration of zero or more, such as 720h", *body.Advance))
			return
		}
	default:
		to, err := time.Parse(time.RFC3339Nano, *body.To)
		if err != nil {
			writeError(w, badParameter("to %q is not an RFC 3339 time", *body.To))
			return
		}
		if d = to.Sub(h.Now()); d < 0 {
			writeError(w, badParameter("to %s is before the emulator's time %s; the clock only moves forward", *body.To, h.Now().Format(time.RFC3339)))
			return
		}
	}
	now, err := h.Advance(d)
	if err != nil {
		writeError(w, badParameter("%v", err))
		return
	}
	writeJSON(w, http.StatusOK, clockAnswer{Now: now})
}
