package vaulttest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// call is one request to a vault operation, after routing and checks.
type call struct {
	w          http.ResponseWriter
	r          *http.Request
	op         string
	name       string // the certificate, secret or issuer named in the path, already checked
	version    string // the version in the path; "" for the latest
	apiVersion string
	now        time.Time // by the emulator's clock
	policySent bool      // the body had a policy, even an empty one (see checkSent)
}

// opFunc runs an operation and returns the status and body to answer with.
type opFunc func(v *vault, c *call) (status int, body any, err error)

// endpoint is the routing result for a path: the operation per method and
// the path parameters.
type endpoint struct {
	ops     map[string]string // method -> operation name
	kind    string            // what name names: "certificate", "secret" or "issuer"; "" if the path has no name
	name    string            // the object name, or the tenant for the token service
	version string
	token   bool // served by the token service, without vault auth
}

// operations maps operation names (the REST spec's operation ids) to
// their implementation.
var operations = map[string]opFunc{
	"GetCertificates":            (*vault).listCertificates,
	"GetCertificate":             (*vault).getCertificate,
	"UpdateCertificate":          (*vault).updateCertificate,
	"DeleteCertificate":          (*vault).deleteCertificate,
	"GetCertificateVersions":     (*vault).listVersions,
	"GetCertificatePolicy":       (*vault).getPolicy,
	"UpdateCertificatePolicy":    (*vault).updatePolicy,
	"CreateCertificate":          (*vault).createCertificate,
	"ImportCertificate":          (*vault).importCertificate,
	"GetCertificateOperation":    (*vault).getOperation,
	"UpdateCertificateOperation": (*vault).updateOperation,
	"DeleteCertificateOperation": (*vault).deleteOperation,
	"MergeCertificate":           (*vault).mergeCertificate,
	"BackupCertificate":          (*vault).backupCertificate,
	"RestoreCertificate":         (*vault).restoreCertificate,
	"GetDeletedCertificates":     (*vault).listDeleted,
	"GetDeletedCertificate":      (*vault).getDeleted,
	"PurgeDeletedCertificate":    (*vault).purgeDeleted,
	"RecoverDeletedCertificate":  (*vault).recoverDeleted,
	"GetCertificateContacts":     (*vault).getContacts,
	"SetCertificateContacts":     (*vault).setContacts,
	"DeleteCertificateContacts":  (*vault).deleteContacts,
	"GetCertificateIssuers":      (*vault).listIssuers,
	"GetCertificateIssuer":       (*vault).getIssuer,
	"SetCertificateIssuer":       (*vault).setIssuer,
	"UpdateCertificateIssuer":    (*vault).updateIssuer,
	"DeleteCertificateIssuer":    (*vault).deleteIssuer,
	"GetSecret":                  (*vault).getSecret,
}

// Token service operation names, as they appear in the request log.
const (
	opToken       = "Token"
	opOpenIDConf  = "OpenIDConfiguration"
	opSigningKeys = "SigningKeys"
)

func ops(pairs ...string) map[string]string {
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

const (
	get, put, post, patch, del = http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete
)

// splitPath returns the unescaped segments of an escaped path.
func splitPath(escaped string) ([]string, bool) {
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		segs[i] = u
	}
	return segs, true
}

// route finds the endpoint of a path; ok is false for unknown paths.
func route(segs []string) (ep endpoint, ok bool) {
	n := len(segs)
	cert := func(name string, pairs ...string) (endpoint, bool) {
		return endpoint{ops: ops(pairs...), kind: "certificate", name: name}, true
	}
	switch segs[0] {
	case "certificates":
		switch {
		case n == 1 || n == 2 && segs[1] == "":
			return endpoint{ops: ops(get, "GetCertificates")}, true
		case n == 2 && segs[1] == "contacts":
			return endpoint{ops: ops(get, "GetCertificateContacts", put, "SetCertificateContacts", del, "DeleteCertificateContacts")}, true
		case n == 2 && segs[1] == "issuers":
			return endpoint{ops: ops(get, "GetCertificateIssuers")}, true
		case n == 2 && segs[1] == "restore":
			return endpoint{ops: ops(post, "RestoreCertificate")}, true
		case n == 2:
			// GET without a version slash also means the latest version.
			return cert(segs[1], get, "GetCertificate", del, "DeleteCertificate")
		case n == 3 && segs[1] == "issuers":
			return endpoint{ops: ops(get, "GetCertificateIssuer", put, "SetCertificateIssuer",
				patch, "UpdateCertificateIssuer", del, "DeleteCertificateIssuer"), kind: "issuer", name: segs[2]}, true
		case n == 3:
			switch segs[2] {
			case "backup":
				return cert(segs[1], post, "BackupCertificate")
			case "create":
				return cert(segs[1], post, "CreateCertificate")
			case "import":
				return cert(segs[1], post, "ImportCertificate")
			case "pending":
				return cert(segs[1], get, "GetCertificateOperation", patch, "UpdateCertificateOperation",
					del, "DeleteCertificateOperation")
			case "policy":
				return cert(segs[1], get, "GetCertificatePolicy", patch, "UpdateCertificatePolicy")
			case "versions":
				return cert(segs[1], get, "GetCertificateVersions")
			}
			ep, ok := cert(segs[1], get, "GetCertificate", patch, "UpdateCertificate")
			ep.version = segs[2]
			return ep, ok
		case n == 4 && segs[2] == "pending" && segs[3] == "merge":
			return cert(segs[1], post, "MergeCertificate")
		}
	case "deletedcertificates":
		switch {
		case n == 1 || n == 2 && segs[1] == "":
			return endpoint{ops: ops(get, "GetDeletedCertificates")}, true
		case n == 2:
			return cert(segs[1], get, "GetDeletedCertificate", del, "PurgeDeletedCertificate")
		case n == 3 && segs[2] == "recover":
			return cert(segs[1], post, "RecoverDeletedCertificate")
		}
	case "secrets":
		if n == 2 || n == 3 {
			ep := endpoint{ops: ops(get, "GetSecret"), kind: "secret", name: segs[1]}
			if n == 3 {
				ep.version = segs[2]
			}
			return ep, true
		}
	default:
		switch {
		case n == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" && segs[3] == "token":
			return endpoint{ops: ops(post, opToken), name: segs[0], token: true}, true
		case n == 4 && segs[1] == "v2.0" && segs[2] == ".well-known" && segs[3] == "openid-configuration":
			return endpoint{ops: ops(get, opOpenIDConf), name: segs[0], token: true}, true
		case n == 4 && segs[1] == "discovery" && segs[2] == "v2.0" && segs[3] == "keys":
			return endpoint{ops: ops(get, opSigningKeys), name: segs[0], token: true}, true
		}
	}
	return endpoint{}, false
}
