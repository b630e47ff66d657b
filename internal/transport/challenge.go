package transport

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Challenge is a Key Vault Bearer authentication challenge, the WWW-Authenticate value of
// a 401 response, as ParseChallenge returns it.
type Challenge struct {
	// AuthorizationURI is the authorization (or authorization_uri) parameter: the
	// Microsoft Entra authority, such as "https://login.microsoftonline.com/{tenant}".
	AuthorizationURI string
	// Resource is the resource parameter as sent, such as "https://vault.azure.net".
	Resource string
	// Scope is the token scope to ask for: the scope parameter when present, else
	// Resource with "/.default" appended.
	Scope string
	// TenantID is the first path segment of AuthorizationURI, a tenant ID or domain name;
	// "" when the challenge has no authorization URI.
	TenantID string
	// Claims is the decoded JSON of the claims parameter of a continuous access
	// evaluation challenge.
	Claims string
	// Error is the error parameter, such as "insufficient_claims".
	Error string
}

// errNoBearer is returned by ParseChallenge for an empty or well-formed header without a
// Bearer challenge; the pipeline has nothing to answer such a challenge with.
var errNoBearer = errors.New("challenge: no Bearer challenge")

// ParseChallenge parses a WWW-Authenticate header value (RFC 9110 challenges, several
// separated by commas) and returns its first Bearer challenge, validated: the authorization
// URI, resource and scope must be absolute http(s) URLs, the tenant a tenant ID or domain,
// and claims base64-encoded JSON; the challenge must name a resource, a scope or claims.
// Whether the scope is acceptable for a particular vault is the pipeline's decision.
func ParseChallenge(header string) (Challenge, error) {
	challenges, err := parseChallenges(header)
	if err != nil {
		return Challenge{}, err
	}
	for _, c := range challenges {
		if strings.EqualFold(c.scheme, "Bearer") {
			return bearerChallenge(c.params)
		}
	}
	return Challenge{}, errNoBearer
}

func bearerChallenge(params map[string]string) (Challenge, error) {
	c := Challenge{
		AuthorizationURI: params["authorization"],
		Resource:         params["resource"],
		Error:            params["error"],
	}
	if c.AuthorizationURI == "" {
		c.AuthorizationURI = params["authorization_uri"]
	}
	if c.AuthorizationURI != "" {
		u, err := parseHTTPURL("authorization URI", c.AuthorizationURI)
		if err != nil {
			return Challenge{}, err
		}
		if c.TenantID, err = tenantOf(u); err != nil {
			return Challenge{}, err
		}
	}
	if c.Resource != "" {
		if _, err := parseHTTPURL("resource", c.Resource); err != nil {
			return Challenge{}, err
		}
		c.Scope = strings.TrimRight(c.Resource, "/") + "/.default"
	}
	if scope := params["scope"]; scope != "" {
		if _, err := parseHTTPURL("scope", scope); err != nil {
			return Challenge{}, err
		}
		c.Scope = scope
	}
	if raw := params["claims"]; raw != "" {
		claims, err := decodeClaims(raw)
		if err != nil {
			return Challenge{}, err
		}
		c.Claims = claims
	}
	if c.Scope == "" && c.Claims == "" {
		return Challenge{}, errors.New("challenge: Bearer challenge names no resource, scope or claims")
	}
	return c, nil
}

// parseHTTPURL parses an absolute http or https URL with a host and no user information.
func parseHTTPURL(what, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil ||
		strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("challenge: %s %q is not an absolute http(s) URL", what, s)
	}
	return u, nil
}

// tenantOf returns the first path segment of an authorization URI, which names the tenant.
// The tenant must be a tenant ID (a GUID) or a domain name (dot-separated labels of
// letters, digits and inner hyphens, such as "contoso.onmicrosoft.com" or "common"), and
// no segment of the path may be a dot-segment, so that a hostile challenge cannot hand a
// credential a tenant such as "..", "." or an empty one, percent-encoded or not.
func tenantOf(u *url.URL) (string, error) {
	escaped := u.EscapedPath()
	tenant, _, _ := strings.Cut(strings.TrimPrefix(escaped, "/"), "/")
	why := ""
	switch {
	case u.RawPath != "" || strings.Contains(escaped, "%"):
		why = "is percent-encoded"
	case slices.ContainsFunc(strings.Split(escaped, "/"), func(seg string) bool { return seg == "." || seg == ".." }):
		why = "has a dot-segment"
	case tenant == "":
		why = "names no tenant"
	case !isGUID(tenant) && !isDomainName(tenant):
		why = "does not start with a tenant ID or domain"
	}
	if why != "" {
		return "", fmt.Errorf("challenge: authorization URI %q %s", u, why)
	}
	return tenant, nil
}

// isGUID reports whether s has the form of a GUID: 8-4-4-4-12 hexadecimal digits.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isDomainName reports whether s is a domain name of at most 253 characters: labels of 1
// to 63 letters, digits and hyphens, neither starting nor ending with a hyphen, separated
// by single dots. A single label (such as "common" or "organizations") is allowed.
func isDomainName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := range len(label) {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// decodeClaims decodes the base64 (standard or URL alphabet, padded or not) JSON object of
// a claims challenge.
func decodeClaims(raw string) (string, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(raw)
		if err != nil {
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) != nil || obj == nil {
			break
		}
		return string(b), nil
	}
	return "", errors.New("challenge: claims are not base64-encoded JSON")
}

// verifyScope checks that a challenge's scope names the vault's own host or a parent
// domain of it on a label boundary, so that a server cannot make the pipeline fetch (and
// send it) a token for some other service. A one-label parent (a top-level domain such as
// "net") is refused, and an IP address must match exactly. Ports are ignored: the scope
// names an audience, not an address.
func verifyScope(scope string, vault vaultHost) error {
	u, err := url.Parse(scope)
	if err != nil {
		return fmt.Errorf("scope %q is not a URL", scope)
	}
	host := strings.ToLower(u.Hostname())
	if host == vault.name {
		return nil
	}
	if net.ParseIP(vault.name) == nil && strings.Contains(host, ".") && strings.HasSuffix(vault.name, "."+host) {
		return nil
	}
	return fmt.Errorf("resource host %q is neither the vault host %q nor a parent domain of it", host, vault.name)
}

// rawChallenge is one challenge of a WWW-Authenticate value, before validation.
type rawChallenge struct {
	scheme string
	params map[string]string // lower-case names
}

// parseChallenges splits a WWW-Authenticate value into challenges. A challenge is a
// scheme followed by a token68 or by comma-separated name=value parameters, whose values
// are tokens or quoted strings; challenges are separated by commas too.
func parseChallenges(h string) ([]rawChallenge, error) {
	s := scanner{s: h}
	var out []rawChallenge
	for {
		s.skipSeparators()
		if s.done() {
			break
		}
		scheme := s.token()
		if scheme == "" {
			return nil, s.errorf("expected an authentication scheme")
		}
		c := rawChallenge{scheme: scheme, params: map[string]string{}}
		if err := s.params(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

type scanner struct {
	s string
	i int
}

func (s *scanner) done() bool { return s.i >= len(s.s) }
func (s *scanner) peek() byte { return s.s[s.i] }

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("challenge: "+format+" at offset %d", append(args, s.i)...)
}

func (s *scanner) skipSpace() {
	for !s.done() && (s.peek() == ' ' || s.peek() == '\t') {
		s.i++
	}
}

func (s *scanner) skipSeparators() {
	for !s.done() && (s.peek() == ' ' || s.peek() == '\t' || s.peek() == ',') {
		s.i++
	}
}

// token reads an RFC 9110 token, possibly empty.
func (s *scanner) token() string {
	start := s.i
	for !s.done() && isTokenChar(s.peek()) {
		s.i++
	}
	return s.s[start:s.i]
}

func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0
}

// token68 consumes a token68 credential right after a scheme, if one is there: it must
// end the challenge (be followed by a comma or the end).
func (s *scanner) token68() bool {
	if s.done() || (s.peek() != ' ' && s.peek() != '\t') {
		return false
	}
	j := s.i
	for j < len(s.s) && (s.s[j] == ' ' || s.s[j] == '\t') {
		j++
	}
	start := j
	for j < len(s.s) && isToken68Char(s.s[j]) {
		j++
	}
	if j == start {
		return false
	}
	for j < len(s.s) && s.s[j] == '=' {
		j++
	}
	end := j
	for j < len(s.s) && (s.s[j] == ' ' || s.s[j] == '\t') {
		j++
	}
	if j < len(s.s) && s.s[j] != ',' {
		return false
	}
	s.i = end
	return true
}

// params reads the parameters of c up to the next challenge or the end.
func (s *scanner) params(c *rawChallenge) error {
	if s.token68() {
		return nil
	}
	for {
		s.skipSpace()
		if s.done() {
			return nil
		}
		if s.peek() == ',' {
			s.i++
			continue
		}
		start := s.i
		name := s.token()
		if name == "" {
			return s.errorf("unexpected character %q", s.peek())
		}
		s.skipSpace()
		if s.done() || s.peek() != '=' {
			s.i = start // a token without '=' starts the next challenge
			return nil
		}
		s.i++
		s.skipSpace()
		var value string
		if !s.done() && s.peek() == '"' {
			v, err := s.quoted()
			if err != nil {
				return err
			}
			value = v
		} else if value = s.token(); value == "" {
			return s.errorf("parameter %q has no value", name)
		}
		key := strings.ToLower(name)
		if _, dup := c.params[key]; dup {
			return s.errorf("parameter %q is repeated", name)
		}
		c.params[key] = value
		s.skipSpace()
		if s.done() {
			return nil
		}
		if s.peek() != ',' {
			return s.errorf("expected a comma after parameter %q", name)
		}
		s.i++
	}
}

// quoted reads a quoted string, resolving backslash escapes.
func (s *scanner) quoted() (string, error) {
	s.i++ // opening quote
	var b strings.Builder
	for !s.done() {
		c := s.peek()
		s.i++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if s.done() {
				return "", s.errorf("unterminated quoted string")
			}
			b.WriteByte(s.peek())
			s.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", s.errorf("unterminated quoted string")
}
