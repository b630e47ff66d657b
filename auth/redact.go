package auth

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces secrets in text taken from a token endpoint.
const redacted = "[REDACTED]"

// redact returns text without any of secrets: the client secret, certificate password,
// client assertion or managed identity header secret that a credential sends, removed
// from text that came back from a token endpoint (which may echo its request) before it
// reaches an error or a log. Each secret is removed raw and in the forms an echo carries
// it: query-escaped (a form body), path-escaped and JSON-escaped. Empty secrets are ignored.
func redact(text string, secrets ...string) string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		quoted, _ := json.Marshal(s)
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s), strings.Trim(string(quoted), `"`))
	}
	// Longest first, so that a secret holding another is replaced whole.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, f := range slices.Compact(forms) {
		text = strings.ReplaceAll(text, f, redacted)
	}
	return text
}
