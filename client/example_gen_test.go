package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Read a policy through gen's typed client, which shares the client's
// authentication, retries, logging and api-version, and see the whole
// answer: status, headers, raw body and typed body.
func ExampleClient_Gen() {
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
	if _, err := poller.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	resp, err := c.Gen().GetCertificatePolicyWithResponse(ctx, "web")
	if err != nil {
		log.Fatal(err)
	}
	if resp.StatusCode() != http.StatusOK {
		log.Fatalf("status %d: %s", resp.StatusCode(), resp.Body)
	}
	fmt.Println(resp.HTTPResponse.Header.Get("Content-Type"))
	fmt.Println(resp.JSON200.X509CertificateProperties.Subject, len(resp.Body) > 0)
	// Output:
	// application/json; charset=utf-8
	// CN=DefaultPolicy true
}

// Set the platformManaged part of a policy (API version 2026-04-01 and
// later) and read it back.
func ExamplePlatformManaged() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	policy := client.DefaultPolicy()
	policy.PlatformManaged = &client.PlatformManaged{CertificateUsage: "frontdoor"}
	poller, err := c.BeginCreateCertificate(ctx, "managed", policy, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := poller.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	got, err := c.GetCertificatePolicy(ctx, "managed", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.PlatformManaged.CertificateUsage)
	// Output:
	// frontdoor
}
