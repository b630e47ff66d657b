package transport

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const caeClaims = `{"access_token":{"nbf":{"essential":true,"value":"1726077595"},"xms_caeerror":{"value":"10012"}}}`

func TestParseChallenge(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(caeClaims))
	tests := []struct {
		name, header string
		want         Challenge
	}{{
		name:   "service example",
		header: `Bearer authorization="https://login.microsoftonline.com/` + testTenant + `", resource="https://vault.azure.net"`,
		want: Challenge{
			AuthorizationURI: "https://login.microsoftonline.com/" + testTenant, Resource: "https://vault.azure.net",
			Scope: "https://vault.azure.net/.default", TenantID: testTenant,
		},
	}, {
		name:   "authorization_uri and scope",
		header: `Bearer authorization_uri="https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/authorize", scope="https://vault.azure.net/.default"`,
		want: Challenge{
			AuthorizationURI: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/authorize",
			Scope:            "https://vault.azure.net/.default", TenantID: "contoso.onmicrosoft.com",
		},
	}, {
		name:   "scope preferred over resource",
		header: `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net", scope="https://vault.azure.net/custom"`,
		want: Challenge{
			AuthorizationURI: "https://login.microsoftonline.com/t", Resource: "https://vault.azure.net",
			Scope: "https://vault.azure.net/custom", TenantID: "t",
		},
	}, {
		name:   "resource with a trailing slash, no authority",
		header: `Bearer resource="https://vault.azure.net/"`,
		want:   Challenge{Resource: "https://vault.azure.net/", Scope: "https://vault.azure.net/.default"},
	}, {
		name:   "authorization takes precedence over authorization_uri",
		header: `Bearer authorization_uri="https://login/a", authorization="https://login/b", resource="https://vault.azure.net"`,
		want: Challenge{
			AuthorizationURI: "https://login/b", Resource: "https://vault.azure.net",
			Scope: "https://vault.azure.net/.default", TenantID: "b",
		},
	}, {
		name:   "upper-case tenant id, domain with digits and hyphens",
		header: `Bearer authorization="https://login.microsoftonline.com/72F988BF-86F1-41AF-91AB-2D7CD011DB47/x", scope="https://vault.azure.net/.default"`,
		want: Challenge{
			AuthorizationURI: "https://login.microsoftonline.com/72F988BF-86F1-41AF-91AB-2D7CD011DB47/x",
			Scope:            "https://vault.azure.net/.default", TenantID: "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
		},
	}, {
		name:   "continuous access evaluation",
		header: `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="` + b64 + `"`,
		want: Challenge{
			AuthorizationURI: "https://login.microsoftonline.com/common/oauth2/authorize", TenantID: "common",
			Claims: caeClaims, Error: "insufficient_claims",
		},
	}, {
		name:   "unpadded url-safe claims",
		header: `Bearer error=insufficient_claims, claims=` + base64.RawURLEncoding.EncodeToString([]byte(`{"a":"?>?"}`)),
		want:   Challenge{Claims: `{"a":"?>?"}`, Error: "insufficient_claims"},
	}, {
		name:   "bearer after other challenges, case-insensitive names",
		header: `Basic realm="x, y", Negotiate, PoP nonce=abc, bEaReR Resource="https://vault.azure.net", AUTHORIZATION="https://login/t"`,
		want: Challenge{
			AuthorizationURI: "https://login/t", Resource: "https://vault.azure.net",
			Scope: "https://vault.azure.net/.default", TenantID: "t",
		},
	}, {
		name:   "token68 challenge before bearer",
		header: `Basic dXNlcjpwYXNz==, Bearer resource="https://vault.azure.net"`,
		want:   Challenge{Resource: "https://vault.azure.net", Scope: "https://vault.azure.net/.default"},
	}, {
		name:   "escapes, tabs and extra commas",
		header: "Bearer ,\tresource = \"https://vault.azure.net\" ,, error=\"a\\\"b\",",
		want:   Challenge{Resource: "https://vault.azure.net", Scope: "https://vault.azure.net/.default", Error: `a"b`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseChallenge(tt.header)
			if err != nil {
				t.Fatalf("ParseChallenge(%q): %v", tt.header, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseChallenge(%q) mismatch (-want +got):\n%s", tt.header, diff)
			}
		})
	}
}

func TestParseChallengeErrors(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ name, header, want string }{
		{"empty", "", "no Bearer challenge"},
		{"only separators", " , ,", "no Bearer challenge"},
		{"no bearer", `Basic realm="vault"`, "no Bearer challenge"},
		{"bearer without parameters", "Bearer", "names no resource, scope or claims"},
		{"only an authority", `Bearer authorization="https://login/t"`, "names no resource, scope or claims"},
		{"unterminated quote", `Bearer resource="https://vault.azure.net`, "unterminated quoted string"},
		{"dangling escape", `Bearer resource="x\`, "unterminated quoted string"},
		{"repeated parameter", `Bearer resource="https://a", resource="https://b"`, `parameter "resource" is repeated`},
		{"missing comma", `Bearer resource="https://a" scope="https://b"`, "expected a comma"},
		{"empty value", `Bearer scope="https://a", resource=, error=x`, `parameter "resource" has no value`},
		{"no scheme", `="x"`, "expected an authentication scheme"},
		{"stray character", `Bearer resource="https://a", @`, "unexpected character"},
		{"relative resource", `Bearer resource="vault.azure.net"`, `resource "vault.azure.net" is not an absolute http(s) URL`},
		{"non-http scope", `Bearer scope="ftp://vault.azure.net/.default"`, `scope "ftp://vault.azure.net/.default" is not an absolute http(s) URL`},
		{"space in scope", `Bearer scope="https://a/.default https://b/.default"`, "is not an absolute http(s) URL"},
		{"user info", `Bearer resource="https://user@vault.azure.net"`, "is not an absolute http(s) URL"},
		{"bad authority", `Bearer authorization="::", resource="https://a"`, `authorization URI "::"`},
		{"bad tenant", `Bearer authorization="https://login/ten%2Fant", resource="https://a"`, "is percent-encoded"},
		{"claims not base64", `Bearer error="insufficient_claims", claims="%%%"`, "claims are not base64-encoded JSON"},
		{"claims not JSON", `Bearer claims="` + b64("not json") + `"`, "claims are not base64-encoded JSON"},
		{"claims null", `Bearer claims="` + b64("null") + `"`, "claims are not base64-encoded JSON"},
		{"claims array", `Bearer claims="` + b64("[1]") + `"`, "claims are not base64-encoded JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseChallenge(tt.header)
			if err == nil {
				t.Fatalf("ParseChallenge(%q) = %+v, want an error containing %q", tt.header, got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseChallenge(%q) error %q does not contain %q", tt.header, err, tt.want)
			}
		})
	}
}

// hostileTenants are authorization URIs whose tenant is not a tenant ID or domain name,
// with what the refusal says.
var hostileTenants = []struct{ name, uri, want string }{
	{"dot-dot", "https://login.example/../../x", "has a dot-segment"},
	{"dot", "https://login.example/./x", "has a dot-segment"},
	{"dot-dot after the tenant", "https://login.example/t/../x", "has a dot-segment"},
	{"dot-dot alone", "https://login.example/..", "has a dot-segment"},
	{"no path", "https://login.example", "names no tenant"},
	{"empty segment", "https://login.example/", "names no tenant"},
	{"double slash", "https://login.example//t", "names no tenant"},
	{"percent-encoded dot-dot", "https://login.example/%2e%2e/x", "is percent-encoded"},
	{"percent-encoded upper case", "https://login.example/%2E%2E", "is percent-encoded"},
	{"percent-encoded slash", "https://login.example/a%2fb", "is percent-encoded"},
	{"percent-encoded letters", "https://login.example/%74enant", "is percent-encoded"},
	{"double-encoded dot", "https://login.example/%252e%252e", "is percent-encoded"},
	{"leading dot", "https://login.example/.contoso.com", "does not start with a tenant ID or domain"},
	{"trailing dot", "https://login.example/contoso.com.", "does not start with a tenant ID or domain"},
	{"empty label", "https://login.example/contoso..com", "does not start with a tenant ID or domain"},
	{"leading hyphen", "https://login.example/-contoso", "does not start with a tenant ID or domain"},
	{"trailing hyphen", "https://login.example/contoso-", "does not start with a tenant ID or domain"},
	{"underscore", "https://login.example/con_toso", "does not start with a tenant ID or domain"},
	{"semicolon", "https://login.example/t;x", "does not start with a tenant ID or domain"},
	{"at sign", "https://login.example/t@evil.example", "does not start with a tenant ID or domain"},
	{"tilde", "https://login.example/~t", "does not start with a tenant ID or domain"},
	{"label too long", "https://login.example/" + strings.Repeat("a", 64), "does not start with a tenant ID or domain"},
	{"name too long", "https://login.example/" + strings.Repeat("abcdefg.", 32) + "com", "does not start with a tenant ID or domain"},
	{"userinfo", "https://t@login.example/t", "is not an absolute http(s) URL"},
	{"not http", "ftp://login.example/t", "is not an absolute http(s) URL"},
}

func TestChallengeTenantRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range hostileTenants {
		header := `Bearer authorization="` + tt.uri + `", resource="https://vault.azure.net"`
		got, err := ParseChallenge(header)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParseChallenge(%q) = %+v, %v; want an error saying %q", tt.name, header, got, err, tt.want)
		}
		header = `Bearer authorization_uri="` + tt.uri + `", scope="https://vault.azure.net/.default"`
		if got, err := ParseChallenge(header); err == nil {
			t.Errorf("%s: ParseChallenge(%q) = %+v, want an error", tt.name, header, got)
		}
	}
}

func TestVerifyScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		vault, scope string
		ok           bool
	}{
		{"myvault.vault.azure.net", "https://vault.azure.net/.default", true},
		{"myvault.vault.azure.net", "https://VAULT.azure.net/.default", true},
		{"myvault.vault.azure.net", "https://myvault.vault.azure.net/.default", true},
		{"myvault.vault.azure.net", "https://vault.azure.net:8443/.default", true},
		{"myvault.vault.azure.net", "https://azure.net/.default", true},
		{"myvault.vault.azure.net:8443", "https://vault.azure.net/.default", true},
		{"myvault.vault.localhost:55000", "https://vault.localhost", true},
		{"127.0.0.1:55000", "https://127.0.0.1/.default", true},
		{"myvault.vault.azure.net", "https://net/.default", false},
		{"myvault.vault.azure.net", "https://management.azure.com/.default", false},
		{"myvault.vault.azure.net", "https://evilvault.azure.net-attacker.com/.default", false},
		{"myvault.vault.azure.net", "https://ault.azure.net/.default", false},
		{"myvault.vault.azure.net", "https://myvault.vault.azure.net.evil.com/.default", false},
		{"vault.azure.net", "https://myvault.vault.azure.net/.default", false},
		{"127.0.0.1:55000", "https://0.0.1/.default", false},
		{"127.0.0.1", "https://127.0.0.2", false},
	}
	for _, tt := range tests {
		v, err := parseVaultHost(tt.vault)
		if err != nil {
			t.Fatal(err)
		}
		err = verifyScope(tt.scope, v)
		if (err == nil) != tt.ok {
			t.Errorf("verifyScope(%q, %q) = %v, want ok %v", tt.scope, tt.vault, err, tt.ok)
		}
	}
}

// FuzzParseChallenge checks that any header either fails or gives a challenge holding
// what ParseChallenge promises. The seeds run as part of go test.
func FuzzParseChallenge(f *testing.F) {
	for _, seed := range []string{
		testChallenge,
		`Bearer authorization_uri="https://login.microsoftonline.com/t/oauth2/authorize", scope="https://vault.azure.net/.default"`,
		`Bearer realm="", error="insufficient_claims", claims="` + base64.StdEncoding.EncodeToString([]byte(caeClaims)) + `"`,
		`Basic realm="a, b", PoP nonce=x, Bearer resource="https://vault.azure.net"`,
		`Basic dXNlcg==, Bearer resource=https://a`,
		`Bearer resource="\"\\"`,
		`Bearer ,,, a=b,`,
		`Bearer authorization="https://login.example/../../x", resource="https://vault.azure.net"`,
		`Bearer authorization="https://login.example/%2e%2e", resource="https://vault.azure.net"`,
		`Bearer authorization="https://login.example/contoso.onmicrosoft.com", resource="https://vault.azure.net"`,
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, err := ParseChallenge(header)
		if err != nil {
			if c != (Challenge{}) {
				t.Errorf("ParseChallenge(%q) returned %+v with error %v", header, c, err)
			}
			return
		}
		if c.Scope == "" && c.Claims == "" {
			t.Errorf("ParseChallenge(%q) = %+v: no scope and no claims", header, c)
		}
		if c.Scope != "" {
			if u, err := url.Parse(c.Scope); err != nil || u.Hostname() == "" {
				t.Errorf("ParseChallenge(%q): scope %q has no host", header, c.Scope)
			}
		}
		if c.Claims != "" && !json.Valid([]byte(c.Claims)) {
			t.Errorf("ParseChallenge(%q): claims %q are not JSON", header, c.Claims)
		}
		if (c.TenantID == "") != (c.AuthorizationURI == "") || c.TenantID != "" && !isGUID(c.TenantID) && !isDomainName(c.TenantID) {
			t.Errorf("ParseChallenge(%q): tenant %q is not a tenant ID or domain of authorization URI %q", header, c.TenantID, c.AuthorizationURI)
		}
		again, err := ParseChallenge(header)
		if err != nil || again != c {
			t.Errorf("ParseChallenge(%q) is not deterministic", header)
		}
	})
}
