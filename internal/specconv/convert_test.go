package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/specfiles"
)

// upstreamFiles finds the upstream documents named by $SPECS and $API
// (gen.APIVersion by default), or skips the test saying how to name them.
func upstreamFiles(t *testing.T) specfiles.Files {
	t.Helper()
	f, ok, err := specfiles.FromEnv(filepath.Join("..", ".."), gen.APIVersion)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("needs Microsoft's Swagger files: " + specfiles.Hint)
	}
	return f
}

// committedSpec is the converted document checked into the repository.
const committedSpec = "../../spec/keyvault-certificates.json"

func mustRead(t *testing.T, path string) object {
	t.Helper()
	o, err := readObject(path)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// converted runs the converter on the upstream folder and decodes the result.
func converted(t *testing.T) ([]byte, object) {
	t.Helper()
	out, err := convertFiles(upstreamFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	var doc object
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	return out, doc
}

func TestConvertIsDeterministic(t *testing.T) {
	t.Parallel()
	first, _ := converted(t)
	second, _ := converted(t)
	if !bytes.Equal(first, second) {
		t.Fatal("two runs on the same input gave different bytes")
	}
}

func TestCommittedSpecIsCurrent(t *testing.T) {
	t.Parallel()
	out, _ := converted(t)
	committed, err := os.ReadFile(committedSpec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, committed) {
		t.Fatal("spec/keyvault-certificates.json differs from the converter's output; run `make spec`")
	}
}

// operation is what the tests compare between the two documents.
type operation struct {
	ID          string
	Params      []string // in:name:required, sorted
	Statuses    []string // success codes
	RequestBody string   // schema name
	Responses   map[string]string
	Pageable    any
}

func refName(v any) string {
	ref, _ := dig(v.(object), "$ref").(string)
	return ref[strings.LastIndex(ref, "/")+1:]
}

// upstreamOperations lists every upstream operation by "METHOD path", with
// the api-version parameter left out.
func upstreamOperations(t *testing.T) map[string]operation {
	f := upstreamFiles(t)
	certs := mustRead(t, f.Certificates)
	secrets := mustRead(t, f.Secrets)
	ops := map[string]operation{}
	collect := func(doc object, only string) {
		for path, item := range doc["paths"].(object) {
			if only != "" && path != only {
				continue
			}
			for method, o := range item.(object) {
				if only != "" && method != "get" {
					continue
				}
				om := o.(object)
				op := operation{ID: om["operationId"].(string), Responses: map[string]string{}, Pageable: om["x-ms-pageable"]}
				params, _ := om["parameters"].([]any)
				for _, p := range params {
					pm := p.(object)
					if _, isRef := pm["$ref"]; isRef {
						continue // only the api-version parameter is shared
					}
					if pm["in"] == "body" {
						op.RequestBody = refName(pm["schema"])
						continue
					}
					req, _ := pm["required"].(bool)
					op.Params = append(op.Params, paramKey(pm["in"], pm["name"], req))
				}
				slices.Sort(op.Params)
				for code, r := range om["responses"].(object) {
					if code != "default" {
						op.Statuses = append(op.Statuses, code)
					}
					if s, ok := r.(object)["schema"]; ok {
						op.Responses[code] = refName(s)
					}
				}
				slices.Sort(op.Statuses)
				ops[strings.ToUpper(method)+" "+path] = op
			}
		}
	}
	collect(certs, "")
	collect(secrets, secretPath)
	return ops
}

func paramKey(in, name any, required bool) string {
	r := "optional"
	if required {
		r = "required"
	}
	return in.(string) + ":" + name.(string) + ":" + r
}

func convertedOperations(doc object) map[string]operation {
	ops := map[string]operation{}
	for path, item := range doc["paths"].(object) {
		for method, o := range item.(object) {
			om := o.(object)
			op := operation{ID: om["operationId"].(string), Responses: map[string]string{}, Pageable: om["x-ms-pageable"]}
			params, _ := om["parameters"].([]any)
			for _, p := range params {
				pm := p.(object)
				req, _ := pm["required"].(bool)
				op.Params = append(op.Params, paramKey(pm["in"], pm["name"], req))
			}
			slices.Sort(op.Params)
			if rb, ok := om["requestBody"].(object); ok {
				op.RequestBody = refName(dig(rb, "content", "application/json", "schema"))
			}
			for code, r := range om["responses"].(object) {
				if code != "default" {
					op.Statuses = append(op.Statuses, code)
				}
				if s := dig(r.(object), "content", "application/json", "schema"); s != nil {
					op.Responses[code] = refName(s)
				}
			}
			slices.Sort(op.Statuses)
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

func TestEveryOperationCarriesOver(t *testing.T) {
	t.Parallel()
	_, doc := converted(t)
	want := upstreamOperations(t)
	got := convertedOperations(doc)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations differ (-upstream +converted):\n%s", diff)
	}
}

func TestEveryDefinitionCarriesOver(t *testing.T) {
	t.Parallel()
	_, doc := converted(t)
	certs := mustRead(t, upstreamFiles(t).Certificates)
	schemas := dig(doc, "components", "schemas").(object)
	want := append(slices.Collect(maps.Keys(certs["definitions"].(object))), "SecretBundle", "SecretAttributes")
	for _, name := range want {
		if _, ok := schemas[name]; !ok {
			t.Errorf("definition %s is missing from components.schemas", name)
		}
	}
	// Properties, enums and Unix-time formats survive.
	for name, def := range certs["definitions"].(object) {
		dm := def.(object)
		if enum, ok := dm["enum"]; ok {
			if diff := cmp.Diff(enum, schemas[name].(object)["enum"]); diff != "" {
				t.Errorf("%s enum differs:\n%s", name, diff)
			}
		}
		props, _ := dm["properties"].(object)
		for prop, p := range props {
			cp, ok := dig(schemas, name, "properties", prop).(object)
			if !ok {
				t.Errorf("%s.%s is missing", name, prop)
				continue
			}
			if f := p.(object)["format"]; f != nil && cp["format"] != f {
				t.Errorf("%s.%s format = %v, want %v", name, prop, cp["format"], f)
			}
		}
	}
}

func TestNoProseSurvives(t *testing.T) {
	t.Parallel()
	out, doc := converted(t)
	var walk func(v any, path string, names bool)
	walk = func(v any, path string, names bool) {
		switch c := v.(type) {
		case object:
			for k, e := range c {
				if !names {
					if proseKeys[k] && e != "" && !(k == "title" && path == "/info") {
						t.Errorf("%s/%s holds prose %q", path, k, e)
					}
					if strings.HasPrefix(k, "x-ms-examples") || k == "x-ms-client-name" {
						t.Errorf("%s/%s survived", path, k)
					}
				}
				walk(e, path+"/"+k, !names && (nameMaps[k] || k == "schemas" || k == "content"))
			}
		case []any:
			for _, e := range c {
				walk(e, path, false)
			}
		}
	}
	walk(doc, "", false)

	// No sentence of the upstream text appears anywhere in the output.
	f := upstreamFiles(t)
	for _, file := range []string{f.Certificates, f.Secrets} {
		var sentences []string
		collectProse(mustRead(t, file), &sentences)
		for _, s := range sentences {
			if len(s) > 12 && bytes.Contains(out, []byte(s)) {
				t.Errorf("upstream prose from %s survives: %q", file, s)
			}
		}
	}
}

func collectProse(v any, out *[]string) {
	switch c := v.(type) {
	case object:
		for k, e := range c {
			if s, ok := e.(string); ok && proseKeys[k] {
				*out = append(*out, s)
			}
			collectProse(e, out)
		}
	case []any:
		for _, e := range c {
			collectProse(e, out)
		}
	}
}

func TestVersionAndAPIVersionParameter(t *testing.T) {
	t.Parallel()
	out, doc := converted(t)
	want := dig(mustRead(t, upstreamFiles(t).Certificates), "info", "version")
	if got := dig(doc, "info", "version"); got != want {
		t.Errorf("info.version = %v, want %v", got, want)
	}
	if bytes.Contains(out, []byte(`"api-version"`)) {
		t.Error("the api-version parameter survived")
	}
}

func TestGoNames(t *testing.T) {
	t.Parallel()
	_, doc := converted(t)
	schemas := dig(doc, "components", "schemas").(object)
	for _, tc := range []struct{ schema, prop, want string }{
		{"CertificateAttributes", "nbf", "NotBefore"},
		{"CertificateAttributes", "exp", "Expires"},
		{"CertificateBundle", "x5t", "X509Thumbprint"},
		{"CertificatePolicy", "key_props", "KeyProperties"}, // a $ref property, wrapped in allOf
		{"CertificateImportParameters", "pwd", "Password"},
		{"Error", "innererror", "InnerError"},
	} {
		p := dig(schemas, tc.schema, "properties", tc.prop).(object)
		if p["x-go-name"] != tc.want {
			t.Errorf("%s.%s x-go-name = %v, want %s", tc.schema, tc.prop, p["x-go-name"], tc.want)
		}
	}
	kp := dig(schemas, "CertificatePolicy", "properties", "key_props").(object)
	if diff := cmp.Diff([]any{object{"$ref": "#/components/schemas/KeyProperties"}}, kp["allOf"]); diff != "" {
		t.Errorf("key_props is not an allOf wrapper around its $ref:\n%s", diff)
	}
}

func TestValueFields(t *testing.T) {
	t.Parallel()
	_, doc := converted(t)
	schemas := dig(doc, "components", "schemas").(object)
	for _, tc := range []struct {
		schema, prop string
		value        bool
	}{
		{"CertificateBundle", "id", true},
		{"CertificateBundle", "tags", true},
		{"CertificateBundle", "policy", true},
		{"CertificateAttributes", "exp", true},
		{"CertificateAttributes", "enabled", false},     // false must be sendable
		{"Error", "innererror", false},                  // Error cannot hold an Error
		{"CertificateImportParameters", "value", false}, // required: never a pointer
		{"CertificateOperationUpdateParameter", "cancellation_requested", false},
	} {
		p := dig(schemas, tc.schema, "properties", tc.prop).(object)
		skip, zero := p["x-go-type-skip-optional-pointer"] == true, p["x-omitzero"] == true
		if skip != tc.value || zero != tc.value || (tc.value && p["x-omitempty"] != false) {
			t.Errorf("%s.%s: skip-optional-pointer %v, omitzero %v, omitempty %v; want a value field: %v",
				tc.schema, tc.prop, p["x-go-type-skip-optional-pointer"], p["x-omitzero"], p["x-omitempty"], tc.value)
		}
	}
}

// minimal returns a pair of tiny upstream documents the error tests bend.
func minimal() (certs, secrets object) {
	var c, s object
	json.Unmarshal([]byte(`{"swagger":"2.0","info":{"title":"T","version":"2025-07-01"},
		"paths":{"/certificates/{n}":{"get":{"operationId":"GetCertificate",
			"parameters":[{"name":"n","in":"path","required":true,"type":"string"}],
			"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Bundle"}}}}}},
		"definitions":{"Bundle":{"type":"object","properties":{"id":{"type":"string"}}}}}`), &c)
	json.Unmarshal([]byte(`{"swagger":"2.0","info":{"title":"T","version":"2025-07-01"},
		"paths":{"/secrets/{secret-name}/{secret-version}":{"get":{"operationId":"GetSecret",
			"parameters":[{"name":"secret-name","in":"path","required":true,"type":"string"},
				{"name":"secret-version","in":"path","required":true,"type":"string"}],
			"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/SecretBundle"}}}}}},
		"definitions":{"SecretBundle":{"type":"object","properties":{"value":{"type":"string"}}}}}`), &s)
	return c, s
}

func TestConvertMinimal(t *testing.T) {
	t.Parallel()
	c, s := minimal()
	out, err := convert(c, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"/secrets/{secret-name}/{secret-version}"`, `"SecretBundle"`, `"version": "2025-07-01"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
}

func TestConvertRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		bend  func(c, s object)
		error string
	}{
		{"swagger 3", func(c, s object) { c["swagger"] = "3.0" }, "Swagger 2.0"},
		{"bad version", func(c, s object) { c["info"].(object)["version"] = "7.4" }, "not a Key Vault API version"},
		{"version mismatch", func(c, s object) { s["info"].(object)["version"] = "2025-06-01" }, "secrets.json is API version"},
		{"no GetSecret", func(c, s object) { s["paths"] = object{"/x": object{}} }, "has no GET /secrets"},
		{"missing definition", func(c, s object) { s["definitions"] = object{} }, `needs definition "SecretBundle"`},
		{"conflicting definition", func(c, s object) {
			c["definitions"].(object)["SecretBundle"] = object{"type": "string"}
		}, `"SecretBundle" differs`},
		{"no paths", func(c, s object) { c["paths"] = object{} }, "no paths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, s := minimal()
			tc.bend(c, s)
			_, err := convert(c, s)
			if err == nil || !strings.Contains(err.Error(), tc.error) {
				t.Errorf("convert() error = %v, want one containing %q", err, tc.error)
			}
		})
	}
}

func TestConvertFilesErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, o object) string {
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, s := minimal()
	certs, secrets := write("certificates.json", c), write("secrets.json", s)
	notJSON := filepath.Join(dir, "main.go")
	if err := os.WriteFile(notJSON, []byte("package main"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := convertFiles(specfiles.Files{Version: "2025-07-01", Certificates: certs, Secrets: secrets}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		files specfiles.Files
		error string
	}{
		{"missing certificates.json", specfiles.Files{Certificates: filepath.Join(dir, "none.json"), Secrets: secrets}, "none.json"},
		{"missing secrets.json", specfiles.Files{Certificates: certs, Secrets: filepath.Join(dir, "none.json")}, "none.json"},
		{"not JSON", specfiles.Files{Certificates: notJSON, Secrets: secrets}, "main.go"},
		{"version other than its folder's", specfiles.Files{Version: "2026-04-01", Certificates: certs, Secrets: secrets}, `info.version is "2025-07-01", but it was found as version 2026-04-01`},
	} {
		if _, err := convertFiles(tc.files); err == nil || !strings.Contains(err.Error(), tc.error) {
			t.Errorf("%s: error = %v, want one containing %q", tc.name, err, tc.error)
		}
	}
}

func TestGeneratorHintsAreDropped(t *testing.T) {
	t.Parallel()
	c, s := minimal()
	get := dig(c, "paths", "/certificates/{n}", "get").(object)
	get["parameters"] = append(get["parameters"].([]any), object{"name": "body", "in": "body", "required": true,
		"schema": object{"$ref": "#/definitions/Bundle"}, "x-ms-client-flatten": true})
	get["x-ms-examples"] = object{"ex": object{"$ref": "./examples/x.json"}}
	out, err := convert(c, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, hint := range []string{"x-ms-client-flatten", "x-ms-examples"} {
		if bytes.Contains(out, []byte(hint)) {
			t.Errorf("%s survived:\n%s", hint, out)
		}
	}
}
