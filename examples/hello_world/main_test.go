package main

import (
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		`Creating certificate "hello-world" with the default policy (issuer Self, subject CN=DefaultPolicy).`,
		"Creating hello-world: done after",
		"Created version ",
		`Retrieved "hello-world": subject CN=DefaultPolicy, issuer CN=DefaultPolicy, valid until `,
		`Updated "hello-world": enabled false, tags owner=hello-world, purpose=demo.`,
		"Deleting hello-world: done after",
		`Deleted "hello-world": recoverable until `,
	)
}
