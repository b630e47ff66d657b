package client_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Download a certificate with its private key and serve TLS with it.
func ExampleClient_DownloadCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	dc, err := c.DownloadCertificate(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{dc.TLSCertificate()}}
	fmt.Println(cfg.Certificates[0].Leaf.Subject, dc.PrivateKey.Public() != nil)
	// Output:
	// CN=DefaultPolicy true
}

// A certificate whose policy keeps the key in the vault downloads with an
// error matching ErrKeyNotExportable.
func ExampleClient_DownloadCertificate_notExportable() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	policy := client.DefaultPolicy()
	exportable := false
	policy.Exportable = &exportable
	p, err := c.BeginCreateCertificate(ctx, "signing", policy, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	_, err = c.DownloadCertificate(ctx, "signing", nil)
	fmt.Println(errors.Is(err, client.ErrKeyNotExportable))
	// Output:
	// true
}

// Serve HTTPS with the latest version of a certificate, picking up new
// versions without a restart.
func ExampleClient_NewTLSSource() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	src, err := c.NewTLSSource(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	cfg := &tls.Config{GetCertificate: src.GetCertificate}
	// Serve with, for example:
	//	server := &http.Server{Addr: ":8443", TLSConfig: cfg}
	//	err := server.ListenAndServeTLS("", "")

	cert, err := cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: "www.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Leaf.Subject)
	// Output:
	// CN=DefaultPolicy
}

// Export a downloaded certificate as a password-protected PFX file for
// other tools, and read it back.
func ExampleKeyPair_PFX() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	dc, err := c.DownloadCertificate(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}

	pfx, err := dc.PFX("a long random password")
	if err != nil {
		log.Fatal(err)
	}
	kp, err := client.ParseKeyPair(pfx, "a long random password")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(kp.Leaf.Equal(dc.Leaf))
	// Output:
	// true
}
