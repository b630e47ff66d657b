package vaulttest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// backupMagic starts every backup blob; it is also the AES-GCM additional
// data, so a blob of another kind or version does not open.
var backupMagic = []byte("kvcerts-vaulttest-backup/1\n")

// backupCertificate answers POST /certificates/{name}/backup with an
// opaque blob: every version with its key, and the policy, sealed with
// AES-256-GCM under the vault's backup key (see WithBackupKey).
func (v *vault) backupCertificate(c *call) (int, any, error) {
	name := c.name
	v.mu.Lock()
	cert := v.live(nameKey(name), c.now)
	if cert == nil || len(cert.versions) == 0 {
		v.mu.Unlock()
		return 0, nil, certificateNotFound(name)
	}
	st := &stateFile{Format: stateFormat}
	r, err := newEncoder(st).cert(cert)
	key := v.backupKey
	v.mu.Unlock()
	if err != nil {
		return 0, nil, fmt.Errorf("backup: %w", err)
	}
	r.Operation, r.VisibleAt = nil, time.Time{}
	st.Certificates = []certRecord{r}
	plain, err := json.Marshal(st)
	if err != nil {
		return 0, nil, fmt.Errorf("backup: %w", err)
	}
	blob, err := seal(key, plain)
	if err != nil {
		return 0, nil, fmt.Errorf("backup: %w", err)
	}
	return http.StatusOK, gen.BackupCertificateResult{Value: blob}, nil
}

// restoreCertificate answers POST /certificates/restore: a blob from this
// vault, or one sharing its backup key, brings the certificate back with
// all its versions.
func (v *vault) restoreCertificate(c *call) (int, any, error) {
	var body gen.CertificateRestoreParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	if len(body.CertificateBundleBackup) == 0 {
		return 0, nil, badParameter("value must hold a backup blob")
	}
	v.mu.Lock()
	key := v.backupKey
	v.mu.Unlock()
	plain, err := open(key, body.CertificateBundleBackup)
	if err != nil {
		return 0, nil, badParameter("the backup blob is corrupt, was altered, or was made by a vault with another backup key")
	}
	st, err := decodeState(plain)
	if err != nil || len(st.Certificates) != 1 {
		return 0, nil, badParameter("the backup blob does not hold one certificate")
	}
	d, err := newDecoder(st)
	if err != nil {
		return 0, nil, badParameter("the backup blob's keys cannot be read")
	}
	cert, err := d.cert(st.Certificates[0])
	if err != nil || len(cert.versions) == 0 {
		return 0, nil, badParameter("the backup blob's certificate cannot be read")
	}
	cert.visibleAt = time.Time{}

	k := nameKey(cert.name)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.checkNameFree(k, cert.name, c.now); err != nil {
		return 0, nil, err
	}
	if v.certs[k] != nil {
		return 0, nil, conflict("", "certificate %q already exists; delete and purge it before restoring", cert.name)
	}
	v.putLive(cert)
	return http.StatusOK, v.bundle(cert, cert.latest(), true), nil
}

func seal(key, plain []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := append(append([]byte{}, backupMagic...), nonce...)
	return aead.Seal(out, nonce, plain, backupMagic), nil
}

func open(key, blob []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(blob, backupMagic) || len(blob) < len(backupMagic)+aead.NonceSize() {
		return nil, errors.New("not a backup blob")
	}
	rest := blob[len(backupMagic):]
	return aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], backupMagic)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
