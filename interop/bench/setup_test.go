package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
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
func newOurs(b testing.TB, srv *vaulttest.Server, rt http.RoundTripper, ts oauth2.TokenSource) *client.Client {
	b.Helper()
	c, err := client.New(srv.URL, ts, client.WithTransport(rt))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// newSDK returns Microsoft's client for srv with its default options
// (challenge-resource verification and retries on), sending through rt.
func newSDK(b testing.TB, srv *vaulttest.Server, rt http.RoundTripper, cred azcore.TokenCredential) *azcertificates.Client {
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
func record(b testing.TB, rt http.RoundTripper, url, auth string) recording {
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
// Authorization header, and with the recorded success to one with a token
// the vault accepts. It checks every request as the vault would and fails
// any other: the method, the vault's host, the path (with or without its
// trailing slash), the api-version the contender sends and nothing else
// in the query, and the bearer token. Each answer gets its own header map
// and body reader, as from a real transport.
type replay struct {
	challenge, ok recording
	method, host  string
	paths         []string
	apiVersion    string
	tokens        *tokenCheck
}

// forVersion returns a copy of r for a contender sending api-version v.
func (r *replay) forVersion(v string) *replay {
	c := *r
	c.apiVersion = v
	return &c
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	if req.Method != r.method || req.URL.Host != r.host || !slices.Contains(r.paths, req.URL.Path) ||
		req.URL.RawQuery != "api-version="+r.apiVersion {
		return nil, fmt.Errorf("replay: %s %s is not the recorded request (%s %s%s?api-version=%s)",
			req.Method, req.URL.Redacted(), r.method, r.host, r.paths[0], r.apiVersion)
	}
	rec := &r.ok
	switch auth := req.Header.Get("Authorization"); {
	case auth == "":
		rec = &r.challenge
	case !r.tokens.valid(auth):
		return nil, errors.New("replay: the vault refuses the request's Authorization header")
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

// tokenCheck knows which Authorization headers the vault accepts: it asks
// the vault the first time it sees one (a contender's first call, outside
// the timing) and remembers the answer.
type tokenCheck struct {
	rt   http.RoundTripper
	url  string // a request that needs a valid token
	seen sync.Map
}

func (t *tokenCheck) valid(auth string) bool {
	if ok, found := t.seen.Load(auth); found {
		return ok.(bool)
	}
	req, err := http.NewRequest(http.MethodGet, t.url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", auth)
	resp, err := t.rt.RoundTrip(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	ok := resp.StatusCode == http.StatusOK
	t.seen.Store(auth, ok)
	return ok
}

// newReplay records the answers to a GET of url (the vault's challenge and
// its success) through rt, for contenders that send api-version
// apiVersion by default.
func newReplay(b testing.TB, srv *vaulttest.Server, rt http.RoundTripper, url string) *replay {
	b.Helper()
	r := &replay{
		challenge: record(b, rt, url, ""),
		ok:        record(b, rt, url, "Bearer "+fixedToken(b, srv).AccessToken),
		method:    http.MethodGet,
		tokens:    &tokenCheck{rt: rt, url: url},
	}
	if r.challenge.status != http.StatusUnauthorized || r.ok.status != http.StatusOK {
		b.Fatalf("recorded statuses %d and %d, want 401 and 200", r.challenge.status, r.ok.status)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		b.Fatal(err)
	}
	r.host = u.Host
	r.paths = []string{u.Path, strings.TrimSuffix(u.Path, "/")}
	return r
}
