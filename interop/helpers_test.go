package interop

import (
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kvcerts/kvcerts/internal/testcert"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// vault is one emulator with Microsoft's certificates and secrets clients
// pointed at it.
type vault struct {
	url     string            // the vault URL, without a trailing slash
	srv     *vaulttest.Server // nil for the standalone binary
	certs   *azcertificates.Client
	secrets *azsecrets.Client
	cred    *recordingCredential
}

// newVault starts an emulator for one test and points the SDK's clients at
// it, with challenge-resource verification on (the SDK's default).
func newVault(t *testing.T, opts ...vaulttest.Option) *vault {
	t.Helper()
	srv, err := vaulttest.Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	cred := &recordingCredential{cred: NewCredential(srv.TokenSource())}
	certs, secrets := sdkClients(t, srv.URL, cred, srv.Client())
	return &vault{url: srv.URL, srv: srv, certs: certs, secrets: secrets, cred: cred}
}

// sdkClients makes the SDK's clients for vaultURL, sending their requests
// through hc. Retries are off: the emulator injects no faults here, so any
// 5xx or dropped connection is a failure to report, not to wait out with the
// SDK's backoff.
func sdkClients(t *testing.T, vaultURL string, cred azcore.TokenCredential, hc *http.Client) (*azcertificates.Client, *azsecrets.Client) {
	t.Helper()
	co := azcore.ClientOptions{Transport: hc, Retry: policy.RetryOptions{MaxRetries: -1}}
	certs, err := azcertificates.NewClient(vaultURL, cred, &azcertificates.ClientOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := azsecrets.NewClient(vaultURL, cred, &azsecrets.ClientOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	return certs, secrets
}

// recordingCredential remembers the token requests the SDK made.
type recordingCredential struct {
	cred azcore.TokenCredential

	mu   sync.Mutex
	reqs []policy.TokenRequestOptions
}

func (r *recordingCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, opts)
	r.mu.Unlock()
	return r.cred.GetToken(ctx, opts)
}

func (r *recordingCredential) requests() []policy.TokenRequestOptions {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]policy.TokenRequestOptions(nil), r.reqs...)
}

// fakeClock is an emulator clock that tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ignorePolicy compares certificates without their policies: the service
// attaches the policy to the latest version's GET only (see
// TestGetCertificateVersionHasNoPolicy).
var ignorePolicy = cmpopts.IgnoreFields(azcertificates.Certificate{}, "Policy")

var versionRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkVersion fails unless v is a version as the service forms them.
func checkVersion(t *testing.T, what, v string) {
	t.Helper()
	if !versionRE.MatchString(v) {
		t.Errorf("%s version = %q, want 32 lowercase hex digits", what, v)
	}
}

// wantResponseError fails unless err is the SDK's *azcore.ResponseError
// with this status and service error code; an empty code accepts any
// non-empty one.
func wantResponseError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *azcore.ResponseError %d %s", err, err, status, code)
	}
	if re.StatusCode != status || re.ErrorCode == "" || (code != "" && re.ErrorCode != code) {
		t.Errorf("error = %d %q, want %d %q", re.StatusCode, re.ErrorCode, status, code)
	}
	if re.RawResponse == nil || re.RawResponse.Header.Get("x-ms-request-id") == "" {
		t.Errorf("error response has no x-ms-request-id header")
	}
}

// selfPolicy is a small self-signed policy: the SDK's defaults for
// everything but the subject and issuer.
func selfPolicy(subject string) *azcertificates.CertificatePolicy {
	return &azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: new("Self")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: new(subject)},
		KeyProperties: &azcertificates.KeyProperties{
			KeyType: new(azcertificates.KeyTypeEC),
			Curve:   new(azcertificates.CurveNameP256),
		},
	}
}

// parseCER parses a certificate's DER and checks its thumbprint.
func parseCER(t *testing.T, cer, x5t []byte) *x509.Certificate {
	t.Helper()
	cert, err := x509.ParseCertificate(cer)
	if err != nil {
		t.Fatalf("CER is not a DER certificate: %v", err)
	}
	if sum := sha1.Sum(cer); string(x5t) != string(sum[:]) {
		t.Errorf("X509Thumbprint = %x, want SHA-1 of CER %x", x5t, sum)
	}
	return cert
}

// wantIDs checks a certificate's id, kid and sid for name and returns the
// version they share.
func (v *vault) wantIDs(t *testing.T, name string, id, kid, sid *azcertificates.ID) string {
	t.Helper()
	if id == nil || kid == nil || sid == nil {
		t.Fatalf("ids: ID %v, KID %v, SID %v; want all set", id, kid, sid)
	}
	ver := id.Version()
	checkVersion(t, "ID", ver)
	if id.Name() != name {
		t.Errorf("ID.Name() = %q, want %q", id.Name(), name)
	}
	for _, c := range []struct {
		got  azcertificates.ID
		kind string
	}{{*id, "certificates"}, {*kid, "keys"}, {*sid, "secrets"}} {
		if want := v.url + "/" + c.kind + "/" + name + "/" + ver; string(c.got) != want {
			t.Errorf("%s id = %q, want %q", c.kind, c.got, want)
		}
	}
	return ver
}

// sameKey fails unless key is the private key of cert.
func sameKey(t *testing.T, key any, cert *x509.Certificate) {
	t.Helper()
	s, ok := key.(crypto.Signer)
	if !ok {
		t.Fatalf("private key is %T, not a crypto.Signer", key)
	}
	pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		t.Errorf("the private key does not belong to the certificate %q", cert.Subject)
	}
}

// issueServer signs a server certificate with ca, an external CA the vault
// knows nothing about, for pub with this subject and DNS names, valid for
// six months.
func issueServer(t *testing.T, ca *testcert.CA, subject pkix.Name, dnsNames []string, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	return ca.Issue(t, testcert.Template{
		Subject:     subject,
		DNSNames:    dnsNames,
		NotBefore:   time.Now().Add(-time.Minute).Truncate(time.Second),
		NotAfter:    time.Now().AddDate(0, 6, 0).Truncate(time.Second),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, pub)
}

// pool returns a certificate pool of the given roots.
func pool(roots ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range roots {
		p.AddCert(c)
	}
	return p
}

// str returns *p, or "<nil>".
func str[T ~string](p *T) string {
	if p == nil {
		return "<nil>"
	}
	return string(*p)
}

// derefAll returns the strings the SDK's []*string points to.
func derefAll(p []*string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = *s
	}
	return out
}

// tags makes SDK tags from pairs.
func tags(pairs ...string) map[string]*string {
	m := make(map[string]*string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = new(pairs[i+1])
	}
	return m
}

var (
	oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidUPN = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}
)

// upns returns the user principal names (otherName SANs) of cert, which
// crypto/x509 does not parse.
func upns(t *testing.T, cert *x509.Certificate) []string {
	t.Helper()
	var out []string
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidSAN) {
			continue
		}
		var names []asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &names); err != nil {
			t.Fatalf("SAN extension: %v", err)
		}
		for _, n := range names {
			if n.Class != asn1.ClassContextSpecific || n.Tag != 0 {
				continue
			}
			var other struct {
				ID    asn1.ObjectIdentifier
				Value string `asn1:"explicit,tag:0,utf8"`
			}
			if _, err := asn1.UnmarshalWithParams(n.FullBytes, &other, "tag:0"); err != nil {
				t.Fatalf("SAN otherName: %v", err)
			}
			if other.ID.Equal(oidUPN) {
				out = append(out, other.Value)
			}
		}
	}
	return out
}
