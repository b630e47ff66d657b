package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kvcerts/kvcerts/internal/specfiles"
)

// object is a JSON object as decoded by encoding/json.
type object = map[string]any

// secretPath is the one operation taken from the secrets API: reading the
// secret behind a certificate, which carries its private key.
const secretPath = "/secrets/{secret-name}/{secret-version}"

// convertFiles reads the two upstream documents and returns the OpenAPI 3
// document, indented and newline-terminated. The documents must be of the
// version they were located for.
func convertFiles(f specfiles.Files) ([]byte, error) {
	certs, err := readObject(f.Certificates)
	if err != nil {
		return nil, err
	}
	secrets, err := readObject(f.Secrets)
	if err != nil {
		return nil, err
	}
	if v, _ := dig(certs, "info", "version").(string); f.Version != "" && v != f.Version {
		return nil, fmt.Errorf("%s: info.version is %q, but it was found as version %s", f.Certificates, v, f.Version)
	}
	return convert(certs, secrets)
}

func readObject(path string) (object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var o object
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// convert builds the OpenAPI 3 document from the decoded upstream files.
// It modifies its arguments.
func convert(certs, secrets object) ([]byte, error) {
	if v, _ := certs["swagger"].(string); v != "2.0" {
		return nil, fmt.Errorf("certificates.json: want a Swagger 2.0 document, got swagger %q", v)
	}
	version, _ := dig(certs, "info", "version").(string)
	if !specfiles.ValidVersion(version) {
		return nil, fmt.Errorf("certificates.json: info.version %q is not a Key Vault API version", version)
	}
	if sv, _ := dig(secrets, "info", "version").(string); sv != version {
		return nil, fmt.Errorf("secrets.json is API version %q, certificates.json is %q", sv, version)
	}

	for _, doc := range []object{certs, secrets} {
		if err := dropAPIVersionParameter(doc); err != nil {
			return nil, err
		}
		clean(doc, false)
	}
	if err := addSecretOperation(certs, secrets); err != nil {
		return nil, err
	}
	valueFields(certs)
	wrapRefSiblings(certs)

	// The vault address is a per-client server variable, not a fixed host.
	delete(certs, "x-ms-parameterized-host")
	delete(certs, "tags")
	certs["info"] = object{"title": "kvcerts", "version": version}

	raw, err := json.Marshal(certs)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, fmt.Errorf("reading the cleaned Swagger document: %w", err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("converting to OpenAPI 3: %w", err)
	}
	doc3.Servers = openapi3.Servers{{
		URL: "{vaultBaseUrl}",
		Variables: map[string]*openapi3.ServerVariable{
			"vaultBaseUrl": {Default: "https://myvault.vault.azure.net"},
		},
	}}
	if err := doc3.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the converted document is not valid OpenAPI 3: %w", err)
	}

	out, err := json.Marshal(doc3)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// dig follows keys through nested objects and returns nil when one is missing.
func dig(o object, keys ...string) any {
	var cur any = o
	for _, k := range keys {
		m, ok := cur.(object)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// dropAPIVersionParameter removes the api-version query parameter from every
// operation and from the shared parameters: the client layer sets it.
func dropAPIVersionParameter(doc object) error {
	shared, _ := doc["parameters"].(object)
	isAPIVersion := func(p any) bool {
		m, ok := p.(object)
		if !ok {
			return false
		}
		if ref, ok := m["$ref"].(string); ok {
			name, found := strings.CutPrefix(ref, "#/parameters/")
			if !found {
				return false
			}
			m, _ = shared[name].(object)
		}
		return m["name"] == "api-version" && m["in"] == "query"
	}
	paths, _ := doc["paths"].(object)
	if len(paths) == 0 {
		return fmt.Errorf("the document has no paths")
	}
	for _, item := range paths {
		for _, op := range item.(object) {
			opm, ok := op.(object)
			if !ok {
				continue
			}
			params, _ := opm["parameters"].([]any)
			opm["parameters"] = slices.DeleteFunc(params, isAPIVersion)
			if len(opm["parameters"].([]any)) == 0 {
				delete(opm, "parameters")
			}
		}
	}
	for name, p := range shared {
		if isAPIVersion(p) {
			delete(shared, name)
		}
	}
	if len(shared) == 0 {
		delete(doc, "parameters")
	}
	return nil
}

// proseKeys are the fields that hold sentences rather than facts.
var proseKeys = map[string]bool{"description": true, "summary": true, "title": true}

// generatorHints are fields for Microsoft's own generators and documentation
// that say nothing about the wire: examples, the TypeSpec marker, links, and
// x-ms-client-flatten (AutoRest's hint to inline a body's properties into a
// method's parameters; the body sent is the same).
var generatorHints = map[string]bool{
	"x-ms-examples": true, "x-typespec-generated": true, "externalDocs": true, "x-ms-client-flatten": true,
}

// nameMaps are the fields whose keys are names chosen by the API (property
// names, paths, status codes), not OpenAPI keywords, so a property called
// "title" survives.
var nameMaps = map[string]bool{
	"definitions": true, "paths": true, "properties": true, "responses": true,
	"parameters": true, "securityDefinitions": true, "headers": true, "scopes": true,
}

// clean removes prose, examples and generator bookkeeping, and turns
// Microsoft's client names into Go field names. inNameMap says whether o's
// keys are names rather than keywords.
func clean(o object, inNameMap bool) {
	for k, v := range o {
		if !inNameMap {
			switch {
			case proseKeys[k], generatorHints[k]:
				delete(o, k)
				continue
			case k == "x-ms-client-name":
				delete(o, k)
				if name, ok := v.(string); ok && name != "" {
					o["x-go-name"] = strings.ToUpper(name[:1]) + name[1:]
				}
				continue
			}
		}
		switch c := v.(type) {
		case object:
			clean(c, !inNameMap && nameMaps[k])
		case []any:
			for _, e := range c {
				if m, ok := e.(object); ok {
					clean(m, false)
				}
			}
		}
	}
}

// addSecretOperation copies GET /secrets/{secret-name}/{secret-version} and
// the definitions it needs from the secrets document. A definition already
// present must be identical in both documents.
func addSecretOperation(certs, secrets object) error {
	item, _ := dig(secrets, "paths", secretPath).(object)
	get, _ := item["get"].(object)
	if get == nil {
		return fmt.Errorf("secrets.json has no GET %s", secretPath)
	}
	paths := certs["paths"].(object)
	if _, dup := paths[secretPath]; dup {
		return fmt.Errorf("certificates.json already has %s", secretPath)
	}
	paths[secretPath] = object{"get": get}

	certDefs, _ := certs["definitions"].(object)
	secretDefs, _ := secrets["definitions"].(object)
	pending := refsIn(get)
	seen := map[string]bool{}
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		def, ok := secretDefs[name]
		if !ok {
			return fmt.Errorf("secrets.json: GetSecret needs definition %q, which is missing", name)
		}
		if existing, ok := certDefs[name]; ok {
			if !reflect.DeepEqual(existing, def) {
				return fmt.Errorf("definition %q differs between certificates.json and secrets.json", name)
			}
			continue
		}
		certDefs[name] = def
		pending = append(pending, refsIn(def)...)
	}
	return nil
}

// refsIn lists the definition names that v refers to with $ref.
func refsIn(v any) []string {
	var names []string
	var walk func(any)
	walk = func(v any) {
		switch c := v.(type) {
		case object:
			if ref, ok := c["$ref"].(string); ok {
				if name, found := strings.CutPrefix(ref, "#/definitions/"); found {
					names = append(names, name)
				}
			}
			for _, e := range c {
				walk(e)
			}
		case []any:
			for _, e := range c {
				walk(e)
			}
		}
	}
	walk(v)
	slices.Sort(names)
	return names
}

// valueFields asks oapi-codegen for plain Go values, not pointers, in the
// optional fields of the models wherever the zero value is not one the API
// could mean: a pointer costs an allocation per field on every decode. Two
// kinds keep their pointers: booleans, where false must be sendable, and a
// type's reference to itself (Error.innererror). The value fields carry
// `omitzero` alone, so they are left out of the JSON when zero, and maps and
// arrays only when nil: an explicit empty tags {} or list [] is still sent,
// which is how tags are cleared.
func valueFields(doc object) {
	defs, _ := doc["definitions"].(object)
	for name, def := range defs {
		dm, _ := def.(object)
		props, _ := dm["properties"].(object)
		required, _ := dm["required"].([]any)
		for pname, p := range props {
			pm := p.(object)
			if slices.Contains(required, any(pname)) || pm["type"] == "boolean" ||
				pm["$ref"] == "#/definitions/"+name {
				continue
			}
			pm["x-go-type-skip-optional-pointer"] = true
			pm["x-omitempty"] = false
			pm["x-omitzero"] = true
		}
	}
}

// wrapRefSiblings rewrites properties of the form {"$ref": R, k: v...} as
// {"allOf": [{"$ref": R}], k: v...}. OpenAPI 3.0 ignores keywords next to a
// $ref, which would lose the Go name and readOnly flag of such a property.
func wrapRefSiblings(doc object) {
	defs, _ := doc["definitions"].(object)
	for _, def := range defs {
		props, _ := def.(object)["properties"].(object)
		for _, p := range props {
			pm := p.(object)
			ref, ok := pm["$ref"]
			if !ok || len(pm) == 1 {
				continue
			}
			delete(pm, "$ref")
			pm["allOf"] = []any{object{"$ref": ref}}
		}
	}
}
