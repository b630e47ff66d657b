package exampleutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// fakeOp is an operation that takes a while. Its status is "inProgress"
// until its phase has passed and "completed" after; with no phase it has no
// status.
type fakeOp struct {
	start time.Time
	phase time.Duration
	takes time.Duration
	err   error
}

func (o *fakeOp) Wait(ctx context.Context) (string, error) {
	time.Sleep(o.takes)
	if o.err != nil {
		return "", o.err
	}
	return "result", nil
}

func (o *fakeOp) Status() string {
	switch {
	case o.phase == 0:
		return ""
	case time.Since(o.start) < o.phase:
		return "inProgress"
	}
	return "completed"
}

func TestWait(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		tty     bool
		phase   time.Duration
		takes   time.Duration
		err     error
		wantOut string
	}{
		{
			name:    "instant, in a log",
			phase:   time.Second,
			wantOut: "Creating x: done after 0.0s\n",
		},
		{
			name:  "slow, in a log",
			phase: 3 * time.Second,
			takes: 5500 * time.Millisecond,
			wantOut: "Creating x: inProgress, 2.0s elapsed\n" +
				"Creating x: completed, 4.0s elapsed\n" +
				"Creating x: done after 5.5s\n",
		},
		{
			name:  "no status yet, in a log",
			takes: 2500 * time.Millisecond,
			wantOut: "Creating x: waiting, 2.0s elapsed\n" +
				"Creating x: done after 2.5s\n",
		},
		{
			name:  "failed, in a log",
			phase: time.Minute,
			takes: 2500 * time.Millisecond,
			err:   errBoom,
			wantOut: "Creating x: inProgress, 2.0s elapsed\n" +
				"Creating x: failed after 2.5s\n",
		},
		{
			name:    "instant, on a terminal",
			tty:     true,
			phase:   time.Second,
			wantOut: "\rCreating x: done after 0.0s\n",
		},
		{
			name:  "slow, on a terminal",
			tty:   true,
			phase: 300 * time.Millisecond,
			takes: 700 * time.Millisecond,
			wantOut: "\rCreating x: inProgress, 0.2s elapsed" +
				"\rCreating x: completed, 0.4s elapsed " + // a space rubs out the longer line's last character
				"\rCreating x: completed, 0.6s elapsed" +
				"\rCreating x: done after 0.7s        \n",
		},
		{
			name:  "failed, on a terminal",
			tty:   true,
			phase: time.Minute,
			takes: 300 * time.Millisecond,
			err:   errBoom,
			wantOut: "\rCreating x: inProgress, 0.2s elapsed" +
				"\rCreating x: failed after 0.3s       \n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var out bytes.Buffer
				p := &progress{w: &out, tty: tt.tty, what: "Creating x"}
				op := &fakeOp{start: time.Now(), phase: tt.phase, takes: tt.takes, err: tt.err}
				got, err := waitShowing(t.Context(), p, op)
				if !errors.Is(err, tt.err) {
					t.Errorf("error %v, want %v", err, tt.err)
				}
				if tt.err == nil && got != "result" {
					t.Errorf("result %q, want %q", got, "result")
				}
				if out.String() != tt.wantOut {
					t.Errorf("output\n%q\nwant\n%q", out.String(), tt.wantOut)
				}
			})
		})
	}
}

// ctxOp waits until its context ends.
type ctxOp struct{}

func (ctxOp) Wait(ctx context.Context) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func (ctxOp) Status() string { return "inProgress" }

// Wait hands its context to the operation it waits for.
func TestWaitPassesContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var out strings.Builder
		_, err := Wait(ctx, &out, "Deleting x", ctxOp{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if want := "Deleting x: failed after 0.0s\n"; out.String() != want {
			t.Errorf("output %q, want %q", out.String(), want)
		}
	})
}

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	closed, err := os.Create(filepath.Join(t.TempDir(), "closed"))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()

	for name, w := range map[string]io.Writer{
		"buffer":      &bytes.Buffer{},
		"file":        file,
		"pipe":        w,
		"closed file": closed,
	} {
		if isTerminal(w) {
			t.Errorf("isTerminal(%s) = true", name)
		}
	}
}
