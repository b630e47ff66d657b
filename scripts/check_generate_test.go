// Package scripts_test tests the shell scripts beside it.
package scripts_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/specfiles"
)

// root is the repository root, seen from this directory.
const root = ".."

// upstream finds Microsoft's Swagger files for gen.APIVersion (or
// $KVCERTS_API) in the azure-rest-api-specs checkout named by
// $KVCERTS_SPECS. ok is false when no checkout is named.
func upstream(t *testing.T) (f specfiles.Files, ok bool) {
	t.Helper()
	f, ok, err := specfiles.FromEnv(root, gen.APIVersion)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		abs, err := filepath.Abs(f.Checkout)
		if err != nil {
			t.Fatal(err)
		}
		f.Checkout = abs
	}
	return f, ok
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
	files, haveUpstream := upstream(t)
	tests := []struct {
		name     string
		upstream bool // use the upstream files rather than none
		empty    bool // name an empty folder as the checkout
		change   func(t *testing.T, dir string)
		wantErr  string // in the output; "" means the check passes
	}{
		{name: "unchanged, no upstream"},
		{name: "unchanged, with upstream", upstream: true},
		{
			name:    "checkout without the files",
			empty:   true,
			wantErr: "no layout of",
		},
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
			env := []string{"KVCERTS_SPECS=", "KVCERTS_API="}
			if tt.upstream {
				if !haveUpstream {
					t.Skip("needs Microsoft's Swagger files: " + specfiles.Hint)
				}
				env = []string{"KVCERTS_SPECS=" + files.Checkout, "KVCERTS_API=" + files.Version}
			}
			if tt.empty {
				env = []string{"KVCERTS_SPECS=" + t.TempDir(), "KVCERTS_API=" + gen.APIVersion}
			}
			dir := copyModule(t)
			if tt.change != nil {
				tt.change(t, dir)
			}
			cmd := exec.CommandContext(t.Context(), "bash", "scripts/check-generate.sh")
			cmd.Dir = dir
			cmd.Env = append(append(os.Environ(), env...), "GOFLAGS=", "GOWORK=off")
			out, err := cmd.CombinedOutput()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("check-generate failed: %v\n%s", err, out)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("check-generate passed, want a failure saying %q\n%s", tt.wantErr, out)
			case tt.wantErr != "" && !strings.Contains(string(out), tt.wantErr):
				t.Fatalf("check-generate output lacks %q:\n%s", tt.wantErr, out)
			}
			if !tt.upstream && !tt.empty && tt.wantErr == "" && !strings.Contains(string(out), "SPECS (KVCERTS_SPECS) not set") {
				t.Errorf("without the upstream files, check-generate does not say so:\n%s", out)
			}
		})
	}
}
