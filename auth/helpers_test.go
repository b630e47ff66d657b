package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/internal/testcert"
	"golang.org/x/oauth2"
)

// testNow is where every fake clock starts.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: testNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// entraServer is a fake Microsoft Entra ID token endpoint on an httptest TLS server. It
// records every request and answers with respond, or with a fresh token when respond is nil.
type entraServer struct {
	*httptest.Server
	t       *testing.T
	respond func(w http.ResponseWriter, r *http.Request, form url.Values)

	mu       sync.Mutex
	requests []entraRequest
}

// entraRequest is what the fake endpoint received.
type entraRequest struct {
	Path string
	Form url.Values
}

func newEntraServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, form url.Values)) *entraServer {
	t.Helper()
	s := &entraServer{t: t, respond: respond}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *entraServer) serve(w http.ResponseWriter, r *http.Request) {
	if tenant, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/v2.0/.well-known/openid-configuration"); ok && r.Method == http.MethodGet {
		// MSAL reads the tenant's OpenID configuration before its first token request.
		base := "https://" + r.Host + "/" + tenant
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token_endpoint":%q,"authorization_endpoint":%q,"issuer":%q}`,
			base+"/oauth2/v2.0/token", base+"/oauth2/v2.0/authorize", base+"/v2.0")
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		s.t.Errorf("token request %s with Content-Type %q, want a form POST", r.Method, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("parsing the token request: %v", err)
	}
	s.mu.Lock()
	s.requests = append(s.requests, entraRequest{Path: r.URL.Path, Form: r.PostForm})
	n := len(s.requests)
	s.mu.Unlock()
	if s.respond != nil {
		s.respond(w, r, r.PostForm)
		return
	}
	writeToken(w, fmt.Sprintf("token-%d", n), 3600)
}

// Requests returns what the endpoint has received so far.
func (s *entraServer) Requests() []entraRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]entraRequest(nil), s.requests...)
}

// options points a credential at the fake endpoint.
func (s *entraServer) options() Options {
	return Options{HTTPClient: loopbackOnly(s.Client()), AuthorityHost: s.URL, DisableInstanceDiscovery: true}
}

// writeToken answers a token request like Microsoft Entra ID does.
func writeToken(w http.ResponseWriter, token string, expiresIn int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":%d,"ext_expires_in":%d,"access_token":%q}`, expiresIn, expiresIn, token)
}

// entraErrorBody is an error body in Microsoft Entra ID's shape.
const entraErrorBody = `{"error":"invalid_client",` +
	`"error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2025-06-01 12:00:00Z",` +
	`"error_codes":[7000215],"timestamp":"2025-06-01 12:00:00Z",` +
	`"trace_id":"0000aaaa-11bb-cccc-dd22-eeeeee333333","correlation_id":"aaaa0000-bb11-2222-33cc-444444dddddd",` +
	`"error_uri":"https://login.microsoftonline.com/error?code=7000215"}`

// wantEntraError is entraErrorBody as an *AuthenticationError.
var wantEntraError = &AuthenticationError{
	StatusCode:    http.StatusUnauthorized,
	ErrorCode:     "invalid_client",
	Description:   "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2025-06-01 12:00:00Z",
	ErrorCodes:    []int{7000215},
	TraceID:       "0000aaaa-11bb-cccc-dd22-eeeeee333333",
	CorrelationID: "aaaa0000-bb11-2222-33cc-444444dddddd",
}

func writeEntraError(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, entraErrorBody)
}

// captureLog returns a logger that records everything, down to debug level, in buf.
func captureLog() (*slog.Logger, *bytes.Buffer) {
	var buf syncBuffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf.buf
}

// syncBuffer lets concurrent log calls share a buffer.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// assertNoSecrets fails the test when any secret appears in text.
func assertNoSecrets(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s contains the secret %q:\n%s", what, s, text)
		}
	}
}

// sourceFunc is a source for tests of the caching and tenant logic.
type sourceFunc func(ctx context.Context, r tokenRequest) (*oauth2.Token, error)

func (f sourceFunc) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	return f(ctx, r)
}

// testCert is a certificate chain and key for the client certificate tests.
type testCert struct {
	chain []*x509.Certificate // leaf, then its issuer
	key   *rsa.PrivateKey
	caKey *rsa.PrivateKey
}

var (
	testCertOnce sync.Once
	testCertVal  testCert
)

// newTestCert returns an RSA leaf certificate issued by a test CA. It is made once per test
// binary because RSA key generation is slow.
func newTestCert(t *testing.T) testCert {
	t.Helper()
	testCertOnce.Do(func() {
		caKey := mustRSA(t)
		ca := mustCert(t, "kvcerts test CA", nil, &caKey.PublicKey, caKey, true)
		key := mustRSA(t)
		leaf := mustCert(t, "kvcerts test client", ca, &key.PublicKey, caKey, false)
		testCertVal = testCert{chain: []*x509.Certificate{leaf, ca}, key: key, caKey: caKey}
	})
	if testCertVal.key == nil {
		t.Fatal("test certificate setup failed earlier")
	}
	return testCertVal
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustECDSA(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustCert issues a certificate for pub, signed by signer as parent (self-signed when parent
// is nil).
func mustCert(t *testing.T, cn string, parent *x509.Certificate, pub, signer any, isCA bool) *x509.Certificate {
	t.Helper()
	tp := testcert.Template{
		Subject:   pkix.Name{CommonName: cn},
		NotBefore: testNow.Add(-time.Hour),
		NotAfter:  testNow.Add(365 * 24 * time.Hour),
		IsCA:      isCA,
		KeyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if parent == nil {
		return testcert.SelfSigned(t, tp, signer.(crypto.Signer))
	}
	return (&testcert.CA{Cert: parent, Key: signer.(crypto.Signer)}).Issue(t, tp, pub)
}

// decodeSegment decodes one base64url JWT segment.
func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("JWT segment %q: %v", seg, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("JWT segment %s: %v", b, err)
	}
}
