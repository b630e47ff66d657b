package auth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeAz puts a shell script named az first on PATH. The script records its arguments, one a
// line, and then runs body. The returned function reads the recorded arguments (nil when az
// did not run). Tests that use it cannot run in parallel, as PATH is process-wide.
func fakeAz(t *testing.T, body string) func() []string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake az is a POSIX shell script")
	}
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argsFile + "'\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() []string {
		b, err := os.ReadFile(argsFile)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
}

// azOutput is a script line that prints what az account get-access-token does. It uses
// only shell builtins, so that it works whatever else is on PATH.
func azOutput(expiresOn time.Time, extra string) string {
	return "printf '%s\\n' '" + `{
  "accessToken": "cli-token",
  "expiresOn": "` + expiresOn.In(time.Local).Format("2006-01-02 15:04:05.000000") + `",` + extra + `
  "subscription": "00000000-0000-0000-0000-000000000000",
  "tenant": "11111111-1111-1111-1111-111111111111",
  "tokenType": "Bearer"
}` + "'"
}

func TestAzureCLIToken(t *testing.T) {
	later := cliNow.Add(2 * time.Hour)
	tests := []struct {
		name       string
		opts       *AzureCLIOptions
		output     string
		wantArgs   []string
		wantExpiry time.Time
	}{
		{
			name:       "expires_on wins",
			output:     azOutput(cliNow, fmt.Sprintf(`"expires_on": %d,`, later.Unix())),
			wantArgs:   []string{"account", "get-access-token", "--scope", DefaultScope, "--output", "json"},
			wantExpiry: later,
		},
		{
			name:       "expiresOn in local time",
			opts:       &AzureCLIOptions{TenantID: "my-tenant", Options: Options{Scope: "https://vault.usgovcloudapi.net/.default"}},
			output:     azOutput(later, ""),
			wantArgs:   []string{"account", "get-access-token", "--scope", "https://vault.usgovcloudapi.net/.default", "--tenant", "my-tenant", "--output", "json"},
			wantExpiry: later,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := fakeAz(t, tt.output)
			cred, err := NewAzureCLI(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := cred.Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "cli-token" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(tt.wantExpiry) {
				t.Errorf("token %q, type %q, expiry %v; want cli-token, Bearer, %v", tok.AccessToken, tok.TokenType, tok.Expiry, tt.wantExpiry)
			}
			if diff := cmp.Diff(tt.wantArgs, args()); diff != "" {
				t.Errorf("az arguments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAzureCLIChallengeTenant(t *testing.T) {
	args := fakeAz(t, azOutput(cliNow.Add(time.Hour), ""))
	cred, err := NewAzureCLI(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Without a configured tenant, the challenge's tenant is passed on.
	if _, err := cred.ChallengeToken(t.Context(), "https://vault.azure.net/.default", "guest-tenant", ""); err != nil {
		t.Fatal(err)
	}
	want := []string{"account", "get-access-token", "--scope", "https://vault.azure.net/.default", "--tenant", "guest-tenant", "--output", "json"}
	if diff := cmp.Diff(want, args()); diff != "" {
		t.Errorf("az arguments (-want +got):\n%s", diff)
	}
}

func TestAzureCLIErrors(t *testing.T) {
	const token = "leaked-cli-token"
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"not logged in", `echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`,
			"auth: Azure CLI credential: not signed in to the Azure CLI: run az login (az: ERROR: Please run 'az login' to setup account.)"},
		{"other failure", `echo "ERROR: AADSTS50076: Due to a configuration change you must use multi-factor authentication." >&2; exit 2`,
			"az account get-access-token failed (exit status 2): ERROR: AADSTS50076"},
		{"long error", `echo "ERROR: $(printf 'x%.0s' $(seq 1 1000))" >&2; exit 1`, "ERROR: " + strings.Repeat("x", 393) + "…"},
		{"token printed, then failure", `echo '{"accessToken":"` + token + `"}'; echo boom >&2; exit 1`, "failed (exit status 1): boom"},
		{"truncated output", `echo '{"accessToken":"` + token + `"'`, "az account get-access-token printed no access token"},
		{"no expiry", `echo '{"accessToken":"` + token + `","expiresOn":"soon"}'`, `no readable expiry (expiresOn "soon")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeAz(t, tt.script)
			log, logs := captureLog()
			cred, err := NewAzureCLI(&AzureCLIOptions{Options: Options{Logger: log}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.Token()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			assertNoSecrets(t, "error", err.Error(), token)
			assertNoSecrets(t, "log", logs.String(), token)
		})
	}
}

func TestAzureCLINotFound(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cred, err := NewAzureCLI(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.Token()
	if err == nil || !strings.Contains(err.Error(), "Azure CLI not found on PATH") {
		t.Errorf("error = %v, want Azure CLI not found", err)
	}
}

func TestAzureCLITimeout(t *testing.T) {
	args := fakeAz(t, azOutput(cliNow.Add(time.Hour), ""))
	cred, err := NewAzureCLI(&AzureCLIOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// The timeout runs on the credential's clock: a clock an hour behind puts the deadline
	// in the past, so the run is out of time before az starts.
	cred.now = func() time.Time { return time.Now().Add(-time.Hour) }
	_, err = cred.Token()
	if err == nil || !strings.Contains(err.Error(), "az account get-access-token did not finish within 1m0s") {
		t.Errorf("error = %v, want a timeout", err)
	}
	if got := args(); got != nil {
		t.Errorf("az ran with %q after its deadline", got)
	}
}

func TestAzureCLIStopsWhenTheContextEnds(t *testing.T) {
	started := filepath.Join(t.TempDir(), "started")
	if out, err := exec.Command("mkfifo", started).CombinedOutput(); err != nil {
		t.Skipf("mkfifo: %v: %s", err, out)
	}
	// az says it runs by writing to the FIFO, then waits until it is killed.
	fakeAz(t, "echo started > '"+started+"'\nexec sleep 600")
	// Opened for reading and writing, the FIFO does not block this open, and az's write
	// finds a reader.
	fifo, err := os.OpenFile(started, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fifo.Close() })
	cred, err := NewAzureCLI(nil)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		if _, err := bufio.NewReader(fifo).ReadString('\n'); err == nil {
			cancel() // az is running
		}
	}()
	// Token returns only once az has been stopped: its sleep would outlast the test.
	_, err = cred.ChallengeToken(ctx, "", "", "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestAzureCLIRefusesBeforeRunning(t *testing.T) {
	tests := []struct {
		name          string
		scope, claims string
		want          string
	}{
		{"claims", "", `{"access_token":{}}`, "the Azure CLI cannot honour a claims challenge"},
		{"flag-like scope", "--debug", "", `scope "--debug" has characters that are not passed to the Azure CLI`},
		{"scope with quote", `https://vault.azure.net/.default"`, "", "has characters that are not passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := fakeAz(t, azOutput(cliNow.Add(time.Hour), ""))
			cred, err := NewAzureCLI(nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.ChallengeToken(t.Context(), tt.scope, "", tt.claims)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if got := args(); got != nil {
				t.Errorf("az ran with %q", got)
			}
		})
	}
}

func TestNewAzureCLIValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts AzureCLIOptions
		want string
	}{
		{"tenant", AzureCLIOptions{TenantID: "--all"}, `invalid tenant ID "--all"`},
		{"timeout", AzureCLIOptions{Timeout: -time.Second}, "negative timeout -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewAzureCLI(&tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// cliNow is the time the fake az prints its expiries from: the real clock, as az's
// credential reads it, in whole seconds as az prints them.
var cliNow = time.Now().Truncate(time.Second)

// az's expires_on (Unix seconds) and expiresOn (a local time) in every class: sane, absurd
// (capped), overflowing, and unusable (refused).
func TestAzureCLILifetimes(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_750_000_000, 0)
	for _, tc := range []struct {
		name, fields string
		want         time.Duration
		wantErr      string
	}{
		{"expires_on", `"expires_on": 1750003600`, time.Hour, ""},
		{"expires_on as a string", `"expires_on": "1750003600"`, time.Hour, ""},
		{"expires_on 1e19", `"expires_on": 1e19`, maxLifetime, ""},
		{"expires_on beyond int64", `"expires_on": 99999999999999999999`, maxLifetime, ""},
		{"expires_on NaN", `"expires_on": "NaN"`, 0, "is not a finite number"},
		{"expires_on Inf", `"expires_on": "+Inf"`, 0, "is not a finite number"},
		{"expires_on negative", `"expires_on": -1`, 0, "has passed already"},
		{"expires_on in the past", `"expires_on": 1749999999`, 0, "has passed already"},
		{"expiresOn in year 9999", `"expiresOn": "9999-12-31 23:59:59.000000"`, maxLifetime, ""},
		{"expiresOn in the past", `"expiresOn": "2001-01-01 00:00:00.000000"`, 0, "has passed already"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := parseCLIToken([]byte(`{"accessToken": "cli-token", `+tc.fields+`}`), now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || tok.Expiry.Sub(now) != tc.want {
				t.Errorf("token %v, %v; want one living %s", tok, err, tc.want)
			}
		})
	}
}
