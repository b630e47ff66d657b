// Package exampleutil is what the programs under examples/ share: picking the
// vault (a real one, or an emulator started in-process), running an example
// with a first line of output that says which, showing the progress of long
// waits, and formatting tags.
package exampleutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"

	"github.com/kvcerts/kvcerts/auth"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

// VaultURLEnv is the environment variable naming a real vault, such as
// https://my-key-vault.vault.azure.net. When it is empty the examples start
// an emulator instead.
const VaultURLEnv = "AZURE_KEYVAULT_URL"

// userAgent marks the examples' requests in the vault's logs.
const userAgent = "kvcerts-examples"

// Options say which vault Open uses.
type Options struct {
	// VaultURL is the real vault to use. Empty starts an in-process
	// emulator (package vaulttest) instead.
	VaultURL string
	// Credential returns the token source for VaultURL. Nil means
	// auth.Default: a service principal from the environment, workload or
	// managed identity, or the Azure CLI login.
	Credential func(context.Context) (oauth2.TokenSource, error)
	// HTTPClient sends the requests to VaultURL; nil means the default.
	HTTPClient *http.Client
	// Emulator configures the emulator started when VaultURL is empty.
	Emulator []vaulttest.Option
	// Client holds more options for the client, after the examples' own.
	Client []client.Option
}

// Vault is the vault an example works with.
type Vault struct {
	// Client is a client of the vault.
	Client *client.Client
	// Emulated reports whether the vault is an emulator started by Open.
	Emulated bool

	srv *vaulttest.Server
}

// Open returns the vault that opts name and writes a line to w saying which
// one it is. Close the vault when done.
func Open(ctx context.Context, w io.Writer, opts Options) (*Vault, error) {
	if opts.VaultURL == "" {
		return openEmulator(w, opts)
	}
	newCred := opts.Credential
	if newCred == nil {
		newCred = defaultCredential
	}
	cred, err := newCred(ctx)
	if err != nil {
		return nil, fmt.Errorf("getting a credential for %s: %w", opts.VaultURL, err)
	}
	copts := []client.Option{client.WithUserAgent(userAgent)}
	if opts.HTTPClient != nil {
		copts = append(copts, client.WithHTTPClient(opts.HTTPClient))
	}
	c, err := client.New(opts.VaultURL, cred, append(copts, opts.Client...)...)
	if err != nil {
		return nil, err
	}
	who := "the given credential"
	if s, ok := cred.(fmt.Stringer); ok {
		who = s.String()
	}
	fmt.Fprintf(w, "Using the vault at %s (from %s), authenticated with %s.\n", c.VaultURL(), VaultURLEnv, who)
	return &Vault{Client: c}, nil
}

// defaultCredential is auth.Default as an oauth2.TokenSource.
func defaultCredential(ctx context.Context) (oauth2.TokenSource, error) {
	cred, err := auth.Default(ctx, nil)
	if err != nil {
		return nil, err
	}
	return cred, nil
}

func openEmulator(w io.Writer, opts Options) (*Vault, error) {
	srv, err := vaulttest.Start(opts.Emulator...)
	if err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	copts := []client.Option{client.WithHTTPClient(srv.Client()), client.WithUserAgent(userAgent)}
	c, err := client.New(srv.URL, srv.TokenSource(), append(copts, opts.Client...)...)
	if err != nil {
		srv.Close()
		return nil, err
	}
	fmt.Fprintf(w, "%s is not set: using an in-process Key Vault emulator (vaulttest) at %s.\n", VaultURLEnv, srv.URL)
	return &Vault{Client: c, Emulated: true, srv: srv}, nil
}

// Emulator returns the emulator Open started, to move its clock for
// example, or nil for a real vault.
func (v *Vault) Emulator() *vaulttest.Server { return v.srv }

// Close stops the emulator, if Open started one.
func (v *Vault) Close() {
	if v.srv != nil {
		v.srv.Close()
	}
}

// Name returns base as a certificate or issuer name. In a real vault it
// appends a random suffix, so that runs never collide with each other or
// with the soft-deleted certificates of earlier runs.
func (v *Vault) Name(base string) string {
	if v.Emulated {
		return base
	}
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base + "-" + hex.EncodeToString(b[:])
}

// RunFunc is an example's logic: it works with v and writes what it does
// to w.
type RunFunc func(ctx context.Context, w io.Writer, v *Vault) error

// Run opens the vault that opts name, runs run with it, and closes it.
func Run(ctx context.Context, w io.Writer, opts Options, run RunFunc) error {
	v, err := Open(ctx, w, opts)
	if err != nil {
		return err
	}
	defer v.Close()
	return run(ctx, w, v)
}
