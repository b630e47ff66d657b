package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math/big"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/kvcerts/kvcerts/auth"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Create a self-signed certificate, wait for it, and read it back. The
// emulator stands in for a real vault; with Azure, pass the vault's URL
// and a credential from package auth instead (see New).
func Example() {
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
	res, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := c.GetCertificate(ctx, "web", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Properties.Name, cert.Properties.Version == res.Certificate.Properties.Version)
	fmt.Println(cert.Policy.IssuerName, cert.Policy.Subject)
	// Output:
	// web true
	// Self CN=DefaultPolicy
}

// Authenticate with the credential that suits where the program runs, and
// create a client for a vault. The client is safe for concurrent use: make
// one and share it.
func ExampleNew() {
	ctx := context.Background()
	cred, err := auth.Default(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New("https://my-key-vault.vault.azure.net/", cred)
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

// Point a client at an in-process emulator: its URL, its token source, and
// an HTTP client that trusts its TLS certificate.
func ExampleNew_emulator() {
	srv := vaulttest.NewServer()
	defer srv.Close()

	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.VaultURL() == srv.URL)
	// Output: true
}

// Create a certificate and wait for the vault to issue it. Creating a
// certificate that exists adds a new version.
func ExampleClient_BeginCreateCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	poller, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	created, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Certificate.Properties.Name, created.Operation.Status)
	// Output: cert-name completed
}

// Create certificates concurrently. There is no separate async API: start
// goroutines, and bound them with a context.
func ExampleClient_BeginCreateCertificate_concurrent() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	names := []string{"api", "web", "mail"}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			poller, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
			if err == nil {
				_, err = poller.Wait(ctx)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		log.Fatal(err)
	}

	for props, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(props.Name)
	}
	// Output:
	// api
	// mail
	// web
}

// Retrieve the latest version of a certificate, with its policy, and one
// particular version.
func ExampleClient_GetCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	poller, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := poller.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	cert, err := c.GetCertificate(ctx, "cert-name", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Properties.Name)
	fmt.Println(cert.Policy.IssuerName)

	version, err := c.GetCertificateVersion(ctx, "cert-name", cert.Properties.Version, nil)
	if err != nil {
		log.Fatal(err)
	}
	x509Cert, err := x509.ParseCertificate(version.CER)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(x509Cert.Subject)
	// Output:
	// cert-name
	// Self
	// CN=DefaultPolicy
}

// Disable a certificate and tag it.
func ExampleClient_UpdateCertificateProperties() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	poller, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := poller.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	updated, err := c.UpdateCertificateProperties(ctx, "cert-name", &client.UpdateCertificatePropertiesOptions{
		Enabled: new(false),
		Tags:    map[string]string{"env": "test"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Properties.Name, updated.Properties.Enabled, updated.Properties.Tags)
	// Output: cert-name false map[env:test]
}

// Range over the properties of the vault's certificates.
func ExampleClient_ListCertificates() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"alpha", "beta"} {
		p, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}

	for props, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(props.Name, props.Enabled)
	}
	// Output:
	// alpha true
	// beta true
}

// Range over the versions of one certificate.
func ExampleClient_ListCertificateVersions() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		p, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}

	n := 0
	for _, err := range c.ListCertificateVersions(ctx, "web", nil) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "versions")
	// Output: 3 versions
}

// Page through a listing by hand, and resume it later from a continuation
// token.
func ExampleClient_NewListCertificatesPager() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"a", "b", "c"} {
		p, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			log.Fatal(err)
		}
	}

	pager := c.NewListCertificatesPager(&client.NewListCertificatesPagerOptions{MaxResults: 2})
	page, err := pager.NextPage(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first page:", len(page.Items))

	// Later: continue where the first page ended.
	for props, err := range c.ListCertificates(ctx, &client.ListCertificatesOptions{ContinuationToken: page.ContinuationToken}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("then:", props.Name)
	}
	// Output:
	// first page: 2
	// then: c
}

// Delete a certificate, wait until the deletion is complete, and purge it.
func ExampleClient_BeginDeleteCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	create, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := create.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	poller, err := c.BeginDeleteCertificate(ctx, "cert-name", nil)
	if err != nil {
		log.Fatal(err)
	}
	deleted, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(deleted.Properties.Name, deleted.ScheduledPurgeDate.After(deleted.DeletedOn))

	// Purging is permanent: the certificate cannot be recovered afterwards.
	if err := c.PurgeDeletedCertificate(ctx, "cert-name", nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// cert-name true
}

// Recover a deleted certificate.
func ExampleClient_BeginRecoverDeletedCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	create, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := create.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	del, err := c.BeginDeleteCertificate(ctx, "cert-name", nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := del.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	poller, err := c.BeginRecoverDeletedCertificate(ctx, "cert-name", nil)
	if err != nil {
		log.Fatal(err)
	}
	recovered, err := poller.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(recovered.Properties.Name, recovered.Properties.Enabled)
	// Output: cert-name true
}

// Import a certificate and its private key from PEM text, the certificate
// chain and a PKCS #8 key, and download them again. PKCS #12 (PFX) data
// works the same way.
func ExampleClient_ImportCertificate() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	// A certificate made elsewhere, here a self-signed one.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imported.example.com"},
		NotBefore:    time.Now(),
		NotAfter:     time.Now().AddDate(1, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		log.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		log.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)

	ctx := context.Background()
	cert, err := c.ImportCertificate(ctx, "imported", data, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Properties.Name, cert.Policy.KeyType, cert.Policy.ContentType)

	dc, err := c.DownloadCertificate(ctx, "imported", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dc.Leaf.Subject, key.Equal(dc.PrivateKey))
	// Output:
	// imported EC application/x-pem-file
	// CN=imported.example.com true
}

// Add a certificate issuer, read it, and list the vault's issuers.
func ExampleClient_CreateIssuer() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.CreateIssuer(ctx, "my-issuer", "Test", &client.CreateIssuerOptions{
		AccountID: "keyvaultuser",
		Administrators: []client.AdministratorContact{
			{FirstName: "John", LastName: "Doe", Email: "admin@example.com"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	issuer, err := c.GetIssuer(ctx, "my-issuer", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(issuer.Properties.Name, issuer.AccountID, issuer.Administrators[0].Email)

	for props, err := range c.ListIssuers(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(props.Name, props.Provider)
	}
	// Output:
	// my-issuer keyvaultuser admin@example.com
	// my-issuer Test
}

// Set the people the vault emails about certificate events, read them
// back, and remove them.
func ExampleClient_SetContacts() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.SetContacts(ctx, []client.Contact{
		{Name: "John Doe", Email: "admin@example.com", Phone: "1111111111"},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	contacts, err := c.GetContacts(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(contacts[0].Name, contacts[0].Email)

	if _, err := c.DeleteContacts(ctx, nil); err != nil {
		log.Fatal(err)
	}
	_, err = c.GetContacts(ctx, nil)
	fmt.Println(errors.Is(err, client.ErrNotFound))
	// Output:
	// John Doe admin@example.com
	// true
}

// A certificate that does not exist gives an error matching ErrNotFound.
func ExampleClient_GetCertificate_notFound() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.GetCertificate(ctx, "which-does-not-exist", nil)
	if errors.Is(err, client.ErrNotFound) {
		fmt.Println("no such certificate")
	}
	if re, ok := errors.AsType[*client.ResponseError](err); ok {
		fmt.Println(re.StatusCode, re.Code)
	}
	// Output:
	// no such certificate
	// 404 CertificateNotFound
}

// A deleted certificate keeps its name until it is purged: creating it
// again gives 409 Conflict until then. Recover it, or purge it first.
func ExampleErrConflict() {
	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	create, err := c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := create.Wait(ctx); err != nil {
		log.Fatal(err)
	}
	del, err := c.BeginDeleteCertificate(ctx, "cert-name", nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := del.Wait(ctx); err != nil {
		log.Fatal(err)
	}

	_, err = c.BeginCreateCertificate(ctx, "cert-name", client.DefaultPolicy(), nil)
	var re *client.ResponseError
	if errors.Is(err, client.ErrConflict) && errors.As(err, &re) {
		fmt.Println(re.StatusCode, re.Code, re.InnerCode)
	}
	// Output: 409 Conflict ObjectIsDeletedButRecoverable
}

// Log every HTTP attempt at debug level. Records carry the method, path,
// status, attempt number, duration and request ids, never a token or a
// secret. Here the time and the variable attributes are left out so that
// the output is stable.
func ExampleWithLogger() {
	srv := vaulttest.NewServer()
	defer srv.Close()

	stable := func(_ []string, a slog.Attr) slog.Attr {
		if slices.Contains([]string{"time", "host", "duration", "client_request_id", "request_id"}, a.Key) {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: stable}))
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.GetCertificate(context.Background(), "cert-name", nil)
	fmt.Println(errors.Is(err, client.ErrNotFound))
	// Output:
	// level=DEBUG msg="kvcerts http attempt" method=GET path=/certificates/cert-name/ attempt=1 status=401
	// level=DEBUG msg="kvcerts http attempt" method=GET path=/certificates/cert-name/ attempt=2 status=404
	// true
}

// Send the client's debug records to standard error.
func ExampleWithLogger_stderr() {
	cred, err := auth.Default(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := client.New("https://my-key-vault.vault.azure.net/", cred, client.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

// Retry throttled and failed requests more, or less, than the default.
func ExampleWithRetry() {
	srv := vaulttest.NewServer(vaulttest.WithFaults(vaulttest.Faults{ThrottleEvery: 2}))
	defer srv.Close()

	retry := client.DefaultRetryOptions()
	retry.MaxRetries = 5
	retry.BaseDelay = 10 * time.Millisecond
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithRetry(retry))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.GetCertificate(context.Background(), "cert-name", nil)
	fmt.Println(errors.Is(err, client.ErrNotFound), errors.Is(err, client.ErrThrottled))
	for _, r := range srv.Requests() {
		if r.Operation == "GetCertificate" {
			fmt.Println(r.Status)
		}
	}
	// Output:
	// true false
	// 401
	// 429
	// 404
}
