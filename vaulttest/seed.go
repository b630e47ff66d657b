package vaulttest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// SeedOptions shape the certificates Seed loads.
type SeedOptions struct {
	// Prefix starts every name (default "cert-"); a zero-padded index
	// follows, so names sort in index order.
	Prefix string
	// Versions per certificate (default 1).
	Versions int
	// Tags of every version.
	Tags map[string]string
	// ContentType of the secrets: application/x-pkcs12 (default) or
	// application/x-pem-file.
	ContentType string
	// Deleted loads the certificates soft-deleted (and already shown in the
	// deleted views) instead of live.
	Deleted bool
}

// seedMaterial is the key, self-signed certificate and policy every seeded
// certificate shares, made once per process.
var seedMaterial = sync.OnceValues(func() (*seedShared, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p := defaultPolicy()
	p.subject, p.issuerName = "CN=vaulttest-seed", issuerSelf
	if err := p.completeForIssuance(); err != nil {
		return nil, err
	}
	der, err := issue(p, key, nil, time.Now().AddDate(0, 0, -1))
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &seedShared{key: key, chain: [][]byte{der}, cert: cert, x5t: sha1.Sum(der), policy: p}, nil
})

// datedFor returns the shared material with a certificate valid from a
// day before now: the shared one when the emulator's clock is within a day
// of the real time, else one issued anew for the same key, so that seeded
// certificates are current by the emulator's clock (WithStartTime) and
// their lifetime actions are not all due at once.
func (s *seedShared) datedFor(now time.Time) (*seedShared, error) {
	if d := now.Sub(s.cert.NotBefore); d >= 0 && d <= 48*time.Hour {
		return s, nil
	}
	der, err := issue(s.policy, s.key, nil, now.AddDate(0, 0, -1))
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	n := *s
	n.chain, n.cert, n.x5t = [][]byte{der}, cert, sha1.Sum(der)
	return &n, nil
}

type seedShared struct {
	key    crypto.Signer
	chain  [][]byte
	cert   *x509.Certificate
	x5t    [sha1.Size]byte
	policy *policy // never changed: Seed stores clones
}

// Seed loads n certificates without HTTP, quickly: they all share one RSA
// key and one self-signed certificate (CN=vaulttest-seed), so thousands
// take milliseconds and little memory. It returns their names. If any name
// is taken, Seed loads nothing. With WithStateFile, they are in the state
// file when Seed returns.
func (h *Handler) Seed(n int, opts *SeedOptions) ([]string, error) {
	names, err := h.seed(n, opts)
	if err != nil {
		return nil, err
	}
	if err := h.persist(); err != nil {
		return nil, fmt.Errorf("vaulttest: seed: %w", err)
	}
	return names, nil
}

func (h *Handler) seed(n int, opts *SeedOptions) ([]string, error) {
	var o SeedOptions
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = "cert-"
	}
	if o.Versions == 0 {
		o.Versions = 1
	}
	if o.ContentType == "" {
		o.ContentType = contentPKCS12
	}
	switch {
	case n < 0 || o.Versions < 0:
		return nil, fmt.Errorf("vaulttest: seed count %d and versions %d must not be negative", n, o.Versions)
	case o.ContentType != contentPKCS12 && o.ContentType != contentPEM:
		return nil, fmt.Errorf("vaulttest: seed content type %q is not %s or %s", o.ContentType, contentPKCS12, contentPEM)
	case o.Deleted && h.cfg.noSoftDelete:
		return nil, errors.New("vaulttest: seed: a vault without soft delete (WithoutSoftDelete) has no deleted certificates")
	}
	width := len(strconv.Itoa(max(n-1, 0)))
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%0*d", o.Prefix, width, i)
		if !validName(names[i]) {
			return nil, fmt.Errorf("vaulttest: seed name %q is not a valid certificate name", names[i])
		}
	}
	shared, err := seedMaterial()
	if err != nil {
		return nil, fmt.Errorf("vaulttest: seed key: %w", err)
	}

	v := h.vault
	now := h.cfg.now()
	if shared, err = shared.datedFor(now); err != nil {
		return nil, fmt.Errorf("vaulttest: seed certificate: %w", err)
	}
	p := shared.policy.clone()
	p.contentType = o.ContentType
	p.created, p.updated = now, now
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, name := range names {
		if err := v.checkFree(nameKey(name), name, now); err != nil {
			return nil, fmt.Errorf("vaulttest: seed: %w", err)
		}
	}
	for _, name := range names {
		c := &certificate{name: name, policy: p, versions: make([]*version, 0, o.Versions)}
		for range o.Versions {
			c.versions = append(c.versions, &version{
				id: newVersion(), chain: shared.chain, key: shared.key, x5t: shared.x5t,
				notBefore: shared.cert.NotBefore, notAfter: shared.cert.NotAfter,
				contentType: o.ContentType, exportable: true, enabled: true,
				created: now, updated: now, tags: maps.Clone(o.Tags),
			})
		}
		key := nameKey(name)
		v.touch(recordKey{kind: kindCertificate, name: key})
		if o.Deleted {
			v.deleted[key] = &deletedCertificate{cert: c, deletedAt: now, purgeAt: now.AddDate(0, 0, v.cfg.recoverableDays), visibleAt: now}
			v.delNames = append(v.delNames, key)
		} else {
			v.certs[key] = c
			v.names = append(v.names, key)
		}
	}
	slices.Sort(v.names)
	slices.Sort(v.delNames)
	v.changed()
	return names, nil
}

// checkFree reports a name that is live, soft-deleted, being purged or
// has an operation. Callers hold v.mu.
func (v *vault) checkFree(key, name string, now time.Time) error {
	if err := v.checkNameFree(key, name, now); err != nil {
		return err
	}
	if v.certs[key] != nil {
		return fmt.Errorf("certificate %q already exists", name)
	}
	return nil
}

// SeedCertificate describes a certificate version for AddCertificate.
type SeedCertificate struct {
	// Name of the certificate; a version is added if it exists.
	Name string
	// Key is the private key (RSA or EC); nil uses the key Seed shares.
	Key crypto.Signer
	// Chain is the certificate chain, leaf first; nil makes a self-signed
	// certificate for Key, valid from now for 12 months.
	Chain []*x509.Certificate
	// Subject of the self-signed certificate made when Chain is nil
	// (default "CN=" + Name).
	Subject string
	// ContentType of the secret (default application/x-pkcs12).
	ContentType string
	// Tags of the version.
	Tags map[string]string
	// Disabled adds the version disabled.
	Disabled bool
	// NotExportable keeps the private key out of the secret.
	NotExportable bool
}

// AddCertificate adds one certificate version without HTTP, with a key and
// chain of your choice (or made up), and returns its id
// (https://{vault}/certificates/{name}/{version}). With WithStateFile, the
// version is in the state file when AddCertificate returns.
func (h *Handler) AddCertificate(sc SeedCertificate) (string, error) {
	id, err := h.addCertificate(sc)
	if err != nil {
		return "", err
	}
	if err := h.persist(certificateRecord(sc.Name)); err != nil {
		return "", fmt.Errorf("vaulttest: add certificate %q: %w", sc.Name, err)
	}
	return id, nil
}

func (h *Handler) addCertificate(sc SeedCertificate) (string, error) {
	if !validName(sc.Name) {
		return "", fmt.Errorf("vaulttest: certificate name %q is invalid", sc.Name)
	}
	if sc.ContentType == "" {
		sc.ContentType = contentPKCS12
	}
	key := sc.Key
	if key == nil {
		shared, err := seedMaterial()
		if err != nil {
			return "", fmt.Errorf("vaulttest: seed key: %w", err)
		}
		key = shared.key
	}
	now := h.cfg.now()
	p, chain, err := seedPolicyAndChain(sc, key, now)
	if err != nil {
		return "", fmt.Errorf("vaulttest: add certificate %q: %w", sc.Name, err)
	}
	ders := make([][]byte, len(chain))
	for i, c := range chain {
		ders[i] = c.Raw
	}
	op := &operation{version: newVersion(), policy: p, key: key, tags: maps.Clone(sc.Tags), enabled: new(!sc.Disabled)}

	v := h.vault
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, ver, err := v.addImported(sc.Name, op, ders, 0, now)
	if err != nil {
		return "", fmt.Errorf("vaulttest: add certificate %q: %w", sc.Name, err)
	}
	v.changed()
	return v.urls.version(cert.name, ver.id), nil
}

func seedPolicyAndChain(sc SeedCertificate, key crypto.Signer, now time.Time) (*policy, []*x509.Certificate, error) {
	if sc.Chain != nil {
		if len(sc.Chain) == 0 || !publicKeyEqual(sc.Chain[0].PublicKey, key.Public()) {
			return nil, nil, errors.New("the chain's first certificate does not match the key")
		}
		p, err := policyFromCertificate(sc.Chain[0], key, sc.ContentType)
		if err != nil {
			return nil, nil, err
		}
		p.exportable = !sc.NotExportable
		return p, sc.Chain, p.validate()
	}
	kty, size, curve, err := keyShape(key.Public())
	if err != nil {
		return nil, nil, err
	}
	p := defaultPolicy()
	p.keyType, p.keySize, p.curve = kty, size, curve
	p.subject, p.issuerName, p.contentType, p.exportable = sc.Subject, issuerSelf, sc.ContentType, !sc.NotExportable
	if p.subject == "" {
		p.subject = "CN=" + sc.Name
	}
	if err := p.validate(); err != nil {
		return nil, nil, err
	}
	if err := p.completeForIssuance(); err != nil {
		return nil, nil, err
	}
	der, err := issue(p, key, nil, now)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return p, []*x509.Certificate{cert}, nil
}
