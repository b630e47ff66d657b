// Package scripts_test tests the shell scripts beside it.
package scripts_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository root, seen from this directory.
const root = ".."

// upstream is the upstream Swagger folder the converter reads: $UPSTREAM
// (relative to the repository root, as make passes it) or the default.
func upstream() string {
	d := os.Getenv("UPSTREAM")
	if d == "" {
		d = "../shared/upstream-spec/2025-07-01"
	}
	if !filepath.IsAbs(d) {
		d = filepath.Join(root, d)
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return d
	}
	return abs
}

// copyModule copies what check-generate.sh reads (and the script itself)
// into a new directory and returns it.
func copyModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum", "tools.go", "generate.go", "spec", "gen", "internal", "scripts"} {
		src := filepath.Join(root, name)
		err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dir, rel), 0o755)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, rel), data, info.Mode().Perm())
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// edit replaces old with new in the file rel of dir, which must hold old.
func edit(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	path := filepath.Join(dir, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", rel, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// make check-generate must pass on the committed spec/ and gen/ and fail
// when either is edited by hand, with or without the upstream folder.
func TestCheckGenerate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("regenerates spec/ and gen/ in copies of the module")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("check-generate.sh needs bash:", err)
	}
	haveUpstream := true
	if _, err := os.Stat(filepath.Join(upstream(), "certificates.json")); err != nil {
		haveUpstream = false
	}
	const noUpstream = "/nonexistent/upstream"
	tests := []struct {
		name     string
		upstream bool // use the upstream folder rather than none
		change   func(t *testing.T, dir string)
		wantErr  string // in the output; "" means the check passes
	}{
		{name: "unchanged, no upstream"},
		{name: "unchanged, with upstream", upstream: true},
		{
			name: "gen edited",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "gen/version.gen.go", `const APIVersion = "`, `const APIVersion = "x`)
			},
			wantErr: "spec/ or gen/ differ from what the generators produce",
		},
		{
			name: "spec edited, no upstream",
			change: func(t *testing.T, dir string) {
				edit(t, dir, "spec/keyvault-certificates.json", `"operationId": "GetCertificate"`, `"operationId": "ReadCertificate"`)
			},
			wantErr: "spec/ or gen/ differ from what the generators produce",
		},
		{
			name:     "spec edited, with upstream",
			upstream: true,
			change: func(t *testing.T, dir string) {
				edit(t, dir, "spec/keyvault-certificates.json", `"operationId": "GetCertificate"`, `"operationId": "ReadCertificate"`)
			},
			wantErr: "spec/ or gen/ differ from what the generators produce",
		},
		{
			name: "handwritten file added to gen",
			change: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "gen", "extra.go"), []byte("package gen\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "unexpected file gen/extra.go",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up := noUpstream
			if tt.upstream {
				if !haveUpstream {
					t.Skipf("upstream spec not available at %s (it lives outside the repository)", upstream())
				}
				up = upstream()
			}
			dir := copyModule(t)
			if tt.change != nil {
				tt.change(t, dir)
			}
			cmd := exec.CommandContext(t.Context(), "bash", "scripts/check-generate.sh")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "UPSTREAM="+up, "GOFLAGS=", "GOWORK=off")
			out, err := cmd.CombinedOutput()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("check-generate failed: %v\n%s", err, out)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("check-generate passed, want a failure saying %q\n%s", tt.wantErr, out)
			case tt.wantErr != "" && !strings.Contains(string(out), tt.wantErr):
				t.Fatalf("check-generate output lacks %q:\n%s", tt.wantErr, out)
			}
			if !tt.upstream && tt.wantErr == "" && !strings.Contains(string(out), noUpstream+" not found") {
				t.Errorf("without the upstream folder, check-generate does not say so:\n%s", out)
			}
		})
	}
}
