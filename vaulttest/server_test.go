package vaulttest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

func TestServerURLsAndClient(t *testing.T) {
	t.Parallel()
	s := NewServer(WithVaultName("kv2"))
	t.Cleanup(s.Close)
	if !regexp.MustCompile(`^https://kv2\.vault\.localhost:\d+$`).MatchString(s.URL) {
		t.Errorf("URL = %q", s.URL)
	}
	port := s.URL[strings.LastIndexByte(s.URL, ':')+1:]
	if s.AuthorityHost() != "https://login.localhost:"+port || s.Resource() != "https://vault.localhost:"+port || s.BaseURL() != s.URL {
		t.Errorf("authority %q resource %q base %q", s.AuthorityHost(), s.Resource(), s.BaseURL())
	}
	if s.Client().Transport != s.Transport() {
		t.Error("Client does not use Transport")
	}
	for _, u := range []string{s.URL, s.AuthorityHost(), "https://localhost:" + port, "https://127.0.0.1:" + port} {
		resp, err := s.Client().Get(u + "/certificates?api-version=2025-07-01")
		if err != nil {
			t.Errorf("GET via %s: %v", u, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET via %s: status %d, want the 401 challenge", u, resp.StatusCode)
		}
	}
	_, err := s.Client().Get("https://myvault.vault.azure.net/certificates")
	if err == nil || !strings.Contains(err.Error(), "refusing myvault.vault.azure.net:443") {
		t.Errorf("the client dialed a real vault: %v", err)
	}
}

func TestCACertPEMTrustsServer(t *testing.T) {
	t.Parallel()
	s := NewServer()
	t.Cleanup(s.Close)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CACertPEM()) {
		t.Fatal("CACertPEM is not PEM")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get("https://" + s.Addr() + "/certificates")
	if err != nil {
		t.Fatalf("a client trusting only CACertPEM: %v", err)
	}
	resp.Body.Close()
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"vault name":   WithVaultName("Bad_Name"),
		"tenant":       WithTenantID(""),
		"days":         WithRecoverableDays(3),
		"backup key":   WithBackupKey([]byte("short")),
		"page size":    WithPageSize(26),
		"lifetime":     WithTokenLifetime(time.Second),
		"clock":        WithClock(nil),
		"delays":       WithDelays(Delays{Create: -1}),
		"empty pages":  WithEmptyPages(-1),
		"log size":     WithRequestLogSize(-1),
		"api version":  WithAPIVersions(""),
		"region":       WithRegion(""),
		"secret":       WithClientSecret("", ""),
		"client cert":  WithClientCertificate("", nil),
		"addr":         WithAddr(""),
		"base scheme":  WithBaseURL("http://kv.example"),
		"base path":    WithBaseURL("https://kv.example/path"),
		"authority":    WithAuthorityHost("https://login.example?x=1"),
		"not a url":    WithBaseURL("https://%zz"),
		"state reader": WithState(errReader{}),
	}
	for name, o := range bad {
		if _, err := NewHandler(o); err == nil {
			t.Errorf("%s: NewHandler accepted a bad option", name)
		}
	}
	if _, err := Start(WithBaseURL("https://kv.example")); err == nil || !strings.Contains(err.Error(), "WithBaseURL") {
		t.Errorf("Start with WithBaseURL: %v", err)
	}
	if _, err := NewHandler(WithVaultName("kv")); err == nil || !strings.Contains(err.Error(), "WithVaultName") {
		t.Errorf("NewHandler with WithVaultName: %v", err)
	}
	if _, err := Start(WithAddr("256.0.0.1:0")); err == nil {
		t.Error("Start on a bad address succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Error("NewServer with a bad option did not panic")
		}
	}()
	NewServer(WithPageSize(0))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, context.Canceled }

func TestShutdown(t *testing.T) {
	t.Parallel()
	s := NewServer()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := s.Client().Get(s.URL + "/certificates"); err == nil {
		t.Error("the server still answers after Shutdown")
	}
}

// TestHandlerEmbedded mounts a Handler in an httptest server and follows the
// auth challenge by hand, as a client would.
func TestHandlerEmbedded(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(nil)
	base := "https://" + ts.Listener.Addr().String()
	h, err := NewHandler(WithBaseURL(base), WithTenantID("embedded"))
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = h
	ts.StartTLS()
	t.Cleanup(ts.Close)
	c := ts.Client()

	resp, err := c.Get(base + "/certificates?api-version=2025-07-01")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := regexp.MustCompile(`^Bearer authorization="([^"]+)", resource="([^"]+)"$`).FindStringSubmatch(resp.Header.Get("WWW-Authenticate"))
	if m == nil || m[1] != base+"/embedded" || m[2] != base {
		t.Fatalf("challenge %q", resp.Header.Get("WWW-Authenticate"))
	}
	resp, err = c.PostForm(m[1]+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}, "scope": {m[2] + "/.default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", base+"/certificates?api-version=2025-07-01", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
}

func TestDefaultHandlerLinksOn443(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(WithLenientAuth())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Seed(2, nil); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "https://myvault.vault.localhost/certificates?api-version=2025-07-01&maxresults=1", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var page listPage[gen.CertificateItem]
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if id := page.Value[0].ID; id != "https://myvault.vault.localhost/certificates/cert-0" {
		t.Errorf("id %q, want no port", id)
	}
	if link := deref(page.NextLink); !strings.HasPrefix(link, "https://myvault.vault.localhost:443/certificates?") {
		t.Errorf("nextLink %q, want the explicit :443", link)
	}
	if h.Resource() != "https://vault.localhost" || h.AuthorityHost() != "https://myvault.vault.localhost" {
		t.Errorf("resource %q authority %q", h.Resource(), h.AuthorityHost())
	}
}
