package main

import (
	"testing"

	"github.com/kvcerts/kvcerts/examples/internal/exampletest"
)

func TestRun(t *testing.T) {
	t.Parallel()
	exampletest.Run(t, run,
		`Created issuers "issuer1" and "issuer2" with provider Test.`,
		`Retrieved "issuer1": provider Test, account keyvaultuser, enabled true.`,
		"  administrator John Doe <admin@example.com>",
		"Issuers in the vault:",
		"  issuer1 (provider Test)",
		"  issuer2 (provider Test)",
		`Updated "issuer2": enabled false.`,
		`Deleted issuers "issuer1" and "issuer2".`,
		"Listed the issuers again: both are gone.",
	)
}
