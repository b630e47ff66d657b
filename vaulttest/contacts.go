package vaulttest

import (
	"net/http"
	"slices"

	"github.com/kvcerts/kvcerts/gen"
)

func contactsNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, code: "ContactsNotFound", message: "this vault has no certificate contacts"}
}

func (v *vault) contactsWire() *gen.Contacts {
	return &gen.Contacts{ID: v.urls.contacts(), ContactList: slices.Clone(v.contacts)}
}

// getContacts answers GET /certificates/contacts.
func (v *vault) getContacts(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.contacts == nil {
		return 0, nil, contactsNotFound()
	}
	return http.StatusOK, v.contactsWire(), nil
}

// setContacts answers PUT /certificates/contacts, replacing the list.
func (v *vault) setContacts(c *call) (int, any, error) {
	var body gen.Contacts
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	list := body.ContactList
	if list == nil {
		return 0, nil, badParameter("contacts must be a list of contacts")
	}
	for i, ct := range list {
		if ct.EmailAddress == "" && ct.Phone == "" {
			return 0, nil, badParameter("contacts[%d] needs an email or a phone number", i)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.contacts = list
	return http.StatusOK, v.contactsWire(), nil
}

// deleteContacts answers DELETE /certificates/contacts with the removed list.
func (v *vault) deleteContacts(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.contacts == nil {
		return 0, nil, contactsNotFound()
	}
	out := v.contactsWire()
	v.contacts = nil
	return http.StatusOK, out, nil
}
