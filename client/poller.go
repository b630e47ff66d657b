package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/kvcerts/kvcerts/internal/transport"
)

// maxPollDelay caps the delay a Retry-After header can impose on a poller.
const maxPollDelay = time.Minute

var errNotDone = errors.New("kvcerts: the operation is still in progress")

// Poller tracks a long-running operation: creating, deleting or recovering
// a certificate. Call Wait to poll until the operation ends, or drive it
// yourself with Poll, Done and Result; Status says where it stands. A
// Poller is not safe for concurrent use, except for Status.
type Poller[T any] struct {
	c  *Client
	op string // the operation's name, for OperationName
	// step sends one status request. It records the status the response
	// shows, calls finish when the operation has ended, and returns the
	// response header, or an error when the request failed (the operation's
	// state is then unknown, not ended).
	step   func(ctx context.Context, p *Poller[T]) (http.Header, error)
	delay  time.Duration // before the next status request
	done   bool
	result T
	err    error

	mu     sync.Mutex // guards status, which Status reads while Wait runs
	status string
}

// newPoller returns a poller whose requests carry the operation name op
// and that takes steps with step.
func newPoller[T any](c *Client, op string, step func(context.Context, *Poller[T]) (http.Header, error)) *Poller[T] {
	return &Poller[T]{c: c, op: op, step: step, delay: c.pollFrequency}
}

// finish ends the operation with a result or an error.
func (p *Poller[T]) finish(result T, err error) {
	p.done, p.result, p.err = true, result, err
}

// Poll sends one status request, unless the operation has already ended.
// It returns an error only when the request itself failed; an operation
// that failed ends the poller and its error is returned by Result.
func (p *Poller[T]) Poll(ctx context.Context) error {
	if p.done {
		return nil
	}
	h, err := p.step(withOperation(ctx, p.op), p)
	if err != nil {
		return err
	}
	d := p.c.pollDelay(h)
	if d == 0 && p.delay == 0 {
		d = p.c.pollFrequency // "Retry-After: 0" twice in a row must not make Wait spin
	}
	p.delay = d
	return nil
}

// Done reports whether the operation has ended.
func (p *Poller[T]) Done() bool { return p.done }

// Status describes the state of the operation as of the last response the
// poller saw: first the response that started the operation, then each
// status request's. It sends no request, and a failed status request
// leaves it as it was.
//
// For a create it is the certificate operation's status
// ([CertificateOperation].Status): "inProgress", "completed", "failed",
// "cancelled", or another value the service may add. A poller from
// ResumeCreateCertificate has the empty status until its first status
// request. For a delete it is "deleting", then "deleted" once the deleted
// certificate can be read (at once in a vault without soft delete); for a
// recovery it is "recovering", then "recovered" once the certificate can be
// read again.
//
// Status is meant for people, such as in a progress display, and may be
// called while another goroutine runs Wait or Poll.
func (p *Poller[T]) Status() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

func (p *Poller[T]) setStatus(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = s
}

// Result returns the operation's outcome once Done reports true, and an
// error before.
func (p *Poller[T]) Result() (T, error) {
	if !p.done {
		var zero T
		return zero, errNotDone
	}
	return p.result, p.err
}

// Wait polls until the operation ends and returns its outcome. Between
// requests it waits as long as the service's Retry-After header asks (up to
// a minute; a zero wait is honoured only once in a row) or else the
// client's poll frequency, plus up to 10% jitter. It
// returns early with the context's error when ctx ends, and with the error
// of a failed status request.
func (p *Poller[T]) Wait(ctx context.Context) (T, error) {
	for !p.done {
		if err := transport.Sleep(ctx, jitter(p.delay)); err != nil {
			var zero T
			return zero, err
		}
		if err := p.Poll(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
	return p.result, p.err
}

// pollDelay returns how long to wait after a status response with header h:
// the wait it asks for, up to maxPollDelay, or else the poll frequency.
func (c *Client) pollDelay(h http.Header) time.Duration {
	if d, ok := transport.RetryAfter(h, time.Now()); ok {
		return min(d, maxPollDelay)
	}
	return c.pollFrequency
}

// jitter adds up to 10% to d.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + rand.N(d/10+1)
}
