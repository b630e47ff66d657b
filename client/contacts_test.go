package client

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestContactsOps(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	body := `{"id":"https://myvault.vault.azure.net/certificates/contacts","contacts":[{"name":"Ops","email":"ops@example.com","phone":"555"},{"email":"sec@example.com"}]}`
	handle(t, mux, "PUT /certificates/contacts", `{"contacts":[{"name":"Ops","email":"ops@example.com","phone":"555"},{"email":"sec@example.com"}]}`, 200, body)
	handle(t, mux, "GET /certificates/contacts", "", 200, body)
	handle(t, mux, "DELETE /certificates/contacts", "", 200, body)
	want := []Contact{{Name: "Ops", Email: "ops@example.com", Phone: "555"}, {Email: "sec@example.com"}}

	got, err := c.SetContacts(t.Context(), want, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("set mismatch (-want +got):\n%s", diff)
	}
	if got, err = c.GetContacts(t.Context(), nil); err != nil || !cmp.Equal(want, got) {
		t.Errorf("get = %v, %v", got, err)
	}
	if got, err = c.DeleteContacts(t.Context(), nil); err != nil || !cmp.Equal(want, got) {
		t.Errorf("delete = %v, %v", got, err)
	}
}

func TestGetContactsNotFound(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/contacts", "", 404, `{"error":{"code":"ContactsNotFound","message":"none"}}`)
	if _, err := c.GetContacts(t.Context(), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
}
