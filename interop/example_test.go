package interop_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/kvcerts/kvcerts/interop"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Microsoft's certificates client against an in-process emulator: the
// emulator's client as transport, its token endpoint behind the credential,
// and the SDK's challenge verification left on.
func ExampleNewCredential() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	opts := &azcertificates.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: srv.Client()}}
	c, err := azcertificates.NewClient(srv.URL, interop.NewCredential(srv.TokenSource()), opts)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	_, err = c.CreateCertificate(ctx, "web", azcertificates.CreateCertificateParameters{
		CertificatePolicy: &azcertificates.CertificatePolicy{
			IssuerParameters:          &azcertificates.IssuerParameters{Name: new("Self")},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: new("CN=web.example.com")},
		},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	op, err := c.GetCertificateOperation(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := c.GetCertificate(ctx, "web", "", nil)
	if err != nil {
		log.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(cert.CER)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*op.Status, parsed.Subject)
	// Output: completed CN=web.example.com
}
