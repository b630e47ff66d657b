package auth

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeTool puts a shell script named name in a folder that becomes the whole PATH, so that
// no real az or azd on the machine answers. The script records its arguments, one a line,
// and then runs body. The returned function reads the recorded arguments (nil when the
// tool did not run). Tests that use it cannot run in parallel, as PATH is process-wide.
func fakeTool(t *testing.T, dir, name, body string) func() []string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake tools are POSIX shell scripts")
	}
	argsFile := filepath.Join(dir, name+".args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argsFile + "'\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
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

// azdOutput is a script line that prints what azd auth token --output json does.
func azdOutput(token, expiresOn string) string {
	return "printf '%s\\n' '{\"token\": \"" + token + "\", \"expiresOn\": \"" + expiresOn + "\"}'"
}

func TestAzureDeveloperCLIToken(t *testing.T) {
	later := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	args := fakeTool(t, t.TempDir(), "azd", azdOutput("azd-token", later.Format(time.RFC3339)))
	cred, err := NewAzureDeveloperCLI(&AzureDeveloperCLIOptions{TenantID: "my-tenant", Options: Options{AdditionallyAllowedTenants: []string{"guest"}}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "azd-token" || !tok.Expiry.Equal(later) {
		t.Errorf("token %q expiring %s, want azd-token expiring %s", tok.AccessToken, tok.Expiry, later)
	}
	want := []string{"auth", "token", "--output", "json", "--no-prompt", "--scope", DefaultScope, "--tenant-id", "my-tenant"}
	if diff := cmp.Diff(want, args()); diff != "" {
		t.Errorf("azd arguments (-want +got):\n%s", diff)
	}

	const claims = `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`
	if _, err := cred.ChallengeToken(t.Context(), "https://vault.azure.cn/.default", "guest", claims); err != nil {
		t.Fatal(err)
	}
	want = []string{"auth", "token", "--output", "json", "--no-prompt", "--scope", "https://vault.azure.cn/.default",
		"--tenant-id", "guest", "--claims", base64.StdEncoding.EncodeToString([]byte(claims))}
	if diff := cmp.Diff(want, args()); diff != "" {
		t.Errorf("azd arguments with claims (-want +got):\n%s", diff)
	}
	if _, err := cred.ChallengeToken(t.Context(), "", "stranger", ""); err == nil {
		t.Error("a tenant that is not allowed was passed to azd")
	}
}

func TestAzureDeveloperCLIWithoutTenant(t *testing.T) {
	args := fakeTool(t, t.TempDir(), "azd", azdOutput("azd-token", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	cred, err := NewAzureDeveloperCLI(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.Token(); err != nil {
		t.Fatal(err)
	}
	if got := args(); strings.Contains(strings.Join(got, " "), "--tenant-id") {
		t.Errorf("azd arguments %q name a tenant although none was asked for", got)
	}
}

func TestAzureDeveloperCLIErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not logged in", "echo 'ERROR: not logged in, run `azd auth login` to login' >&2; exit 1", "not signed in to the Azure Developer CLI: run azd auth login"},
		{"failure", "echo 'ERROR: fetching token: boom' >&2; exit 1", "azd auth token failed"},
		{"no token", "printf '%s\\n' '{}'", "printed no token"},
		{"output that is not JSON", "echo secret-looking-token", "printed no token"},
		{"expiry not RFC 3339", azdOutput("x", "tomorrow"), "no readable expiry"},
		{"expired", azdOutput("x", "2001-01-01T00:00:00Z"), "has passed already"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeTool(t, t.TempDir(), "azd", tc.body)
			cred, err := NewAzureDeveloperCLI(nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.Token()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "auth: Azure Developer CLI credential: ") {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
			assertNoSecrets(t, "error", err.Error(), "secret-looking-token")
		})
	}
}

func TestAzureDeveloperCLICapsAbsurdExpiry(t *testing.T) {
	fakeTool(t, t.TempDir(), "azd", azdOutput("azd-token", "9999-12-31T23:59:59Z"))
	cred, err := NewAzureDeveloperCLI(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tok, err := cred.Token()
	if err != nil {
		t.Fatal(err)
	}
	if d := tok.Expiry.Sub(start); d > maxLifetime+time.Second {
		t.Errorf("token lives %s, want at most %s", d, maxLifetime)
	}
}

func TestAzureDeveloperCLIOldVersionAndClaims(t *testing.T) {
	fakeTool(t, t.TempDir(), "azd", "echo 'Error: unknown flag: --claims' >&2; exit 1")
	cred, err := NewAzureDeveloperCLI(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.ChallengeToken(t.Context(), "", "", `{"access_token":{}}`)
	if err == nil || !strings.Contains(err.Error(), "upgrade it to 1.18.1 or later") {
		t.Errorf("error = %v, want advice to upgrade azd", err)
	}
}

func TestAzureDeveloperCLINotFound(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cred, err := NewAzureDeveloperCLI(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.Token(); err == nil || !strings.Contains(err.Error(), "Azure Developer CLI not found on PATH") {
		t.Errorf("error = %v, want azd not found", err)
	}
}

func TestAzureDeveloperCLIRefusesBeforeRunning(t *testing.T) {
	args := fakeTool(t, t.TempDir(), "azd", azdOutput("x", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	cred, err := NewAzureDeveloperCLI(&AzureDeveloperCLIOptions{Options: Options{Scope: "--help"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.Token(); err == nil || !strings.Contains(err.Error(), "not passed to the Azure Developer CLI") {
		t.Errorf("error = %v, want the scope refused", err)
	}
	if got := args(); got != nil {
		t.Errorf("azd ran with %q", got)
	}
	if _, err := NewAzureDeveloperCLI(&AzureDeveloperCLIOptions{TenantID: "a b"}); err == nil {
		t.Error("a bad tenant was accepted")
	}
	if _, err := NewAzureDeveloperCLI(&AzureDeveloperCLIOptions{Timeout: -time.Second}); err == nil {
		t.Error("a negative timeout was accepted")
	}
}

func TestAzureDeveloperCLILifetimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, expiresOn string
		want            time.Duration
		wantErr         string
	}{
		{"an hour", "2026-01-01T01:00:00Z", time.Hour, ""},
		{"year 9999", "9999-12-31T23:59:59Z", maxLifetime, ""},
		{"past", "2025-12-31T23:59:59Z", 0, "has passed already"},
		{"not a date", "1e19", 0, "no readable expiry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := parseAzdToken([]byte(`{"token":"t","expiresOn":"`+tc.expiresOn+`"}`), now)
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
