package vaulttest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// Vault and token host names. Names under .localhost are reserved for
// loopback, but this machine's resolver may not map them, so Server's
// client dials the listener itself.
const (
	vaultDomain = "vault.localhost"
	loginHost   = "login.localhost"
)

// Server is an emulated vault on a loopback HTTPS listener with its own CA.
// The vault is at URL (https://myvault.vault.localhost:<port>), its token
// service at AuthorityHost (https://login.localhost:<port>); Client reaches
// both. The embedded Handler has the state, seeding, request log and fault
// methods.
type Server struct {
	*Handler

	// URL is the vault URL, without a trailing slash.
	URL string

	ln        net.Listener
	hs        *http.Server
	transport *http.Transport
	client    *http.Client
	dialIP    string
	ts        *TokenSource
}

// NewServer starts a Server and panics if it cannot, like
// httptest.NewServer. Call Close when done.
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts a Server, returning an error instead of panicking.
func Start(opts ...Option) (*Server, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	if len(cfg.handlerOnly) > 0 {
		return nil, fmt.Errorf("vaulttest: %s applies to NewHandler only; use WithVaultName and WithAddr",
			strings.Join(cfg.handlerOnly, ", "))
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("vaulttest: listen: %w", err)
	}
	s, err := serve(cfg, ln)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	return s, nil
}

func serve(cfg *config, ln net.Listener) (*Server, error) {
	addr := ln.Addr().(*net.TCPAddr)
	port := fmt.Sprint(addr.Port)
	withPort := func(host string) string {
		if port == "443" {
			return host
		}
		return host + ":" + port
	}
	base := "https://" + withPort(cfg.vaultName+"."+vaultDomain)
	h, err := newHandler(cfg, base, "https://"+withPort(loginHost))
	if err != nil {
		return nil, err
	}
	cert, err := h.vault.ca.serverCertificate(
		[]string{"*." + vaultDomain, vaultDomain, loginHost, "localhost"},
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	)
	if err != nil {
		return nil, errors.Join(err, h.closeStore())
	}
	dialIP := addr.IP.String()
	if addr.IP.IsUnspecified() {
		dialIP = "127.0.0.1"
	}
	s := &Server{Handler: h, URL: base, ln: ln, dialIP: dialIP}
	s.hs = &http.Server{
		Handler:           h,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	s.transport = &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: h.vault.ca.pool(), MinVersion: tls.VersionTLS12},
		DialContext:         s.dial,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	s.client = &http.Client{Transport: s.transport}
	s.ts = newTokenSource(s)
	go func() { _ = s.hs.ServeTLS(ln, "", "") }()
	return s, nil
}

// dial connects names under .localhost, localhost and loopback addresses to
// the listener (on the requested port) and refuses everything else, so a
// test can never reach a real vault by mistake.
func (s *Server) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	ip := net.ParseIP(host)
	switch {
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		addr = net.JoinHostPort(s.dialIP, port)
	case ip != nil && ip.IsLoopback():
	default:
		return nil, fmt.Errorf("vaulttest: the emulator's client dials only the emulator (names under .localhost and loopback); refusing %s", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Client returns an HTTP client that trusts the emulator's CA and dials the
// listener for every name under .localhost, without DNS; it connects to
// loopback addresses as asked and refuses other hosts. It uses Transport.
func (s *Server) Client() *http.Client { return s.client }

// Transport returns the transport behind Client, for building your own
// client or SDK pipeline. Clone it before changing it.
func (s *Server) Transport() *http.Transport { return s.transport }

// Addr returns the listener's address, such as "127.0.0.1:53211".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// TokenSource returns a token source that gets tokens from the server's
// token endpoint over HTTPS; see TokenSource.
func (s *Server) TokenSource() *TokenSource { return s.ts }

// Close stops the server at once, closing open connections. With
// WithStateFile it then folds the journal into the state file (a failure
// is logged; every acknowledged change is on disk already) and releases
// the file.
func (s *Server) Close() {
	_ = s.hs.Close()
	s.transport.CloseIdleConnections()
	if err := s.closeStore(); err != nil && s.cfg.logger != nil {
		s.cfg.logger.Error("vaulttest: closing the state file failed", "error", err)
	}
}

// Shutdown stops the server gracefully: it stops accepting connections and
// waits for requests in flight until ctx is done. With WithStateFile it
// then folds the journal into the state file and releases the file, and
// returns the error of that first.
func (s *Server) Shutdown(ctx context.Context) error {
	// Idle HTTP/2 connections of Client would hold the server's graceful
	// close for a second; close them first.
	s.transport.CloseIdleConnections()
	err := s.hs.Shutdown(ctx)
	s.transport.CloseIdleConnections()
	if serr := s.closeStore(); serr != nil {
		return serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
