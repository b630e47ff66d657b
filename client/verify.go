package client

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kvcerts/kvcerts/gen"
)

// This file checks that a successful answer carries the object it is about:
// a 200 whose body is null or {} is not a certificate, and an answer about
// another certificate than the one asked for is not a result.

// errResponse returns an error matching ErrInvalidResponse about the answer
// to the operation op.
func errResponse(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidResponse, op, fmt.Sprintf(format, args...))
}

// checkObjectID checks the identifier id of the object in the answer to op:
// it must be a Key Vault identifier of collection coll, for the object name
// (any letter case) unless name is empty, and of version when version is
// not empty.
func checkObjectID(op string, coll Collection, id, name, version string) error {
	if id == "" {
		return errResponse(op, "the answer has no %s identifier (id); it carries no object", collectionNoun(coll))
	}
	got, err := ParseID(id)
	if err != nil || got.Collection != coll {
		return errResponse(op, "the answer's id %s is not a %s identifier", quoteURL(id), collectionNoun(coll))
	}
	if name != "" && !strings.EqualFold(got.Name, name) {
		return errResponse(op, "the answer is about %s %s, not %s", collectionNoun(coll), quote(got.Name), quote(name))
	}
	if version != "" && !strings.EqualFold(got.Version, version) {
		return errResponse(op, "the answer is about version %s of %s, not version %s", quote(got.Version), quote(got.Name), quote(version))
	}
	return nil
}

// collectionNoun names what an identifier of coll identifies.
func collectionNoun(coll Collection) string {
	switch coll {
	case CollectionCertificates:
		return "certificate"
	case CollectionDeletedCertificates:
		return "deleted certificate"
	case CollectionOperations:
		return "certificate operation"
	case CollectionIssuers:
		return "issuer"
	case CollectionSecrets:
		return "secret"
	}
	return string(coll)
}

// checkContactsID checks the identifier of the contacts in the answer to
// op: https://{vault}/certificates/contacts.
func checkContactsID(op, id string) error {
	if id == "" {
		return errResponse(op, "the answer has no contacts identifier (id); it carries no contacts")
	}
	_, s0, s1, s2 := splitID(id)
	if !strings.EqualFold(s0, "certificates") || !strings.EqualFold(s1, "contacts") || s2 != "" {
		return errResponse(op, "the answer's id %s is not the contacts identifier", quoteURL(id))
	}
	return nil
}

// checkPolicyID checks the identifier of the policy in the answer to op:
// https://{vault}/certificates/{name}/policy.
func checkPolicyID(op, id, name string) error {
	if id == "" {
		return errResponse(op, "the answer has no policy identifier (id); it carries no policy")
	}
	_, s0, s1, s2 := splitID(id)
	if !strings.EqualFold(s0, "certificates") || !strings.EqualFold(s2, "policy") {
		return errResponse(op, "the answer's id %s is not a certificate policy identifier", quoteURL(id))
	}
	if !strings.EqualFold(s1, name) {
		return errResponse(op, "the answer is the policy of certificate %s, not %s", quote(s1), quote(name))
	}
	return nil
}

// checkDeleted checks a deleted certificate in the answer to op about the
// certificate name: its id, and its recovery id when it has one (a vault
// without soft delete sends none).
func checkDeleted(op string, b *gen.DeletedCertificateBundle, name string) error {
	if err := checkObjectID(op, CollectionCertificates, b.ID, name, ""); err != nil {
		return err
	}
	if b.RecoveryID != "" {
		return checkObjectID(op, CollectionDeletedCertificates, b.RecoveryID, name, "")
	}
	return nil
}

// listed is an item of a listing, which names the object it lists.
type listed interface {
	listedID() (Collection, string)
}

func (p *CertificateProperties) listedID() (Collection, string) { return CollectionCertificates, p.ID }
func (d *DeletedCertificate) listedID() (Collection, string) {
	return CollectionCertificates, d.Properties.ID
}
func (p *IssuerProperties) listedID() (Collection, string) { return CollectionIssuers, p.ID }

// checkListed checks item i of a page of the listing op: it must identify
// an object of the listing's collection. A null item decodes to one
// without an id.
func checkListed(op string, i int, item listed) error {
	coll, id := item.listedID()
	if err := checkObjectID(op+": item "+strconv.Itoa(i), coll, id, "", ""); err != nil {
		return err
	}
	if d, ok := item.(*DeletedCertificate); ok && d.RecoveryID != "" {
		return checkObjectID(op+": item "+strconv.Itoa(i), CollectionDeletedCertificates, d.RecoveryID, d.Properties.Name, "")
	}
	return nil
}
