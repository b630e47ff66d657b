package main

import (
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		`Creating certificate "rotating", valid 12 months, renewed 30 days before it expires.`,
		"Creating rotating: done after",
		"Serving HTTPS at https://127.0.0.1:",
		`: "hello over TLS", from a server presenting CN=localhost, version 1 of 1 (`,
		"Moved the emulator's clock forward to ",
		`The vault renewed "rotating": version `,
		`: "hello over TLS", from a server presenting CN=localhost, version 2 of 2 (`,
		"The server went from version 1 to the renewed version 2 without a restart.",
		"Deleting rotating: done after",
	)
}
