package specfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkout builds a fake azure-rest-api-specs tree holding the given files
// (paths relative to the data-plane folder) and returns its root.
func checkout(t *testing.T, files ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, dataPlane, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLocate(t *testing.T) {
	t.Parallel()
	const (
		newCerts   = "Certificates/stable/2026-04-01/certificates.json"
		newSecrets = "Secrets/stable/2026-04-01/secrets.json"
		oldCerts   = "Microsoft.KeyVault/stable/2026-04-01/certificates.json"
		oldSecrets = "Microsoft.KeyVault/stable/2026-04-01/secrets.json"
	)
	for _, tc := range []struct {
		name        string
		files       []string
		version     string
		wantCerts   string // relative to the data-plane folder; "" means an error
		wantSecrets string
		wantErr     []string
	}{
		{"current layout", []string{newCerts, newSecrets}, "2026-04-01", newCerts, newSecrets, nil},
		{"older layout", []string{oldCerts, oldSecrets}, "2026-04-01", oldCerts, oldSecrets, nil},
		{"both layouts: the current one wins", []string{newCerts, newSecrets, oldCerts, oldSecrets}, "2026-04-01", newCerts, newSecrets, nil},
		{"half of the current layout falls back to the older one", []string{newCerts, oldCerts, oldSecrets}, "2026-04-01", oldCerts, oldSecrets, nil},
		{"preview folder", []string{"Certificates/preview/2025-06-01-preview/certificates.json", "Secrets/preview/2025-06-01-preview/secrets.json"},
			"2025-06-01-preview", "Certificates/preview/2025-06-01-preview/certificates.json", "Secrets/preview/2025-06-01-preview/secrets.json", nil},
		{"nothing there names all four paths", nil, "2026-04-01", "", "",
			[]string{newCerts + " (missing)", newSecrets + " (missing)", oldCerts + " (missing)", oldSecrets + " (missing)"}},
		{"files split across layouts are not mixed", []string{newCerts, oldSecrets}, "2026-04-01", "", "",
			[]string{newCerts + " (found)", newSecrets + " (missing)", oldCerts + " (missing)", oldSecrets + " (found)"}},
		{"other version only", []string{newCerts, newSecrets}, "2025-07-01", "", "", []string{"Certificates/stable/2025-07-01/certificates.json (missing)"}},
		{"path traversal in the version", []string{newCerts, newSecrets}, "../../../etc", "", "", []string{`"../../../etc" is not of the form`}},
		{"empty version", []string{newCerts, newSecrets}, "", "", "", []string{`"" is not of the form`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := checkout(t, tc.files...)
			got, err := Locate(root, tc.version)
			if tc.wantCerts == "" {
				if err == nil {
					t.Fatalf("Locate() = %+v, want an error", got)
				}
				msg := filepath.ToSlash(err.Error())
				for _, w := range tc.wantErr {
					if !strings.Contains(msg, w) {
						t.Errorf("error lacks %q:\n%s", w, msg)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(root, dataPlane)
			want := Files{Checkout: root, Version: tc.version, Certificates: filepath.Join(base, tc.wantCerts), Secrets: filepath.Join(base, tc.wantSecrets)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Locate() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocateRejectsBadCheckouts(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"empty": "", "missing": filepath.Join(t.TempDir(), "missing"), "a file": file} {
		if _, err := Locate(dir, "2026-04-01"); err == nil {
			t.Errorf("%s checkout: Locate succeeded", name)
		}
	}
	// A folder named like a document is not one.
	root := checkout(t, "Secrets/stable/2026-04-01/secrets.json")
	if err := os.MkdirAll(filepath.Join(root, dataPlane, "Certificates/stable/2026-04-01/certificates.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Locate(root, "2026-04-01"); err == nil {
		t.Error("a folder called certificates.json was taken for the document")
	}
}

func TestExampleDirs(t *testing.T) {
	t.Parallel()
	split := Files{Certificates: "/s/Certificates/stable/v/certificates.json", Secrets: "/s/Secrets/stable/v/secrets.json"}
	if diff := cmp.Diff([]string{"/s/Certificates/stable/v/examples", "/s/Secrets/stable/v/examples"}, split.ExampleDirs()); diff != "" {
		t.Error(diff)
	}
	shared := Files{Certificates: "/s/K/stable/v/certificates.json", Secrets: "/s/K/stable/v/secrets.json"}
	if diff := cmp.Diff([]string{"/s/K/stable/v/examples"}, shared.ExampleDirs()); diff != "" {
		t.Error(diff)
	}
}

func TestVersions(t *testing.T) {
	t.Parallel()
	root := checkout(t,
		"Certificates/stable/2026-04-01/certificates.json",
		"Microsoft.KeyVault/stable/2025-07-01/certificates.json",
		"Microsoft.KeyVault/stable/2026-04-01/certificates.json",
		"Microsoft.KeyVault/preview/2025-06-01-preview/certificates.json",
		"Microsoft.KeyVault/stable/not-a-version/certificates.json",
		"Microsoft.KeyVault/stable/2016-10-01/keys.json",
	)
	if diff := cmp.Diff([]string{"2026-04-01", "2025-07-01", "2025-06-01-preview"}, Versions(root)); diff != "" {
		t.Errorf("Versions (-want +got):\n%s", diff)
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	root := checkout(t, "Certificates/stable/2026-04-01/certificates.json", "Secrets/stable/2026-04-01/secrets.json")
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	if _, ok, err := fromEnv(env(nil), "..", "2026-04-01"); ok || err != nil {
		t.Errorf("without $KVCERTS_SPECS: ok %v, err %v; want a quiet not-configured", ok, err)
	}
	f, ok, err := fromEnv(env(map[string]string{"KVCERTS_SPECS": root}), "..", "2026-04-01")
	if !ok || err != nil || f.Version != "2026-04-01" {
		t.Errorf("default version: %+v, %v, %v", f, ok, err)
	}
	// A relative checkout is taken from the repository root.
	rel, err := filepath.Rel(filepath.Dir(root), root)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fromEnv(env(map[string]string{"KVCERTS_SPECS": rel}), filepath.Dir(root), "2026-04-01"); err != nil {
		t.Errorf("relative $KVCERTS_SPECS: %v", err)
	}
	_, ok, err = fromEnv(env(map[string]string{"KVCERTS_SPECS": root, "KVCERTS_API": "2025-07-01"}), "..", "2026-04-01")
	if !ok || err == nil || !strings.Contains(err.Error(), "$KVCERTS_API=2025-07-01") {
		t.Errorf("$KVCERTS_SPECS without the version: ok %v, err %v; want an error naming $API", ok, err)
	}
}
