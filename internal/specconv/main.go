// Command specconv turns Microsoft's Swagger 2.0 description of the Key Vault
// certificates API into the OpenAPI 3 document that oapi-codegen reads.
//
// It keeps the facts (paths, parameters, schemas, enums, status codes and
// paging hints), drops all prose and examples, and shapes the result for Go
// code generation. The output depends only on the input, so running it twice
// gives identical bytes.
//
// It reads certificates.json and secrets.json of one API version from a
// checkout of https://github.com/Azure/azure-rest-api-specs, in the
// repository's current layout (Certificates/ and Secrets/ folders) or the
// older one (Microsoft.KeyVault/), and fails naming every path it tried.
//
// Usage:
//
//	go run ./internal/specconv -specs /path/to/azure-rest-api-specs -api 2026-04-01 -out spec/keyvault-certificates.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kvcerts/kvcerts/internal/atomicfile"
	"github.com/kvcerts/kvcerts/internal/specfiles"
)

func main() {
	specs := flag.String("specs", "", "a checkout of azure-rest-api-specs")
	api := flag.String("api", "", "the API version to convert, such as 2026-04-01")
	out := flag.String("out", "spec/keyvault-certificates.json", "file to write the OpenAPI 3 document to")
	flag.Parse()
	if *specs == "" || *api == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: specconv -specs <azure-rest-api-specs checkout> -api <version> [-out <file>]")
		os.Exit(2)
	}
	files, err := specfiles.Locate(*specs, *api)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specconv:", err)
		os.Exit(1)
	}
	doc, err := convertFiles(files)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specconv:", err)
		os.Exit(1)
	}
	if err := atomicfile.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "specconv:", err)
		os.Exit(1)
	}
}
