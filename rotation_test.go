package kvcerts_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// handshake makes a TLS handshake with a server that takes its
// certificate from src, over an in-memory connection, and returns the leaf
// it presented.
func handshake(t *testing.T, src *client.TLSSource) []byte {
	t.Helper()
	cConn, sConn := net.Pipe()
	defer cConn.Close()
	defer sConn.Close()
	go func() {
		_ = tls.Server(sConn, &tls.Config{GetCertificate: src.GetCertificate}).HandshakeContext(t.Context())
	}()
	var leaf []byte
	cfg := &tls.Config{
		ServerName:         "localhost",
		InsecureSkipVerify: true, // the test compares the leaf with the vault's versions itself
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			leaf = raw[0]
			return nil
		},
	}
	if err := tls.Client(cConn, cfg).HandshakeContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	return leaf
}

// TestRotation: a TLSSource serves a certificate with an AutoRenew lifetime
// action; the emulator's clock moves past the trigger, the vault renews,
// and the next TLS handshake presents the renewed version, without a sleep
// or a restart. Once per kind of trigger.
func TestRotation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		action  client.LifetimeAction
		trigger func(nbf, exp time.Time) time.Time
	}{
		{"lifetime_percentage", client.LifetimeAction{Action: client.ActionAutoRenew, LifetimePercentage: 75},
			func(nbf, exp time.Time) time.Time { return nbf.Add(exp.Sub(nbf) / 100 * 75) }},
		{"days_before_expiry", client.LifetimeAction{Action: client.ActionAutoRenew, DaysBeforeExpiry: 45},
			func(_, exp time.Time) time.Time { return exp.AddDate(0, 0, -45) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := vaulttest.NewServer(vaulttest.WithStartTime(time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)))
			defer srv.Close()
			c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			policy := client.DefaultPolicy()
			policy.KeyType, policy.KeySize, policy.KeyCurve = client.KeyTypeEC, 0, client.KeyCurveP256
			policy.Subject = "CN=localhost"
			policy.ValidityInMonths = 6
			policy.LifetimeActions = []client.LifetimeAction{tt.action}
			p, err := c.BeginCreateCertificate(ctx, "web", policy, nil)
			if err != nil {
				t.Fatal(err)
			}
			first, err := p.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			src, err := c.NewTLSSource(ctx, "web", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if !bytes.Equal(handshake(t, src), first.Certificate.CER) {
				t.Fatal("the first handshake does not present the first version")
			}

			props := first.Certificate.Properties
			trigger := tt.trigger(props.NotBefore, props.Expires)
			if _, err := srv.Advance(trigger.Sub(srv.Now()) - time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := src.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(handshake(t, src), first.Certificate.CER) {
				t.Fatal("a minute before the trigger, the handshake presents another version")
			}

			if _, err := srv.Advance(2 * time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := src.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			latest, err := c.GetCertificate(ctx, "web", nil)
			if err != nil {
				t.Fatal(err)
			}
			if latest.Properties.Version == props.Version {
				t.Fatal("the vault did not renew past the trigger")
			}
			if got := latest.Properties.NotBefore; got.Before(trigger.Truncate(time.Second)) || got.After(trigger) {
				t.Errorf("the renewal starts %v, want at the trigger %v", got, trigger)
			}
			if !bytes.Equal(handshake(t, src), latest.CER) {
				t.Fatal("the next handshake does not present the renewed version")
			}
		})
	}
}
