package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// firstCallers is how many goroutines share a new client's first call.
const firstCallers = 64

// BenchmarkFirstCall makes a new client, whose token is not fetched yet,
// and has 64 goroutines get a certificate with it at once. It reports
// token-requests/op, the requests the emulator's token endpoint received
// per new client, and extra-requests/op, the vault requests beyond the 64
// gets (such as the bare request that draws the authentication challenge).
// Connections are warm: all clients share one transport.
func BenchmarkFirstCall(b *testing.B) {
	srv := newServer(b)
	addFullCertificate(b, srv, benchCertificate)
	tr := tlsTransport(srv)
	tok := fixedToken(b, srv)
	want := servedGet(b, srv)
	fresh := freshTokens{srv}
	contenders := []contender[func() getter]{
		{floorName, func() getter {
			f := &floor{hc: &http.Client{Transport: tr}, vault: srv.URL, auth: "Bearer " + tok.AccessToken}
			return func(ctx context.Context) error {
				c, err := f.getCertificate(ctx, benchCertificate)
				if err != nil {
					return err
				}
				return errWrap(floorName, checkFloorCertificate(c, want))
			}
		}},
		{oursName, func() getter {
			c := newOurs(b, srv, tr, fresh)
			return func(ctx context.Context) error {
				got, err := c.GetCertificate(ctx, benchCertificate, nil)
				if err != nil {
					return err
				}
				return errWrap(oursName, checkOursCertificate(got, want))
			}
		}},
		{oursStaticName, func() getter {
			c := newOurs(b, srv, tr, oauth2.StaticTokenSource(tok))
			return func(ctx context.Context) error {
				got, err := c.GetCertificate(ctx, benchCertificate, nil)
				if err != nil {
					return err
				}
				return errWrap(oursStaticName, checkOursCertificate(got, want))
			}
		}},
		{sdkName, func() getter {
			c := newSDK(b, srv, tr, fresh)
			return func(ctx context.Context) error {
				resp, err := c.GetCertificate(ctx, benchCertificate, "", nil)
				if err != nil {
					return err
				}
				return errWrap(sdkName, checkSDKCertificate(&resp.Certificate, want))
			}
		}},
	}
	for _, c := range contenders {
		b.Run("client="+c.name, func(b *testing.B) {
			ctx := b.Context()
			tokens, requests := srv.TokenRequests(), vaultRequests(srv)
			b.ReportAllocs()
			for b.Loop() {
				if err := firstCall(ctx, c.fn()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(srv.TokenRequests()-tokens)/float64(b.N), "token-requests/op")
			b.ReportMetric(float64(vaultRequests(srv)-requests-firstCallers*b.N)/float64(b.N), "extra-requests/op")
		})
	}
}

// firstCall runs get in firstCallers goroutines at once and returns the
// first error.
func firstCall(ctx context.Context, get getter) error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, firstCallers)
	)
	for range firstCallers {
		wg.Go(func() {
			<-start
			if err := get(ctx); err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	return <-errs
}

// freshTokens gets a new token from the emulator's token endpoint at every
// call, with no cache of its own, so that the endpoint's request count is
// the number of tokens a client asked for. It serves our client (as a
// client.ChallengeTokenSource) and the SDK (as an azcore.TokenCredential).
type freshTokens struct {
	srv *vaulttest.Server
}

func (f freshTokens) Token() (*oauth2.Token, error) {
	return f.ChallengeToken(context.Background(), "", "", "")
}

// ChallengeToken fetches a token for scope in tenantID (the vault's scope
// and the emulator's tenant when empty). The benchmarks send no claims
// challenges, so claims is not passed on.
func (f freshTokens) ChallengeToken(ctx context.Context, scope, tenantID, _ string) (*oauth2.Token, error) {
	if scope == "" {
		scope = f.srv.Resource() + "/.default"
	}
	if tenantID == "" {
		tenantID = f.srv.TenantID()
	}
	cfg := clientcredentials.Config{
		ClientID:     "bench",
		ClientSecret: "bench",
		TokenURL:     f.srv.AuthorityHost() + "/" + tenantID + "/oauth2/v2.0/token",
		Scopes:       []string{scope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, f.srv.Client()))
}

func (f freshTokens) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("bench: want exactly one scope, got %q", opts.Scopes)
	}
	tok, err := f.ChallengeToken(ctx, opts.Scopes[0], opts.TenantID, opts.Claims)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok.AccessToken, ExpiresOn: tok.Expiry}, nil
}
