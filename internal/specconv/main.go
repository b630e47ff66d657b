// Command specconv turns Microsoft's Swagger 2.0 description of the Key Vault
// certificates API into the OpenAPI 3 document that oapi-codegen reads.
//
// It keeps the facts (paths, parameters, schemas, enums, status codes and
// paging hints), drops all prose and examples, and shapes the result for Go
// code generation. The output depends only on the input, so running it twice
// gives identical bytes.
//
// Usage:
//
//	go run ./internal/specconv -in ../shared/upstream-spec/2025-07-01 -out spec/keyvault-certificates.json
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	in := flag.String("in", "", "folder holding the upstream certificates.json and secrets.json")
	out := flag.String("out", "spec/keyvault-certificates.json", "file to write the OpenAPI 3 document to")
	flag.Parse()
	if *in == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: specconv -in <upstream folder> [-out <file>]")
		os.Exit(2)
	}
	doc, err := convertDir(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specconv:", err)
		os.Exit(1)
	}
	if err := writeFileAtomic(*out, doc); err != nil {
		fmt.Fprintln(os.Stderr, "specconv:", err)
		os.Exit(1)
	}
}

// writeFileAtomic replaces path with data so that a failed run never leaves a
// half-written document behind.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".specconv-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
