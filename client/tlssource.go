package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// defaultTLSSourceInterval is how often a TLSSource checks the vault for a
// new version unless TLSSourceOptions say otherwise, and minTLSSourceInterval
// the shortest interval it accepts.
const (
	defaultTLSSourceInterval = time.Hour
	minTLSSourceInterval     = time.Second
)

// TLSSourceOptions are the options of NewTLSSource.
type TLSSourceOptions struct {
	// Interval is how often the source checks the vault for a new version,
	// at least a second; 0 means an hour.
	Interval time.Duration
	// OnError receives the error of every background check that failed.
	// When nil, errors are logged at level Warn to the client's logger
	// (see [WithLogger]). It must not block for long.
	OnError func(error)
}

// TLSSource serves the latest version of a certificate from the vault to
// TLS servers and clients, and picks up new versions, such as renewals,
// without a restart:
//
//	src, err := c.NewTLSSource(ctx, "web", nil)
//	if err != nil { ... }
//	defer src.Close()
//	srv := &http.Server{TLSConfig: &tls.Config{GetCertificate: src.GetCertificate}}
//
// In the background it checks the vault every Interval and, in case
// Interval is longer, also when the current leaf reaches 80% of its
// validity (when Key Vault's default policy renews). A check reads the
// latest version's properties and downloads the key only when the version
// changed; the new certificate then replaces the old one atomically, for the
// next handshakes. When a check fails, for example because the vault cannot
// be reached, the source keeps serving the certificate it has and reports
// the error (see [TLSSourceOptions].OnError).
//
// A TLSSource is safe for concurrent use. Close stops the checks.
type TLSSource struct {
	c        *Client
	name     string
	interval time.Duration
	onError  func(error)

	cur  atomic.Pointer[tlsServed]
	turn chan struct{} // holds a value while a check of the vault runs; checks take turns
	stop context.CancelFunc
	done chan struct{}
	once sync.Once
}

// tlsServed is what a TLSSource serves: the downloaded version and its
// tls.Certificate, made once.
type tlsServed struct {
	dc   *DownloadedCertificate
	cert *tls.Certificate
}

// NewTLSSource downloads the latest version of the certificate name, as
// [Client.DownloadCertificate] does, and returns a source that serves it and
// checks for new versions until Close. A failure of this first download,
// such as [ErrKeyNotExportable] or [ErrNotFound], is returned. ctx bounds the
// first download only.
//
// Key Vault: GET /certificates/{name}/ and GET /secrets/{name}/{version},
// then GET /certificates/{name}/ at every check (permissions
// certificates/get and secrets/get).
func (c *Client) NewTLSSource(ctx context.Context, name string, opts *TLSSourceOptions) (*TLSSource, error) {
	ctx = withOperation(ctx, "NewTLSSource")
	if opts == nil {
		opts = &TLSSourceOptions{}
	}
	interval := opts.Interval
	switch {
	case interval == 0:
		interval = defaultTLSSourceInterval
	case interval < minTLSSourceInterval:
		return nil, invalidArg("TLSSourceOptions.Interval %v: must be at least %v", interval, minTLSSourceInterval)
	}
	dc, err := c.DownloadCertificate(ctx, name, nil)
	if err != nil {
		return nil, err
	}
	loop, stop := context.WithCancel(context.Background())
	s := &TLSSource{c: c, name: name, interval: interval, onError: opts.OnError,
		turn: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	s.serve(dc)
	go s.run(loop)
	return s, nil
}

// GetCertificate returns the current certificate, for tls.Config's
// GetCertificate.
func (s *TLSSource) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cur.Load().cert, nil
}

// GetClientCertificate returns the current certificate, for tls.Config's
// GetClientCertificate.
func (s *TLSSource) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return s.cur.Load().cert, nil
}

// Refresh checks the vault for a new version now and, when there is one,
// downloads it and serves it from the next handshake on. It returns the
// check's error; the source then keeps serving what it had. Checks never
// overlap: Refresh waits for one in progress, or until ctx ends.
func (s *TLSSource) Refresh(ctx context.Context) error {
	ctx = withOperation(ctx, "TLSSource.Refresh")
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.turn }()
	cur := s.cur.Load().dc.Certificate.Properties
	latest, err := s.c.GetCertificate(ctx, s.name, nil)
	if err != nil {
		return err
	}
	p := latest.Properties
	switch {
	case p.Version == cur.Version:
		return nil
	case !p.Enabled:
		return fmt.Errorf("kvcerts: certificate %q: the latest version %s is disabled; still serving version %s", s.name, p.Version, cur.Version)
	case len(p.X509Thumbprint) > 0 && bytes.Equal(p.X509Thumbprint, cur.X509Thumbprint):
		// The same certificate, so the same key, under a new version.
		old := s.cur.Load()
		s.cur.Store(&tlsServed{dc: &DownloadedCertificate{Certificate: latest, KeyPair: old.dc.KeyPair}, cert: old.cert})
		return nil
	}
	dc, err := s.c.download(ctx, latest)
	if err != nil {
		return err
	}
	s.serve(dc)
	s.c.logger.Info("kvcerts: serving a new certificate version", "certificate", s.name,
		"version", p.Version, "previous", cur.Version, "expires", dc.Leaf.NotAfter)
	return nil
}

// Close stops the background checks and waits for the one in progress, if
// any, to be cancelled. The source keeps serving its last certificate.
// Close may be called more than once; it always returns nil.
func (s *TLSSource) Close() error {
	s.once.Do(func() {
		s.stop()
		<-s.done
	})
	return nil
}

func (s *TLSSource) serve(dc *DownloadedCertificate) {
	cert := dc.TLSCertificate()
	s.cur.Store(&tlsServed{dc: dc, cert: &cert})
}

// run checks the vault until ctx is cancelled.
func (s *TLSSource) run(ctx context.Context) {
	defer close(s.done)
	t := time.NewTimer(s.wait(time.Now()))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.report(err)
		}
		t.Reset(s.wait(time.Now()))
	}
}

// wait returns how long to wait from now until the next check: Interval, or
// less to check once the leaf has reached 80% of its validity.
func (s *TLSSource) wait(now time.Time) time.Duration {
	d := s.interval
	leaf := s.cur.Load().dc.Leaf
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	if until := leaf.NotBefore.Add(life - life/5).Sub(now); until > 0 && until < d {
		d = until
	}
	return d
}

func (s *TLSSource) report(err error) {
	if s.onError != nil {
		s.onError(err)
		return
	}
	s.c.logger.Warn("kvcerts: checking the vault for a new certificate version failed; serving the current one",
		"certificate", s.name, "version", s.cur.Load().dc.Certificate.Properties.Version, "error", err)
}
