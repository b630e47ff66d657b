// Package exampletest runs the programs under examples/ in tests.
package exampletest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

// Run runs an example to completion against a new emulator and returns
// its output. It fails t when the example fails, when the first line does
// not say that the emulator is used, or when the lines of the output do
// not contain each of want in order (each in a later line than the one
// before).
func Run(t *testing.T, run exampleutil.RunFunc, want ...string) string {
	t.Helper()
	var out bytes.Buffer
	// The emulator answers at once, so pollers need not wait between polls.
	opts := exampleutil.Options{Client: []client.Option{client.WithPollFrequency(time.Millisecond)}}
	if err := exampleutil.Run(t.Context(), &out, opts, run); err != nil {
		t.Fatalf("example failed: %v\noutput:\n%s", err, out.String())
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], "in-process Key Vault emulator") {
		t.Errorf("first line %q does not say the emulator is used", lines[0])
	}
	if missing := MissingLines(lines[1:], want); len(missing) > 0 {
		t.Errorf("output lacks, in order, %q\noutput:\n%s", missing, out.String())
	}
	return out.String()
}

// MissingLines returns the strings of want that lines do not contain in
// order: the first of want must be part of some line, the second part of a
// later line, and so on. It returns want from the first string not found.
func MissingLines(lines, want []string) []string {
	i := 0
	for _, line := range lines {
		if i < len(want) && strings.Contains(line, want[i]) {
			i++
		}
	}
	return want[i:]
}
