package bench

import (
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// TestChecksRefusePartialResults shows that the checks the benchmarks run
// on every result fail for a contender that decoded lazily or in part: each
// case drops or changes one part of a real result.
func TestChecksRefusePartialResults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newServer(t)
	addFullCertificate(t, srv, benchCertificate)
	rec := record(t, tlsTransport(srv), srv.URL+"/certificates/"+benchCertificate+"/"+apiVersion, "Bearer "+fixedToken(t, srv).AccessToken)
	want, err := servedCertificateOf(rec.body)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rec.body); n < 2500 {
		t.Errorf("the served certificate is %d bytes of JSON, want about 3 KB as the service's", n)
	}

	fl := newFloor(t, srv, tlsTransport(srv))
	floorCert := func(t *testing.T, change func(c *floorCertificate, p *floorPolicy)) error {
		c, err := fl.getCertificate(ctx, benchCertificate)
		if err != nil {
			t.Fatal(err)
		}
		change(c, c.Policy)
		return checkFloorCertificate(c, want)
	}
	ours := newOurs(t, srv, tlsTransport(srv), srv.TokenSource())
	oursCert := func(t *testing.T, change func(c *client.Certificate, p *client.CertificatePolicy)) error {
		c, err := ours.GetCertificate(ctx, benchCertificate, nil)
		if err != nil {
			t.Fatal(err)
		}
		change(c, c.Policy)
		return checkOursCertificate(c, want)
	}
	sdk := newSDK(t, srv, tlsTransport(srv), sdkCredential(srv))
	sdkCert := func(t *testing.T, change func(c *azcertificates.Certificate, p *azcertificates.CertificatePolicy)) error {
		resp, err := sdk.GetCertificate(ctx, benchCertificate, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		change(&resp.Certificate, resp.Policy)
		return checkSDKCertificate(&resp.Certificate, want)
	}

	type cases[C, P any] map[string]func(c *C, p *P)
	floorCases := cases[floorCertificate, floorPolicy]{
		"whole":                    func(*floorCertificate, *floorPolicy) {},
		"tags dropped":             func(c *floorCertificate, _ *floorPolicy) { c.Tags = nil },
		"a tag changed":            func(c *floorCertificate, _ *floorPolicy) { c.Tags["owner"] = "x" },
		"cer dropped":              func(c *floorCertificate, _ *floorPolicy) { c.CER = nil },
		"x5t changed":              func(c *floorCertificate, _ *floorPolicy) { c.X509Thumbprint = "AAAA" },
		"updated dropped":          func(c *floorCertificate, _ *floorPolicy) { c.Attributes.Updated = 0 },
		"policy dropped":           func(c *floorCertificate, _ *floorPolicy) { c.Policy = nil },
		"SANs dropped":             func(_ *floorCertificate, p *floorPolicy) { p.X509.SANs = nil },
		"a DNS name dropped":       func(_ *floorCertificate, p *floorPolicy) { p.X509.SANs.DNSNames = p.X509.SANs.DNSNames[1:] },
		"EKUs dropped":             func(_ *floorCertificate, p *floorPolicy) { p.X509.EKUs = nil },
		"lifetime actions dropped": func(_ *floorCertificate, p *floorPolicy) { p.LifetimeActions = nil },
		"an action changed":        func(_ *floorCertificate, p *floorPolicy) { p.LifetimeActions[1].Action.ActionType = "AutoRenew" },
		"key size dropped":         func(_ *floorCertificate, p *floorPolicy) { p.Key.KeySize = 0 },
	}
	oursCases := cases[client.Certificate, client.CertificatePolicy]{
		"whole":        func(*client.Certificate, *client.CertificatePolicy) {},
		"tags dropped": func(c *client.Certificate, _ *client.CertificatePolicy) { c.Properties.Tags = nil },
		"cer dropped":  func(c *client.Certificate, _ *client.CertificatePolicy) { c.CER = nil },
		"x5t dropped":  func(c *client.Certificate, _ *client.CertificatePolicy) { c.Properties.X509Thumbprint = nil },
		"updated dropped": func(c *client.Certificate, _ *client.CertificatePolicy) {
			c.Properties.Updated = c.Properties.Updated.AddDate(0, 0, 1)
		},
		"policy dropped": func(c *client.Certificate, _ *client.CertificatePolicy) { c.Policy = nil },
		"UPNs dropped": func(_ *client.Certificate, p *client.CertificatePolicy) {
			p.SubjectAlternativeNames.UserPrincipalNames = nil
		},
		"EKUs dropped":             func(_ *client.Certificate, p *client.CertificatePolicy) { p.EnhancedKeyUsages = nil },
		"lifetime actions dropped": func(_ *client.Certificate, p *client.CertificatePolicy) { p.LifetimeActions = nil },
		"key usage dropped":        func(_ *client.Certificate, p *client.CertificatePolicy) { p.KeyUsages = p.KeyUsages[:1] },
	}
	sdkCases := cases[azcertificates.Certificate, azcertificates.CertificatePolicy]{
		"whole":              func(*azcertificates.Certificate, *azcertificates.CertificatePolicy) {},
		"tags dropped":       func(c *azcertificates.Certificate, _ *azcertificates.CertificatePolicy) { c.Tags = nil },
		"cer dropped":        func(c *azcertificates.Certificate, _ *azcertificates.CertificatePolicy) { c.CER = nil },
		"attributes dropped": func(c *azcertificates.Certificate, _ *azcertificates.CertificatePolicy) { c.Attributes = nil },
		"policy dropped":     func(c *azcertificates.Certificate, _ *azcertificates.CertificatePolicy) { c.Policy = nil },
		"emails dropped": func(_ *azcertificates.Certificate, p *azcertificates.CertificatePolicy) {
			p.X509CertificateProperties.SubjectAlternativeNames.Emails = nil
		},
		"lifetime actions dropped": func(_ *azcertificates.Certificate, p *azcertificates.CertificatePolicy) { p.LifetimeActions = nil },
		"issuer dropped": func(_ *azcertificates.Certificate, p *azcertificates.CertificatePolicy) {
			p.IssuerParameters.Name = nil
		},
	}
	run := func(t *testing.T, name string, err error) {
		t.Helper()
		switch {
		case name == "whole" && err != nil:
			t.Errorf("the whole result fails its check: %v", err)
		case name != "whole" && err == nil:
			t.Errorf("a result with %s passes its check", name)
		}
	}
	for name, change := range floorCases {
		run(t, name, floorCert(t, change))
	}
	for name, change := range oursCases {
		run(t, name, oursCert(t, change))
	}
	for name, change := range sdkCases {
		run(t, name, sdkCert(t, change))
	}
}

// TestReplayChecksRequests shows that the in-memory transport answers only
// the recorded request with a token the vault accepts.
func TestReplayChecksRequests(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if _, err := srv.AddCertificate(vaulttest.SeedCertificate{Name: benchCertificate}); err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/certificates/" + benchCertificate + "/?api-version=" + gen.APIVersion
	r := newReplay(t, srv, tlsTransport(srv), url).forVersion(gen.APIVersion)
	token := "Bearer " + fixedToken(t, srv).AccessToken
	for _, tt := range []struct {
		name, method, url, auth string
		want                    int // 0: an error
	}{
		{"recorded", http.MethodGet, url, token, http.StatusOK},
		{"without trailing slash", http.MethodGet, strings.Replace(url, "/?", "?", 1), token, http.StatusOK},
		{"challenge", http.MethodGet, url, "", http.StatusUnauthorized},
		{"other method", http.MethodDelete, url, token, 0},
		{"other path", http.MethodGet, strings.Replace(url, "/"+benchCertificate+"/", "/other/", 1), token, 0},
		{"other api-version", http.MethodGet, strings.Replace(url, gen.APIVersion, "7.4", 1), token, 0},
		{"no api-version", http.MethodGet, strings.Split(url, "?")[0], token, 0},
		{"more in the query", http.MethodGet, url + "&x=1", token, 0},
		{"other host", http.MethodGet, strings.Replace(url, "myvault.", "other.", 1), token, 0},
		{"bad token", http.MethodGet, url, "Bearer not-a-token", 0},
		{"not bearer", http.MethodGet, url, "Basic " + strings.TrimPrefix(token, "Bearer "), 0},
	} {
		req, err := http.NewRequest(tt.method, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := r.RoundTrip(req)
		switch {
		case tt.want == 0 && err == nil:
			t.Errorf("%s: answered %d, want an error", tt.name, resp.StatusCode)
		case tt.want != 0 && err != nil:
			t.Errorf("%s: %v, want %d", tt.name, err, tt.want)
		case tt.want != 0 && resp.StatusCode != tt.want:
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
}
