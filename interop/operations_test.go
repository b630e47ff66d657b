package interop

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
)

func TestCancelCertificateOperation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	created, err := v.certs.CreateCertificate(ctx, "cancelled", azcertificates.CreateCertificateParameters{
		CertificatePolicy: unknownPolicy("CN=cancelled"),
	}, nil)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}

	upd, err := v.certs.UpdateCertificateOperation(ctx, "cancelled",
		azcertificates.UpdateCertificateOperationParameter{CancellationRequested: new(true)}, nil)
	if err != nil {
		t.Fatalf("UpdateCertificateOperation: %v", err)
	}
	if upd.CancellationRequested == nil || !*upd.CancellationRequested || *upd.ID != *created.ID || str(upd.RequestID) != str(created.RequestID) {
		t.Errorf("UpdateCertificateOperation answered %s (request %s) cancellation %v; want the same operation with cancellation requested",
			*upd.ID, str(upd.RequestID), upd.CancellationRequested)
	}
	// The status changes afterwards, not in the update's answer.
	if str(upd.Status) != "inProgress" {
		t.Errorf("status in the cancel answer = %s, want inProgress", str(upd.Status))
	}

	op, seen := v.pollOperation(t, ctx, "cancelled")
	if str(op.Status) != "cancelled" || op.CancellationRequested == nil || !*op.CancellationRequested || op.Target != nil {
		t.Errorf("operation after cancel = %s (seen %v), cancellation %v, target %s; want cancelled without a target",
			str(op.Status), seen, op.CancellationRequested, str(op.Target))
	}
	if len(op.CSR) == 0 || string(op.CSR) != string(created.CSR) {
		t.Errorf("cancelled operation lost its CSR")
	}
}

func TestDeleteCertificateOperation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	created, err := v.certs.CreateCertificate(ctx, "dropped", azcertificates.CreateCertificateParameters{
		CertificatePolicy: unknownPolicy("CN=dropped"),
	}, nil)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}

	del, err := v.certs.DeleteCertificateOperation(ctx, "dropped", nil)
	if err != nil {
		t.Fatalf("DeleteCertificateOperation: %v", err)
	}
	// ErrorInfo keeps unexported raw JSON; the operations have no error here.
	if diff := cmp.Diff(created.CertificateOperation, del.CertificateOperation, cmp.Comparer(func(a, b *azcertificates.ErrorInfo) bool {
		return (a == nil) == (b == nil)
	})); diff != "" {
		t.Errorf("DeleteCertificateOperation answer (-created +deleted):\n%s", diff)
	}

	// SERVICE.md does not pin down the code for a missing operation.
	_, err = v.certs.GetCertificateOperation(ctx, "dropped", nil)
	wantResponseError(t, err, 404, "")
	_, err = v.certs.DeleteCertificateOperation(ctx, "dropped", nil)
	wantResponseError(t, err, 404, "")
	// The name had no version, so nothing of it is left and it is free.
	_, err = v.certs.GetCertificate(ctx, "dropped", "", nil)
	wantResponseError(t, err, 404, "CertificateNotFound")
	v.create(t, ctx, "dropped", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=dropped")})
}

func TestDeleteOperationKeepsEarlierVersions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	first := v.create(t, ctx, "kept", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=kept")})
	if _, err := v.certs.CreateCertificate(ctx, "kept", azcertificates.CreateCertificateParameters{
		CertificatePolicy: unknownPolicy("CN=kept"),
	}, nil); err != nil {
		t.Fatalf("CreateCertificate of a pending version: %v", err)
	}
	if _, err := v.certs.DeleteCertificateOperation(ctx, "kept", nil); err != nil {
		t.Fatalf("DeleteCertificateOperation: %v", err)
	}
	got, err := v.certs.GetCertificate(ctx, "kept", "", nil)
	if err != nil {
		t.Fatalf("GetCertificate: %v", err)
	}
	if *got.ID != *first.ID {
		t.Errorf("latest after dropping the pending version = %s, want %s", *got.ID, *first.ID)
	}
}
