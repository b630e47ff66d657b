package main

import (
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	out := exampletest.Run(t, run,
		"Creating list-api and list-web: done after",
		"Certificates in the vault:",
		"  list-api (enabled true, expires ",
		"  list-web (enabled true, expires ",
		"Creating a new version of list-web: done after",
		`Versions of "list-web":`,
		" (created ",
		" (created ",
		"Deleting list-api: done after",
		"Deleting list-web: done after",
		"Deleted certificates in the vault:",
		"  list-api (deleted ",
		"  list-web (deleted ",
	)
	// Versions are listed by version id, so either may come first.
	for _, tags := range []string{", tags none)", ", tags release=2)"} {
		if !strings.Contains(out, tags) {
			t.Errorf("the versions listing lacks %q", tags)
		}
	}
}
