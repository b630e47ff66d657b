package vaulttest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func TestIssuers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := gen.OrganizationDetails{AdminDetails: []gen.AdministratorDetails{{
		FirstName: "Ada", LastName: "Lovelace", EmailAddress: "ada@example.com", Phone: "555",
	}}}
	var set gen.IssuerBundle
	h.call("PUT", "/certificates/issuers/issuer01", gen.CertificateIssuerSetParameters{
		Provider:            "Test",
		Credentials:         gen.IssuerCredentials{AccountID: "acct", Password: "pa55word"},
		OrganizationDetails: org,
	}, http.StatusOK, &set)
	now := gen.NewUnixTime(h.clock.Now())
	want := gen.IssuerBundle{
		ID:                  h.srv.URL + "/certificates/issuers/issuer01",
		Provider:            "Test",
		Credentials:         gen.IssuerCredentials{AccountID: "acct"}, // never the password
		OrganizationDetails: org,
		Attributes:          gen.IssuerAttributes{Enabled: new(true), Created: now, Updated: now},
	}
	if diff := cmp.Diff(want, set); diff != "" {
		t.Errorf("set issuer (-want +got):\n%s", diff)
	}
	var got gen.IssuerBundle
	h.call("GET", "/certificates/issuers/issuer01", nil, http.StatusOK, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("get issuer (-want +got):\n%s", diff)
	}

	h.clock.Advance(3e9)
	var upd gen.IssuerBundle
	h.call("PATCH", "/certificates/issuers/issuer01", gen.CertificateIssuerUpdateParameters{
		Credentials: gen.IssuerCredentials{AccountID: "acct2"},
		Attributes:  gen.IssuerAttributes{Enabled: new(false)},
	}, http.StatusOK, &upd)
	want.Credentials.AccountID = "acct2"
	want.Attributes = gen.IssuerAttributes{Enabled: new(false), Created: now, Updated: gen.NewUnixTime(h.clock.Now())}
	if diff := cmp.Diff(want, upd); diff != "" {
		t.Errorf("updated issuer (-want +got):\n%s", diff)
	}

	h.call("PUT", "/certificates/issuers/issuer02", gen.CertificateIssuerSetParameters{Provider: "Other"}, http.StatusOK, nil)
	var list gen.CertificateIssuerListResult
	h.call("GET", "/certificates/issuers", nil, http.StatusOK, &list)
	wantList := []gen.CertificateIssuerItem{
		{ID: h.srv.URL + "/certificates/issuers/issuer01", Provider: "Test"},
		{ID: h.srv.URL + "/certificates/issuers/issuer02", Provider: "Other"},
	}
	if diff := cmp.Diff(wantList, list.Value); diff != "" {
		t.Errorf("issuer list (-want +got):\n%s", diff)
	}

	var del gen.IssuerBundle
	h.call("DELETE", "/certificates/issuers/issuer01", nil, http.StatusOK, &del)
	if diff := cmp.Diff(want, del); diff != "" {
		t.Errorf("deleted issuer (-want +got):\n%s", diff)
	}
	for _, m := range []string{"GET", "DELETE"} {
		h.fail(m, "/certificates/issuers/issuer01", nil, http.StatusNotFound, "CertificateIssuerNotFound", "")
	}
	h.fail("PATCH", "/certificates/issuers/issuer01", gen.CertificateIssuerUpdateParameters{}, http.StatusNotFound, "CertificateIssuerNotFound", "")
}

func TestIssuerErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fail("PUT", "/certificates/issuers/Self", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusBadRequest, "BadParameter", "")
	h.fail("PUT", "/certificates/issuers/unknown", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusBadRequest, "BadParameter", "")
	h.fail("PUT", "/certificates/issuers/ok", gen.CertificateIssuerSetParameters{}, http.StatusBadRequest, "BadParameter", "")
	h.fail("PUT", "/certificates/issuers/bad_name", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusBadRequest, "BadParameter", "")
	h.fail("PUT", "/certificates/issuers/ok", nil, http.StatusBadRequest, "BadParameter", "")
}

func TestContacts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fail("GET", "/certificates/contacts", nil, http.StatusNotFound, "ContactsNotFound", "")
	h.fail("DELETE", "/certificates/contacts", nil, http.StatusNotFound, "ContactsNotFound", "")
	list := []gen.Contact{
		{EmailAddress: "admin@contoso.example", Name: "Admin", Phone: "111"},
		{EmailAddress: "ops@contoso.example"},
	}
	want := gen.Contacts{ID: h.srv.URL + "/certificates/contacts", ContactList: list}
	for _, step := range []struct {
		method string
		body   any
	}{{"PUT", gen.Contacts{ContactList: list}}, {"GET", nil}, {"DELETE", nil}} {
		var got gen.Contacts
		h.call(step.method, "/certificates/contacts", step.body, http.StatusOK, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s contacts (-want +got):\n%s", step.method, diff)
		}
	}
	h.fail("GET", "/certificates/contacts", nil, http.StatusNotFound, "ContactsNotFound", "")
	// An empty list is a list: it is set and sent back as [].
	var empty map[string]json.RawMessage
	h.call("PUT", "/certificates/contacts", json.RawMessage(`{"contacts":[]}`), http.StatusOK, &empty)
	if got := string(empty["contacts"]); got != "[]" {
		t.Errorf("contacts set to [] answer %s, want []", got)
	}
	h.fail("PUT", "/certificates/contacts", gen.Contacts{}, http.StatusBadRequest, "BadParameter", "")
	h.fail("PUT", "/certificates/contacts", gen.Contacts{ContactList: []gen.Contact{{Name: "nobody"}}}, http.StatusBadRequest, "BadParameter", "")
}
