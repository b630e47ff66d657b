package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/gen"
)

const issuerJSON = `{"id":"https://myvault.vault.azure.net/certificates/issuers/digi","provider":"DigiCert",
  "credentials":{"account_id":"acct"},"org_details":{"id":"org","admin_details":[{"first_name":"A","last_name":"B","email":"a@example.com","phone":"1"}]},
  "attributes":{"enabled":true,"created":1700000000,"updated":1700000001}}`

func TestIssuerOps(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "PUT /certificates/issuers/digi",
		`{"provider":"DigiCert","credentials":{"account_id":"acct","pwd":"s3cret"},"org_details":{"id":"org","admin_details":[{"first_name":"A","last_name":"B","email":"a@example.com","phone":"1"}]},"attributes":{"enabled":true}}`,
		200, issuerJSON)
	handle(t, mux, "GET /certificates/issuers/digi", "", 200, issuerJSON)
	handle(t, mux, "PATCH /certificates/issuers/digi", `{"provider":"GlobalSign","attributes":{"enabled":false}}`, 200, issuerJSON)
	handle(t, mux, "DELETE /certificates/issuers/digi", "", 200, issuerJSON)
	handle(t, mux, "GET /certificates/issuers/none", "", 404, `{"error":{"code":"CertificateIssuerNotFound","message":"no"}}`)

	admins := []AdministratorContact{{FirstName: "A", LastName: "B", Email: "a@example.com", Phone: "1"}}
	want := &Issuer{
		Properties: IssuerProperties{ID: testVault + "/certificates/issuers/digi", Name: "digi", Provider: "DigiCert"},
		AccountID:  "acct", OrganizationID: "org", Administrators: admins, Enabled: true,
		Created: time.Unix(1700000000, 0).UTC(), Updated: time.Unix(1700000001, 0).UTC(),
	}

	got, err := c.CreateIssuer(t.Context(), "digi", "DigiCert", &CreateIssuerOptions{
		AccountID: "acct", Password: "s3cret", OrganizationID: "org", Administrators: admins, Enabled: new(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("create mismatch (-want +got):\n%s", diff)
	}
	for name, call := range map[string]func() (*Issuer, error){
		"get": func() (*Issuer, error) { return c.GetIssuer(t.Context(), "digi", nil) },
		"update": func() (*Issuer, error) {
			return c.UpdateIssuer(t.Context(), "digi", &UpdateIssuerOptions{Provider: "GlobalSign", Enabled: new(false)})
		},
		"delete": func() (*Issuer, error) { return c.DeleteIssuer(t.Context(), "digi", nil) },
	} {
		got, err := call()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
	if _, err := c.GetIssuer(t.Context(), "none", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: err = %v", err)
	}
}

func TestIssuerPasswordNotInErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "PUT /certificates/issuers/digi", "", 400, `{"error":{"code":"BadParameter","message":"bad provider"}}`)
	_, err := c.CreateIssuer(t.Context(), "digi", "Nope", &CreateIssuerOptions{Password: "hunter2-secret"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err = %v", err)
	}
}

func TestListIssuers(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /certificates/issuers", func(w http.ResponseWriter, r *http.Request) {
		checkAPIVersion(t, r)
		if r.URL.Query().Get("$skiptoken") == "" {
			reply(w, 200, `{"value":[{"id":"https://myvault.vault.azure.net/certificates/issuers/a","provider":"p1"}],
			  "nextLink":"https://myvault.vault.azure.net:443/certificates/issuers?api-version=`+gen.APIVersion+`&$skiptoken=2"}`)
			return
		}
		reply(w, 200, `{"value":[{"id":"https://myvault.vault.azure.net/certificates/issuers/b","provider":"p2"}],"nextLink":null}`)
	})
	var got []IssuerProperties
	for p, err := range c.ListIssuers(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *p)
	}
	want := []IssuerProperties{
		{ID: testVault + "/certificates/issuers/a", Name: "a", Provider: "p1"},
		{ID: testVault + "/certificates/issuers/b", Name: "b", Provider: "p2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
