// Package specfiles finds Microsoft's Swagger 2.0 descriptions of one Key
// Vault API version (certificates.json and secrets.json) in a checkout of
// the public azure-rest-api-specs repository.
//
// The repository has held them in two layouts. The current one puts each
// API in its own folder:
//
//	specification/keyvault/data-plane/Certificates/stable/<version>/certificates.json
//	specification/keyvault/data-plane/Secrets/stable/<version>/secrets.json
//
// and 2025-07-01 and older versions also sit together in the older one:
//
//	specification/keyvault/data-plane/Microsoft.KeyVault/stable/<version>/{certificates,secrets}.json
//
// Preview versions (such as 2025-06-01-preview) live under preview/ rather
// than stable/.
package specfiles

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// dataPlane is the folder of the Key Vault data-plane descriptions, relative
// to the root of a checkout.
const dataPlane = "specification/keyvault/data-plane"

// versionRE matches Key Vault API versions such as 2026-04-01 or
// 2025-06-01-preview. Anything else is refused before it becomes part of a
// path, so a version cannot climb out of the checkout.
var versionRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)

// ValidVersion reports whether v has the shape of a Key Vault API version.
func ValidVersion(v string) bool { return versionRE.MatchString(v) }

// Files are the two upstream documents of one API version.
type Files struct {
	Checkout     string // the azure-rest-api-specs checkout they were found in
	Version      string
	Certificates string // path of certificates.json
	Secrets      string // path of secrets.json
}

// ExampleDirs lists the examples folders beside the two documents, without
// duplicates (the older layout shares one).
func (f Files) ExampleDirs() []string {
	dirs := []string{filepath.Join(filepath.Dir(f.Certificates), "examples")}
	if d := filepath.Join(filepath.Dir(f.Secrets), "examples"); d != dirs[0] {
		dirs = append(dirs, d)
	}
	return dirs
}

// layouts are the folders of the data plane that hold a version's two
// documents, in the order they are tried: the current layout first.
var layouts = []struct{ certs, secrets string }{
	{"Certificates", "Secrets"},
	{"Microsoft.KeyVault", "Microsoft.KeyVault"},
}

// stability is the folder name for version v: preview or stable.
func stability(v string) string {
	if strings.HasSuffix(v, "-preview") {
		return "preview"
	}
	return "stable"
}

// Locate finds certificates.json and secrets.json of API version in the
// checkout of azure-rest-api-specs at checkout, in either layout. Both
// documents must come from the same layout. When neither layout has both,
// the error names every path it tried and says which were missing.
func Locate(checkout, version string) (Files, error) {
	if checkout == "" {
		return Files{}, errors.New("no azure-rest-api-specs checkout given")
	}
	if !ValidVersion(version) {
		return Files{}, fmt.Errorf("API version %q is not of the form 2026-04-01 or 2025-06-01-preview", version)
	}
	info, err := os.Stat(checkout)
	if err != nil {
		return Files{}, fmt.Errorf("azure-rest-api-specs checkout: %w", err)
	}
	if !info.IsDir() {
		return Files{}, fmt.Errorf("azure-rest-api-specs checkout %s is not a folder", checkout)
	}
	base := filepath.Join(checkout, filepath.FromSlash(dataPlane))
	var tried []string
	for _, l := range layouts {
		f := Files{
			Checkout:     checkout,
			Version:      version,
			Certificates: filepath.Join(base, l.certs, stability(version), version, "certificates.json"),
			Secrets:      filepath.Join(base, l.secrets, stability(version), version, "secrets.json"),
		}
		ok := true
		for _, p := range []string{f.Certificates, f.Secrets} {
			if isFile(p) {
				tried = append(tried, p+" (found)")
			} else {
				tried = append(tried, p+" (missing)")
				ok = false
			}
		}
		if ok {
			return f, nil
		}
	}
	return Files{}, fmt.Errorf("API version %s: no layout of %s holds both certificates.json and secrets.json; tried:\n\t%s",
		version, checkout, strings.Join(tried, "\n\t"))
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

// Versions lists the API versions that have a certificates.json in the
// checkout, in either layout, newest first.
func Versions(checkout string) []string {
	base := filepath.Join(checkout, filepath.FromSlash(dataPlane))
	seen := map[string]bool{}
	for _, l := range layouts {
		for _, stab := range []string{"stable", "preview"} {
			entries, _ := os.ReadDir(filepath.Join(base, l.certs, stab))
			for _, e := range entries {
				if ValidVersion(e.Name()) && isFile(filepath.Join(base, l.certs, stab, e.Name(), "certificates.json")) {
					seen[e.Name()] = true
				}
			}
		}
	}
	vs := slices.Sorted(maps.Keys(seen))
	slices.Reverse(vs)
	return vs
}
