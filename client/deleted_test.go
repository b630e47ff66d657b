package client

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

const deletedJSON = `{"id":"https://myvault.vault.azure.net/certificates/web/` + testVersion + `",
  "recoveryId":"https://myvault.vault.azure.net/deletedcertificates/web","deletedDate":1700000300,"scheduledPurgeDate":1707776300,
  "attributes":{"enabled":true,"recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}}`

func TestBeginDeleteCertificate(t *testing.T) {
	t.Parallel()
	for _, final := range []int{200, 403} {
		synctest.Test(t, func(t *testing.T) {
			c, mux, _ := setup(t)
			clk := newClock()
			handle(t, mux, "DELETE /certificates/web", "", 200, deletedJSON)
			gets := 0
			mux.HandleFunc("GET /deletedcertificates/web", func(w http.ResponseWriter, r *http.Request) {
				clk.tick()
				if gets++; gets < 3 {
					reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"not yet"}}`)
					return
				}
				if final == 403 {
					reply(w, 403, `{"error":{"code":"Forbidden","message":"no get permission"}}`)
					return
				}
				reply(w, 200, deletedJSON)
			})
			p, err := c.BeginDeleteCertificate(t.Context(), "web", nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Wait(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want := &DeletedCertificate{
				Certificate: Certificate{Properties: CertificateProperties{
					ID: testVault + "/certificates/web/" + testVersion, Name: "web", Version: testVersion, VaultURL: testVault,
					Enabled: true, RecoveryLevel: RecoveryLevelRecoverablePurgeable, RecoverableDays: 90,
				}},
				RecoveryID:         testVault + "/deletedcertificates/web",
				DeletedOn:          time.Unix(1700000300, 0).UTC(),
				ScheduledPurgeDate: time.Unix(1707776300, 0).UTC(),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			at := clk.times()
			if len(at) != 3 {
				t.Fatalf("polls at %v", at)
			}
			for i, d := range at {
				if want := time.Duration(i+1) * defaultPollFrequency; d < want || d > want+time.Duration(i+1)*defaultPollFrequency/10 {
					t.Errorf("poll %d at %v, want about %v", i, d, want)
				}
			}
		})
	}
}

func TestBeginDeleteWithoutSoftDelete(t *testing.T) {
	t.Parallel()
	c, mux, tr := setup(t)
	handle(t, mux, "DELETE /certificates/web", "", 200, `{"id":"https://myvault.vault.azure.net/certificates/web/`+testVersion+`"}`)
	p, err := c.BeginDeleteCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Wait(t.Context())
	if err != nil || !p.Done() || got.Properties.Name != "web" {
		t.Fatalf("Wait = %+v, %v", got, err)
	}
	if n := tr.calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestBeginDeleteErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "DELETE /certificates/missing", "", 404, `{"error":{"code":"CertificateNotFound","message":"no"}}`)
	if _, err := c.BeginDeleteCertificate(t.Context(), "missing", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v", err)
	}
	handle(t, mux, "DELETE /certificates/web", "", 200, deletedJSON)
	handle(t, mux, "GET /deletedcertificates/web", "", 401, `{"error":{"code":"Unauthorized","message":"no"}}`)
	p, err := c.BeginDeleteCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Poll(t.Context()); !errors.Is(err, ErrUnauthorized) || p.Done() {
		t.Errorf("Poll = %v, Done = %v", err, p.Done())
	}
}

func TestGetDeletedCertificate(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /deletedcertificates/web", "", 200, deletedJSON)
	got, err := c.GetDeletedCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.RecoveryID != testVault+"/deletedcertificates/web" || got.Properties.Name != "web" {
		t.Errorf("got %+v", got)
	}
}

func TestListDeletedCertificates(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /deletedcertificates", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("includePending"); got != "true" {
			t.Errorf("includePending = %q", got)
		}
		reply(w, 200, `{"value":[`+deletedJSON+`],"nextLink":null}`)
	})
	var got []string
	for d, err := range c.ListDeletedCertificates(t.Context(), &ListDeletedCertificatesOptions{IncludePending: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Properties.Name+" "+d.RecoveryID)
	}
	if diff := cmp.Diff([]string{"web " + testVault + "/deletedcertificates/web"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestPurgeDeletedCertificate(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("DELETE /deletedcertificates/web", func(w http.ResponseWriter, r *http.Request) {
		checkAPIVersion(t, r)
		w.WriteHeader(204)
	})
	handle(t, mux, "DELETE /deletedcertificates/busy", "", 409,
		`{"error":{"code":"Conflict","message":"being deleted","innererror":{"code":"ObjectIsBeingDeleted"}}}`)
	if err := c.PurgeDeletedCertificate(t.Context(), "web", nil); err != nil {
		t.Fatal(err)
	}
	err := c.PurgeDeletedCertificate(t.Context(), "busy", nil)
	var re *ResponseError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &re) || re.InnerCode != "ObjectIsBeingDeleted" {
		t.Errorf("err = %v", err)
	}
}

func TestBeginRecoverDeletedCertificate(t *testing.T) {
	t.Parallel()
	for _, final := range []int{200, 403} {
		synctest.Test(t, func(t *testing.T) {
			c, mux, _ := setup(t)
			handle(t, mux, "POST /deletedcertificates/web/recover", "", 200, bundleJSON)
			gets := 0
			mux.HandleFunc("GET /certificates/web/", func(w http.ResponseWriter, r *http.Request) {
				if gets++; gets == 1 {
					reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"not yet"}}`)
					return
				}
				reply(w, final, `{}`)
			})
			p, err := c.BeginRecoverDeletedCertificate(t.Context(), "web", nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Wait(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantCertificate(), got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if gets != 2 {
				t.Errorf("%d polls, want 2", gets)
			}
		})
	}
}

func TestBeginRecoverConflict(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "POST /deletedcertificates/web/recover", "", 409, `{"error":{"code":"Conflict","message":"busy"}}`)
	if _, err := c.BeginRecoverDeletedCertificate(t.Context(), "web", nil); !errors.Is(err, ErrConflict) {
		t.Errorf("err = %v", err)
	}
}
