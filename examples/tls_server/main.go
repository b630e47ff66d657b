// Command tls_server serves HTTPS with a certificate from the vault, then
// rotates to a new version of it without restarting the server.
//
// It uses the vault named by AZURE_KEYVAULT_URL, with credentials from
// auth.Default, or else an emulator started in-process:
//
//	go run ./examples/tls_server
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/examples/internal/exampleutil"
)

// serverAuth is the extended key usage of TLS server certificates.
const serverAuth = "1.3.6.1.5.5.7.3.1"

func main() { exampleutil.Main(run) }

func run(ctx context.Context, w io.Writer, v *exampleutil.Vault) error {
	c := v.Client
	name := v.Name("tls-server")

	// A self-signed server certificate for localhost. With a certificate
	// authority as the issuer, clients would trust it without pinning.
	policy := client.DefaultPolicy()
	policy.Subject = "CN=localhost"
	policy.SubjectAlternativeNames = client.SubjectAlternativeNames{DNSNames: []string{"localhost"}}
	policy.EnhancedKeyUsages = []string{serverAuth}
	fmt.Fprintf(w, "Creating certificate %q for %s.\n", name, policy.Subject)
	created, err := exampleutil.CreateCertificate(ctx, w, c, name, policy)
	if err != nil {
		return err
	}
	versions := []*client.Certificate{created}

	// The source downloads the certificate with its private key and keeps
	// checking the vault for new versions (every hour by default).
	src, err := c.NewTLSSource(ctx, name, nil)
	if err != nil {
		return err
	}
	defer src.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := &http.Server{
		TLSConfig: &tls.Config{GetCertificate: src.GetCertificate},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello over TLS")
		}),
	}
	served := make(chan error, 1)
	go func() { served <- server.ServeTLS(ln, "", "") }()
	defer func() {
		server.Close()
		<-served
	}()
	url := "https://" + ln.Addr().String() + "/"
	fmt.Fprintf(w, "Serving HTTPS at %s with the certificate from the vault.\n", url)

	before, err := get(ctx, w, url, versions)
	if err != nil {
		return err
	}

	// Renew: a create with a nil policy adds a version under the current
	// policy, with a new key, as the vault's automatic renewal does.
	poller, err := c.BeginCreateCertificate(ctx, name, nil, nil)
	if err != nil {
		return err
	}
	renewed, err := exampleutil.Wait(ctx, w, "Renewing "+name, poller)
	if err != nil {
		return err
	}
	versions = append(versions, renewed.Certificate)

	// A running server picks the new version up at its next check; Refresh
	// checks now.
	if err := src.Refresh(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "Refreshed the TLS source; the server keeps running.")
	after, err := get(ctx, w, url, versions)
	if err != nil {
		return err
	}
	if after == before {
		return fmt.Errorf("the server still presents version %d after the refresh", before)
	}
	fmt.Fprintf(w, "The server went from version %d to version %d without a restart.\n", before, after)

	_, err = exampleutil.DeleteCertificate(ctx, w, c, name)
	return err
}

// get makes a request to url over a new connection that trusts the given
// versions of the certificate (self-signed certificates are their own
// authority), and says which version the server presented: its position
// in versions, from 1.
func get(ctx context.Context, w io.Writer, url string, versions []*client.Certificate) (int, error) {
	roots := x509.NewCertPool()
	for _, v := range versions {
		cert, err := x509.ParseCertificate(v.CER)
		if err != nil {
			return 0, fmt.Errorf("parsing version %s: %w", v.Properties.Version, err)
		}
		roots.AddCert(cert)
	}
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: "localhost"},
		DisableKeepAlives: true,
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	leaf := resp.TLS.PeerCertificates[0]
	i := slices.IndexFunc(versions, func(v *client.Certificate) bool { return bytes.Equal(v.CER, leaf.Raw) })
	if i < 0 {
		return 0, errors.New("the server presented a certificate that is no version of ours")
	}
	fmt.Fprintf(w, "GET %s: %q, from a server presenting %s, version %d of %d (%s).\n",
		url, body, leaf.Subject, i+1, len(versions), versions[i].Properties.Version)
	return i + 1, nil
}
