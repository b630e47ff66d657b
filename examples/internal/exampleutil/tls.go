package exampleutil

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
	"time"

	"github.com/kvcerts/kvcerts/client"
)

// ServeTLS starts an HTTPS server on a loopback port that takes its
// certificate from src and answers "hello over TLS", and returns its URL and
// a function that stops it.
func ServeTLS(src *client.TLSSource) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	server := &http.Server{
		TLSConfig: &tls.Config{GetCertificate: src.GetCertificate},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello over TLS")
		}),
	}
	served := make(chan error, 1)
	go func() { served <- server.ServeTLS(ln, "", "") }()
	stop = func() {
		server.Close()
		<-served
	}
	return "https://" + ln.Addr().String() + "/", stop, nil
}

// GetTLS makes a request to url over a new connection (so a new TLS
// handshake) that trusts the given versions of a self-signed certificate
// for localhost, says on w which version the server presented, and returns
// its position in versions, from 1. Validity is checked at the time the
// last version was issued, which the emulator's clock may have moved ahead
// of the real one.
func GetTLS(ctx context.Context, w io.Writer, url string, versions []*client.Certificate) (int, error) {
	roots := x509.NewCertPool()
	for _, v := range versions {
		cert, err := x509.ParseCertificate(v.CER)
		if err != nil {
			return 0, fmt.Errorf("parsing version %s: %w", v.Properties.Version, err)
		}
		roots.AddCert(cert)
	}
	at := versions[len(versions)-1].Properties.NotBefore
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: "localhost", Time: func() time.Time { return at }},
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
	fmt.Fprintf(w, "GET %s: %q, from a server presenting %s, version %d of %d (%s, valid until %s).\n",
		url, body, leaf.Subject, i+1, len(versions), versions[i].Properties.Version, leaf.NotAfter.Format(time.DateOnly))
	return i + 1, nil
}
