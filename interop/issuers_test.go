package interop

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

func TestIssuers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t, vaulttest.WithPageSize(2))

	org := &azcertificates.OrganizationDetails{
		ID: new("org-42"),
		AdminContacts: []*azcertificates.AdministratorContact{{
			FirstName: new("Ada"), LastName: new("Lovelace"), Email: new("ada@example.com"), Phone: new("555-0100"),
		}},
	}
	set, err := v.certs.SetIssuer(ctx, "digicert", azcertificates.SetIssuerParameters{
		Provider:            new("DigiCert"),
		Credentials:         &azcertificates.IssuerCredentials{AccountID: new("acct-1"), Password: new("issuer-password")},
		OrganizationDetails: org,
		Attributes:          &azcertificates.IssuerAttributes{Enabled: new(true)},
	}, nil)
	if err != nil {
		t.Fatalf("SetIssuer: %v", err)
	}
	is := set.Issuer
	if want := v.url + "/certificates/issuers/digicert"; str(is.ID) != want {
		t.Errorf("issuer ID = %s, want %s", str(is.ID), want)
	}
	if str(is.Provider) != "DigiCert" || is.Credentials == nil || str(is.Credentials.AccountID) != "acct-1" {
		t.Errorf("issuer provider %s, credentials %+v; want DigiCert with account acct-1", str(is.Provider), is.Credentials)
	}
	if is.Credentials != nil && is.Credentials.Password != nil {
		t.Errorf("the issuer's password came back; it is write-only")
	}
	if diff := cmp.Diff(org, is.OrganizationDetails); diff != "" {
		t.Errorf("OrganizationDetails (-sent +got):\n%s", diff)
	}
	if a := is.Attributes; a == nil || !*a.Enabled || a.Created == nil || a.Updated == nil {
		t.Errorf("issuer Attributes = %+v, want enabled with created and updated", a)
	}

	got, err := v.certs.GetIssuer(ctx, "digicert", nil)
	if err != nil {
		t.Fatalf("GetIssuer: %v", err)
	}
	if diff := cmp.Diff(is, got.Issuer); diff != "" {
		t.Errorf("GetIssuer (-set answer +get):\n%s", diff)
	}

	upd, err := v.certs.UpdateIssuer(ctx, "digicert", azcertificates.UpdateIssuerParameters{
		Provider:    new("GlobalSign"),
		Credentials: &azcertificates.IssuerCredentials{AccountID: new("acct-2")},
		Attributes:  &azcertificates.IssuerAttributes{Enabled: new(false)},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateIssuer: %v", err)
	}
	if str(upd.Provider) != "GlobalSign" || str(upd.Credentials.AccountID) != "acct-2" || *upd.Attributes.Enabled ||
		!upd.Attributes.Created.Equal(*is.Attributes.Created) {
		t.Errorf("updated issuer = provider %s, account %s, attributes %+v; want GlobalSign, acct-2, disabled, same creation",
			str(upd.Provider), str(upd.Credentials.AccountID), upd.Attributes)
	}
	if diff := cmp.Diff(org, upd.OrganizationDetails); diff != "" {
		t.Errorf("OrganizationDetails after an update without them (-before +after):\n%s", diff)
	}

	// More issuers, for a listing of several pages.
	want := []azcertificates.IssuerProperties{{ID: is.ID, Provider: new("GlobalSign")}}
	for i := range 4 {
		name := fmt.Sprintf("issuer-%d", i)
		if _, err := v.certs.SetIssuer(ctx, name, azcertificates.SetIssuerParameters{Provider: new("Test")}, nil); err != nil {
			t.Fatalf("SetIssuer(%s): %v", name, err)
		}
		want = append(want, azcertificates.IssuerProperties{ID: new(v.url + "/certificates/issuers/" + name), Provider: new("Test")})
	}
	var listed []azcertificates.IssuerProperties
	var sizes []int
	for _, page := range pages(t, ctx, v.certs.NewListIssuerPropertiesPager(nil)) {
		sizes = append(sizes, len(page.Value))
		for _, item := range page.Value {
			listed = append(listed, *item)
		}
	}
	if diff := cmp.Diff([]int{2, 2, 1}, sizes); diff != "" {
		t.Errorf("issuer page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("ListIssuerProperties (-want +got):\n%s", diff)
	}

	del, err := v.certs.DeleteIssuer(ctx, "digicert", nil)
	if err != nil {
		t.Fatalf("DeleteIssuer: %v", err)
	}
	if diff := cmp.Diff(upd.Issuer, del.Issuer); diff != "" {
		t.Errorf("DeleteIssuer answer (-last state +deleted):\n%s", diff)
	}
	_, err = v.certs.GetIssuer(ctx, "digicert", nil)
	wantResponseError(t, err, 404, "CertificateIssuerNotFound")
	_, err = v.certs.DeleteIssuer(ctx, "digicert", nil)
	wantResponseError(t, err, 404, "CertificateIssuerNotFound")
	_, err = v.certs.UpdateIssuer(ctx, "digicert", azcertificates.UpdateIssuerParameters{Provider: new("X")}, nil)
	wantResponseError(t, err, 404, "CertificateIssuerNotFound")
}

// TestCreateWithConfiguredIssuer creates a certificate from an issuer set
// through the SDK: the emulator signs it with its CA.
func TestCreateWithConfiguredIssuer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	if _, err := v.certs.SetIssuer(ctx, "myca", azcertificates.SetIssuerParameters{Provider: new("Test")}, nil); err != nil {
		t.Fatalf("SetIssuer: %v", err)
	}
	p := selfPolicy("CN=issued.example.com")
	p.IssuerParameters.Name = new("myca")
	p.X509CertificateProperties.SubjectAlternativeNames = &azcertificates.SubjectAlternativeNames{DNSNames: to.SliceOfPtrs("issued.example.com")}
	got := v.create(t, ctx, "issued", azcertificates.CreateCertificateParameters{CertificatePolicy: p})

	cert := parseCER(t, got.CER, got.X509Thumbprint)
	block, _ := pem.Decode(v.srv.CACertPEM())
	if block == nil {
		t.Fatal("CACertPEM is not PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(ca), DNSName: "issued.example.com"}); err != nil {
		t.Errorf("certificate from issuer myca does not verify against the emulator's CA: %v", err)
	}
	if str(got.Policy.IssuerParameters.Name) != "myca" {
		t.Errorf("policy issuer = %s, want myca", str(got.Policy.IssuerParameters.Name))
	}
	checkSecretKey(t, ctx, v, "issued", got)
}
