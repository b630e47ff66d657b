package specfiles

import (
	"fmt"
	"os"
	"path/filepath"
)

// Environment variables that point tests and scripts at the upstream files.
// make sets them from its SPECS and API variables.
const (
	EnvCheckout = "KVCERTS_SPECS" // a checkout of azure-rest-api-specs
	EnvVersion  = "KVCERTS_API"   // the API version to read; the caller's default when empty
)

// Hint tells a developer how to run the tests that read the upstream files.
const Hint = "point them at a clone of https://github.com/Azure/azure-rest-api-specs with " +
	"make test SPECS=/path/to/azure-rest-api-specs, or KVCERTS_SPECS=/path/to/azure-rest-api-specs go test ./... " +
	"(KVCERTS_API picks another API version than gen.APIVersion)"

// FromEnv locates the upstream files named by $KVCERTS_SPECS and
// $KVCERTS_API for a test. root is the repository root seen from the
// caller's directory; a relative $KVCERTS_SPECS is taken from there.
// defaultVersion is used when $KVCERTS_API is empty. It returns ok false
// when $KVCERTS_SPECS is not set, so that the caller can skip with Hint; a
// checkout that is named but does not hold the files is an error, so that a
// misconfigured CI run fails rather than skips.
func FromEnv(root, defaultVersion string) (f Files, ok bool, err error) {
	return fromEnv(os.Getenv, root, defaultVersion)
}

func fromEnv(getenv func(string) string, root, defaultVersion string) (f Files, ok bool, err error) {
	checkout := getenv(EnvCheckout)
	if checkout == "" {
		return Files{}, false, nil
	}
	if !filepath.IsAbs(checkout) {
		checkout = filepath.Join(root, checkout)
	}
	version := getenv(EnvVersion)
	if version == "" {
		version = defaultVersion
	}
	f, err = Locate(checkout, version)
	if err != nil {
		return Files{}, true, fmt.Errorf("$%s=%s $%s=%s: %w", EnvCheckout, getenv(EnvCheckout), EnvVersion, version, err)
	}
	return f, true, nil
}
