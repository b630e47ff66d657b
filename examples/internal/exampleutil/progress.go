package exampleutil

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// How often a wait's progress is shown: in place on a terminal, and as a
// new line (fewer of them) in logs and pipes.
const (
	terminalInterval = 200 * time.Millisecond
	lineInterval     = 2 * time.Second
)

// A Waiter is a long operation that Wait can show the progress of, such as a
// *client.Poller. Its Status must be safe to call while its Wait runs.
type Waiter[T any] interface {
	Wait(context.Context) (T, error)
	Status() string
}

// Wait calls op.Wait and returns its result. While it runs, Wait shows what
// it is waiting for, op's status and the time elapsed: on one line
// rewritten in place when w is a terminal, as a plain line every few
// seconds otherwise. It ends with a line saying how the wait ended and how
// long it took.
func Wait[T any](ctx context.Context, w io.Writer, what string, op Waiter[T]) (T, error) {
	return waitShowing(ctx, &progress{w: w, tty: isTerminal(w), what: what}, op)
}

func waitShowing[T any](ctx context.Context, p *progress, op Waiter[T]) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	p.start = time.Now()
	go func() {
		v, err := op.Wait(ctx)
		done <- result{v, err}
	}()
	interval := lineInterval
	if p.tty {
		interval = terminalInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			status := "done"
			if r.err != nil {
				status = "failed"
			}
			p.end(status)
			return r.v, r.err
		case <-tick.C:
			status := op.Status()
			if status == "" {
				status = "waiting" // nothing is known yet
			}
			p.show(status)
		}
	}
}

// progress writes the status lines of one wait.
type progress struct {
	w     io.Writer
	tty   bool
	what  string
	start time.Time
	width int // of the line last written in place
}

// show writes the status and the time elapsed so far.
func (p *progress) show(status string) {
	line := fmt.Sprintf("%s: %s, %s elapsed", p.what, status, p.elapsed())
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", max(p.width-len(line), 0)))
	p.width = len(line)
}

// end writes the final status and the wait's duration, ending the line
// written in place.
func (p *progress) end(status string) {
	line := fmt.Sprintf("%s: %s after %s", p.what, status, p.elapsed())
	if p.tty {
		line = "\r" + line + strings.Repeat(" ", max(p.width-len(line), 0))
		p.width = 0
	}
	fmt.Fprintln(p.w, line)
}

// elapsed is the time since the start, to a tenth of a second.
func (p *progress) elapsed() string {
	return fmt.Sprintf("%.1fs", time.Since(p.start).Seconds())
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
