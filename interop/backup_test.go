package interop

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

func TestBackupPurgeRestore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	v := newVault(t, vaulttest.WithBackupKey(key))
	first := v.create(t, ctx, "precious", azcertificates.CreateCertificateParameters{
		CertificatePolicy: selfPolicy("CN=precious"),
		Tags:              tags("v", "1"),
	})
	second := v.create(t, ctx, "precious", azcertificates.CreateCertificateParameters{Tags: tags("v", "2")})

	backup, err := v.certs.BackupCertificate(ctx, "precious", nil)
	if err != nil {
		t.Fatalf("BackupCertificate: %v", err)
	}
	blob := backup.Value
	if len(blob) == 0 || bytes.Contains(blob, second.CER) {
		t.Fatalf("backup blob of %d bytes must be non-empty and opaque", len(blob))
	}

	// Restoring over a live certificate is a conflict.
	_, err = v.certs.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: blob}, nil)
	wantResponseError(t, err, 409, "Conflict")

	if _, err := v.certs.DeleteCertificate(ctx, "precious", nil); err != nil {
		t.Fatalf("DeleteCertificate: %v", err)
	}
	// So is restoring over a deleted but recoverable one.
	_, err = v.certs.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: blob}, nil)
	wantResponseError(t, err, 409, "Conflict")
	if _, err := v.certs.PurgeDeletedCertificate(ctx, "precious", nil); err != nil {
		t.Fatalf("PurgeDeletedCertificate: %v", err)
	}

	tampered := bytes.Clone(blob)
	tampered[len(tampered)-1] ^= 1
	_, err = v.certs.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: tampered}, nil)
	wantResponseError(t, err, 400, "BadParameter")

	restored, err := v.certs.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: blob}, nil)
	if err != nil {
		t.Fatalf("RestoreCertificate: %v", err)
	}
	if diff := cmp.Diff(second, restored.Certificate); diff != "" {
		t.Errorf("restored certificate (-backed up +restored):\n%s", diff)
	}
	old, err := v.certs.GetCertificate(ctx, "precious", first.ID.Version(), nil)
	if err != nil {
		t.Fatalf("GetCertificate of the first version after restore: %v", err)
	}
	if diff := cmp.Diff(first, old.Certificate, ignorePolicy); diff != "" {
		t.Errorf("restored first version (-backed up +restored):\n%s", diff)
	}
	checkSecretKey(t, ctx, v, "precious", second)

	// Another vault with the same backup key restores the blob under its
	// own URL.
	other := newVault(t, vaulttest.WithBackupKey(key), vaulttest.WithVaultName("othervault"))
	moved, err := other.certs.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: blob}, nil)
	if err != nil {
		t.Fatalf("RestoreCertificate into another vault: %v", err)
	}
	if ver := other.wantIDs(t, "precious", moved.ID, moved.KID, moved.SID); ver != second.ID.Version() || !bytes.Equal(moved.CER, second.CER) {
		t.Errorf("restored into another vault as %s, want version %s with the same CER", *moved.ID, second.ID.Version())
	}
	checkSecretKey(t, ctx, other, "precious", moved.Certificate)

	// A vault with another key cannot open it.
	stranger := newVault(t)
	_, err = stranger.certs.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: blob}, nil)
	wantResponseError(t, err, 400, "BadParameter")
}
