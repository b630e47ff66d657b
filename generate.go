package kvcerts

// The generated wire layer in gen/ comes from the OpenAPI 3 document in spec/.
// "make spec" rebuilds that document from Microsoft's Swagger files; these
// lines need neither the network nor the upstream files.

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/models.yaml spec/keyvault-certificates.json
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/client.yaml spec/keyvault-certificates.json
//go:generate go run ./internal/genheader gen/models.gen.go gen/client.gen.go
//go:generate go run ./internal/genversion -spec spec/keyvault-certificates.json -out gen/version.gen.go
