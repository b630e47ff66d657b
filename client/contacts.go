package client

import (
	"context"
	"net/http"

	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/transport"
)

// SetContactsOptions are the options of SetContacts. There are none yet;
// pass nil.
type SetContactsOptions struct{}

// SetContacts replaces the vault's certificate contacts, the people it
// emails about certificate events, and returns the new list.
//
// Key Vault: PUT /certificates/contacts (permission certificates/managecontacts).
// Errors: [ErrForbidden], a [*ResponseError] with code "BadParameter" for
// an invalid contact.
func (c *Client) SetContacts(ctx context.Context, contacts []Contact, opts *SetContactsOptions) ([]Contact, error) {
	ctx = withOperation(ctx, "SetContacts")
	if len(contacts) == 0 {
		return nil, invalidArg("no contacts to set; use DeleteContacts to remove them all")
	}
	for i, ct := range contacts {
		if ct.Email == "" && ct.Name == "" && ct.Phone == "" {
			return nil, invalidArg("contacts[%d] is empty", i)
		}
	}
	req, err := gen.NewSetCertificateContactsRequest(c.server, contactsToWire(contacts))
	return c.contacts(ctx, req, err)
}

// GetContactsOptions are the options of GetContacts. There are none yet;
// pass nil.
type GetContactsOptions struct{}

// GetContacts returns the vault's certificate contacts.
//
// Key Vault: GET /certificates/contacts (permission certificates/managecontacts).
// Errors: [ErrNotFound] (code "ContactsNotFound") when none are set,
// [ErrForbidden].
func (c *Client) GetContacts(ctx context.Context, opts *GetContactsOptions) ([]Contact, error) {
	ctx = withOperation(ctx, "GetContacts")
	req, err := gen.NewGetCertificateContactsRequest(c.server)
	return c.contacts(ctx, req, err)
}

// DeleteContactsOptions are the options of DeleteContacts. There are none
// yet; pass nil.
type DeleteContactsOptions struct{}

// DeleteContacts removes all the vault's certificate contacts and returns
// them. When the DELETE is sent again after an ambiguous failure (a reset
// connection, 500, 502, 503 or 504) and then answers 404, it succeeds with no
// contacts if the vault has none left.
//
// Key Vault: DELETE /certificates/contacts (permission certificates/managecontacts).
// Errors: [ErrNotFound] when none are set, [ErrForbidden].
func (c *Client) DeleteContacts(ctx context.Context, opts *DeleteContactsOptions) ([]Contact, error) {
	ctx = withOperation(ctx, "DeleteContacts")
	req, err := gen.NewDeleteCertificateContactsRequest(c.server)
	retryCtx, note := transport.WithRetryNote(ctx)
	cs, err := c.contacts(retryCtx, req, err)
	if isStatus(err, http.StatusNotFound) && note.Ambiguous() {
		return nil, confirmGone(ctx, err, func(ctx context.Context) error {
			_, err := c.GetContacts(ctx, nil)
			return err
		})
	}
	return cs, err
}

// contacts sends a contacts request and converts the contacts it returns.
func (c *Client) contacts(ctx context.Context, req *http.Request, err error) ([]Contact, error) {
	var w gen.Contacts
	if _, err := c.do(ctx, req, err, http.StatusOK, &w); err != nil {
		return nil, err
	}
	if err := checkContactsID(label(req), w.ID); err != nil {
		return nil, err
	}
	return contactsFromWire(&w), nil
}
