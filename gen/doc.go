// Package gen is the generated wire layer of the Key Vault certificates API:
// request and response models and a typed HTTP client with one method per
// operation, produced by oapi-codegen from spec/keyvault-certificates.json.
//
// Everything here except this file and wire.go is generated; edit the spec or
// the converter, then run "make generate". Most programs should use package
// client, which adds authentication, retries, polling, paging and idiomatic
// models on top of this package.
package gen
