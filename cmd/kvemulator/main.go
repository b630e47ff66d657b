// Command kvemulator serves an emulated Azure Key Vault (certificates and
// their secrets) on HTTPS, with its own CA and token service, for local
// development and tests in other languages.
//
// Usage:
//
//	kvemulator [-addr 127.0.0.1:8443] [-vault-name myvault] [-ca-out ca.pem] [-state vault.json] [flags]
//
// It prints the vault URL and how to point clients at it: trust the CA
// written by -ca-out, and map myvault.vault.localhost and login.localhost to
// 127.0.0.1. With -state, the vault is loaded at start and every change it
// answers with a success is on disk before the answer (in the file and a
// journal beside it, mode 0600: they hold private keys), so the vault
// survives SIGKILL and power loss; SIGINT and SIGTERM fold the journal into
// the file. -start-time starts the emulator's clock at a given time, and
// -clock-endpoint lets tests move it forward (POST /vaulttest/clock with
// {"advance": "720h"}), which runs the lifetime actions that come due, such
// as renewals. Run with -h for all flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/atomicfile"
	"github.com/kvcerts/kvcerts/vaulttest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "kvemulator:", err)
		os.Exit(1)
	}
}

// settings are the parsed command line.
type settings struct {
	addr, vaultName, tenant, caOut, statePath string
	clientID, clientSecret                    string
	latency, retryAfter                       time.Duration
	throttle, throttleEvery, failEvery        int
	recoverableDays, pageSize, emptyPages     int
	realistic, lenient, purgeProtection       bool
	noSoftDelete, verbose, clockEndpoint      bool
	startTime                                 time.Time
}

func parseFlags(args []string, stderr io.Writer) (*settings, error) {
	s := &settings{}
	fs := flag.NewFlagSet("kvemulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.addr, "addr", "127.0.0.1:8443", "listen `address`; use port 0 for a free port")
	fs.StringVar(&s.vaultName, "vault-name", vaulttest.DefaultVaultName, "first label of the vault host `name` (<name>.vault.localhost)")
	fs.StringVar(&s.tenant, "tenant", vaulttest.DefaultTenantID, "tenant `id` in challenges and tokens")
	fs.StringVar(&s.caOut, "ca-out", "", "write the CA certificate (PEM) to `file`")
	fs.StringVar(&s.statePath, "state", "", "keep the vault in `file` (and file.journal): loaded at start, every change saved before it is answered")
	fs.StringVar(&s.clientID, "client-id", "", "accept only this client `id` at the token endpoint (with -client-secret)")
	fs.StringVar(&s.clientSecret, "client-secret", "", "the `secret` of -client-id")
	fs.BoolVar(&s.lenient, "lenient-auth", false, "accept any bearer token")
	fs.DurationVar(&s.latency, "latency", 0, "add this `delay` to every vault request")
	fs.IntVar(&s.throttle, "throttle", 0, "answer 429 beyond `n` vault requests per 10 seconds (0: no limit)")
	fs.IntVar(&s.throttleEvery, "throttle-every", 0, "answer every `n`th vault request with 429")
	fs.DurationVar(&s.retryAfter, "retry-after", time.Second, "Retry-After `delay` of -throttle-every answers")
	fs.IntVar(&s.failEvery, "fail-every", 0, "answer every `n`th vault request with 500")
	fs.BoolVar(&s.realistic, "realistic", false, "imitate the service's delays (create 10s, delete 15s, recover 20s, purge 10s)")
	fs.BoolVar(&s.purgeProtection, "purge-protection", false, "emulate a vault with purge protection")
	fs.BoolVar(&s.noSoftDelete, "no-soft-delete", false, "emulate a vault without soft delete")
	fs.IntVar(&s.recoverableDays, "recoverable-days", 90, "days deleted certificates stay recoverable (7..90)")
	fs.IntVar(&s.pageSize, "page-size", 25, "list page size when requests have no maxresults (1..25)")
	fs.IntVar(&s.emptyPages, "empty-pages", 0, "serve `n` empty pages before each page of a list")
	fs.BoolVar(&s.verbose, "v", false, "log every request to stderr")
	fs.Func("start-time", "start the emulator's clock at this RFC 3339 `time` (such as 2030-01-02T15:04:05Z) instead of now", func(v string) error {
		t, err := time.Parse(time.RFC3339, v)
		switch {
		case err != nil:
			return errors.New("want an RFC 3339 time such as 2030-01-02T15:04:05Z")
		case t.IsZero():
			return errors.New("the zero time cannot be a start time")
		}
		s.startTime = t
		return nil
	})
	fs.BoolVar(&s.clockEndpoint, "clock-endpoint", false, "serve the emulator's clock at "+vaulttest.ClockPath+
		` without a token: GET reads it, POST {"advance":"720h"} or {"to":"<RFC 3339 time>"} moves it forward, running the lifetime actions due`)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if (s.clientID == "") != (s.clientSecret == "") {
		return nil, errors.New("-client-id and -client-secret go together")
	}
	return s, nil
}

func (s *settings) options(stderr io.Writer) []vaulttest.Option {
	opts := []vaulttest.Option{
		vaulttest.WithAddr(s.addr),
		vaulttest.WithVaultName(s.vaultName),
		vaulttest.WithTenantID(s.tenant),
		vaulttest.WithRecoverableDays(s.recoverableDays),
		vaulttest.WithPageSize(s.pageSize),
		vaulttest.WithEmptyPages(s.emptyPages),
		vaulttest.WithFaults(s.faults()),
	}
	if s.clientID != "" {
		opts = append(opts, vaulttest.WithClientSecret(s.clientID, s.clientSecret))
	}
	if s.lenient {
		opts = append(opts, vaulttest.WithLenientAuth())
	}
	if s.realistic {
		opts = append(opts, vaulttest.WithRealisticDelays())
	}
	if s.purgeProtection {
		opts = append(opts, vaulttest.WithPurgeProtection())
	}
	if s.noSoftDelete {
		opts = append(opts, vaulttest.WithoutSoftDelete())
	}
	if !s.startTime.IsZero() {
		opts = append(opts, vaulttest.WithStartTime(s.startTime))
	}
	if s.clockEndpoint {
		opts = append(opts, vaulttest.WithClockEndpoint())
	}
	if s.verbose {
		opts = append(opts, vaulttest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	return opts
}

// faults are the failures the fault flags ask for.
func (s *settings) faults() vaulttest.Faults {
	return vaulttest.Faults{
		Latency: s.latency, RateLimit: s.throttle, ThrottleEvery: s.throttleEvery,
		RetryAfter: s.retryAfter, ErrorEvery: s.failEvery,
	}
}

// run serves until ctx is done, then stops the server and saves the state.
// ready, if not nil, is called once the server listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(*vaulttest.Server)) error {
	s, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	opts := s.options(stderr)
	loaded := false
	if s.statePath != "" {
		_, err := os.Stat(s.statePath)
		switch {
		case err == nil:
			loaded = true
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("read state: %w", err)
		}
		opts = append(opts, vaulttest.WithStateFile(s.statePath))
	}
	srv, err := vaulttest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	if s.caOut != "" {
		if err := atomicfile.WriteFile(s.caOut, srv.CACertPEM(), 0o644); err != nil {
			return fmt.Errorf("write CA certificate: %w", err)
		}
	}
	printBanner(stdout, s, srv, loaded)
	if ready != nil {
		ready(srv)
	}

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Shutdown reports a failure to fold the journal into the state file
	// before a deadline passing with requests in flight.
	err = srv.Shutdown(shutdownCtx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if s.statePath != "" {
		fmt.Fprintf(stdout, "kvemulator: state saved to %s\n", s.statePath)
	}
	return nil
}

func printBanner(w io.Writer, s *settings, srv *vaulttest.Server, loaded bool) {
	u, _ := url.Parse(srv.URL)
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	auth, _ := url.Parse(srv.AuthorityHost())
	ip, _, _ := net.SplitHostPort(srv.Addr())
	if parsed := net.ParseIP(ip); parsed == nil || parsed.IsUnspecified() {
		ip = "127.0.0.1"
	}
	ca := s.caOut
	if ca == "" {
		ca = "ca.pem"
		fmt.Fprintln(w, "kvemulator: no -ca-out given; clients cannot verify TLS until you save the CA with -ca-out")
	}
	creds := "any client id and secret"
	if s.clientID != "" {
		creds = "client " + s.clientID + " with its secret"
	}
	state := "none (the vault is lost on exit; use -state FILE)"
	switch {
	case s.statePath != "" && loaded:
		state = s.statePath + " (loaded)"
	case s.statePath != "":
		state = s.statePath + " (new)"
	}
	clock := "the current time; no clock endpoint (see -clock-endpoint)"
	if s.clockEndpoint {
		clock = fmt.Sprintf("%s; move it with POST %s%s", srv.Now().UTC().Format(time.RFC3339), srv.URL, vaulttest.ClockPath)
	} else if !s.startTime.IsZero() {
		clock = "started at " + s.startTime.UTC().Format(time.RFC3339) + "; no clock endpoint (see -clock-endpoint)"
	}
	tokenURL := srv.AuthorityHost() + "/" + srv.TenantID() + "/oauth2/v2.0/token"
	resolve := func(h string) string { return fmt.Sprintf("--resolve %s:%s:%s", h, port, ip) }
	fmt.Fprintf(w, `kvemulator: serving vault %s
  tenant:         %s
  token endpoint: %s (client credentials; %s)
  scope:          %s/.default
  CA certificate: %s
  state:          %s
  clock:          %s

Point clients at it:
  1. Trust the CA: SSL_CERT_FILE=%s for Go programs, curl --cacert %s, or your platform's trust store.
  2. Map the names to %s (*.localhost may not resolve here): add to /etc/hosts
       %s %s %s
     or give curl %s %s
  3. Get a token and call the vault:
       curl --cacert %s %s -d grant_type=client_credentials -d client_id=app -d client_secret=secret \
         --data-urlencode scope=%s/.default %s
       curl --cacert %s %s -H "Authorization: Bearer <access_token>" "%s/certificates?api-version=%s"
  Azure SDKs: vault URL %s, authority host %s, tenant %s, instance discovery disabled.

Stop with Ctrl+C (SIGINT) or SIGTERM.
`,
		srv.URL, srv.TenantID(), tokenURL, creds, srv.Resource(), ca, state, clock,
		ca, ca,
		ip, ip, host, auth.Hostname(), resolve(host), resolve(auth.Hostname()),
		ca, resolve(auth.Hostname()), srv.Resource(), tokenURL,
		ca, resolve(host), srv.URL, gen.APIVersion,
		srv.URL, srv.AuthorityHost(), srv.TenantID())
}
