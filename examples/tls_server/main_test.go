package main

import (
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		`Creating certificate "tls-server" for CN=localhost.`,
		"Creating tls-server: done after",
		"Serving HTTPS at https://127.0.0.1:",
		`: "hello over TLS", from a server presenting CN=localhost, version 1 of 1 (`,
		"Renewing tls-server: done after",
		"Refreshed the TLS source; the server keeps running.",
		`: "hello over TLS", from a server presenting CN=localhost, version 2 of 2 (`,
		"The server went from version 1 to version 2 without a restart.",
		"Deleting tls-server: done after",
	)
}
