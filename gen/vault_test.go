package gen_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// vaultClient returns gen's typed client of a new emulator, authenticating
// with the emulator's tokens, and the emulator.
func vaultClient(t *testing.T, opts ...gen.ClientOption) (*gen.ClientWithResponses, *vaulttest.Server) {
	t.Helper()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	ts := srv.TokenSource()
	auth := gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		tok, err := ts.Token()
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return nil
	})
	c, err := gen.NewVaultClient(srv.URL, append([]gen.ClientOption{gen.WithHTTPClient(srv.Client()), auth}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

type response interface{ StatusCode() int }

// check fails the test unless the call succeeded with status want and its
// typed body (body, one of the JSON2xx fields) is set.
func check[R response](t *testing.T, op string, r R, err error, want int, body func(R) bool) R {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	if r.StatusCode() != want {
		raw := reflect.ValueOf(r).Elem().FieldByName("Body").Bytes()
		t.Fatalf("%s: status %d, want %d: %s", op, r.StatusCode(), want, raw)
	}
	if body != nil && !body(r) {
		t.Fatalf("%s: the typed body is missing", op)
	}
	return r
}

// Every operation of gen's typed client works against the emulator, with
// the api-version that NewVaultClient adds.
func TestTypedClientDrivesEveryOperation(t *testing.T) {
	t.Parallel()
	c, srv := vaultClient(t)
	ctx := t.Context()
	self := gen.CertificatePolicy{
		KeyProperties:             gen.KeyProperties{KeyType: gen.JSONWebKeyTypeEC},
		IssuerParameters:          gen.IssuerParameters{Name: "Self"},
		X509CertificateProperties: gen.X509CertificateProperties{Subject: "CN=gen"},
		PlatformManaged:           gen.PlatformManaged{CertificateUsage: "test"},
	}

	create, err := c.CreateCertificateWithResponse(ctx, "gen", gen.CertificateCreateParameters{CertificatePolicy: self})
	check(t, "CreateCertificate", create, err, http.StatusAccepted, func(r *gen.CreateCertificateResponse) bool { return r.JSON202 != nil })
	op, err := c.GetCertificateOperationWithResponse(ctx, "gen")
	check(t, "GetCertificateOperation", op, err, http.StatusOK, func(r *gen.GetCertificateOperationResponse) bool {
		return r.JSON200 != nil && r.JSON200.Status == "completed"
	})
	got, err := c.GetCertificateWithResponse(ctx, "gen", "")
	check(t, "GetCertificate", got, err, http.StatusOK, func(r *gen.GetCertificateResponse) bool {
		return r.JSON200 != nil && r.JSON200.Policy.PlatformManaged.CertificateUsage == "test"
	})
	version := got.JSON200.ID[strings.LastIndex(got.JSON200.ID, "/")+1:]
	upd, err := c.UpdateCertificateWithResponse(ctx, "gen", version, gen.CertificateUpdateParameters{Tags: map[string]string{"a": "b"}})
	check(t, "UpdateCertificate", upd, err, http.StatusOK, func(r *gen.UpdateCertificateResponse) bool { return r.JSON200 != nil && r.JSON200.Tags["a"] == "b" })
	versions, err := c.GetCertificateVersionsWithResponse(ctx, "gen", nil)
	check(t, "GetCertificateVersions", versions, err, http.StatusOK, func(r *gen.GetCertificateVersionsResponse) bool { return r.JSON200 != nil && len(r.JSON200.Value) == 1 })
	maxResults := int32(25)
	list, err := c.GetCertificatesWithResponse(ctx, &gen.GetCertificatesParams{Maxresults: &maxResults})
	check(t, "GetCertificates", list, err, http.StatusOK, func(r *gen.GetCertificatesResponse) bool { return r.JSON200 != nil && len(r.JSON200.Value) == 1 })
	pol, err := c.GetCertificatePolicyWithResponse(ctx, "gen")
	check(t, "GetCertificatePolicy", pol, err, http.StatusOK, func(r *gen.GetCertificatePolicyResponse) bool { return r.JSON200 != nil })
	upol, err := c.UpdateCertificatePolicyWithResponse(ctx, "gen", gen.CertificatePolicy{PlatformManaged: gen.PlatformManaged{CertificateUsage: "other"}})
	check(t, "UpdateCertificatePolicy", upol, err, http.StatusOK, func(r *gen.UpdateCertificatePolicyResponse) bool {
		return r.JSON200 != nil && r.JSON200.PlatformManaged.CertificateUsage == "other"
	})
	secret, err := c.GetSecretWithResponse(ctx, "gen", version, nil)
	check(t, "GetSecret", secret, err, http.StatusOK, func(r *gen.GetSecretResponse) bool { return r.JSON200 != nil && r.JSON200.Value != "" })
	backup, err := c.BackupCertificateWithResponse(ctx, "gen")
	check(t, "BackupCertificate", backup, err, http.StatusOK, func(r *gen.BackupCertificateResponse) bool { return r.JSON200 != nil && len(r.JSON200.Value) > 0 })

	del, err := c.DeleteCertificateWithResponse(ctx, "gen")
	check(t, "DeleteCertificate", del, err, http.StatusOK, func(r *gen.DeleteCertificateResponse) bool { return r.JSON200 != nil })
	deleted, err := c.GetDeletedCertificateWithResponse(ctx, "gen")
	check(t, "GetDeletedCertificate", deleted, err, http.StatusOK, func(r *gen.GetDeletedCertificateResponse) bool { return r.JSON200 != nil })
	dlist, err := c.GetDeletedCertificatesWithResponse(ctx, nil)
	check(t, "GetDeletedCertificates", dlist, err, http.StatusOK, func(r *gen.GetDeletedCertificatesResponse) bool { return r.JSON200 != nil && len(r.JSON200.Value) == 1 })
	rec, err := c.RecoverDeletedCertificateWithResponse(ctx, "gen")
	check(t, "RecoverDeletedCertificate", rec, err, http.StatusOK, func(r *gen.RecoverDeletedCertificateResponse) bool { return r.JSON200 != nil })
	if _, err := c.DeleteCertificateWithResponse(ctx, "gen"); err != nil {
		t.Fatal(err)
	}
	purge, err := c.PurgeDeletedCertificateWithResponse(ctx, "gen")
	check(t, "PurgeDeletedCertificate", purge, err, http.StatusNoContent, nil)
	restore, err := c.RestoreCertificateWithResponse(ctx, gen.CertificateRestoreParameters{CertificateBundleBackup: backup.JSON200.Value})
	check(t, "RestoreCertificate", restore, err, http.StatusOK, func(r *gen.RestoreCertificateResponse) bool { return r.JSON200 != nil })

	// A pending operation: cancel, delete, then merge a signed CSR.
	unknown := gen.CertificatePolicy{
		KeyProperties:             gen.KeyProperties{KeyType: gen.JSONWebKeyTypeEC},
		IssuerParameters:          gen.IssuerParameters{Name: "Unknown"},
		X509CertificateProperties: gen.X509CertificateProperties{Subject: "CN=pending"},
	}
	if r, err := c.CreateCertificateWithResponse(ctx, "pending", gen.CertificateCreateParameters{CertificatePolicy: unknown}); err != nil || r.StatusCode() != http.StatusAccepted {
		t.Fatalf("CreateCertificate: %v", err)
	}
	cancel := true
	uop, err := c.UpdateCertificateOperationWithResponse(ctx, "pending", gen.CertificateOperationUpdateParameter{CancellationRequested: cancel})
	check(t, "UpdateCertificateOperation", uop, err, http.StatusOK, func(r *gen.UpdateCertificateOperationResponse) bool { return r.JSON200 != nil })
	dop, err := c.DeleteCertificateOperationWithResponse(ctx, "pending")
	check(t, "DeleteCertificateOperation", dop, err, http.StatusOK, func(r *gen.DeleteCertificateOperationResponse) bool { return r.JSON200 != nil })
	created, err := c.CreateCertificateWithResponse(ctx, "pending", gen.CertificateCreateParameters{CertificatePolicy: unknown})
	check(t, "CreateCertificate", created, err, http.StatusAccepted, func(r *gen.CreateCertificateResponse) bool { return r.JSON202 != nil && len(r.JSON202.Csr) > 0 })
	merge, err := c.MergeCertificateWithResponse(ctx, "pending", gen.CertificateMergeParameters{X509Certificates: [][]byte{signCSR(t, created.JSON202.Csr)}})
	check(t, "MergeCertificate", merge, err, http.StatusCreated, func(r *gen.MergeCertificateResponse) bool { return r.JSON201 != nil })

	// Import the certificate just merged, under another name.
	secret, err = c.GetSecretWithResponse(ctx, "pending", "", nil)
	check(t, "GetSecret", secret, err, http.StatusOK, func(r *gen.GetSecretResponse) bool { return r.JSON200 != nil })
	imp, err := c.ImportCertificateWithResponse(ctx, "imported", gen.CertificateImportParameters{Base64EncodedCertificate: secret.JSON200.Value})
	check(t, "ImportCertificate", imp, err, http.StatusOK, func(r *gen.ImportCertificateResponse) bool { return r.JSON200 != nil })

	// Issuers and contacts.
	set, err := c.SetCertificateIssuerWithResponse(ctx, "issuer", gen.CertificateIssuerSetParameters{Provider: "Test"})
	check(t, "SetCertificateIssuer", set, err, http.StatusOK, func(r *gen.SetCertificateIssuerResponse) bool { return r.JSON200 != nil })
	gi, err := c.GetCertificateIssuerWithResponse(ctx, "issuer")
	check(t, "GetCertificateIssuer", gi, err, http.StatusOK, func(r *gen.GetCertificateIssuerResponse) bool { return r.JSON200 != nil })
	ui, err := c.UpdateCertificateIssuerWithResponse(ctx, "issuer", gen.CertificateIssuerUpdateParameters{Provider: "Other"})
	check(t, "UpdateCertificateIssuer", ui, err, http.StatusOK, func(r *gen.UpdateCertificateIssuerResponse) bool {
		return r.JSON200 != nil && r.JSON200.Provider == "Other"
	})
	li, err := c.GetCertificateIssuersWithResponse(ctx, nil)
	check(t, "GetCertificateIssuers", li, err, http.StatusOK, func(r *gen.GetCertificateIssuersResponse) bool { return r.JSON200 != nil && len(r.JSON200.Value) == 1 })
	di, err := c.DeleteCertificateIssuerWithResponse(ctx, "issuer")
	check(t, "DeleteCertificateIssuer", di, err, http.StatusOK, func(r *gen.DeleteCertificateIssuerResponse) bool { return r.JSON200 != nil })
	sc, err := c.SetCertificateContactsWithResponse(ctx, gen.Contacts{ContactList: []gen.Contact{{EmailAddress: "a@example.com"}}})
	check(t, "SetCertificateContacts", sc, err, http.StatusOK, func(r *gen.SetCertificateContactsResponse) bool { return r.JSON200 != nil })
	gc, err := c.GetCertificateContactsWithResponse(ctx)
	check(t, "GetCertificateContacts", gc, err, http.StatusOK, func(r *gen.GetCertificateContactsResponse) bool {
		return r.JSON200 != nil && len(r.JSON200.ContactList) == 1
	})
	dc, err := c.DeleteCertificateContactsWithResponse(ctx)
	check(t, "DeleteCertificateContacts", dc, err, http.StatusOK, func(r *gen.DeleteCertificateContactsResponse) bool { return r.JSON200 != nil })

	// Every operation of the typed client reached the emulator, each
	// request with the api-version.
	var want []string
	typ := reflect.TypeFor[*gen.ClientWithResponses]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if op, ok := strings.CutSuffix(name, "WithResponse"); ok && !strings.HasSuffix(op, "WithBody") {
			want = append(want, op)
		}
	}
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Operation == "" || r.Operation == "Token" {
			continue
		}
		seen[r.Operation] = true
		if !strings.Contains(r.Query, "api-version="+gen.APIVersion) {
			t.Errorf("%s %s was sent without api-version %s: %q", r.Method, r.Path, gen.APIVersion, r.Query)
		}
	}
	for _, op := range want {
		if !seen[op] {
			t.Errorf("the test did not drive %s", op)
		}
	}
	if len(want) != 28 {
		t.Errorf("the typed client has %d operations, want 28", len(want))
	}
}

// signCSR signs a DER certificate request with a new CA and returns the
// certificate's DER.
func signCSR(t *testing.T, der []byte) []byte {
	t.Helper()
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gen test CA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: csr.Subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	out, err := x509.CreateCertificate(rand.Reader, leaf, ca, csr.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWithAPIVersion(t *testing.T) {
	t.Parallel()
	var got []string
	record := gen.WithHTTPClient(doerFunc(func(req *http.Request) (*http.Response, error) {
		got = append(got, req.URL.RawQuery)
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Header: http.Header{}}, nil
	}))
	c, err := gen.NewVaultClient("https://myvault.vault.azure.net/", record)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeDeletedCertificateWithResponse(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	older, err := gen.NewVaultClient("https://myvault.vault.azure.net/", record, gen.WithAPIVersion("2025-07-01"))
	if err != nil {
		t.Fatal(err)
	}
	maxResults := int32(5)
	if _, err := older.GetCertificatesWithResponse(t.Context(), &gen.GetCertificatesParams{Maxresults: &maxResults}); err != nil {
		t.Fatal(err)
	}
	want := []string{"api-version=" + gen.APIVersion, "api-version=2025-07-01&maxresults=5"}
	if !slices.Equal(got, want) {
		t.Errorf("queries sent: %q, want %q", got, want)
	}
	for _, bad := range []string{"", "2025-07-01&x=y", "2025 07 01", strings.Repeat("1", 33)} {
		if _, err := gen.NewClient("https://myvault.vault.azure.net/", gen.WithAPIVersion(bad)); err == nil {
			t.Errorf("WithAPIVersion(%q) was accepted", bad)
		}
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }
