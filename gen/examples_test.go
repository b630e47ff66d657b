package gen

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/internal/specfiles"
)

// exampleFiles lists Microsoft's request and response examples for
// APIVersion (or $KVCERTS_API) in the azure-rest-api-specs checkout named by
// $KVCERTS_SPECS, and skips the test when none is named. For an operation
// that version has no example of (a partial checkout), the newest older
// version's example stands in, and the test log says so.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	f, ok, err := specfiles.FromEnv("..", APIVersion)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("needs Microsoft's example files: " + specfiles.Hint)
	}
	var files []string
	covered := map[string]bool{}
	add := func(f specfiles.Files, fallback bool) {
		for _, dir := range f.ExampleDirs() {
			matches, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			for _, m := range matches {
				op := operationOf(t, m)
				if fallback && covered[op] {
					continue
				}
				if fallback {
					t.Logf("%s has no example of %s; using %s's", APIVersion, op, f.Version)
				}
				files = append(files, m)
			}
		}
		for _, m := range files {
			covered[operationOf(t, m)] = true
		}
	}
	add(f, false)
	for _, v := range specfiles.Versions(f.Checkout) {
		if v >= f.Version || len(covered) == len(bodies) {
			continue
		}
		if older, err := specfiles.Locate(f.Checkout, v); err == nil {
			add(older, true)
		}
	}
	return files
}

// operationOf reads the operationId of an example file.
func operationOf(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ex example
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ex.OperationID
}

// bodies names, per operation, the generated types of its JSON request body
// and of its success response body.
var bodies = map[string]struct {
	request  func() any
	response func() any
}{
	"BackupCertificate":          {nil, func() any { return new(BackupCertificateResult) }},
	"CreateCertificate":          {func() any { return new(CertificateCreateParameters) }, func() any { return new(CertificateOperation) }},
	"DeleteCertificate":          {nil, func() any { return new(DeletedCertificateBundle) }},
	"DeleteCertificateContacts":  {nil, func() any { return new(Contacts) }},
	"DeleteCertificateIssuer":    {nil, func() any { return new(IssuerBundle) }},
	"DeleteCertificateOperation": {nil, func() any { return new(CertificateOperation) }},
	"GetCertificate":             {nil, func() any { return new(CertificateBundle) }},
	"GetCertificateContacts":     {nil, func() any { return new(Contacts) }},
	"GetCertificateIssuer":       {nil, func() any { return new(IssuerBundle) }},
	"GetCertificateIssuers":      {nil, func() any { return new(CertificateIssuerListResult) }},
	"GetCertificateOperation":    {nil, func() any { return new(CertificateOperation) }},
	"GetCertificatePolicy":       {nil, func() any { return new(CertificatePolicy) }},
	"GetCertificateVersions":     {nil, func() any { return new(CertificateListResult) }},
	"GetCertificates":            {nil, func() any { return new(CertificateListResult) }},
	"GetDeletedCertificate":      {nil, func() any { return new(DeletedCertificateBundle) }},
	"GetDeletedCertificates":     {nil, func() any { return new(DeletedCertificateListResult) }},
	"GetSecret":                  {nil, func() any { return new(SecretBundle) }},
	"ImportCertificate":          {func() any { return new(CertificateImportParameters) }, func() any { return new(CertificateBundle) }},
	"MergeCertificate":           {func() any { return new(CertificateMergeParameters) }, func() any { return new(CertificateBundle) }},
	"PurgeDeletedCertificate":    {nil, nil},
	"RecoverDeletedCertificate":  {nil, func() any { return new(CertificateBundle) }},
	"RestoreCertificate":         {func() any { return new(CertificateRestoreParameters) }, func() any { return new(CertificateBundle) }},
	"SetCertificateContacts":     {func() any { return new(Contacts) }, func() any { return new(Contacts) }},
	"SetCertificateIssuer":       {func() any { return new(CertificateIssuerSetParameters) }, func() any { return new(IssuerBundle) }},
	"UpdateCertificate":          {func() any { return new(CertificateUpdateParameters) }, func() any { return new(CertificateBundle) }},
	"UpdateCertificateIssuer":    {func() any { return new(CertificateIssuerUpdateParameters) }, func() any { return new(IssuerBundle) }},
	"UpdateCertificateOperation": {func() any { return new(CertificateOperationUpdateParameter) }, func() any { return new(CertificateOperation) }},
	"UpdateCertificatePolicy":    {func() any { return new(CertificatePolicy) }, func() any { return new(CertificatePolicy) }},
}

type example struct {
	OperationID string                     `json:"operationId"`
	Parameters  map[string]json.RawMessage `json:"parameters"`
	Responses   map[string]struct {
		Body json.RawMessage `json:"body"`
	} `json:"responses"`
}

// roundTrip decodes data into v, encodes v again and reports any field that
// was lost or changed on the way.
func roundTrip(t *testing.T, what string, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Errorf("%s: decoding into %T: %v", what, v, err)
		return
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Errorf("%s: encoding %T: %v", what, v, err)
		return
	}
	if diff := cmp.Diff(normalise(t, data), normalise(t, again)); diff != "" {
		t.Errorf("%s: %T does not round-trip (-example +re-encoded):\n%s", what, v, diff)
	}
}

// normalise decodes JSON into plain values and drops members whose value is
// null, which mean the same as absent ones.
func normalise(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return dropNulls(v)
}

func dropNulls(v any) any {
	switch c := v.(type) {
	case map[string]any:
		for k, e := range c {
			if e == nil {
				delete(c, k)
				continue
			}
			c[k] = dropNulls(e)
		}
	case []any:
		for i, e := range c {
			c[i] = dropNulls(e)
		}
	}
	return v
}

func TestExamplesRoundTrip(t *testing.T) {
	t.Parallel()
	files := exampleFiles(t)
	if len(files) == 0 {
		t.Fatal("the checkout has no example files")
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ex example
		if err := json.Unmarshal(data, &ex); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, ok := bodies[ex.OperationID]
		if !ok {
			t.Errorf("%s: unknown operation %q", name, ex.OperationID)
			continue
		}
		seen[ex.OperationID] = true
		for param, raw := range ex.Parameters {
			if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
				continue // path and query parameters are scalars; only the body is an object
			}
			if b.request == nil {
				t.Errorf("%s: parameter %q is a body, but %s takes none", name, param, ex.OperationID)
				continue
			}
			roundTrip(t, name+" request", raw, b.request())
		}
		for status, resp := range ex.Responses {
			code, _ := strconv.Atoi(status)
			switch {
			case code < 200 || code > 299:
				t.Errorf("%s: unexpected status %s", name, status)
			case len(resp.Body) == 0:
				if b.response != nil {
					t.Errorf("%s: %s has no body, want one", name, status)
				}
			case b.response == nil:
				t.Errorf("%s: %s has a body, but %s returns none", name, status, ex.OperationID)
			default:
				roundTrip(t, name+" response "+status, resp.Body, b.response())
			}
		}
	}
	for op := range bodies {
		if !seen[op] {
			t.Errorf("no example exercised %s", op)
		}
	}
}

func TestClientHasEveryOperation(t *testing.T) {
	t.Parallel()
	client := reflect.TypeFor[*Client]()
	parsed := reflect.TypeFor[*ClientWithResponses]()
	for op := range bodies {
		if _, ok := client.MethodByName(op); !ok {
			t.Errorf("Client has no method %s", op)
		}
		if _, ok := parsed.MethodByName(op + "WithResponse"); !ok {
			t.Errorf("ClientWithResponses has no method %sWithResponse", op)
		}
	}
	if len(bodies) != 28 {
		t.Errorf("the table lists %d operations, want 28", len(bodies))
	}
}

func TestRequestPaths(t *testing.T) {
	t.Parallel()
	const server = "https://myvault.vault.azure.net"
	latest, err := NewGetCertificateRequest(server, "cert-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := latest.URL.String(); got != server+"/certificates/cert-1/" {
		t.Errorf("latest version URL = %s, want a trailing slash for the empty version", got)
	}
	max := int32(25)
	pending := true
	list, err := NewGetCertificatesRequest(server, &GetCertificatesParams{Maxresults: &max, IncludePending: &pending})
	if err != nil {
		t.Fatal(err)
	}
	if got := list.URL.Query(); got.Get("maxresults") != "25" || got.Get("includePending") != "true" {
		t.Errorf("list query = %v", got)
	}
	pem := GetSecretParamsOutContentTypeApplicationXPemFile
	secret, err := NewGetSecretRequest(server, "cert-1", "0123456789abcdef0123456789abcdef", &GetSecretParams{OutContentType: &pem})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(secret.URL.Path, "/secrets/cert-1/0123456789abcdef0123456789abcdef") || secret.URL.Query().Get("outContentType") != string(pem) {
		t.Errorf("secret URL = %s", secret.URL)
	}
}

func TestEmptyTagsAreSent(t *testing.T) {
	t.Parallel()
	clear := map[string]string{}
	got, err := json.Marshal(CertificateUpdateParameters{Tags: clear})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"tags":{}}` {
		t.Errorf("empty tags encode as %s, want {\"tags\":{}}", got)
	}
	got, _ = json.Marshal(CertificateUpdateParameters{})
	if string(got) != `{}` {
		t.Errorf("unset tags encode as %s, want {}", got)
	}
	empty := []string{}
	got, _ = json.Marshal(SubjectAlternativeNames{DNSNames: empty})
	if string(got) != `{"dns_names":[]}` {
		t.Errorf("empty list encodes as %s", got)
	}
}

func TestZeroFieldsAreLeftOut(t *testing.T) {
	t.Parallel()
	off := false
	got, err := json.Marshal(CertificateUpdateParameters{
		CertificateAttributes: CertificateAttributes{Enabled: &off},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"attributes":{"enabled":false}}` {
		t.Errorf("disabling encodes as %s, want only attributes.enabled false", got)
	}
	got, _ = json.Marshal(CertificatePolicy{KeyProperties: KeyProperties{KeySize: 2048}})
	if string(got) != `{"key_props":{"key_size":2048}}` {
		t.Errorf("a policy with only a key size encodes as %s", got)
	}
}
