package auth

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// defaultCLITimeout bounds one run of az or azd when no timeout is set.
const defaultCLITimeout = 10 * time.Second

// cliScopePattern limits the scopes passed to az and azd to URL-like strings that cannot be
// mistaken for a flag.
var cliScopePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_.:/-]*$`)

// cliSettings checks what the az and azd credentials are given.
func cliSettings(tenantID string, timeout time.Duration) (time.Duration, string, error) {
	if tenantID != "" {
		if err := validateTenant(tenantID); err != nil {
			return 0, "", err
		}
	}
	if timeout < 0 {
		return 0, "", fmt.Errorf("negative timeout %s", timeout)
	}
	detail := "current tenant"
	if tenantID != "" {
		detail = "tenant " + tenantID
	}
	return cmp.Or(timeout, defaultCLITimeout), detail, nil
}

// runCLI runs a developer tool (az, azd) found on PATH, without a shell, and returns its
// standard output. The timeout runs from start on the credential's clock. What the tool
// printed to standard error goes into the error, shortened; login says how to sign in when
// the tool says so.
func runCLI(ctx context.Context, start time.Time, timeout time.Duration, tool, product, login string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(tool)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%s not found on PATH: install it and sign in with %s", product, login)
		}
		return nil, fmt.Errorf("%s not found: %w", product, err)
	}
	runCtx, cancel := context.WithDeadline(ctx, start.Add(timeout))
	defer cancel()
	cmd := exec.CommandContext(runCtx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// After the tool is killed, do not wait long for children of it that still hold its output.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		command := tool + " " + strings.Join(args[:min(len(args), 2)], " ")
		switch msg := strings.TrimSpace(stderr.String()); {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case runCtx.Err() != nil:
			return nil, fmt.Errorf("%s did not finish within %s", command, timeout)
		case strings.Contains(msg, login):
			return nil, fmt.Errorf("not signed in to the %s: run %s (%s: %s)", product, login, tool, clip(msg))
		default:
			return nil, fmt.Errorf("%s failed (%v): %s", command, err, clip(msg))
		}
	}
	return stdout.Bytes(), nil
}

// clip shortens a tool's error output for an error message.
func clip(s string) string {
	const limit = 400
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}
