package client

import (
	"net/url"
	"strconv"
	"strings"
)

// Collection is the kind of Key Vault object an [ID] refers to.
type Collection string

// The collections [ParseID] recognises.
const (
	// CollectionCertificates: https://{vault}/certificates/{name}[/{version}]
	CollectionCertificates Collection = "certificates"
	// CollectionDeletedCertificates: https://{vault}/deletedcertificates/{name}
	CollectionDeletedCertificates Collection = "deletedcertificates"
	// CollectionKeys: https://{vault}/keys/{name}[/{version}]
	CollectionKeys Collection = "keys"
	// CollectionSecrets: https://{vault}/secrets/{name}[/{version}]
	CollectionSecrets Collection = "secrets"
	// CollectionOperations: https://{vault}/certificates/{name}/pending
	CollectionOperations Collection = "pending"
	// CollectionIssuers: https://{vault}/certificates/issuers/{name}
	CollectionIssuers Collection = "issuers"
)

// ID is a parsed Key Vault object identifier.
type ID struct {
	// VaultURL is the scheme and host (with a port only when it is not the
	// scheme's default), without a trailing slash: https://myvault.vault.azure.net
	VaultURL string
	// Collection is the kind of object.
	Collection Collection
	// Name is the object's name.
	Name string
	// Version is the object's version, or empty when the identifier names
	// no version (the latest) or its collection has none.
	Version string
}

// ParseID parses the identifier of a certificate, deleted certificate, key,
// secret, pending certificate operation or certificate issuer, such as the
// ID, KeyID and SecretID fields of a [Certificate]. Anything else is an
// error matching [ErrInvalidArgument] that quotes the input.
func ParseID(s string) (ID, error) {
	fail := func(why string) (ID, error) {
		return ID{}, invalidArg("Key Vault identifier %s: %s", quoteURL(s), why)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fail("not a URL")
	}
	vault, why := vaultOrigin(u)
	if why != "" {
		return fail(why)
	}
	p := strings.TrimPrefix(u.EscapedPath(), "/")
	p = strings.TrimSuffix(p, "/")
	seg := strings.Split(p, "/")
	id := ID{VaultURL: vault}
	switch {
	case len(seg) == 3 && seg[0] == "certificates" && seg[1] == "issuers":
		id.Collection, id.Name = CollectionIssuers, seg[2]
	case len(seg) == 3 && seg[0] == "certificates" && seg[2] == "pending":
		id.Collection, id.Name = CollectionOperations, seg[1]
	case len(seg) == 2 && seg[0] == "certificates" && (seg[1] == "issuers" || seg[1] == "contacts"):
		return fail("it names the " + seg[1] + " collection, not one object")
	case len(seg) == 2 && seg[0] == "deletedcertificates":
		id.Collection, id.Name = CollectionDeletedCertificates, seg[1]
	case (len(seg) == 2 || len(seg) == 3) && (seg[0] == "certificates" || seg[0] == "keys" || seg[0] == "secrets"):
		id.Collection, id.Name = Collection(seg[0]), seg[1]
		if len(seg) == 3 {
			id.Version = seg[2]
		}
	default:
		return fail("the path is not /certificates/{name}[/{version}], /certificates/{name}/pending, " +
			"/certificates/issuers/{name}, /deletedcertificates/{name}, /keys/{name}[/{version}] or /secrets/{name}[/{version}]")
	}
	if !validName(id.Name) {
		return fail("name " + quote(id.Name) + " is not 1 to 127 characters of 0-9, a-z, A-Z and '-'")
	}
	switch id.Collection {
	case CollectionCertificates, CollectionDeletedCertificates, CollectionOperations:
		if reservedName(id.Name) {
			return fail("name " + quote(id.Name) + " is the path of another Key Vault operation, not a certificate")
		}
	}
	if !validVersion(id.Version) {
		return fail("version " + quote(id.Version) + " is not 32 hexadecimal digits")
	}
	return id, nil
}

// String returns the identifier as a URL, the form ParseID accepts.
func (id ID) String() string {
	switch id.Collection {
	case CollectionOperations:
		return id.VaultURL + "/certificates/" + id.Name + "/pending"
	case CollectionIssuers:
		return id.VaultURL + "/certificates/issuers/" + id.Name
	}
	s := id.VaultURL + "/" + string(id.Collection) + "/" + id.Name
	if id.Version != "" {
		s += "/" + id.Version
	}
	return s
}

// vaultOrigin returns u's normalised scheme and host, or why u cannot be a
// vault URL or a Key Vault object URL. It does not look at the path.
func vaultOrigin(u *url.URL) (origin, why string) {
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "https" && scheme != "http":
		return "", "the scheme must be https"
	case u.Opaque != "" || u.Hostname() == "":
		return "", "there is no host"
	case u.User != nil:
		return "", "user information is not allowed"
	case u.Port() == "" && strings.HasSuffix(u.Host, ":"):
		return "", "the port is empty"
	case !validPort(u.Port()):
		return "", "the port is not a number from 1 to 65535"
	case u.RawQuery != "" || u.ForceQuery:
		return "", "a query string is not allowed"
	case u.Fragment != "" || u.RawFragment != "":
		return "", "a fragment is not allowed"
	}
	return scheme + "://" + normalizeHost(scheme, u.Host), ""
}

// validPort reports whether port, from url.URL.Port, is empty or a port
// number from 1 to 65535.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// normalizeHost lower-cases host and drops the scheme's default port, so
// that "Vault.example:443" and "vault.example" compare equal over https.
func normalizeHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	}
	return host
}

// validName reports whether s is a valid certificate or issuer name:
// 1 to 127 characters of 0-9, a-z, A-Z and '-'.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// validVersion reports whether s is empty or 32 hexadecimal digits.
func validVersion(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkName returns an error naming s unless it is a valid name for what
// (such as "certificate" or "issuer").
func checkName(what, s string) error {
	if !validName(s) {
		return invalidArg("%s name %s: must be 1 to 127 characters of 0-9, a-z, A-Z and '-'", what, quote(s))
	}
	return nil
}

// reservedCertificateNames are the fixed path segments that follow
// /certificates/ or /deletedcertificates/ in the service's paths, in lower
// case. A certificate of such a name would route to another operation:
// DELETE /certificates/contacts deletes the vault's contacts. The service
// matches paths without regard to case.
var reservedCertificateNames = []string{"contacts", "issuers", "restore"}

// checkCertificateName returns an error naming s unless it is a valid
// certificate name that routes to the certificate's own operations.
func checkCertificateName(s string) error {
	if err := checkName("certificate", s); err != nil {
		return err
	}
	if reservedName(s) {
		return invalidArg("certificate name %s: /certificates/%s is the path of another Key Vault operation, "+
			"so no certificate can have this name in any letter case", quote(s), strings.ToLower(s))
	}
	return nil
}

// reservedName reports whether s is one of reservedCertificateNames, in
// any letter case.
func reservedName(s string) bool {
	for _, r := range reservedCertificateNames {
		if strings.EqualFold(s, r) {
			return true
		}
	}
	return false
}

// checkVersion returns an error naming s unless it is a valid version.
// Empty is valid only when allowEmpty is set.
func checkVersion(s string, allowEmpty bool) error {
	if s == "" && !allowEmpty {
		return invalidArg("certificate version is empty")
	}
	if !validVersion(s) {
		return invalidArg("certificate version %s: must be 32 hexadecimal digits", quote(s))
	}
	return nil
}

// quoteURL quotes the URL s for an error message like quote, with the
// password of any user information replaced by "xxxxx".
func quoteURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return quote(u.Redacted())
	}
	return quote(s)
}

// quote returns s quoted for an error message, shortened when long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
