package vaulttest

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func backup(h *harness, name string) gen.Base64URL {
	h.t.Helper()
	var r gen.BackupCertificateResult
	h.call("POST", "/certificates/"+name+"/backup", nil, http.StatusOK, &r)
	if len(r.Value) == 0 {
		h.t.Fatal("empty backup")
	}
	return r.Value
}

func TestBackupRestore(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.createDone("bk")
	h.call("PATCH", "/certificates/bk/", gen.CertificateUpdateParameters{Tags: map[string]string{"v": "1"}}, http.StatusOK, nil)
	second := h.createDone("bk")
	blob := backup(h, "bk")
	if bytes.Contains(blob, []byte("PRIVATE")) || bytes.Contains(blob, []byte(`"name"`)) {
		t.Error("the backup blob is not opaque")
	}

	// Restoring over an existing certificate conflicts.
	h.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusConflict, "Conflict", "")
	h.call("DELETE", "/certificates/bk", nil, http.StatusOK, nil)
	h.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob},
		http.StatusConflict, "Conflict", "ObjectIsDeletedButRecoverable")
	h.call("DELETE", "/deletedcertificates/bk", nil, http.StatusNoContent, nil)

	var restored gen.CertificateBundle
	h.call("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusOK, &restored)
	if diff := cmp.Diff(second, restored); diff != "" {
		t.Errorf("restored latest version (-before +after):\n%s", diff)
	}
	var old gen.CertificateBundle
	h.call("GET", first.ID[len(h.srv.URL):], nil, http.StatusOK, &old)
	if old.Tags["v"] != "1" {
		t.Errorf("older version after restore: %s", mustJSON(old))
	}
	var versions gen.CertificateListResult
	h.call("GET", "/certificates/bk/versions", nil, http.StatusOK, &versions)
	if n := len(versions.Value); n != 2 {
		t.Errorf("%d versions after restore, want 2", n)
	}
	h.call("GET", "/secrets/bk/", nil, http.StatusOK, nil)
}

func TestRestoreIntoAnotherVault(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	a := newHarness(t, WithBackupKey(key))
	b := newHarness(t, WithBackupKey(key))
	c := newHarness(t)
	orig := a.createDone("travel")
	blob := backup(a, "travel")

	var got gen.CertificateBundle
	b.call("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusOK, &got)
	if !bytes.Equal(got.Cer, orig.Cer) || got.ID[len(b.srv.URL):] != orig.ID[len(a.srv.URL):] {
		t.Errorf("restored %s from %s", mustJSON(got), mustJSON(orig))
	}
	// Another key, a changed byte, or garbage do not restore.
	c.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusBadRequest, "BadParameter", "")
	tampered := bytes.Clone(blob)
	tampered[len(tampered)/2] ^= 1
	b.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: tampered}, http.StatusBadRequest, "BadParameter", "")
	b.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: []byte("short")}, http.StatusBadRequest, "BadParameter", "")
	b.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{}, http.StatusBadRequest, "BadParameter", "")
}

func TestBackupErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.fail("POST", "/certificates/none/backup", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.create("only-pending", unknownPolicy("CN=p"))
	h.fail("POST", "/certificates/only-pending/backup", nil, http.StatusNotFound, "CertificateNotFound", "")
}

func TestRestoreRightAfterPurge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithDelays(Delays{Purge: 5e9}))
	h.createDone("rp")
	blob := backup(h, "rp")
	h.call("DELETE", "/certificates/rp", nil, http.StatusOK, nil)
	h.call("DELETE", "/deletedcertificates/rp", nil, http.StatusNoContent, nil)
	h.fail("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob},
		http.StatusConflict, "Conflict", "ObjectIsBeingDeleted")
	h.clock.Advance(5e9)
	h.call("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusOK, nil)
}
