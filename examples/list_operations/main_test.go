package main

import (
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		"Creating list-api and list-web: done after",
		"Certificates in the vault:",
		"  list-api (enabled true, expires ",
		"  list-web (enabled true, expires ",
		"Creating a new version of list-web: done after",
		`Versions of "list-web":`,
		", tags none)",
		", tags release=2)",
		"Deleting list-api: done after",
		"Deleting list-web: done after",
		"Deleted certificates in the vault:",
		"  list-api (deleted ",
		"  list-web (deleted ",
	)
}
