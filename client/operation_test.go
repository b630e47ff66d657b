package client

import (
	"errors"
	"testing"
)

func TestCertificateOperationOps(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/web/pending", "", 200, opInProgress)
	handle(t, mux, "PATCH /certificates/web/pending", `{"cancellation_requested":true}`, 200,
		`{"id":"https://myvault.vault.azure.net/certificates/web/pending","status":"inProgress","cancellation_requested":true}`)
	handle(t, mux, "DELETE /certificates/web/pending", "", 200, opWith("cancelled", ""))
	handle(t, mux, "GET /certificates/none/pending", "", 404, `{"error":{"code":"CertificateNotFound","message":"no"}}`)

	op, err := c.GetCertificateOperation(t.Context(), "web", nil)
	if err != nil || op.Status != OperationStatusInProgress || op.Name != "web" || len(op.CSR) == 0 {
		t.Errorf("get = %+v, %v", op, err)
	}
	op, err = c.CancelCertificateOperation(t.Context(), "web", nil)
	if err != nil || !op.CancellationRequested || op.Status != OperationStatusInProgress {
		t.Errorf("cancel = %+v, %v", op, err)
	}
	op, err = c.DeleteCertificateOperation(t.Context(), "web", nil)
	if err != nil || op.Status != OperationStatusCancelled {
		t.Errorf("delete = %+v, %v", op, err)
	}
	if _, err := c.GetCertificateOperation(t.Context(), "none", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: err = %v", err)
	}
}
