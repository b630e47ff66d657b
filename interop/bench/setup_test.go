package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/interop"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

// The contenders, as the client=... component of sub-benchmark names.
const (
	floorName      = "floor"
	floorIDName    = "floor-id" // the floor with an x-ms-client-request-id
	oursName       = "ours"
	oursStaticName = "ours-static" // our client with a fixed token source
	sdkName        = "azsdk"
)

// contender is one contender's way to do a benchmark's work.
type contender[F any] struct {
	name string
	fn   F
}

// newServer starts an emulator for one benchmark. It keeps no request log,
// only the request count.
func newServer(tb testing.TB, opts ...vaulttest.Option) *vaulttest.Server {
	tb.Helper()
	srv, err := vaulttest.Start(append([]vaulttest.Option{vaulttest.WithRequestLogSize(0)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// tlsTransport returns a transport of its own to srv over loopback TLS,
// keeping enough idle connections for every goroutine of a benchmark.
func tlsTransport(srv *vaulttest.Server) *http.Transport {
	t := srv.Transport().Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// fixedToken fetches one token for srv's vault, which the floor and our
// static contender use as long as the benchmark runs.
func fixedToken(tb testing.TB, srv *vaulttest.Server) *oauth2.Token {
	tb.Helper()
	tok, err := srv.TokenSource().Token()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// newFloor returns the floor for srv, sending through rt with a fixed token.
func newFloor(tb testing.TB, srv *vaulttest.Server, rt http.RoundTripper) *floor {
	return &floor{hc: &http.Client{Transport: rt}, vault: srv.URL, auth: "Bearer " + fixedToken(tb, srv).AccessToken}
}

// newOurs returns our client for srv with its default options, sending
// through rt and authenticating with ts.
func newOurs(b *testing.B, srv *vaulttest.Server, rt http.RoundTripper, ts oauth2.TokenSource) *client.Client {
	b.Helper()
	c, err := client.New(srv.URL, ts, client.WithTransport(rt))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// newSDK returns Microsoft's client for srv with its default options
// (challenge-resource verification and retries on), sending through rt.
func newSDK(b *testing.B, srv *vaulttest.Server, rt http.RoundTripper, cred azcore.TokenCredential) *azcertificates.Client {
	b.Helper()
	c, err := azcertificates.NewClient(srv.URL, cred,
		&azcertificates.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: &http.Client{Transport: rt}}})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// sdkCredential is the SDK's credential for srv: tokens from its token
// endpoint for the scope and tenant of the vault's challenge.
func sdkCredential(srv *vaulttest.Server) azcore.TokenCredential {
	return interop.NewCredential(srv.TokenSource())
}

// recording is one response recorded from the emulator.
type recording struct {
	status     int
	statusLine string // such as "200 OK"
	header     http.Header
	body       []byte
}

// record sends one request to url through rt, with the Authorization
// header auth unless it is empty, and records the answer.
func record(b *testing.B, rt http.RoundTripper, url, auth string) recording {
	b.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return recording{status: resp.StatusCode, statusLine: resp.Status, header: resp.Header, body: body}
}

// replay is an in-memory http.RoundTripper that answers like the emulator
// did once: with its authentication challenge to a request without an
// Authorization header, and with the recorded success to any other. Each
// answer gets its own header map and body reader, as from a real transport.
type replay struct {
	challenge, ok recording
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	rec := &r.ok
	if req.Header.Get("Authorization") == "" {
		rec = &r.challenge
	}
	return &http.Response{
		Status:        rec.statusLine,
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(rec.body)),
		ContentLength: int64(len(rec.body)),
		Request:       req,
	}, nil
}
