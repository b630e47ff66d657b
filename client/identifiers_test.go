package client

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testVersion = "0123456789abcdef0123456789abcdef"

func TestParseID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ID
	}{
		{"https://v.vault.azure.net/certificates/web/" + testVersion,
			ID{"https://v.vault.azure.net", CollectionCertificates, "web", testVersion}},
		{"https://v.vault.azure.net/certificates/web",
			ID{"https://v.vault.azure.net", CollectionCertificates, "web", ""}},
		{"https://v.vault.azure.net/certificates/web/",
			ID{"https://v.vault.azure.net", CollectionCertificates, "web", ""}},
		{"HTTPS://V.Vault.Azure.Net:443/certificates/web",
			ID{"https://v.vault.azure.net", CollectionCertificates, "web", ""}},
		{"https://v.vault.localhost:8443/keys/web/" + testVersion,
			ID{"https://v.vault.localhost:8443", CollectionKeys, "web", testVersion}},
		{"https://v.vault.azure.net/secrets/web/" + strings.ToUpper(testVersion),
			ID{"https://v.vault.azure.net", CollectionSecrets, "web", strings.ToUpper(testVersion)}},
		{"https://v.vault.azure.net/deletedcertificates/old-1",
			ID{"https://v.vault.azure.net", CollectionDeletedCertificates, "old-1", ""}},
		{"https://v.vault.azure.net/certificates/web/pending",
			ID{"https://v.vault.azure.net", CollectionOperations, "web", ""}},
		{"https://v.vault.azure.net/certificates/issuers/digi",
			ID{"https://v.vault.azure.net", CollectionIssuers, "digi", ""}},
		{"http://127.0.0.1:80/certificates/a",
			ID{"http://127.0.0.1", CollectionCertificates, "a", ""}},
	}
	for _, tt := range tests {
		got, err := ParseID(tt.in)
		if err != nil {
			t.Errorf("ParseID(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseID(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseIDErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 128)
	tests := []struct{ in, wantMsg string }{
		{"", "scheme"},
		{"ftp://v/certificates/a", "scheme"},
		{"https:///certificates/a", "no host"},
		{"https://:443/certificates/a", "no host"},
		{"https://v:/certificates/a", "port is empty"},
		{"https://v:0/certificates/a", "port is not a number"},
		{"https://v:65536/certificates/a", "port is not a number"},
		{"https://u:p@v/certificates/a", "user information"},
		{"https://v/certificates/a?x=1", "query"},
		{"https://v/certificates/a#f", "fragment"},
		{"https://v/certificates", "path"},
		{"https://v/certificates/a/b/c", "path"},
		{"https://v/certificates/issuers", "issuers collection"},
		{"https://v/certificates/contacts", "contacts collection"},
		{"https://v/deletedcertificates/a/" + testVersion, "path"},
		{"https://v/storage/a", "path"},
		{"https://v/certificates/a_b", `name "a_b"`},
		{"https://v/certificates/" + long, "name"},
		{"https://v/certificates/a%2Fb", "name"},
		{"https://v/certificates/a/policy", `version "policy"`},
		{"https://v/certificates/a/0123", `version "0123"`},
		{"https://v/certificates/issuers/a.b", `name "a.b"`},
		{"%zz", "not a URL"},
	}
	for _, tt := range tests {
		_, err := ParseID(tt.in)
		if err == nil {
			t.Errorf("ParseID(%q) succeeded, want an error", tt.in)
			continue
		}
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseID(%q) = %v, does not match ErrInvalidArgument", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("ParseID(%q) = %q, want it to mention %q", tt.in, err, tt.wantMsg)
		}
		in := tt.in
		if u, perr := url.Parse(in); perr == nil && u.User != nil {
			in = u.Redacted() // a password in the input is never repeated
			if p, ok := u.User.Password(); ok && strings.Contains(err.Error(), ":"+p+"@") {
				t.Errorf("ParseID(%q) = %q, which holds the password", tt.in, err)
			}
		}
		if len(in) < 80 && !strings.Contains(err.Error(), in) {
			t.Errorf("ParseID(%q) = %q, want it to quote the input", tt.in, err)
		}
	}
}

func TestIDString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"https://v.vault.azure.net/certificates/web/" + testVersion,
		"https://v.vault.azure.net/certificates/web",
		"https://v.vault.azure.net/deletedcertificates/web",
		"https://v.vault.azure.net/certificates/web/pending",
		"https://v.vault.azure.net/certificates/issuers/web",
		"https://v.vault.localhost:8443/secrets/web/" + testVersion,
	} {
		id, err := ParseID(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := id.String(); got != s {
			t.Errorf("ParseID(%q).String() = %q", s, got)
		}
	}
}

func TestCheckNameAndVersion(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "A-1", strings.Repeat("z", 127)} {
		if err := checkName("certificate", ok); err != nil {
			t.Errorf("checkName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "é", strings.Repeat("z", 128)} {
		err := checkName("certificate", bad)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "certificate name") {
			t.Errorf("checkName(%q) = %v", bad, err)
		}
	}
	if err := checkVersion("", true); err != nil {
		t.Errorf("checkVersion empty allowed: %v", err)
	}
	if err := checkVersion("", false); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("checkVersion empty refused: %v", err)
	}
	if err := checkVersion("xyz", true); err == nil || !strings.Contains(err.Error(), `"xyz"`) {
		t.Errorf("checkVersion(xyz) = %v", err)
	}
}

func TestSplitID(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, vault, s0, s1, s2 string }{
		{"https://v.vault.azure.net/certificates/web/" + testVersion, "https://v.vault.azure.net", "certificates", "web", testVersion},
		{"https://V.vault.azure.net:443/certificates/issuers/x", "https://v.vault.azure.net", "certificates", "issuers", "x"},
		{"https://v:8443/deletedcertificates/x", "https://v:8443", "deletedcertificates", "x", ""},
		{"https://v", "https://v", "", "", ""},
		{"", "", "", "", ""},
	}
	for _, tt := range tests {
		v, a, b, c := splitID(tt.in)
		if v != tt.vault || a != tt.s0 || b != tt.s1 || c != tt.s2 {
			t.Errorf("splitID(%q) = %q %q %q %q", tt.in, v, a, b, c)
		}
	}
}

// FuzzParseID checks that ParseID never panics, that what it accepts
// prints back to an identifier it parses to the same value, and that names
// and versions it returns are valid.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{
		"https://v.vault.azure.net/certificates/web/" + testVersion,
		"https://v.vault.azure.net/certificates/web/",
		"https://V:443/keys/k",
		"https://v/deletedcertificates/d",
		"https://v/certificates/n/pending",
		"https://v/certificates/issuers/i",
		"http://[::1]:8080/secrets/s/" + testVersion,
		"https://v/certificates/a%2Fb",
		"https://v/certificates/a?x",
		"https://u@v/certificates/a",
		"//v/certificates/a",
		"https://v/certificates/contacts",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("ParseID(%q) error %v does not match ErrInvalidArgument", s, err)
			}
			return
		}
		if !validName(id.Name) || !validVersion(id.Version) {
			t.Fatalf("ParseID(%q) = %+v with an invalid name or version", s, id)
		}
		again, err := ParseID(id.String())
		if err != nil {
			t.Fatalf("ParseID(%q).String() = %q does not parse: %v", s, id.String(), err)
		}
		if again != id {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, id)
		}
	})
}
