package vaulttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// send makes an authorized request to the emulator and decodes the answer.
func send(srv *vaulttest.Server, method, path string, body, out any) int {
	tok, err := srv.TokenSource().Token()
	if err != nil {
		log.Fatal(err)
	}
	var data bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&data).Encode(body); err != nil {
			log.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, srv.URL+path+"?api-version="+gen.APIVersion, &data)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// Create a self-signed certificate, poll its operation and read its secret.
func Example() {
	srv := vaulttest.NewServer()
	defer srv.Close()

	create := gen.CertificateCreateParameters{CertificatePolicy: gen.CertificatePolicy{
		KeyProperties:             gen.KeyProperties{KeyType: gen.JSONWebKeyTypeEC},
		X509CertificateProperties: gen.X509CertificateProperties{Subject: "CN=www.example.com"},
		IssuerParameters:          gen.IssuerParameters{Name: "Self"},
	}}
	var op gen.CertificateOperation
	status := send(srv, "POST", "/certificates/web/create", create, &op)
	fmt.Println(status, op.Status)

	send(srv, "GET", "/certificates/web/pending", nil, &op)
	fmt.Println(op.Status, strings.TrimPrefix(op.Target, srv.URL))

	var secret gen.SecretBundle
	send(srv, "GET", "/secrets/web/", nil, &secret)
	fmt.Println(secret.ContentType, *secret.Managed)
	// Output:
	// 202 inProgress
	// completed /certificates/web
	// application/x-pkcs12 true
}

// Seed thousands of certificates without HTTP and page through them.
func ExampleHandler_Seed() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	names, err := srv.Seed(5000, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(names), names[0], names[4999])

	var page struct {
		Value    []gen.CertificateItem
		NextLink *string
	}
	send(srv, "GET", "/certificates", nil, &page)
	fmt.Println(len(page.Value), strings.TrimPrefix(page.Value[0].ID, srv.URL), page.NextLink != nil)
	// Output:
	// 5000 cert-0000 cert-4999
	// 25 /certificates/cert-0000 true
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// Soft delete is eventually consistent, as with the service; a fake clock
// lets a test see it without sleeping.
func ExampleWithClock() {
	clock := &fakeClock{t: time.Now()}
	srv := vaulttest.NewServer(vaulttest.WithClock(clock.Now), vaulttest.WithRealisticDelays())
	defer srv.Close()
	if _, err := srv.Seed(1, &vaulttest.SeedOptions{Prefix: "old-"}); err != nil {
		log.Fatal(err)
	}

	fmt.Println("delete:", send(srv, "DELETE", "/certificates/old-0", nil, nil))
	fmt.Println("deleted, at once:", send(srv, "GET", "/deletedcertificates/old-0", nil, nil))
	fmt.Println("purge, at once:", send(srv, "DELETE", "/deletedcertificates/old-0", nil, nil))
	clock.Advance(15 * time.Second)
	fmt.Println("deleted, 15 s later:", send(srv, "GET", "/deletedcertificates/old-0", nil, nil))
	fmt.Println("purge, 15 s later:", send(srv, "DELETE", "/deletedcertificates/old-0", nil, nil))
	// Output:
	// delete: 200
	// deleted, at once: 404
	// purge, at once: 409
	// deleted, 15 s later: 200
	// purge, 15 s later: 204
}

// Point the kvcerts client at an emulator, as a test of your own would:
// the server's URL, its token source and an HTTP client that trusts it.
func ExampleNewServer() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	poller, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	created, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Certificate.Properties.Name, srv.RequestCount() > 0)
	// Output: web true
}

// Inject failures to see how code copes with them: here a caller without
// the permission to read certificates, and a throttled vault.
func ExampleHandler_SetFaults() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	retry := client.DefaultRetryOptions()
	retry.MaxRetries = 0
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithRetry(retry))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	if err := srv.SetFaults(vaulttest.Faults{Forbidden: []string{"GetCertificate"}}); err != nil {
		log.Fatal(err)
	}
	_, err = c.GetCertificate(ctx, "web", nil)
	fmt.Println(errors.Is(err, client.ErrForbidden))

	if err := srv.SetFaults(vaulttest.Faults{ThrottleEvery: 1, Operations: []string{"GetCertificate"}}); err != nil {
		log.Fatal(err)
	}
	_, err = c.GetCertificate(ctx, "web", nil)
	fmt.Println(errors.Is(err, client.ErrThrottled))
	// Output:
	// true
	// true
}

// Start the emulator's clock on a date of your choice and move it forward:
// the certificate's AutoRenew action runs when the clock passes its trigger,
// 30 days before expiry, and EmailContacts actions would leave
// Notifications. No test waits for a year.
func ExampleHandler_Advance() {
	srv := vaulttest.NewServer(vaulttest.WithStartTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	policy := client.DefaultPolicy()
	policy.ValidityInMonths = 12
	policy.LifetimeActions = []client.LifetimeAction{{Action: client.ActionAutoRenew, DaysBeforeExpiry: 30}}
	poller, err := c.BeginCreateCertificate(ctx, "web", policy, nil)
	if err != nil {
		log.Fatal(err)
	}
	first, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}

	// A year later the vault has renewed the certificate.
	if _, err := srv.Advance(365 * 24 * time.Hour); err != nil {
		log.Fatal(err)
	}
	latest, err := c.GetCertificate(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(first.Certificate.Properties.NotBefore.Format(time.DateOnly))
	fmt.Println(latest.Properties.NotBefore.Format(time.DateOnly), latest.Properties.Version != first.Certificate.Properties.Version)
	// Output:
	// 2030-01-01
	// 2030-12-02 true
}
