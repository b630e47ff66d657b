// Package gen is the generated wire layer of the Key Vault certificates API:
// request and response models and a typed HTTP client with one method per
// operation, produced by oapi-codegen from spec/keyvault-certificates.json.
//
// Optional fields of the models are plain values, left out of the JSON when
// zero; a map or slice is left out only when nil, so an empty one is sent
// (an empty Tags map clears a certificate's tags). Optional booleans are
// pointers, so that false can be sent, and so is Error.InnerError.
//
// The typed client ([Client], [ClientWithResponses]) sends the api-version
// the service requires only when told to: [NewVaultClient] adds
// [WithAPIVersion] for [APIVersion], and [NewClient] and
// [NewClientWithResponses] need it among their options. The New...Request
// builders leave the api-version to their caller. Authentication is the
// caller's too: client.Client.Gen in package client hands out a typed
// client that shares that client's authentication, retries, logging,
// api-version and response size limit.
//
// Everything here except this file, wire.go and apiversion.go is generated;
// edit the spec or the converter, then run "make generate". Most programs
// should use package client, which adds authentication, retries, polling,
// paging and idiomatic models on top of this package.
package gen
