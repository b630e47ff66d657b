package interop

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
)

func TestContacts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)

	_, err := v.certs.GetContacts(ctx, nil)
	wantResponseError(t, err, 404, "ContactsNotFound")
	_, err = v.certs.DeleteContacts(ctx, nil)
	wantResponseError(t, err, 404, "ContactsNotFound")

	list := []*azcertificates.Contact{
		{Name: new("Ops"), Email: new("ops@example.com"), Phone: new("555-0101")},
		{Email: new("security@example.com")},
	}
	set, err := v.certs.SetContacts(ctx, azcertificates.Contacts{ContactList: list}, nil)
	if err != nil {
		t.Fatalf("SetContacts: %v", err)
	}
	want := azcertificates.Contacts{ID: new(v.url + "/certificates/contacts"), ContactList: list}
	if diff := cmp.Diff(want, set.Contacts); diff != "" {
		t.Errorf("SetContacts answer (-want +got):\n%s", diff)
	}
	got, err := v.certs.GetContacts(ctx, nil)
	if err != nil {
		t.Fatalf("GetContacts: %v", err)
	}
	if diff := cmp.Diff(want, got.Contacts); diff != "" {
		t.Errorf("GetContacts (-want +got):\n%s", diff)
	}

	// Setting replaces the whole list.
	replacement := []*azcertificates.Contact{{Name: new("Night shift"), Phone: new("555-0199")}}
	if _, err := v.certs.SetContacts(ctx, azcertificates.Contacts{ContactList: replacement}, nil); err != nil {
		t.Fatalf("SetContacts again: %v", err)
	}
	del, err := v.certs.DeleteContacts(ctx, nil)
	if err != nil {
		t.Fatalf("DeleteContacts: %v", err)
	}
	if diff := cmp.Diff(azcertificates.Contacts{ID: want.ID, ContactList: replacement}, del.Contacts); diff != "" {
		t.Errorf("DeleteContacts answer (-want +got):\n%s", diff)
	}
	_, err = v.certs.GetContacts(ctx, nil)
	wantResponseError(t, err, 404, "ContactsNotFound")
}
