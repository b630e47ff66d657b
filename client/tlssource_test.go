package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

// memVault returns an emulator served in memory, so that it runs inside a
// synctest bubble on the bubble's clock, and a client for it.
func memVault(t *testing.T, opts ...Option) (*vaulttest.Handler, *Client) {
	t.Helper()
	h, err := vaulttest.NewHandler(vaulttest.WithLenientAuth())
	if err != nil {
		t.Fatal(err)
	}
	c, err := New("https://myvault.vault.localhost", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "any"}),
		append([]Option{WithTransport(&handlerTransport{h: h}), WithPollFrequency(time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

// operations lists the REST operations h served since its last reset.
func operations(h *vaulttest.Handler) []string {
	var ops []string
	for _, r := range h.Requests() {
		ops = append(ops, r.Operation)
	}
	return ops
}

// served returns the leaf the source presents to TLS peers.
func served(t *testing.T, src *TLSSource) []byte {
	t.Helper()
	tc, err := src.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := src.GetClientCertificate(&tls.CertificateRequestInfo{})
	if err != nil || cc != tc {
		t.Fatalf("GetClientCertificate = %p, %v; GetCertificate = %p", cc, err, tc)
	}
	if !bytes.Equal(tc.Certificate[0], tc.Leaf.Raw) {
		t.Fatal("the served Leaf is not the first certificate")
	}
	return tc.Leaf.Raw
}

// errorList collects the errors a TLSSource reports.
type errorList struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorList) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorList) get() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// ecPolicy is a quick policy for sources: an EC P-256 key and a PEM secret.
func ecPolicy() *CertificatePolicy { return keyPolicy(KeyTypeEC, 0, KeyCurveP256, ContentTypePEM) }

// TestTLSSourceInterval checks that the source picks up a new version at
// the next interval, downloading only when the version changed.
func TestTLSSourceInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h, c := memVault(t)
		ctx := t.Context()
		v1 := create(t, c, "web", ecPolicy())
		var errs errorList
		src, err := c.NewTLSSource(ctx, "web", &TLSSourceOptions{Interval: 10 * time.Minute, OnError: errs.add})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if !bytes.Equal(served(t, src), v1.CER) {
			t.Fatal("the source does not serve the latest version")
		}

		v2 := create(t, c, "web", ecPolicy())
		h.ResetRequests()
		time.Sleep(10*time.Minute - time.Second)
		synctest.Wait()
		if !bytes.Equal(served(t, src), v1.CER) || h.RequestCount() != 0 {
			t.Fatalf("before the interval: %d requests, new version served: %v", h.RequestCount(), bytes.Equal(served(t, src), v2.CER))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if !bytes.Equal(served(t, src), v2.CER) {
			t.Fatal("the new version is not served after the interval")
		}
		if diff := cmp.Diff([]string{"GetCertificate", "GetSecret"}, operations(h)); diff != "" {
			t.Errorf("requests of the check (-want +got):\n%s", diff)
		}

		h.ResetRequests()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if diff := cmp.Diff([]string{"GetCertificate"}, operations(h)); diff != "" {
			t.Errorf("requests of a check without a new version (-want +got):\n%s", diff)
		}
		if e := errs.get(); len(e) != 0 {
			t.Errorf("errors reported: %v", e)
		}
	})
}

// TestTLSSourceBeforeExpiry checks that a source with a long interval still
// checks when the leaf reaches 80% of its validity, when the vault's default
// policy renews the certificate, and serves the renewal from then on.
func TestTLSSourceBeforeExpiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h, c := memVault(t)
		v1 := create(t, c, "web", ecPolicy())
		src, err := c.NewTLSSource(t.Context(), "web", &TLSSourceOptions{Interval: 50 * 365 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		leaf, err := x509.ParseCertificate(v1.CER)
		if err != nil {
			t.Fatal(err)
		}
		life := leaf.NotAfter.Sub(leaf.NotBefore)
		renewal := leaf.NotBefore.Add(life - life/5)

		h.ResetRequests()
		time.Sleep(time.Until(renewal) - time.Second)
		synctest.Wait()
		if !bytes.Equal(served(t, src), v1.CER) || h.RequestCount() != 0 {
			t.Fatalf("before 80%% of the validity: %d requests", h.RequestCount())
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		latest, err := c.GetCertificate(t.Context(), "web", nil)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Properties.Version == v1.Properties.Version {
			t.Fatal("the vault did not renew the certificate at 80% of its validity")
		}
		if !bytes.Equal(served(t, src), latest.CER) {
			t.Fatal("the renewal is not served after 80% of the validity")
		}
	})
}

// TestTLSSourceVaultFails checks that the source keeps serving its
// certificate while the vault fails, reports the errors to OnError or to
// the client's logger, and recovers.
func TestTLSSourceVaultFails(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		h, c := memVault(t, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		v1 := create(t, c, "web", ecPolicy())
		var errs errorList
		withCallback, err := c.NewTLSSource(t.Context(), "web", &TLSSourceOptions{Interval: time.Minute, OnError: errs.add})
		if err != nil {
			t.Fatal(err)
		}
		defer withCallback.Close()
		withLogger, err := c.NewTLSSource(t.Context(), "web", &TLSSourceOptions{Interval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer withLogger.Close()
		v2 := create(t, c, "web", ecPolicy())

		if err := h.SetFaults(vaulttest.Faults{ErrorEvery: 1, ErrorStatus: http.StatusServiceUnavailable}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute + 30*time.Second) // the check and its retries
		synctest.Wait()
		for _, src := range []*TLSSource{withCallback, withLogger} {
			if !bytes.Equal(served(t, src), v1.CER) {
				t.Fatal("the source stopped serving its certificate")
			}
		}
		if e := errs.get(); len(e) != 1 || !strings.Contains(e[0].Error(), "503") {
			t.Errorf("OnError got %v, want one 503 error", e)
		}
		if log := logs.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "certificate=web") || !strings.Contains(log, "503") {
			t.Errorf("the client's logger got %q", log)
		}

		if err := h.SetFaults(vaulttest.Faults{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		for _, src := range []*TLSSource{withCallback, withLogger} {
			if !bytes.Equal(served(t, src), v2.CER) {
				t.Error("the source did not recover")
			}
		}
		if !strings.Contains(logs.String(), "serving a new certificate version") {
			t.Errorf("the rotation was not logged: %q", logs.String())
		}
	})
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTLSSourceClose checks that Close cancels a check in progress, stops
// the checks, may be called twice, and leaves the certificate served.
func TestTLSSourceClose(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h, c := memVault(t)
		v1 := create(t, c, "web", ecPolicy())
		src, err := c.NewTLSSource(t.Context(), "web", &TLSSourceOptions{Interval: time.Minute, OnError: func(err error) { t.Errorf("reported %v", err) }})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.SetFaults(vaulttest.Faults{Latency: time.Hour}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute + time.Second) // a check is now waiting for the vault
		synctest.Wait()
		if n := h.RequestCount(); n == 0 {
			t.Fatal("no check in progress")
		}
		start := time.Now()
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v; it should cancel the check", d)
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		n := h.RequestCount()
		time.Sleep(time.Hour)
		synctest.Wait()
		if h.RequestCount() != n {
			t.Error("the source checked the vault after Close")
		}
		if !bytes.Equal(served(t, src), v1.CER) {
			t.Error("a closed source does not serve its certificate")
		}
	})
}

// TestTLSSourceRefreshWaitEndsWithContext checks that a Refresh waiting for
// a check in progress stops waiting when its context ends, and that Close
// does not wait for a Refresh of the caller's, even while the background
// check waits for it.
func TestTLSSourceRefreshWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h, c := memVault(t)
		create(t, c, "web", ecPolicy())
		src, err := c.NewTLSSource(t.Context(), "web", &TLSSourceOptions{Interval: time.Minute, OnError: func(err error) { t.Errorf("reported %v", err) }})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.SetFaults(vaulttest.Faults{Latency: time.Hour}); err != nil {
			t.Fatal(err)
		}
		slow := make(chan error)
		go func() { slow <- src.Refresh(t.Context()) }()
		synctest.Wait() // the slow check is waiting for the vault
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if err := src.Refresh(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Refresh = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Refresh returned after %v, want 1s", d)
		}
		time.Sleep(time.Minute) // the background check is now waiting for its turn
		synctest.Wait()
		start = time.Now()
		src.Close()
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v while a Refresh of the caller's ran", d)
		}
		if err := <-slow; err != nil {
			t.Errorf("slow Refresh = %v", err)
		}
	})
}

// TestTLSSourceRefresh checks Refresh in each case a check meets.
func TestTLSSourceRefresh(t *testing.T) {
	t.Parallel()
	h, c := memVault(t)
	ctx := t.Context()
	v1 := create(t, c, "web", ecPolicy())
	src, err := c.NewTLSSource(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	h.ResetRequests()
	if err := src.Refresh(ctx); err != nil || !bytes.Equal(served(t, src), v1.CER) {
		t.Fatalf("no new version: err = %v", err)
	}

	// A disabled new version is not served.
	v2 := create(t, c, "web", ecPolicy())
	if _, err := c.UpdateCertificateProperties(ctx, "web", &UpdateCertificatePropertiesOptions{Version: v2.Properties.Version, Enabled: new(false)}); err != nil {
		t.Fatal(err)
	}
	if err := src.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "disabled") || !bytes.Equal(served(t, src), v1.CER) {
		t.Fatalf("disabled version: err = %v", err)
	}

	// The same certificate imported again is a new version, but needs no
	// download.
	dc, err := c.DownloadCertificate(ctx, "web", &DownloadCertificateOptions{Version: v1.Properties.Version})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ImportKeyPair(ctx, "web", &dc.KeyPair, nil); err != nil {
		t.Fatal(err)
	}
	h.ResetRequests()
	if err := src.Refresh(ctx); err != nil || !bytes.Equal(served(t, src), v1.CER) {
		t.Fatalf("same certificate: err = %v", err)
	}
	if diff := cmp.Diff([]string{"GetCertificate"}, operations(h)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	h.ResetRequests()
	if err := src.Refresh(ctx); err != nil || len(operations(h)) != 1 {
		t.Fatalf("after the same certificate: err = %v, requests %v", err, operations(h))
	}

	v4 := create(t, c, "web", ecPolicy())
	if err := src.Refresh(ctx); err != nil || !bytes.Equal(served(t, src), v4.CER) {
		t.Fatalf("new version: err = %v", err)
	}
}

func TestNewTLSSourceErrors(t *testing.T) {
	t.Parallel()
	_, c := memVault(t)
	locked := keyPolicy(KeyTypeEC, 0, KeyCurveP256, ContentTypePKCS12)
	locked.Exportable = new(false)
	create(t, c, "locked", locked)
	for _, tt := range []struct {
		name string
		opts *TLSSourceOptions
		want error
	}{
		{"missing", nil, ErrNotFound},
		{"locked", nil, ErrKeyNotExportable},
		{"locked", &TLSSourceOptions{Interval: -time.Second}, ErrInvalidArgument},
		{"locked", &TLSSourceOptions{Interval: time.Millisecond}, ErrInvalidArgument},
		{"bad name", nil, ErrInvalidArgument},
	} {
		src, err := c.NewTLSSource(t.Context(), tt.name, tt.opts)
		if !errors.Is(err, tt.want) || src != nil {
			t.Errorf("%s: got %v, %v; want %v", tt.name, src, err, tt.want)
		}
	}
}

// TestTLSSourceHTTPS serves HTTPS on loopback with a source and checks that
// clients see the new certificate once a new version is in the vault and
// the source was refreshed. The source also gives the client its
// certificate, for mutual TLS.
func TestTLSSourceHTTPS(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	ctx := t.Context()
	v1 := create(t, c, "web", ecPolicy())
	src, err := c.NewTLSSource(ctx, "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var clientCerts [][]byte
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			clientCerts = append(clientCerts, r.TLS.PeerCertificates[0].Raw)
			mu.Unlock()
		}),
		TLSConfig: &tls.Config{GetCertificate: src.GetCertificate, ClientAuth: tls.RequireAnyClientCert},
		ErrorLog:  log.New(io.Discard, "", 0), // the last request fails its handshake on purpose
	}
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })

	// get makes a request that trusts only want, so it fails unless the
	// server presents want.
	get := func(want []byte) error {
		leaf, err := x509.ParseCertificate(want)
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(leaf)
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "localhost", GetClientCertificate: src.GetClientCertificate}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get("https://" + ln.Addr().String() + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		if !bytes.Equal(clientCerts[len(clientCerts)-1], want) {
			t.Error("the client did not present the source's certificate")
		}
		return nil
	}
	if err := get(v1.CER); err != nil {
		t.Fatal(err)
	}
	v2 := create(t, c, "web", ecPolicy())
	if err := get(v1.CER); err != nil {
		t.Fatalf("before Refresh: %v", err)
	}
	if err := src.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := get(v2.CER); err != nil {
		t.Fatalf("after Refresh: %v", err)
	}
	if err := get(v1.CER); err == nil {
		t.Error("the old certificate is still served")
	}
}
