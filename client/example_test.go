package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Create a self-signed certificate, wait for it, and read it back. The
// emulator stands in for a real vault; with Azure, pass the vault's URL
// and a credential from package auth instead.
func Example() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	poller, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	res, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := c.GetCertificate(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Properties.Name, cert.Properties.Version == res.Certificate.Properties.Version)
	fmt.Println(cert.Policy.IssuerName, cert.Policy.Subject)
	// Output:
	// web true
	// Self CN=DefaultPolicy
}

// A certificate that does not exist gives an error matching ErrNotFound.
func ExampleClient_GetCertificate_notFound() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.GetCertificate(context.Background(), "which-does-not-exist", nil)
	var re *client.ResponseError
	if errors.Is(err, client.ErrNotFound) && errors.As(err, &re) {
		fmt.Println(re.StatusCode, re.Code)
	}
	// Output:
	// 404 CertificateNotFound
}

// Range over the properties of the vault's certificates.
func ExampleClient_ListCertificates() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"alpha", "beta"} {
		p, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}

	for props, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(props.Name, props.Enabled)
	}
	// Output:
	// alpha true
	// beta true
}

// Page through a listing by hand, and resume it later from a continuation
// token.
func ExampleClient_NewListCertificatesPager() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"a", "b", "c"} {
		p, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}

	pager := c.NewListCertificatesPager(&client.ListCertificatesOptions{MaxResults: 2})
	page, err := pager.NextPage(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first page:", len(page.Items))

	// Later: continue where the first page ended.
	for props, err := range c.ListCertificates(ctx, &client.ListCertificatesOptions{ContinuationToken: page.ContinuationToken}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("then:", props.Name)
	}
	// Output:
	// first page: 2
	// then: c
}

// Delete a certificate, wait until the deletion is complete, and purge it.
func ExampleClient_BeginDeleteCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	create, err := c.BeginCreateCertificate(ctx, "old", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := create.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	poller, err := c.BeginDeleteCertificate(ctx, "old", nil)
	if err != nil {
		log.Fatal(err)
	}
	deleted, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(deleted.Properties.Name, deleted.RecoveryID != "")
	if err := c.PurgeDeletedCertificate(ctx, "old", nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// old true
}
