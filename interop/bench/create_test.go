package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// creator creates the certificate name, waits until it is issued and
// checks what it decoded.
type creator func(ctx context.Context, name string) error

// The policy every contender creates with: self-signed, with a P-256 key
// (quick to make, so the emulator's key generation does not drown the
// clients' work), subject alternative names, extended key usages and a
// lifetime action; the create sends createTags too.
const (
	createSubject = "CN=bench.contoso.com"
	floorCreate   = `{"policy":{"issuer":{"name":"Self"},"key_props":{"kty":"EC","crv":"P-256"},` +
		`"x509_props":{"subject":"CN=bench.contoso.com","sans":{"dns_names":["bench.contoso.com","www.bench.contoso.com"]},` +
		`"ekus":["1.3.6.1.5.5.7.3.1"],"validity_months":12},` +
		`"lifetime_actions":[{"trigger":{"lifetime_percentage":80},"action":{"action_type":"AutoRenew"}}]},` +
		`"tags":{"bench":"create","owner":"platform-engineering"}}`
)

var createDNSNames = []string{"bench.contoso.com", "www.bench.contoso.com"}

const serverAuthEKU = "1.3.6.1.5.5.7.3.1"

// createPolls is how many status requests the emulator answers "in
// progress" before the create completes, plus the one that sees it
// complete.
const createPolls = 2

// BenchmarkCreate creates a certificate and polls the operation to
// completion, on an emulator that answers the first poll "in progress" and
// completes at the second (no delay between them: each contender polls
// without waiting, ours through Poll and Done). Each new certificate is
// checked against the policy asked for and the tags sent. It reports
// requests/op, the HTTP requests the emulator served per create (create,
// the two polls and the final get), and cpu-ns/op, the CPU time of the
// whole process, emulator included, per create.
func BenchmarkCreate(b *testing.B) {
	// Each contender gets an emulator of its own: the emulator's work per
	// request grows with the certificates it holds, and would otherwise
	// weigh on the contenders that run later.
	for i := range creatorCount {
		srv := newServer(b, vaulttest.WithDelays(vaulttest.Delays{PendingPolls: createPolls - 1}))
		c := creators(b, srv, createTemplate(b, srv))[i]
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

// createTemplate creates one certificate with the floor's request and
// reads the policy served for it, which every create must show too.
func createTemplate(b *testing.B, srv *vaulttest.Server) *createdWant {
	b.Helper()
	fl := newFloor(b, srv, tlsTransport(srv))
	if _, err := fl.create(b.Context(), "template", []byte(floorCreate)); err != nil {
		b.Fatal(err)
	}
	rec := record(b, tlsTransport(srv), srv.URL+"/certificates/template/"+apiVersion, fl.auth)
	if rec.status != http.StatusOK {
		b.Fatalf("get template: %d", rec.status)
	}
	served, err := servedCertificateOf(rec.body)
	if err != nil {
		b.Fatal(err)
	}
	return &createdWant{vault: srv.URL, policy: *served.policy, tags: createTags}
}

// vaultRequests returns how many requests the vault (not its token
// endpoint) has served.
func vaultRequests(srv *vaulttest.Server) int {
	return srv.RequestCount() - srv.TokenRequests()
}

// creatorCount is how many contenders creators returns.
const creatorCount = 3

func creators(b *testing.B, srv *vaulttest.Server, want *createdWant) []contender[creator] {
	fl := newFloor(b, srv, tlsTransport(srv))
	ours := newOurs(b, srv, tlsTransport(srv), srv.TokenSource())
	sdk := newSDK(b, srv, tlsTransport(srv), sdkCredential(srv))
	return []contender[creator]{
		{floorName, func(ctx context.Context, name string) error {
			c, err := fl.create(ctx, name, []byte(floorCreate))
			if err != nil {
				return err
			}
			return errWrap(floorName, checkFloorCreated(c, name, want))
		}},
		{oursName, func(ctx context.Context, name string) error {
			policy := &client.CertificatePolicy{
				IssuerName:              client.IssuerSelf,
				Subject:                 createSubject,
				SubjectAlternativeNames: client.SubjectAlternativeNames{DNSNames: createDNSNames},
				EnhancedKeyUsages:       []string{serverAuthEKU},
				ValidityInMonths:        12,
				KeyType:                 client.KeyTypeEC,
				KeyCurve:                client.KeyCurveP256,
				LifetimeActions:         []client.LifetimeAction{{Action: client.ActionAutoRenew, LifetimePercentage: 80}},
			}
			p, err := ours.BeginCreateCertificate(ctx, name, policy, &client.BeginCreateCertificateOptions{Tags: createTags})
			if err != nil {
				return err
			}
			// Poll without waiting, as the other contenders do.
			for !p.Done() {
				if err := p.Poll(ctx); err != nil {
					return err
				}
			}
			r, err := p.Result()
			if err != nil {
				return err
			}
			return errWrap(oursName, checkOursCreated(r, name, want))
		}},
		{sdkName, func(ctx context.Context, name string) error {
			tags := make(map[string]*string, len(createTags))
			for k, v := range createTags {
				tags[k] = new(v)
			}
			params := azcertificates.CreateCertificateParameters{
				CertificatePolicy: &azcertificates.CertificatePolicy{
					IssuerParameters: &azcertificates.IssuerParameters{Name: new("Self")},
					X509CertificateProperties: &azcertificates.X509CertificateProperties{
						Subject:                 new(createSubject),
						SubjectAlternativeNames: &azcertificates.SubjectAlternativeNames{DNSNames: to.SliceOfPtrs(createDNSNames...)},
						EnhancedKeyUsage:        to.SliceOfPtrs(serverAuthEKU),
						ValidityInMonths:        to.Ptr[int32](12),
					},
					KeyProperties: &azcertificates.KeyProperties{
						KeyType: new(azcertificates.KeyTypeEC),
						Curve:   new(azcertificates.CurveNameP256),
					},
					LifetimeActions: []*azcertificates.LifetimeAction{{
						Trigger: &azcertificates.LifetimeActionTrigger{LifetimePercentage: to.Ptr[int32](80)},
						Action:  &azcertificates.LifetimeActionType{ActionType: new(azcertificates.CertificatePolicyActionAutoRenew)},
					}},
				},
				Tags: tags,
			}
			resp, err := sdk.CreateCertificate(ctx, name, params, nil)
			if err != nil {
				return err
			}
			// The SDK has no poller for creates: poll the operation as its
			// documentation shows, without waiting.
			status := resp.Status
			for status != nil && strings.EqualFold(*status, "inProgress") {
				op, err := sdk.GetCertificateOperation(ctx, name, nil)
				if err != nil {
					return err
				}
				status = op.Status
			}
			if status == nil || !strings.EqualFold(*status, "completed") {
				return fmt.Errorf("azsdk: create %s ended %v", name, new(status))
			}
			got, err := sdk.GetCertificate(ctx, name, "", nil)
			if err != nil {
				return err
			}
			return errWrap(sdkName, checkSDKCreated(&got.Certificate, name, want))
		}},
	}
}
