package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// fullPolicy is the policy of the certificate the Get benchmarks read:
// everything a production certificate carries (subject alternative names
// of every kind, extended key usages, key usages, two lifetime actions) on
// an RSA key, so that with its tags the document is about 3 KB, as the
// service's are.
const fullPolicy = `{
 "policy": {
  "key_props": {"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false},
  "secret_props": {"contentType": "application/x-pkcs12"},
  "x509_props": {
   "subject": "CN=api.contoso.com, O=Contoso Ltd, OU=Platform Engineering, L=Redmond, ST=Washington, C=US",
   "sans": {
    "dns_names": ["api.contoso.com", "www.api.contoso.com", "api-westus.contoso.com", "api-eastus.contoso.com"],
    "emails": ["platform-oncall@contoso.com"],
    "upns": ["svc-api@contoso.com"]
   },
   "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
   "key_usage": ["digitalSignature", "keyEncipherment"],
   "validity_months": 12
  },
  "lifetime_actions": [
   {"trigger": {"lifetime_percentage": 80}, "action": {"action_type": "AutoRenew"}},
   {"trigger": {"days_before_expiry": 30}, "action": {"action_type": "EmailContacts"}}
  ],
  "issuer": {"name": "Self"}
 },
 "tags": {
  "environment": "production", "owner": "platform-engineering", "cost-center": "CC-10442",
  "service": "public-api", "rotation": "automatic", "compliance": "pci-dss"
 }
}`

// listTags are the tags of every listed certificate.
var listTags = map[string]string{"environment": "production", "owner": "platform-engineering", "service": "public-api"}

// createTags are the tags every contender's create sends.
var createTags = map[string]string{"bench": "create", "owner": "platform-engineering"}

// addFullCertificate creates name with fullPolicy in srv.
func addFullCertificate(tb testing.TB, srv *vaulttest.Server, name string) {
	tb.Helper()
	auth := "Bearer " + fixedToken(tb, srv).AccessToken
	send := func(method, path, body string) int {
		tb.Helper()
		var r io.Reader
		if body != "" {
			r = bytes.NewReader([]byte(body))
		}
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path+apiVersion, r)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			tb.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		return resp.StatusCode
	}
	send(http.MethodPost, "/certificates/"+name+"/create", fullPolicy)
	// Without delays the emulator issues it when it is first read.
	send(http.MethodGet, "/certificates/"+name+"/", "")
}

// servedGet reads benchCertificate as the emulator serves it.
func servedGet(tb testing.TB, srv *vaulttest.Server) *servedCertificate {
	tb.Helper()
	rec := record(tb, tlsTransport(srv), srv.URL+"/certificates/"+benchCertificate+"/"+apiVersion, "Bearer "+fixedToken(tb, srv).AccessToken)
	if rec.status != http.StatusOK {
		tb.Fatalf("get %s: %d %s", benchCertificate, rec.status, rec.body)
	}
	want, err := servedCertificateOf(rec.body)
	if err != nil {
		tb.Fatal(err)
	}
	return want
}
