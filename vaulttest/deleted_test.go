package vaulttest

import (
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
)

func TestDeleteCertificate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.createDone("del")
	var d gen.DeletedCertificateBundle
	h.call("DELETE", "/certificates/del", nil, http.StatusOK, &d)
	now := h.clock.Now()
	want := gen.DeletedCertificateBundle{
		ID: b.ID, Kid: b.Kid, Sid: b.Sid, X509Thumbprint: b.X509Thumbprint, Cer: b.Cer,
		Attributes: b.Attributes, Policy: b.Policy, Tags: b.Tags,
		RecoveryID:         h.srv.URL + "/deletedcertificates/del",
		DeletedDate:        gen.NewUnixTime(now),
		ScheduledPurgeDate: gen.NewUnixTime(now.AddDate(0, 0, 90)),
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("deleted bundle (-want +got):\n%s", diff)
	}
	h.fail("GET", "/certificates/del/", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("GET", "/secrets/del/", nil, http.StatusNotFound, "SecretNotFound", "")
	h.fail("DELETE", "/certificates/del", nil, http.StatusNotFound, "CertificateNotFound", "")
	var got gen.DeletedCertificateBundle
	h.call("GET", "/deletedcertificates/del", nil, http.StatusOK, &got)
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("GET deleted differs from the delete answer (-delete +get):\n%s", diff)
	}
	var list gen.DeletedCertificateListResult
	h.call("GET", "/deletedcertificates", nil, http.StatusOK, &list)
	wantItems := []gen.DeletedCertificateItem{{
		ID: h.srv.URL + "/certificates/del", X509Thumbprint: b.X509Thumbprint, Attributes: b.Attributes,
		RecoveryID: want.RecoveryID, DeletedDate: want.DeletedDate, ScheduledPurgeDate: want.ScheduledPurgeDate,
	}}
	if diff := cmp.Diff(wantItems, list.Value); diff != "" {
		t.Errorf("deleted list (-want +got):\n%s", diff)
	}
}

// TestSoftDeleteEventualConsistency walks a certificate through delete,
// recover, delete and purge with the service's delays and conflicts.
func TestSoftDeleteEventualConsistency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithRealisticDelays())
	h.create("ec", selfPolicy("CN=ec"))
	h.clock.Advance(realisticDelays.Create)
	create := gen.CertificateCreateParameters{CertificatePolicy: selfPolicy("CN=ec")}

	h.call("DELETE", "/certificates/ec", nil, http.StatusOK, nil)
	// Still being deleted: invisible in the deleted views, purge and
	// recover and create conflict.
	h.fail("GET", "/deletedcertificates/ec", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("DELETE", "/deletedcertificates/ec", nil, http.StatusConflict, "Conflict", "ObjectIsBeingDeleted")
	h.fail("POST", "/deletedcertificates/ec/recover", nil, http.StatusConflict, "Conflict", "ObjectIsBeingDeleted")
	h.fail("POST", "/certificates/ec/create", create, http.StatusConflict, "Conflict", "ObjectIsBeingDeleted")

	h.clock.Advance(realisticDelays.Delete)
	h.call("GET", "/deletedcertificates/ec", nil, http.StatusOK, nil)
	h.fail("POST", "/certificates/ec/create", create, http.StatusConflict, "Conflict", "ObjectIsDeletedButRecoverable")

	var rec gen.CertificateBundle
	h.call("POST", "/deletedcertificates/ec/recover", nil, http.StatusOK, &rec)
	if rec.Cer == nil || rec.Policy.ID == "" {
		t.Errorf("recover answer %s, want the certificate", mustJSON(rec))
	}
	// Recovering: still 404, and the name is busy.
	h.fail("GET", "/certificates/ec/", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("GET", "/deletedcertificates/ec", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("POST", "/certificates/ec/create", create, http.StatusConflict, "Conflict", "")
	h.clock.Advance(realisticDelays.Recover)
	var back gen.CertificateBundle
	h.call("GET", "/certificates/ec/", nil, http.StatusOK, &back)
	if back.ID != rec.ID {
		t.Errorf("recovered %s, read %s", rec.ID, back.ID)
	}

	h.call("DELETE", "/certificates/ec", nil, http.StatusOK, nil)
	h.clock.Advance(realisticDelays.Delete)
	status, _, body := h.do("DELETE", "/deletedcertificates/ec", nil)
	if status != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("purge: status %d body %q, want 204 and no body", status, body)
	}
	h.fail("GET", "/deletedcertificates/ec", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("DELETE", "/deletedcertificates/ec", nil, http.StatusNotFound, "CertificateNotFound", "")
	// Purging: the name is not reusable yet.
	h.fail("POST", "/certificates/ec/create", create, http.StatusConflict, "Conflict", "ObjectIsBeingDeleted")
	h.clock.Advance(realisticDelays.Purge)
	h.call("POST", "/certificates/ec/create", create, http.StatusAccepted, nil)
}

func TestDeletedErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("live")
	h.fail("GET", "/deletedcertificates/live", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("DELETE", "/deletedcertificates/live", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("POST", "/deletedcertificates/live/recover", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.fail("GET", "/deletedcertificates/bad_name", nil, http.StatusBadRequest, "BadParameter", "")
}

func TestRecoveryLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []Option
		level gen.DeletionRecoveryLevel
		days  int32 // 0: recoverableDays is left off the wire
	}{
		{"default", nil, gen.DeletionRecoveryLevelRecoverablePurgeable, 90},
		{"custom days", []Option{WithRecoverableDays(7)}, gen.DeletionRecoveryLevelCustomizedRecoverablePurgeable, 7},
		{"purge protection", []Option{WithPurgeProtection()}, gen.DeletionRecoveryLevelRecoverable, 90},
		{"protection and days", []Option{WithPurgeProtection(), WithRecoverableDays(30)}, gen.DeletionRecoveryLevelCustomizedRecoverable, 30},
		{"no soft delete", []Option{WithoutSoftDelete()}, gen.DeletionRecoveryLevelPurgeable, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.opts...)
			h.createDone("lvl")
			var got struct{ Attributes map[string]any }
			h.call("GET", "/certificates/lvl/", nil, http.StatusOK, &got)
			want := map[string]any{"recoveryLevel": string(tt.level)}
			if tt.days != 0 {
				want["recoverableDays"] = float64(tt.days)
			}
			maps.DeleteFunc(got.Attributes, func(k string, _ any) bool { return k != "recoveryLevel" && k != "recoverableDays" })
			if diff := cmp.Diff(want, got.Attributes); diff != "" {
				t.Errorf("recovery attributes on the wire (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPurgeProtection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithPurgeProtection())
	h.createDone("kept")
	h.call("DELETE", "/certificates/kept", nil, http.StatusOK, nil)
	h.fail("DELETE", "/deletedcertificates/kept", nil, http.StatusForbidden, "Forbidden", "")
	h.call("POST", "/deletedcertificates/kept/recover", nil, http.StatusOK, nil)
}

func TestScheduledPurge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithRecoverableDays(7))
	h.createDone("short")
	var d gen.DeletedCertificateBundle
	h.call("DELETE", "/certificates/short", nil, http.StatusOK, &d)
	if got, want := d.ScheduledPurgeDate.Time(), h.clock.Now().AddDate(0, 0, 7); !got.Equal(want) {
		t.Errorf("scheduledPurgeDate %v, want %v", got, want)
	}
	h.clock.Advance(7*24*time.Hour - time.Second)
	h.refreshToken()
	h.call("GET", "/deletedcertificates/short", nil, http.StatusOK, nil)
	h.clock.Advance(time.Second)
	h.fail("GET", "/deletedcertificates/short", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.create("short", selfPolicy("CN=short"))
}

func TestWithoutSoftDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithoutSoftDelete())
	b := h.createDone("hard")
	var d map[string]any
	h.call("DELETE", "/certificates/hard", nil, http.StatusOK, &d)
	_, hasRecoveryID := d["recoveryId"]
	_, hasDeleted := d["deletedDate"]
	_, hasPurge := d["scheduledPurgeDate"]
	if hasRecoveryID || hasDeleted || hasPurge || d["id"] != b.ID {
		t.Errorf("delete answer %s, want the bundle without recovery fields", mustJSON(d))
	}
	h.fail("GET", "/deletedcertificates/hard", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.createDone("hard")
}

// TestListDeletedIncludePending shows that a deleted certificate that only
// had a pending request is listed only with includePending, on every page.
func TestListDeletedIncludePending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("done")
	h.create("waiting", unknownPolicy("CN=w"))
	h.createDone("zz-done")
	for _, name := range []string{"done", "waiting", "zz-done"} {
		h.call("DELETE", "/certificates/"+name, nil, http.StatusOK, nil)
	}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{"/certificates/done", "/certificates/zz-done"}},
		{"&includePending=false", []string{"/certificates/done", "/certificates/zz-done"}},
		{"&includePending=true", []string{"/certificates/done", "/certificates/waiting", "/certificates/zz-done"}},
	} {
		ids, _ := pageThrough(h, "/deletedcertificates?maxresults=1"+tt.query)
		if diff := cmp.Diff(tt.want, ids); diff != "" {
			t.Errorf("deleted list%s (-want +got):\n%s", tt.query, diff)
		}
	}
	h.fail("GET", "/deletedcertificates?includePending=maybe", nil, http.StatusBadRequest, "BadParameter", "")
}
