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

func TestWait(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		tty     bool
		takes   time.Duration
		err     error
		wantOut string
	}{
		{
			name:    "instant, in a log",
			wantOut: "Creating x: done after 0.0s\n",
		},
		{
			name:  "slow, in a log",
			takes: 5500 * time.Millisecond,
			wantOut: "Creating x: in progress, 2.0s elapsed\n" +
				"Creating x: in progress, 4.0s elapsed\n" +
				"Creating x: done after 5.5s\n",
		},
		{
			name:  "failed, in a log",
			takes: 2500 * time.Millisecond,
			err:   errBoom,
			wantOut: "Creating x: in progress, 2.0s elapsed\n" +
				"Creating x: failed after 2.5s\n",
		},
		{
			name:    "instant, on a terminal",
			tty:     true,
			wantOut: "\rCreating x: done after 0.0s\n",
		},
		{
			name:  "slow, on a terminal",
			tty:   true,
			takes: 500 * time.Millisecond,
			wantOut: "\rCreating x: in progress, 0.2s elapsed" +
				"\rCreating x: in progress, 0.4s elapsed" +
				"\rCreating x: done after 0.5s          \n",
		},
		{
			name:  "failed, on a terminal",
			tty:   true,
			takes: 300 * time.Millisecond,
			err:   errBoom,
			wantOut: "\rCreating x: in progress, 0.2s elapsed" +
				"\rCreating x: failed after 0.3s        \n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var out bytes.Buffer
				p := &progress{w: &out, tty: tt.tty, what: "Creating x"}
				got, err := waitShowing(t.Context(), p, func(ctx context.Context) (string, error) {
					time.Sleep(tt.takes)
					if tt.err != nil {
						return "", tt.err
					}
					return "result", nil
				})
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

// Wait hands its context to the function it waits for.
func TestWaitPassesContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		var out strings.Builder
		_, err := Wait(ctx, &out, "Deleting x", func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
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
