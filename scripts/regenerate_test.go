package scripts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/specfiles"
)

// newVersion is the made-up API version the walkthrough regenerates for.
const newVersion = "2099-01-01"

// The README's walkthrough for a new API version must work as written: with
// the upstream files relabelled as a new version in a checkout laid out like
// azure-rest-api-specs, make spec and make generate change the version and
// nothing breaks in the module's tests.
func TestRegenerateForNewVersion(t *testing.T) {
	t.Parallel()
	dir, specs := regenerateSetup(t, nil)
	run(t, dir, nil, "make", "spec", "SPECS="+specs, "API="+newVersion)
	run(t, dir, nil, "make", "generate")
	version, err := os.ReadFile(filepath.Join(dir, "gen", "version.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(version), `const APIVersion = "`+newVersion+`"`) {
		t.Fatalf("gen/version.gen.go after regenerating:\n%s", version)
	}
	run(t, dir, nil, "go", "vet", "./...")
	// The scripts' own tests would copy the module again.
	run(t, dir, []string{"KVCERTS_SPECS=" + specs, "KVCERTS_API=" + newVersion},
		"go", "test", "-timeout", "20m", "-skip", "TestRegenerateForNewVersion|TestCheckGenerate|TestDriftGuardFires", "./...")
}

// regenerateSetup copies the module's tracked files and builds a checkout
// of azure-rest-api-specs in the current layout holding the upstream files
// of gen.APIVersion relabelled as newVersion, with bend applied to
// certificates.json's text. It returns both folders.
func regenerateSetup(t *testing.T, bend func([]byte) []byte) (dir, specs string) {
	t.Helper()
	if testing.Short() {
		t.Skip("regenerates and tests a copy of the module")
	}
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	f, ok := upstream(t)
	if !ok {
		t.Skip("needs Microsoft's Swagger files: " + specfiles.Hint)
	}
	specs = t.TempDir()
	base := filepath.Join(specs, "specification", "keyvault", "data-plane")
	for _, doc := range []struct{ src, group, name string }{
		{f.Certificates, "Certificates", "certificates.json"},
		{f.Secrets, "Secrets", "secrets.json"},
	} {
		data, err := os.ReadFile(doc.src)
		if err != nil {
			t.Fatal(err)
		}
		old := []byte(`"version": "` + gen.APIVersion + `"`)
		if !bytes.Contains(data, old) {
			t.Fatalf("%s is not API version %s", doc.src, gen.APIVersion)
		}
		data = bytes.Replace(data, old, []byte(`"version": "`+newVersion+`"`), 1)
		if bend != nil && doc.name == "certificates.json" {
			data = bend(data)
		}
		dst := filepath.Join(base, doc.group, "stable", newVersion)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, doc.name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		// The examples come along, so that gen's tests round-trip them.
		examples, _ := filepath.Glob(filepath.Join(filepath.Dir(doc.src), "examples", "*.json"))
		if err := os.MkdirAll(filepath.Join(dst, "examples"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, ex := range examples {
			data, err := os.ReadFile(ex)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, "examples", filepath.Base(ex)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Older versions of the checkout stand in for examples the new one lacks.
	for _, v := range specfiles.Versions(f.Checkout) {
		older, err := specfiles.Locate(f.Checkout, v)
		if err != nil {
			continue
		}
		for _, src := range older.ExampleDirs() {
			if _, err := os.Stat(src); err != nil {
				continue
			}
			rel, err := filepath.Rel(f.Checkout, src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(filepath.Join(specs, rel), os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{older.Certificates, older.Secrets} {
			rel, err := filepath.Rel(f.Checkout, p)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(specs, rel), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return copyTracked(t), specs
}

// run runs a command in dir with extra environment variables and fails the
// test with its output when it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	if out, err := command(t, dir, env, name, args...); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func command(t *testing.T, dir string, env []string, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "KVCERTS_SPECS=", "KVCERTS_API=", "GOFLAGS=", "GOWORK=off"), env...)
	return cmd.CombinedOutput()
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
	for rel := range strings.SplitSeq(strings.TrimRight(string(out), "\x00"), "\x00") {
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

// A new API version that adds a field regenerates cleanly, and the drift
// guard in package client then names the field and the file to change, so
// that the field does not silently stop short of the client's models.
func TestDriftGuardFires(t *testing.T) {
	t.Parallel()
	dir, specs := regenerateSetup(t, func(data []byte) []byte {
		// A new optional property of CertificatePolicy, after its first one.
		i := bytes.Index(data, []byte(`"CertificatePolicy": {`))
		if i < 0 {
			t.Fatal("certificates.json has no CertificatePolicy")
		}
		j := bytes.Index(data[i:], []byte(`"properties": {`))
		if j < 0 {
			t.Fatal("certificates.json has no CertificatePolicy properties")
		}
		at := i + j + len(`"properties": {`)
		return slices.Concat(data[:at], []byte(`"syntheticDriftField": {"type": "string"},`), data[at:])
	})
	run(t, dir, nil, "make", "spec", "SPECS="+specs, "API="+newVersion)
	run(t, dir, nil, "make", "generate")
	models, err := os.ReadFile(filepath.Join(dir, "gen", "models.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(models, []byte("SyntheticDriftField")) {
		t.Fatal("the regenerated models lack the synthetic field")
	}
	out, err := command(t, dir, nil, "go", "test", "-run", "^TestDriftGuard$", "./client/")
	if err == nil {
		t.Fatalf("the drift guard passed with a field the client does not carry:\n%s", out)
	}
	for _, want := range []string{"gen field CertificatePolicy.SyntheticDriftField", "client/drift_test.go"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the drift guard's failure does not say %q:\n%s", want, out)
		}
	}
}
