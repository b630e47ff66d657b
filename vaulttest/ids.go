package vaulttest

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strings"
)

// validName reports whether name is a valid object name: 1..127 characters
// of 0-9, a-z, A-Z and '-'.
func validName(name string) bool {
	if len(name) == 0 || len(name) > 127 {
		return false
	}
	for _, r := range name {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-':
		default:
			return false
		}
	}
	return true
}

// checkName checks the name of a certificate, secret or issuer (kind) in a
// request path. The issuer names Self and Unknown are reserved.
func checkName(kind, name string) error {
	if !validName(name) {
		return badParameter("%s name %q is invalid: use 1..127 characters of 0-9, a-z, A-Z and '-'", kind, name)
	}
	if kind == "issuer" && (isIssuer(name, issuerSelf) || isIssuer(name, issuerUnknown)) {
		return badParameter("issuer name %q is reserved", name)
	}
	return nil
}

// nameKey is the map key of an object name; names are case-insensitive.
func nameKey(name string) string { return strings.ToLower(name) }

// newVersion returns a version id as the service forms them: 32 lowercase
// hex digits.
func newVersion() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validVersion reports whether id is a version id as newVersion makes them.
func validVersion(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, r := range id {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// urls builds the absolute ids and links of one vault.
type urls struct {
	base string // https://host[:port], the prefix of every id
	link string // https://host:port, the prefix of nextLinks (port always explicit)
}

func newURLs(base string) urls {
	host := strings.TrimPrefix(base, "https://")
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "443")
	}
	return urls{base: base, link: "https://" + host}
}

func (u urls) certificate(name string) string { return u.base + "/certificates/" + name }
func (u urls) version(name, v string) string  { return u.base + "/certificates/" + name + "/" + v }
func (u urls) key(name, v string) string      { return u.base + "/keys/" + name + "/" + v }
func (u urls) secret(name, v string) string   { return u.base + "/secrets/" + name + "/" + v }
func (u urls) pending(name string) string     { return u.base + "/certificates/" + name + "/pending" }
func (u urls) policy(name string) string      { return u.base + "/certificates/" + name + "/policy" }
func (u urls) deleted(name string) string     { return u.base + "/deletedcertificates/" + name }
func (u urls) issuer(name string) string      { return u.base + "/certificates/issuers/" + name }
func (u urls) contacts() string               { return u.base + "/certificates/contacts" }

// resourceFor returns the token audience for a vault at base: the parent
// domain of its host, keeping the port, so that the host ends with "." plus
// the resource's host (the check Microsoft's SDKs apply to challenges).
// Hosts without a parent (IP addresses, single labels) are their own
// resource.
func resourceFor(base string) string {
	hostport := strings.TrimPrefix(base, "https://")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	if net.ParseIP(strings.Trim(host, "[]")) == nil {
		if i := strings.IndexByte(host, '.'); i > 0 && i < len(host)-1 {
			host = host[i+1:]
		}
	}
	if port != "" {
		return "https://" + net.JoinHostPort(host, port)
	}
	return "https://" + host
}
