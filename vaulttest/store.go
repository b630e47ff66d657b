package vaulttest

import (
	"crypto"
	"crypto/sha1"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// vault is the emulator's state. One mutex guards all of it; handlers copy
// what they answer with while holding it and encode after releasing it.
type vault struct {
	cfg  *config
	urls urls

	mu        sync.Mutex
	certs     map[string]*certificate // by nameKey
	names     []string                // sorted keys of certs
	deleted   map[string]*deletedCertificate
	delNames  []string             // sorted keys of deleted
	purging   map[string]time.Time // name key -> end of the purge
	issuers   map[string]*issuer
	contacts  []gen.Contact // nil: none set
	backupKey []byte
	ca        *certAuthority // signs the certificates of configured issuers
	notes     []Notification // EmailContacts lifetime actions that fired

	// unsaved holds the records changed since the last commit to the state
	// file (see touch); nil without WithStateFile.
	unsaved map[recordKey]struct{}

	dueChanged atomic.Bool         // something changed that runDue must look at
	dueNames   map[string]struct{} // name keys written since the last runDue; see changedName
	nextDue    time.Time           // nothing is due before; see runDue
}

// certificate is one certificate name with its versions, policy and latest
// operation.
type certificate struct {
	name      string
	policy    *policy
	versions  []*version // oldest first
	op        *operation
	visibleAt time.Time // after a recover: answers 404 until then
}

// version is one issued version of a certificate.
type version struct {
	id            string
	chain         [][]byte // DER, in the order they are returned
	leaf          int      // index of the certificate matching the key
	key           crypto.Signer
	x5t           [sha1.Size]byte
	notBefore     time.Time
	notAfter      time.Time
	contentType   string
	exportable    bool
	preserveOrder bool
	enabled       bool
	created       time.Time
	updated       time.Time
	tags          map[string]string
	fired         map[string]bool // lifetime actions run for this version
}

// operation is a certificate's create operation.
type operation struct {
	requestID     string
	version       string // the version the operation will create
	policy        *policy
	key           crypto.Signer
	csr           []byte
	status        string // inProgress, completed, failed, cancelled
	statusDetails string
	err           *apiError
	cancel        bool
	created       time.Time
	polls         int
	enabled       *bool
	tags          map[string]string
	preserveOrder bool
	renewal       bool // started by an AutoRenew lifetime action
}

type deletedCertificate struct {
	cert      *certificate
	deletedAt time.Time
	purgeAt   time.Time // scheduled purge date
	visibleAt time.Time // shows in the deleted views from then on
}

type issuer struct {
	name      string
	provider  string
	accountID string
	password  string
	org       gen.OrganizationDetails // zero: none set
	enabled   bool
	created   time.Time
	updated   time.Time
}

const (
	statusInProgress = "inProgress"
	statusCompleted  = "completed"
	statusFailed     = "failed"
	statusCancelled  = "cancelled"
)

func newVault(cfg *config, base string) *vault {
	return &vault{
		cfg:     cfg,
		urls:    newURLs(base),
		certs:   map[string]*certificate{},
		deleted: map[string]*deletedCertificate{},
		purging: map[string]time.Time{},
		issuers: map[string]*issuer{},
	}
}

func (c *certificate) latest() *version {
	if len(c.versions) == 0 {
		return nil
	}
	return c.versions[len(c.versions)-1]
}

// previous returns the id of the version added before ver, which the
// service reports as the secret's previousVersion; "" for the first.
func (c *certificate) previous(ver *version) string {
	if i := slices.Index(c.versions, ver); i > 0 {
		return c.versions[i-1].id
	}
	return ""
}

func (c *certificate) findVersion(id string) *version {
	if id == "" {
		return c.latest()
	}
	for _, v := range c.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (c *certificate) pending() bool {
	return c.op != nil && c.op.status == statusInProgress
}

// insertSorted adds key to the sorted slice s if it is missing.
func insertSorted(s []string, key string) []string {
	i, found := slices.BinarySearch(s, key)
	if found {
		return s
	}
	return slices.Insert(s, i, key)
}

// removeSorted removes key from the sorted slice s.
func removeSorted(s []string, key string) []string {
	i, found := slices.BinarySearch(s, key)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

func (v *vault) putLive(c *certificate) {
	key := nameKey(c.name)
	v.certs[key] = c
	v.names = insertSorted(v.names, key)
	v.touch(recordKey{kind: kindCertificate, name: key})
}

func (v *vault) dropLive(key string) {
	delete(v.certs, key)
	v.names = removeSorted(v.names, key)
	v.touch(recordKey{kind: kindCertificate, name: key})
}

func (v *vault) putDeleted(d *deletedCertificate) {
	key := nameKey(d.cert.name)
	v.deleted[key] = d
	v.delNames = insertSorted(v.delNames, key)
	v.touch(recordKey{kind: kindCertificate, name: key})
}

func (v *vault) dropDeleted(key string) {
	delete(v.deleted, key)
	v.delNames = removeSorted(v.delNames, key)
	v.touch(recordKey{kind: kindCertificate, name: key})
}

// live returns the certificate with this name key if it can be read now:
// not being recovered. Callers hold v.mu.
func (v *vault) live(key string, now time.Time) *certificate {
	c := v.certs[key]
	if c == nil || now.Before(c.visibleAt) {
		return nil
	}
	v.settle(c, now)
	return c
}

// deletedCert returns the soft-deleted certificate with this name key, or
// nil. One past its scheduled purge date is purged here. Callers hold v.mu.
func (v *vault) deletedCert(key string, now time.Time) *deletedCertificate {
	d := v.deleted[key]
	if d != nil && !now.Before(d.purgeAt) {
		v.dropDeleted(key)
		return nil
	}
	return d
}

// shown reports whether d shows in the deleted views at now.
func (d *deletedCertificate) shown(now time.Time) bool { return !now.Before(d.visibleAt) }

// dropExpired forgets the deleted certificates past their scheduled purge
// date. Callers hold v.mu.
func (v *vault) dropExpired(now time.Time) {
	v.delNames = slices.DeleteFunc(v.delNames, func(k string) bool {
		if now.Before(v.deleted[k].purgeAt) {
			return false
		}
		delete(v.deleted, k)
		v.touch(recordKey{kind: kindCertificate, name: k})
		return true
	})
}

// checkNameFree answers the conflicts of creating, importing or restoring
// under a name: soft-deleted, being deleted, being purged or being
// recovered. Callers hold v.mu.
func (v *vault) checkNameFree(key, name string, now time.Time) error {
	if d := v.deletedCert(key, now); d != nil {
		if !d.shown(now) {
			return beingDeleted(name)
		}
		return deletedButRecoverable(name)
	}
	if until, ok := v.purging[key]; ok {
		if now.Before(until) {
			return conflict("ObjectIsBeingDeleted", "certificate %q is being purged; retry later", name)
		}
		delete(v.purging, key)
	}
	if c := v.certs[key]; c != nil && now.Before(c.visibleAt) {
		return conflict("", "certificate %q is being recovered; retry later", name)
	}
	return nil
}

// recoveryLevel is the deletion recovery level of the vault's objects.
func (v *vault) recoveryLevel() gen.DeletionRecoveryLevel {
	custom := v.cfg.recoverableDays < 90
	switch {
	case v.cfg.noSoftDelete:
		return gen.DeletionRecoveryLevelPurgeable
	case v.cfg.purgeProtection && custom:
		return gen.DeletionRecoveryLevelCustomizedRecoverable
	case v.cfg.purgeProtection:
		return gen.DeletionRecoveryLevelRecoverable
	case custom:
		return gen.DeletionRecoveryLevelCustomizedRecoverablePurgeable
	default:
		return gen.DeletionRecoveryLevelRecoverablePurgeable
	}
}

// recoverableDays is how long deleted objects stay recoverable; 0 (left
// off the wire) without soft delete.
func (v *vault) recoverableDays() int32 {
	if v.cfg.noSoftDelete {
		return 0
	}
	return int32(v.cfg.recoverableDays)
}
