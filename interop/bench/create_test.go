package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// creator creates the certificate name and waits until it is issued.
type creator func(ctx context.Context, name string) error

// The policy every contender creates with: self-signed, with a P-256 key
// (quick to make, so the emulator's key generation does not drown the
// clients' work).
const (
	createSubject = "CN=bench"
	floorCreate   = `{"policy":{"issuer":{"name":"Self"},"x509_props":{"subject":"CN=bench"},"key_props":{"kty":"EC","crv":"P-256"}}}`
)

// BenchmarkCreate creates a certificate and polls the operation to
// completion, on an emulator that completes it at the first poll (zero
// delay). It reports requests/op, the HTTP requests the emulator served per
// create (create, the polls and the final get), and cpu-ns/op, the CPU time
// of the whole process, emulator included, per create.
func BenchmarkCreate(b *testing.B) {
	srv := newServer(b)
	for _, c := range creators(b, srv) {
		seq := 0
		b.Run("client="+c.name, func(b *testing.B) {
			ctx := b.Context()
			create := func() {
				seq++
				if err := c.fn(ctx, fmt.Sprintf("%s-%d", c.name, seq)); err != nil {
					b.Fatal(err)
				}
			}
			create() // the challenge and token, outside the counts
			requests := vaultRequests(srv)
			cpu, cpuOK := cpuTime()
			b.ReportAllocs()
			for b.Loop() {
				create()
			}
			b.ReportMetric(float64(vaultRequests(srv)-requests)/float64(b.N), "requests/op")
			if end, ok := cpuTime(); ok && cpuOK {
				b.ReportMetric(float64(end-cpu)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// vaultRequests returns how many requests the vault (not its token
// endpoint) has served.
func vaultRequests(srv *vaulttest.Server) int {
	return srv.RequestCount() - srv.TokenRequests()
}

func creators(b *testing.B, srv *vaulttest.Server) []contender[creator] {
	fl := newFloor(b, srv, tlsTransport(srv))
	ours := newOurs(b, srv, tlsTransport(srv), srv.TokenSource())
	sdk := newSDK(b, srv, tlsTransport(srv), sdkCredential(srv))
	return []contender[creator]{
		{floorName, func(ctx context.Context, name string) error {
			_, err := fl.create(ctx, name, []byte(floorCreate))
			return err
		}},
		{oursName, func(ctx context.Context, name string) error {
			policy := &client.CertificatePolicy{
				IssuerName: client.IssuerSelf,
				Subject:    createSubject,
				KeyType:    client.KeyTypeEC,
				KeyCurve:   client.KeyCurveP256,
			}
			p, err := ours.BeginCreateCertificate(ctx, name, policy, nil)
			if err != nil {
				return err
			}
			_, err = p.Wait(ctx)
			return err
		}},
		{sdkName, func(ctx context.Context, name string) error {
			params := azcertificates.CreateCertificateParameters{CertificatePolicy: &azcertificates.CertificatePolicy{
				IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
				X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr(createSubject)},
				KeyProperties: &azcertificates.KeyProperties{
					KeyType: to.Ptr(azcertificates.KeyTypeEC),
					Curve:   to.Ptr(azcertificates.CurveNameP256),
				},
			}}
			resp, err := sdk.CreateCertificate(ctx, name, params, nil)
			if err != nil {
				return err
			}
			// The SDK has no poller for creates: poll the operation as its
			// documentation shows, without waiting, since the emulator
			// asks for none.
			status := resp.Status
			for status != nil && strings.EqualFold(*status, "inProgress") {
				op, err := sdk.GetCertificateOperation(ctx, name, nil)
				if err != nil {
					return err
				}
				status = op.Status
			}
			if status == nil || !strings.EqualFold(*status, "completed") {
				return fmt.Errorf("azsdk: create %s ended %v", name, to.Ptr(status))
			}
			_, err = sdk.GetCertificate(ctx, name, "", nil)
			return err
		}},
	}
}
