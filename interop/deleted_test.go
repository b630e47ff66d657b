package interop

import (
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

func TestDeleteRecoverPurge(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	cert := v.create(t, ctx, "doomed", azcertificates.CreateCertificateParameters{
		CertificatePolicy: selfPolicy("CN=doomed"),
		Tags:              tags("keep", "me"),
	})

	del, err := v.certs.DeleteCertificate(ctx, "doomed", nil)
	if err != nil {
		t.Fatalf("DeleteCertificate: %v", err)
	}
	d := del.DeletedCertificate
	if *d.ID != *cert.ID || *d.KID != *cert.KID || *d.SID != *cert.SID || !slices.Equal(d.CER, cert.CER) ||
		!slices.Equal(d.X509Thumbprint, cert.X509Thumbprint) {
		t.Errorf("deleted certificate %s differs from the deleted version %s", *d.ID, *cert.ID)
	}
	if diff := cmp.Diff(cert.Tags, d.Tags); diff != "" {
		t.Errorf("deleted Tags (-before +deleted):\n%s", diff)
	}
	if diff := cmp.Diff(cert.Policy, d.Policy); diff != "" {
		t.Errorf("deleted Policy (-before +deleted):\n%s", diff)
	}
	if want := v.url + "/deletedcertificates/doomed"; str(d.RecoveryID) != want {
		t.Errorf("RecoveryID = %s, want %s", str(d.RecoveryID), want)
	}
	if d.DeletedDate == nil || d.ScheduledPurgeDate == nil || !d.ScheduledPurgeDate.Equal(d.DeletedDate.AddDate(0, 0, 90)) {
		t.Errorf("DeletedDate %v, ScheduledPurgeDate %v; want the purge 90 days after the deletion", d.DeletedDate, d.ScheduledPurgeDate)
	}

	_, err = v.certs.GetCertificate(ctx, "doomed", "", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")
	// The name stays taken while the certificate is recoverable.
	_, err = v.certs.CreateCertificate(ctx, "doomed", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=again")}, nil)
	wantResponseError(t, err, 409, "Conflict")

	got, err := v.certs.GetDeletedCertificate(ctx, "doomed", nil)
	if err != nil {
		t.Fatalf("GetDeletedCertificate: %v", err)
	}
	if diff := cmp.Diff(d, got.DeletedCertificate); diff != "" {
		t.Errorf("GetDeletedCertificate differs from the DeleteCertificate answer (-delete +get):\n%s", diff)
	}

	rec, err := v.certs.RecoverDeletedCertificate(ctx, "doomed", nil)
	if err != nil {
		t.Fatalf("RecoverDeletedCertificate: %v", err)
	}
	if *rec.ID != *cert.ID || !slices.Equal(rec.CER, cert.CER) {
		t.Errorf("recovered %s, want %s", *rec.ID, *cert.ID)
	}
	back, err := v.certs.GetCertificate(ctx, "doomed", "", nil)
	if err != nil {
		t.Fatalf("GetCertificate after recovery: %v", err)
	}
	if diff := cmp.Diff(cert, back.Certificate); diff != "" {
		t.Errorf("recovered certificate (-before +after):\n%s", diff)
	}
	_, err = v.certs.GetDeletedCertificate(ctx, "doomed", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")

	if _, err := v.certs.DeleteCertificate(ctx, "doomed", nil); err != nil {
		t.Fatalf("DeleteCertificate again: %v", err)
	}
	if _, err := v.certs.PurgeDeletedCertificate(ctx, "doomed", nil); err != nil {
		t.Fatalf("PurgeDeletedCertificate: %v", err)
	}
	_, err = v.certs.GetDeletedCertificate(ctx, "doomed", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")
	_, err = v.certs.GetCertificate(ctx, "doomed", "", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")
	_, err = v.certs.RecoverDeletedCertificate(ctx, "doomed", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")

	// A purged name is free again.
	fresh := v.create(t, ctx, "doomed", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=reborn")})
	if *fresh.ID == *cert.ID {
		t.Errorf("a new certificate under a purged name reused the version %s", *fresh.ID)
	}
}

// TestSoftDeleteIsEventuallyConsistent walks the waits SERVICE.md describes
// with the emulator's clock, as the SDK sees them: a deleted certificate is
// not at once in the deleted views, purge and recover answer 409 meanwhile,
// and a recovered one reads as missing for a while.
func TestSoftDeleteIsEventuallyConsistent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := newFakeClock()
	v := newVault(t, vaulttest.WithClock(clock.Now), vaulttest.WithDelays(vaulttest.Delays{
		Delete:  15 * time.Second,
		Recover: 20 * time.Second,
		Purge:   10 * time.Second,
	}))
	v.create(t, ctx, "slow", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=slow")})

	if _, err := v.certs.DeleteCertificate(ctx, "slow", nil); err != nil {
		t.Fatalf("DeleteCertificate: %v", err)
	}
	_, err := v.certs.GetDeletedCertificate(ctx, "slow", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")
	_, err = v.certs.PurgeDeletedCertificate(ctx, "slow", nil)
	wantResponseError(t, err, 409, "Conflict")
	_, err = v.certs.RecoverDeletedCertificate(ctx, "slow", nil)
	wantResponseError(t, err, 409, "Conflict")
	if n, err := pagesErr(ctx, v.certs.NewListDeletedCertificatePropertiesPager(nil)); err != nil || n != 1 {
		t.Fatalf("ListDeletedCertificateProperties: %d pages, %v", n, err)
	}

	clock.Advance(15 * time.Second)
	if _, err := v.certs.GetDeletedCertificate(ctx, "slow", nil); err != nil {
		t.Fatalf("GetDeletedCertificate once the deletion settled: %v", err)
	}
	if _, err := v.certs.RecoverDeletedCertificate(ctx, "slow", nil); err != nil {
		t.Fatalf("RecoverDeletedCertificate: %v", err)
	}
	_, err = v.certs.GetCertificate(ctx, "slow", "", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")
	clock.Advance(20 * time.Second)
	if _, err := v.certs.GetCertificate(ctx, "slow", "", nil); err != nil {
		t.Fatalf("GetCertificate once the recovery settled: %v", err)
	}

	if _, err := v.certs.DeleteCertificate(ctx, "slow", nil); err != nil {
		t.Fatalf("DeleteCertificate again: %v", err)
	}
	clock.Advance(15 * time.Second)
	if _, err := v.certs.PurgeDeletedCertificate(ctx, "slow", nil); err != nil {
		t.Fatalf("PurgeDeletedCertificate: %v", err)
	}
	_, err = v.certs.CreateCertificate(ctx, "slow", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=slow")}, nil)
	wantResponseError(t, err, 409, "Conflict")
	clock.Advance(10 * time.Second)
	if _, err := v.certs.CreateCertificate(ctx, "slow", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=slow")}, nil); err != nil {
		t.Fatalf("CreateCertificate once the purge settled: %v", err)
	}
}

func TestPurgeProtectedVault(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t, vaulttest.WithPurgeProtection(), vaulttest.WithRecoverableDays(7))
	cert := v.create(t, ctx, "kept", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=kept")})
	if a := cert.Attributes; str(a.RecoveryLevel) != "CustomizedRecoverable" || a.RecoverableDays == nil || *a.RecoverableDays != 7 {
		t.Errorf("recovery = %s, %v days; want CustomizedRecoverable, 7", str(a.RecoveryLevel), a.RecoverableDays)
	}
	del, err := v.certs.DeleteCertificate(ctx, "kept", nil)
	if err != nil {
		t.Fatalf("DeleteCertificate: %v", err)
	}
	if !del.ScheduledPurgeDate.Equal(del.DeletedDate.AddDate(0, 0, 7)) {
		t.Errorf("ScheduledPurgeDate %v, want 7 days after %v", del.ScheduledPurgeDate, del.DeletedDate)
	}
	_, err = v.certs.PurgeDeletedCertificate(ctx, "kept", nil)
	wantResponseError(t, err, 403, "Forbidden")
}
