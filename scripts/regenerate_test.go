package scripts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's walkthrough for a new API version must work as written: with
// the upstream files relabelled as a new version, make spec and make
// generate change the version and nothing breaks in the module's tests.
func TestRegenerateForNewVersion(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("regenerates and tests a copy of the module")
	}
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	const from, to = "2025-07-01", "2026-01-01"
	up := filepath.Join(t.TempDir(), to)
	if err := os.Mkdir(up, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"certificates.json", "secrets.json"} {
		data, err := os.ReadFile(filepath.Join(upstream(), name))
		if err != nil {
			t.Skipf("upstream spec not available at %s (it lives outside the repository): %v", upstream(), err)
		}
		old := []byte(`"version": "` + from + `"`)
		if !bytes.Contains(data, old) {
			t.Skipf("%s is not API version %s", name, from)
		}
		relabelled := bytes.Replace(data, old, []byte(`"version": "`+to+`"`), 1)
		if err := os.WriteFile(filepath.Join(up, name), relabelled, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	dir := copyTracked(t)
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "UPSTREAM="+up, "GOFLAGS=", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run("make", "spec", "generate", "UPSTREAM="+up)
	version, err := os.ReadFile(filepath.Join(dir, "gen", "version.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(version), `const APIVersion = "`+to+`"`) {
		t.Fatalf("gen/version.gen.go after regenerating:\n%s", version)
	}
	run("go", "vet", "./...")
	// The scripts' own tests would copy the module again.
	run("go", "test", "-skip", "TestRegenerateForNewVersion|TestCheckGenerate", "./...")
}

// copyTracked copies the files git tracks into a new directory and returns
// it. The interop module comes along, since the README names it, but go
// commands in the root module leave it out.
func copyTracked(t *testing.T) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("listing the tracked files: %v", err)
	}
	dir := t.TempDir()
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, rel)
		info, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
