package vaulttest

import (
	"errors"
	"fmt"
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

// WithStartTime starts the emulator's clock at t instead of the current
// time (or the time WithClock's function returns). The clock then runs on
// from t; Advance moves it forward.
func WithStartTime(t time.Time) Option {
	return func(c *config) error {
		if t.IsZero() {
			return errors.New("start time is the zero time")
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
// Notifications). It returns the new time, and an error for a negative d
// or when the state file (WithStateFile) cannot be saved.
//
// Renewals generate keys while the vault is locked, so a jump over many
// RSA renewals holds other requests for a while.
func (h *Handler) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fmt.Errorf("vaulttest: the clock only moves forward; Advance(%v)", d)
	}
	h.clock.offset.Add(int64(d))
	now := h.cfg.now()
	h.vault.mu.Lock()
	h.vault.runDue(now)
	h.vault.mu.Unlock()
	if err := h.persist(); err != nil {
		return now, fmt.Errorf("vaulttest: the clock moved to %v but the state file could not be saved: %w", now, err)
	}
	return now, nil
}
