package main

import (
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		"Creating recover-me: done after",
		"Creating purge-me: done after",
		"Deleting recover-me: done after",
		`Deleted "recover-me": recoverable until `,
		"Deleting purge-me: done after",
		`Deleted "purge-me": recoverable until `,
		"Recovering recover-me: done after",
		`Recovered "recover-me": version `,
		`Purged "purge-me".`,
		`"purge-me" is no longer among the deleted certificates.`,
	)
}
