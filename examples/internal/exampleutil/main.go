package exampleutil

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// demoDelays make the emulator take a few seconds where the service takes
// longer, so that the examples show what waiting for Key Vault looks like
// without keeping anyone long.
var demoDelays = vaulttest.Delays{
	Create:  3 * time.Second,
	Delete:  2 * time.Second,
	Recover: 2 * time.Second,
	Purge:   2 * time.Second,
}

// Main runs an example as a program: against the vault named by
// AZURE_KEYVAULT_URL, or else an emulator with short imitations of the
// service's delays, writing to standard output. Interrupting the program
// cancels run's context. On error Main prints it and exits with status 1.
func Main(run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	opts := Options{
		VaultURL: os.Getenv(VaultURLEnv),
		Emulator: []vaulttest.Option{vaulttest.WithDelays(demoDelays)},
	}
	err := Run(ctx, os.Stdout, opts, run)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
