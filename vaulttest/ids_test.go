package vaulttest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "A-1", "my-cert-01", strings.Repeat("x", 127)} {
		if !validName(ok) {
			t.Errorf("validName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", strings.Repeat("x", 128), "a_b", "a.b", "a b", "é", "a/b"} {
		if validName(bad) {
			t.Errorf("validName(%q) = true", bad)
		}
	}
}

func TestNewVersion(t *testing.T) {
	t.Parallel()
	if v := newVersion(); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(v) {
		t.Errorf("newVersion() = %q, want 32 lowercase hex digits", v)
	}
	if a, b := newVersion(), newVersion(); a == b {
		t.Error("two versions are equal")
	}
}

func TestValidVersion(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{newVersion(), "0123456789abcdef0123456789abcdef"} {
		if !validVersion(ok) {
			t.Errorf("validVersion(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "pending", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg",
		"0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0"} {
		if validVersion(bad) {
			t.Errorf("validVersion(%q) = true", bad)
		}
	}
}

func TestResourceFor(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://myvault.vault.localhost:8443": "https://vault.localhost:8443",
		"https://myvault.vault.localhost":      "https://vault.localhost",
		"https://kv.example.test":              "https://example.test",
		"https://localhost:8443":               "https://localhost:8443",
		"https://127.0.0.1:8443":               "https://127.0.0.1:8443",
		"https://[::1]:8443":                   "https://[::1]:8443",
	}
	for base, want := range tests {
		if got := resourceFor(base); got != want {
			t.Errorf("resourceFor(%q) = %q, want %q", base, got, want)
		}
	}
}

func TestURLs(t *testing.T) {
	t.Parallel()
	u := newURLs("https://v.vault.localhost")
	got := []string{u.link, u.version("c", "0f"), u.key("c", "0f"), u.secret("c", "0f"), u.pending("c"),
		u.policy("c"), u.deleted("c"), u.issuer("i"), u.contacts()}
	want := []string{
		"https://v.vault.localhost:443",
		"https://v.vault.localhost/certificates/c/0f",
		"https://v.vault.localhost/keys/c/0f",
		"https://v.vault.localhost/secrets/c/0f",
		"https://v.vault.localhost/certificates/c/pending",
		"https://v.vault.localhost/certificates/c/policy",
		"https://v.vault.localhost/deletedcertificates/c",
		"https://v.vault.localhost/certificates/issuers/i",
		"https://v.vault.localhost/certificates/contacts",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("urls (-want +got):\n%s", diff)
	}
	if l := newURLs("https://v.vault.localhost:9000").link; l != "https://v.vault.localhost:9000" {
		t.Errorf("link with a port = %q", l)
	}
}
