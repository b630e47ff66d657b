package vaulttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha1"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// stateFormat names the version of the saved state and backup layout.
const stateFormat = "kvcerts-vaulttest/1"

// stateFile is the saved form of a vault (SaveState) and, with only
// Certificates filled, of a backup blob's plaintext. Keys and certificate
// DERs are stored once in tables and referenced by index, so certificates
// sharing a key (as seeded ones do) stay small.
type stateFile struct {
	Format       string           `json:"format"`
	CACert       []byte           `json:"caCert,omitempty"`
	CAKey        []byte           `json:"caKey,omitempty"`
	TokenKey     []byte           `json:"tokenKey,omitempty"`
	BackupKey    []byte           `json:"backupKey,omitempty"`
	Keys         [][]byte         `json:"keys"` // PKCS#8
	DERs         [][]byte         `json:"ders"` // certificates
	Certificates []certRecord     `json:"certificates"`
	Deleted      []deletedRecord  `json:"deleted,omitempty"`
	Purging      map[string]int64 `json:"purging,omitempty"` // name key -> Unix nanoseconds
	Issuers      []issuerRecord   `json:"issuers,omitempty"`
	Contacts     []gen.Contact    `json:"contacts,omitzero"`     // nil: none set
	Journal      uint64           `json:"journal,omitempty"`     // the generation of the journal that follows (WithStateFile)
	ClockOffset  int64            `json:"clockOffset,omitempty"` // nanoseconds the emulator's clock runs ahead of its source
}

type certRecord struct {
	Name      string                 `json:"name"`
	Policy    *gen.CertificatePolicy `json:"policy"`
	Versions  []versionRecord        `json:"versions"`
	Operation *opRecord              `json:"operation,omitempty"`
	VisibleAt time.Time              `json:"visibleAt,omitzero"`
}

type versionRecord struct {
	ID            string            `json:"id"`
	Chain         []int             `json:"chain"`
	Leaf          int               `json:"leaf"`
	Key           int               `json:"key"`
	ContentType   string            `json:"contentType"`
	Exportable    bool              `json:"exportable"`
	PreserveOrder bool              `json:"preserveOrder,omitempty"`
	Enabled       bool              `json:"enabled"`
	Created       time.Time         `json:"created"`
	Updated       time.Time         `json:"updated"`
	Tags          map[string]string `json:"tags,omitempty"`
	Fired         []string          `json:"fired,omitempty"` // lifetime actions run for this version
}

type opRecord struct {
	RequestID     string                 `json:"requestId"`
	Version       string                 `json:"version"`
	Policy        *gen.CertificatePolicy `json:"policy"`
	Key           int                    `json:"key"`
	CSR           []byte                 `json:"csr"`
	Status        string                 `json:"status"`
	StatusDetails string                 `json:"statusDetails,omitempty"`
	ErrorCode     string                 `json:"errorCode,omitempty"`
	ErrorMessage  string                 `json:"errorMessage,omitempty"`
	Cancel        bool                   `json:"cancel,omitempty"`
	Created       time.Time              `json:"created"`
	Polls         int                    `json:"polls,omitempty"`
	Enabled       *bool                  `json:"enabled,omitempty"`
	Tags          map[string]string      `json:"tags,omitempty"`
	PreserveOrder bool                   `json:"preserveOrder,omitempty"`
	Renewal       bool                   `json:"renewal,omitempty"`
}

type deletedRecord struct {
	certRecord
	DeletedAt time.Time `json:"deletedAt"`
	PurgeAt   time.Time `json:"purgeAt"`
	ShownAt   time.Time `json:"shownAt"`
}

type issuerRecord struct {
	Name      string                  `json:"name"`
	Provider  string                  `json:"provider"`
	AccountID string                  `json:"accountId,omitempty"`
	Password  string                  `json:"password,omitempty"`
	Org       gen.OrganizationDetails `json:"org,omitzero"`
	Enabled   bool                    `json:"enabled"`
	Created   time.Time               `json:"created"`
	Updated   time.Time               `json:"updated"`
}

// encoder fills the key and DER tables of a stateFile.
type encoder struct {
	st   *stateFile
	keys map[crypto.Signer]int
	ders map[*byte]int // by the address of a DER's first byte: shared DERs are stored once
}

func newEncoder(st *stateFile) *encoder {
	return &encoder{st: st, keys: map[crypto.Signer]int{}, ders: map[*byte]int{}}
}

func (e *encoder) key(k crypto.Signer) (int, error) {
	if i, ok := e.keys[k]; ok {
		return i, nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return 0, err
	}
	e.st.Keys = append(e.st.Keys, der)
	e.keys[k] = len(e.st.Keys) - 1
	return len(e.st.Keys) - 1, nil
}

func (e *encoder) der(d []byte) int {
	if i, ok := e.ders[&d[0]]; ok {
		return i
	}
	e.st.DERs = append(e.st.DERs, d)
	e.ders[&d[0]] = len(e.st.DERs) - 1
	return len(e.st.DERs) - 1
}

func (e *encoder) cert(c *certificate) (certRecord, error) {
	r := certRecord{Name: c.name, Policy: new(c.policy.wire("")), VisibleAt: c.visibleAt}
	for _, ver := range c.versions {
		k, err := e.key(ver.key)
		if err != nil {
			return r, err
		}
		vr := versionRecord{
			ID: ver.id, Leaf: ver.leaf, Key: k,
			ContentType: ver.contentType, Exportable: ver.exportable, PreserveOrder: ver.preserveOrder,
			Enabled: ver.enabled, Created: ver.created, Updated: ver.updated, Tags: ver.tags,
			Fired: slices.Sorted(maps.Keys(ver.fired)),
		}
		for _, d := range ver.chain {
			vr.Chain = append(vr.Chain, e.der(d))
		}
		r.Versions = append(r.Versions, vr)
	}
	if op := c.op; op != nil {
		k, err := e.key(op.key)
		if err != nil {
			return r, err
		}
		or := &opRecord{
			RequestID: op.requestID, Version: op.version, Policy: new(op.policy.wire("")), Key: k, CSR: op.csr,
			Status: op.status, StatusDetails: op.statusDetails, Cancel: op.cancel, Created: op.created,
			Polls: op.polls, Enabled: op.enabled, Tags: op.tags, PreserveOrder: op.preserveOrder,
			Renewal: op.renewal,
		}
		if op.err != nil {
			or.ErrorCode, or.ErrorMessage = op.err.code, op.err.message
		}
		r.Operation = or
	}
	return r, nil
}

// decoder resolves the tables of a stateFile.
type decoder struct {
	st   *stateFile
	keys []crypto.Signer
}

func newDecoder(st *stateFile) (*decoder, error) { return newSharingDecoder(st, nil) }

// shared holds the keys and certificates decoded so far, by their DER, so
// that journal changes written one by one share them again as the vault
// did.
type shared struct {
	keys map[string]crypto.Signer
	ders map[string][]byte
}

func newShared() *shared {
	return &shared{keys: map[string]crypto.Signer{}, ders: map[string][]byte{}}
}

// newSharingDecoder is newDecoder taking keys and certificates already
// seen from sh, if not nil.
func newSharingDecoder(st *stateFile, sh *shared) (*decoder, error) {
	d := &decoder{st: st, keys: make([]crypto.Signer, len(st.Keys))}
	if sh != nil {
		for i, der := range st.DERs {
			if seen, ok := sh.ders[string(der)]; ok {
				st.DERs[i] = seen
			} else if len(der) > 0 {
				sh.ders[string(der)] = der
			}
		}
	}
	for i, der := range st.Keys {
		if sh != nil {
			if k, ok := sh.keys[string(der)]; ok {
				d.keys[i] = k
				continue
			}
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("state key %d: %w", i, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("state key %d has unsupported type %T", i, k)
		}
		d.keys[i] = s
		if sh != nil {
			sh.keys[string(der)] = s
		}
	}
	return d, nil
}

func (d *decoder) key(i int) (crypto.Signer, error) {
	if i < 0 || i >= len(d.keys) {
		return nil, fmt.Errorf("key index %d out of range", i)
	}
	return d.keys[i], nil
}

func decodePolicy(w *gen.CertificatePolicy) (*policy, error) {
	if w == nil {
		return nil, errors.New("policy missing")
	}
	p, err := defaultPolicy().applyWire(*w)
	if err != nil {
		return nil, err
	}
	p.created, p.updated = w.Attributes.Created.Time(), w.Attributes.Updated.Time()
	return p, nil
}

func (d *decoder) cert(r certRecord) (*certificate, error) {
	if !validName(r.Name) {
		return nil, fmt.Errorf("invalid certificate name %q", r.Name)
	}
	p, err := decodePolicy(r.Policy)
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", r.Name, err)
	}
	c := &certificate{name: r.Name, policy: p, visibleAt: r.VisibleAt}
	for _, vr := range r.Versions {
		if !validVersion(vr.ID) {
			return nil, fmt.Errorf("certificate %q: version id %q is not 32 lowercase hex digits", r.Name, vr.ID)
		}
		key, err := d.key(vr.Key)
		if err != nil {
			return nil, fmt.Errorf("certificate %q: %w", r.Name, err)
		}
		ver := &version{
			id: vr.ID, leaf: vr.Leaf, key: key,
			contentType: vr.ContentType, exportable: vr.Exportable, preserveOrder: vr.PreserveOrder,
			enabled: vr.Enabled, created: vr.Created, updated: vr.Updated, tags: vr.Tags,
		}
		for _, f := range vr.Fired {
			if ver.fired == nil {
				ver.fired = map[string]bool{}
			}
			ver.fired[f] = true
		}
		for _, i := range vr.Chain {
			if i < 0 || i >= len(d.st.DERs) {
				return nil, fmt.Errorf("certificate %q: certificate index %d out of range", r.Name, i)
			}
			ver.chain = append(ver.chain, d.st.DERs[i])
		}
		if ver.leaf < 0 || ver.leaf >= len(ver.chain) {
			return nil, fmt.Errorf("certificate %q version %s: leaf index out of range", r.Name, vr.ID)
		}
		leaf, err := x509.ParseCertificate(ver.chain[ver.leaf])
		if err != nil {
			return nil, fmt.Errorf("certificate %q version %s: %w", r.Name, vr.ID, err)
		}
		ver.x5t = sha1.Sum(leaf.Raw)
		ver.notBefore, ver.notAfter = leaf.NotBefore, leaf.NotAfter
		c.versions = append(c.versions, ver)
	}
	if or := r.Operation; or != nil {
		key, err := d.key(or.Key)
		if err != nil {
			return nil, fmt.Errorf("certificate %q operation: %w", r.Name, err)
		}
		op := &operation{
			requestID: or.RequestID, version: or.Version, key: key, csr: or.CSR,
			status: or.Status, statusDetails: or.StatusDetails, cancel: or.Cancel, created: or.Created,
			polls: or.Polls, enabled: or.Enabled, tags: or.Tags, preserveOrder: or.PreserveOrder,
			renewal: or.Renewal,
		}
		if op.policy, err = decodePolicy(or.Policy); err != nil {
			return nil, fmt.Errorf("certificate %q operation: %w", r.Name, err)
		}
		if or.ErrorCode != "" {
			op.err = &apiError{code: or.ErrorCode, message: or.ErrorMessage}
		}
		c.op = op
	}
	return c, nil
}

// SaveState writes the whole emulator state as JSON: certificates with
// their private keys, deleted certificates, issuers (with passwords),
// contacts, and the CA, token signing and backup keys. Treat it as secret.
// WithState starts an emulator from it.
func (h *Handler) SaveState(w io.Writer) error {
	st, _, err := h.state(false)
	if err != nil {
		return fmt.Errorf("vaulttest: save state: %w", err)
	}
	enc := json.NewEncoder(w)
	if err := enc.Encode(st); err != nil {
		return fmt.Errorf("vaulttest: save state: %w", err)
	}
	return nil
}

func marshalKey(k crypto.Signer) ([]byte, error) { return x509.MarshalPKCS8PrivateKey(k) }

// snapshotLocked copies the vault's content into st. Callers hold v.mu.
func (v *vault) snapshotLocked(st *stateFile) error {
	e := newEncoder(st)
	st.BackupKey = v.backupKey
	st.Certificates = []certRecord{}
	for _, k := range v.names {
		r, err := e.cert(v.certs[k])
		if err != nil {
			return err
		}
		st.Certificates = append(st.Certificates, r)
	}
	for _, k := range v.delNames {
		r, err := e.deleted(v.deleted[k])
		if err != nil {
			return err
		}
		st.Deleted = append(st.Deleted, r)
	}
	if len(v.purging) > 0 {
		st.Purging = map[string]int64{}
		for k, t := range v.purging {
			st.Purging[k] = t.UnixNano()
		}
	}
	for _, k := range slices.Sorted(maps.Keys(v.issuers)) {
		st.Issuers = append(st.Issuers, v.issuers[k].record())
	}
	st.Contacts = slices.Clone(v.contacts)
	return nil
}

func (e *encoder) deleted(d *deletedCertificate) (deletedRecord, error) {
	r, err := e.cert(d.cert)
	return deletedRecord{certRecord: r, DeletedAt: d.deletedAt, PurgeAt: d.purgeAt, ShownAt: d.visibleAt}, err
}

func (is *issuer) record() issuerRecord {
	return issuerRecord{
		Name: is.name, Provider: is.provider, AccountID: is.accountID, Password: is.password,
		Org: is.org, Enabled: is.enabled, Created: is.created, Updated: is.updated,
	}
}

func (r issuerRecord) issuer() *issuer {
	return &issuer{
		name: r.Name, provider: r.Provider, accountID: r.AccountID, password: r.Password,
		org: r.Org, enabled: r.Enabled, created: r.Created, updated: r.Updated,
	}
}

// change returns the whole current state of the record k, for the
// journal. Callers hold v.mu.
func (v *vault) change(k recordKey) (change, error) {
	st := &stateFile{Keys: [][]byte{}, DERs: [][]byte{}, Certificates: []certRecord{}}
	ch := change{State: st}
	e := newEncoder(st)
	switch k.kind {
	case kindCertificate:
		ch.Certificate = k.name
		if c := v.certs[k.name]; c != nil {
			r, err := e.cert(c)
			if err != nil {
				return ch, err
			}
			st.Certificates = append(st.Certificates, r)
		}
		if d := v.deleted[k.name]; d != nil {
			r, err := e.deleted(d)
			if err != nil {
				return ch, err
			}
			st.Deleted = append(st.Deleted, r)
		}
		if t, ok := v.purging[k.name]; ok {
			st.Purging = map[string]int64{k.name: t.UnixNano()}
		}
	case kindIssuer:
		ch.Issuer = k.name
		if is := v.issuers[k.name]; is != nil {
			st.Issuers = append(st.Issuers, is.record())
		}
	case kindContacts:
		ch.Contacts = true
		st.Contacts = slices.Clone(v.contacts)
	case kindClock:
		ch.Clock = true
		st.ClockOffset = v.cfg.clock.offset.Load()
	default:
		return ch, fmt.Errorf("unknown record kind %d", k.kind)
	}
	return ch, nil
}

// apply replaces the record a journal change names with its content.
// Callers hold v.mu or own v.
func (v *vault) apply(ch change, sh *shared) error {
	st := ch.State
	if st == nil {
		return errors.New("change without state")
	}
	d, err := newSharingDecoder(st, sh)
	if err != nil {
		return err
	}
	switch {
	case ch.Clock && ch.Certificate == "" && ch.Issuer == "" && !ch.Contacts:
		v.restoreClock(st.ClockOffset)
	case ch.Certificate != "" && ch.Issuer == "" && !ch.Contacts && !ch.Clock:
		key := ch.Certificate
		if len(st.Certificates) > 1 || len(st.Deleted) > 1 || len(st.Purging) > 1 {
			return fmt.Errorf("change of certificate %q holds more than one record", key)
		}
		v.dropLive(key)
		v.dropDeleted(key)
		delete(v.purging, key)
		for _, r := range st.Certificates {
			c, err := d.cert(r)
			if err != nil {
				return err
			}
			if nameKey(c.name) != key {
				return fmt.Errorf("change of certificate %q holds certificate %q", key, c.name)
			}
			v.putLive(c)
		}
		for _, r := range st.Deleted {
			c, err := d.cert(r.certRecord)
			if err != nil {
				return err
			}
			if nameKey(c.name) != key {
				return fmt.Errorf("change of certificate %q holds deleted certificate %q", key, c.name)
			}
			v.putDeleted(&deletedCertificate{cert: c, deletedAt: r.DeletedAt, purgeAt: r.PurgeAt, visibleAt: r.ShownAt})
		}
		for k, t := range st.Purging {
			if k != key {
				return fmt.Errorf("change of certificate %q holds the purge of %q", key, k)
			}
			v.purging[k] = time.Unix(0, t)
		}
	case ch.Issuer != "" && ch.Certificate == "" && !ch.Contacts && !ch.Clock:
		key := ch.Issuer
		if len(st.Issuers) > 1 {
			return fmt.Errorf("change of issuer %q holds more than one record", key)
		}
		delete(v.issuers, key)
		for _, r := range st.Issuers {
			if nameKey(r.Name) != key {
				return fmt.Errorf("change of issuer %q holds issuer %q", key, r.Name)
			}
			v.issuers[key] = r.issuer()
		}
	case ch.Contacts && ch.Certificate == "" && ch.Issuer == "" && !ch.Clock:
		v.contacts = st.Contacts
	default:
		return errors.New("change names no record, or more than one")
	}
	return nil
}

// LoadState replaces the vault's content (certificates, deleted
// certificates, issuers, contacts) and, unless WithBackupKey set one, its
// backup key with a state written by SaveState. The CA, the token signing
// key and the clock stay as they are, so running clients keep working; use
// WithState to restore those too. With WithStateFile, the new content is
// in the state file when LoadState returns.
func (h *Handler) LoadState(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("vaulttest: load state: %w", err)
	}
	st, err := decodeState(data)
	if err != nil {
		return fmt.Errorf("vaulttest: %w", err)
	}
	fresh := newVault(h.cfg, h.vault.urls.base)
	if err := fresh.load(st, nil); err != nil {
		return fmt.Errorf("vaulttest: %w", err)
	}
	h.vault.replace(fresh, h.cfg.backupKey == nil)
	if h.store != nil {
		if err := h.store.fold(h); err != nil {
			return fmt.Errorf("vaulttest: load state: %w", err)
		}
	}
	return nil
}

// restoreClock sets the emulator's clock to run offset ahead of its
// source, as it did when the state was saved, unless WithStartTime set the
// clock.
func (v *vault) restoreClock(offset int64) {
	if v.cfg.start.IsZero() && v.cfg.clock != nil {
		v.cfg.clock.offset.Store(offset)
	}
}

// replace swaps in the content of fresh, and its backup key if it has
// one and withKey.
func (v *vault) replace(fresh *vault, withKey bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.certs, v.names = fresh.certs, fresh.names
	v.deleted, v.delNames = fresh.deleted, fresh.delNames
	v.purging, v.issuers, v.contacts = fresh.purging, fresh.issuers, fresh.contacts
	if fresh.backupKey != nil && withKey {
		v.backupKey = fresh.backupKey
	}
}

func decodeState(data []byte) (*stateFile, error) {
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("state is not valid JSON: %w", err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("state format %q is not %q", st.Format, stateFormat)
	}
	return &st, nil
}

// keys returns the CA and token signing key of a saved state.
func (st *stateFile) keys() (*certAuthority, *ecdsa.PrivateKey, error) {
	cert, err := x509.ParseCertificate(st.CACert)
	if err != nil {
		return nil, nil, fmt.Errorf("state CA certificate: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(st.CAKey)
	if err != nil {
		return nil, nil, fmt.Errorf("state CA key: %w", err)
	}
	caKey, ok := k.(*ecdsa.PrivateKey)
	if !ok || !publicKeyEqual(cert.PublicKey, caKey.Public()) {
		return nil, nil, errors.New("state CA key does not match its certificate")
	}
	k, err = x509.ParsePKCS8PrivateKey(st.TokenKey)
	if err != nil {
		return nil, nil, fmt.Errorf("state token key: %w", err)
	}
	tokenKey, ok := k.(*ecdsa.PrivateKey)
	if !ok || tokenKey.Curve != elliptic.P256() {
		return nil, nil, errors.New("state token key is not a P-256 key")
	}
	return &certAuthority{cert: cert, key: caKey}, tokenKey, nil
}

// load fills an empty vault from st, sharing keys and certificates
// through sh if not nil.
func (v *vault) load(st *stateFile, sh *shared) error {
	d, err := newSharingDecoder(st, sh)
	if err != nil {
		return err
	}
	for _, r := range st.Certificates {
		c, err := d.cert(r)
		if err != nil {
			return err
		}
		v.putLive(c)
	}
	for _, r := range st.Deleted {
		c, err := d.cert(r.certRecord)
		if err != nil {
			return err
		}
		v.putDeleted(&deletedCertificate{cert: c, deletedAt: r.DeletedAt, purgeAt: r.PurgeAt, visibleAt: r.ShownAt})
	}
	for k, t := range st.Purging {
		v.purging[k] = time.Unix(0, t)
	}
	for _, r := range st.Issuers {
		v.issuers[nameKey(r.Name)] = r.issuer()
	}
	v.contacts = st.Contacts
	if len(st.BackupKey) == 32 {
		v.backupKey = st.BackupKey
	}
	return nil
}
