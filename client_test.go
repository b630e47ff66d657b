package kvcerts_test

import (
	"crypto/x509"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/internal/testcert"
	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

// newClient returns a client for srv that polls often, since the emulator
// answers at once unless told to wait.
func newClient(t *testing.T, srv *vaulttest.Server) *client.Client {
	t.Helper()
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReadmeFlow walks the examples of the Python package's README, and the
// samples it points to, against the emulator.
func TestReadmeFlow(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := t.Context()
	const name = "cert-name"

	// Create a certificate with the default policy and wait for it.
	poller, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	created, err := poller.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cert := created.Certificate
	if cert == nil || cert.Properties.Name != name || cert.Properties.Version == "" || !cert.Properties.Enabled {
		t.Fatalf("created %+v", cert)
	}
	x, err := x509.ParseCertificate(cert.CER)
	if err != nil {
		t.Fatalf("CER: %v", err)
	}
	if x.Subject.CommonName != "DefaultPolicy" {
		t.Errorf("subject = %v", x.Subject)
	}
	if cert.KeyID == "" || cert.SecretID == "" {
		t.Errorf("key id %q, secret id %q", cert.KeyID, cert.SecretID)
	}

	// Check the status of the creation: on the poller, or from the vault.
	checkStatus(t, "create", poller, "completed")
	op, err := c.GetCertificateOperation(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if target, err := client.ParseID(op.Target); op.Status != client.OperationStatusCompleted || err != nil || target.Name != name {
		t.Errorf("operation status %q, target %q; want completed, for %q", op.Status, op.Target, name)
	}

	// Retrieve it: latest, then by version.
	latest, err := c.GetCertificate(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if latest.Properties.Version != cert.Properties.Version || latest.Policy == nil || latest.Policy.IssuerName != client.IssuerSelf {
		t.Errorf("latest = %+v, policy %+v", latest.Properties, latest.Policy)
	}
	byVersion, err := c.GetCertificateVersion(ctx, name, cert.Properties.Version, nil)
	if err != nil {
		t.Fatal(err)
	}
	if byVersion.Properties.ID != cert.Properties.ID {
		t.Errorf("by version: id %q, want %q", byVersion.Properties.ID, cert.Properties.ID)
	}

	// Disable it.
	updated, err := c.UpdateCertificateProperties(ctx, name, &client.UpdateCertificatePropertiesOptions{Enabled: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Properties.Enabled {
		t.Error("still enabled after the update")
	}

	// List the properties of the vault's certificates and of the versions.
	var names []string
	for p, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	if !slices.Contains(names, name) {
		t.Errorf("listed %v, want %q among them", names, name)
	}
	var versions []string
	for p, err := range c.ListCertificateVersions(ctx, name, nil) {
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, p.Version)
	}
	if !slices.Equal(versions, []string{cert.Properties.Version}) {
		t.Errorf("versions = %v", versions)
	}

	// Delete it, find it among the deleted, and recover it.
	del, err := c.BeginDeleteCertificate(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	deleted, err := del.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if deleted.Properties.Name != name || deleted.RecoveryID == "" || deleted.DeletedOn.IsZero() || !deleted.ScheduledPurgeDate.After(deleted.DeletedOn) {
		t.Errorf("deleted = %+v", deleted)
	}
	gotDeleted, err := c.GetDeletedCertificate(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gotDeleted.RecoveryID != deleted.RecoveryID {
		t.Errorf("recovery id %q, want %q", gotDeleted.RecoveryID, deleted.RecoveryID)
	}
	var deletedNames []string
	for d, err := range c.ListDeletedCertificates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		deletedNames = append(deletedNames, d.Properties.Name)
	}
	if !slices.Contains(deletedNames, name) {
		t.Errorf("deleted list %v lacks %q", deletedNames, name)
	}
	rec, err := c.BeginRecoverDeletedCertificate(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	recovered, err := rec.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if recovered.Properties.Version != cert.Properties.Version {
		t.Errorf("recovered version %q, want %q", recovered.Properties.Version, cert.Properties.Version)
	}
	if _, err := c.GetCertificate(ctx, name, nil); err != nil {
		t.Fatalf("get after recovery: %v", err)
	}

	// Delete it again and purge it for good.
	del, err = c.BeginDeleteCertificate(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.PurgeDeletedCertificate(ctx, name, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDeletedCertificate(ctx, name, nil); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("get deleted after purge: err = %v", err)
	}

	// The README's error example.
	_, err = c.GetCertificate(ctx, "which-does-not-exist", nil)
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("missing certificate: err = %v", err)
	}
	var re *client.ResponseError
	if !errors.As(err, &re) || re.Code != "CertificateNotFound" || re.RequestID == "" {
		t.Errorf("missing certificate: %#v", re)
	}
}

// TestBackupRestore follows the backup_restore_operations sample.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := t.Context()

	p, err := c.BeginCreateCertificate(ctx, "backup-me", client.DefaultPolicy(), &client.BeginCreateCertificateOptions{Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := c.BackupCertificate(ctx, "backup-me", nil)
	if err != nil {
		t.Fatal(err)
	}
	del, err := c.BeginDeleteCertificate(ctx, "backup-me", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := del.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RestoreCertificateBackup(ctx, blob, nil); !errors.Is(err, client.ErrConflict) {
		t.Errorf("restore over a deleted but recoverable name: err = %v", err)
	}
	if err := c.PurgeDeletedCertificate(ctx, "backup-me", nil); err != nil {
		t.Fatal(err)
	}
	restored, err := c.RestoreCertificateBackup(ctx, blob, nil)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Properties.ID != res.Certificate.Properties.ID || restored.Properties.Tags["k"] != "v" {
		t.Errorf("restored %+v, want %+v", restored.Properties, res.Certificate.Properties)
	}
}

// TestIssuersAndContacts follows the issuers and contacts samples.
func TestIssuersAndContacts(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := t.Context()

	admins := []client.AdministratorContact{{FirstName: "John", LastName: "Doe", Email: "admin@example.com", Phone: "4255555555"}}
	for _, name := range []string{"issuer1", "issuer2"} {
		is, err := c.CreateIssuer(ctx, name, "Test", &client.CreateIssuerOptions{
			AccountID: "keyvaultuser", Password: "not-a-real-password", OrganizationID: "org", Administrators: admins,
		})
		if err != nil {
			t.Fatal(err)
		}
		if is.Properties.Name != name || is.Properties.Provider != "Test" || is.AccountID != "keyvaultuser" || !is.Enabled {
			t.Errorf("created %+v", is)
		}
	}
	got, err := c.GetIssuer(ctx, "issuer1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Administrators) != 1 || got.Administrators[0] != admins[0] || got.OrganizationID != "org" {
		t.Errorf("got %+v", got)
	}
	if got, err = c.UpdateIssuer(ctx, "issuer1", &client.UpdateIssuerOptions{Enabled: new(false)}); err != nil || got.Enabled {
		t.Errorf("update = %+v, %v", got, err)
	}
	var names []string
	for p, err := range c.ListIssuers(ctx, &client.ListIssuersOptions{MaxResults: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"issuer1", "issuer2"}) {
		t.Errorf("issuers = %v", names)
	}
	if _, err := c.DeleteIssuer(ctx, "issuer1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIssuer(ctx, "issuer1", nil); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("deleted issuer: err = %v", err)
	}

	contacts := []client.Contact{{Name: "John Doe", Email: "admin@example.com", Phone: "1111111111"}, {Email: "ops@example.com"}}
	set, err := c.SetContacts(ctx, contacts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set, contacts) {
		t.Errorf("set %v", set)
	}
	if got, err := c.GetContacts(ctx, nil); err != nil || !slices.Equal(got, contacts) {
		t.Errorf("get = %v, %v", got, err)
	}
	if got, err := c.DeleteContacts(ctx, nil); err != nil || !slices.Equal(got, contacts) {
		t.Errorf("delete = %v, %v", got, err)
	}
	if _, err := c.GetContacts(ctx, nil); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("contacts after delete: err = %v", err)
	}
}

// TestUnknownIssuerMerge creates a certificate that the caller signs.
func TestUnknownIssuerMerge(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := t.Context()

	policy := client.DefaultPolicy()
	policy.IssuerName = client.IssuerUnknown
	policy.Subject = "CN=merged.example"
	p, err := c.BeginCreateCertificate(ctx, "merged", policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Certificate != nil || res.Operation.Status != client.OperationStatusInProgress {
		t.Fatalf("result = %+v", res)
	}
	csr, err := x509.ParseCertificateRequest(res.Operation.CSR)
	if err != nil {
		t.Fatal(err)
	}
	chain := signCSR(t, csr)
	merged, err := c.MergeCertificate(ctx, "merged", chain, nil)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Properties.Name != "merged" || len(merged.CER) == 0 {
		t.Errorf("merged = %+v", merged.Properties)
	}
	op, err := c.GetCertificateOperation(ctx, "merged", nil)
	if err != nil || op.Status != client.OperationStatusCompleted {
		t.Errorf("operation after merge = %+v, %v", op, err)
	}
	got, err := c.GetCertificate(ctx, "merged", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.PendingOperationID != "" {
		t.Errorf("GetCertificate after merge: pending %q, want none", got.PendingOperationID)
	}

	// A second version waiting for its merge: the certificate refers to it.
	if _, err := c.BeginCreateCertificate(ctx, "merged", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, err = c.GetCertificate(ctx, "merged", nil); err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/certificates/merged/pending"; got.PendingOperationID != want {
		t.Errorf("GetCertificate while a version waits: pending %q, want %q", got.PendingOperationID, want)
	}
}

// TestCancelOperation cancels a create that waits for a merge.
func TestCancelOperation(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	ctx := t.Context()
	policy := client.DefaultPolicy()
	policy.IssuerName = client.IssuerUnknown
	if _, err := c.BeginCreateCertificate(ctx, "cancel-me", policy, nil); err != nil {
		t.Fatal(err)
	}
	op, err := c.CancelCertificateOperation(ctx, "cancel-me", nil)
	if err != nil || !op.CancellationRequested {
		t.Fatalf("cancel = %+v, %v", op, err)
	}
	p, err := c.ResumeCreateCertificate("cancel-me", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Status(); s != "" {
		t.Errorf("resumed poller's status before polling = %q, want none", s)
	}
	if _, err := p.Wait(ctx); !errors.Is(err, client.ErrOperationCancelled) {
		t.Errorf("resumed poller: err = %v", err)
	}
	if s := p.Status(); s != "cancelled" {
		t.Errorf("resumed poller's status = %q, want cancelled", s)
	}
	deleted, err := c.DeleteCertificateOperation(ctx, "cancel-me", nil)
	if err != nil || deleted.Name != "cancel-me" || !deleted.CancellationRequested {
		t.Fatalf("delete operation = %+v, %v", deleted, err)
	}
	if _, err := c.GetCertificateOperation(ctx, "cancel-me", nil); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("operation after delete: err = %v", err)
	}
}

// TestEventualConsistency runs the pollers against the service's realistic
// delays in a synctest bubble, with the emulator in memory, and checks
// their statuses at the start and the end.
func TestEventualConsistency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h, err := vaulttest.NewHandler(vaulttest.WithRealisticDelays(), vaulttest.WithLenientAuth())
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New("https://myvault.vault.localhost", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "any"}),
			client.WithTransport(handlerTransport{h}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		start := time.Now()
		p, err := c.BeginCreateCertificate(ctx, "slow", client.DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "create", p, "inProgress")
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "create", p, "completed")
		if d := time.Since(start); d < 10*time.Second || d > 12*time.Second {
			t.Errorf("create took %v, want about the 10s the service asks for", d)
		}

		start = time.Now()
		del, err := c.BeginDeleteCertificate(ctx, "slow", nil)
		if err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "delete", del, "deleting")
		if err := c.PurgeDeletedCertificate(ctx, "slow", nil); !errors.Is(err, client.ErrConflict) {
			t.Errorf("purge while deleting: err = %v", err)
		}
		if _, err := del.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "delete", del, "deleted")
		if d := time.Since(start); d < 15*time.Second || d > 20*time.Second {
			t.Errorf("delete took %v, want about 15s", d)
		}

		start = time.Now()
		rec, err := c.BeginRecoverDeletedCertificate(ctx, "slow", nil)
		if err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "recover", rec, "recovering")
		if _, err := rec.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		checkStatus(t, "recover", rec, "recovered")
		if d := time.Since(start); d < 20*time.Second || d > 25*time.Second {
			t.Errorf("recover took %v, want about 20s", d)
		}
		if _, err := c.GetCertificate(ctx, "slow", nil); err != nil {
			t.Errorf("get after recovery: %v", err)
		}
	})
}

func checkStatus(t *testing.T, what string, p interface{ Status() string }, want string) {
	t.Helper()
	if got := p.Status(); got != want {
		t.Errorf("%s poller's status = %q, want %q", what, got, want)
	}
}

// handlerTransport serves requests with an in-memory handler.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// signCSR signs csr with a throwaway CA and returns the DER chain, leaf
// first.
func signCSR(t *testing.T, csr *x509.CertificateRequest) [][]byte {
	t.Helper()
	ca := testcert.NewCA(t, "Test CA")
	leaf := ca.SignCSR(t, csr.Raw, testcert.Template{
		SerialNumber: big.NewInt(2), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	})
	return [][]byte{leaf.Raw, ca.Cert.Raw}
}

// TestPagingAndFaults lists through small and empty pages while the vault
// throttles every third request, and deletes without the get permission.
func TestPagingAndFaults(t *testing.T) {
	t.Parallel()
	srv := vaulttest.NewServer(vaulttest.WithPageSize(1), vaulttest.WithEmptyPages(2))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := t.Context()
	want := []string{"a", "b", "c"}
	for _, name := range want {
		p, err := c.BeginCreateCertificate(ctx, name, client.DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}

	if err := srv.SetFaults(vaulttest.Faults{ThrottleEvery: 3, Forbidden: []string{"GetDeletedCertificate"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for p, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Name)
	}
	if slices.Sort(got); !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}

	del, err := c.BeginDeleteCertificate(ctx, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := del.Wait(ctx); err != nil || d.Properties.Name != "a" {
		t.Errorf("delete without get permission = %+v, %v", d, err)
	}
	if _, err := c.GetDeletedCertificate(ctx, "a", nil); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("get deleted without permission: err = %v", err)
	}
}
