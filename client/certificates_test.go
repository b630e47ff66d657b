package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGetCertificate(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/web/", "", 200, bundleJSON)
	got, err := c.GetCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCertificate(), got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestGetCertificateVersion(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "GET /certificates/web/"+testVersion, "", 200, bundleJSON)
	handle(t, mux, "GET /certificates/web/ffffffffffffffffffffffffffffffff", "", 404, `{"error":{"code":"CertificateNotFound","message":"no"}}`)
	got, err := c.GetCertificateVersion(t.Context(), "web", testVersion, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Properties.Version != testVersion {
		t.Errorf("version = %q", got.Properties.Version)
	}
	if _, err := c.GetCertificateVersion(t.Context(), "web", strings.Repeat("f", 32), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing version: err = %v", err)
	}
}

// TestInvalidArguments checks that bad names, versions and options fail
// before any request, with an error naming the bad value.
func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	c := noRequests(t)
	ctx := t.Context()
	bad := "bad_name"
	tests := map[string]func() error{
		"GetCertificate":        func() error { _, err := c.GetCertificate(ctx, bad, nil); return err },
		"GetCertificateVersion": func() error { _, err := c.GetCertificateVersion(ctx, "ok", bad, nil); return err },
		"GetCertificateVersion name": func() error {
			_, err := c.GetCertificateVersion(ctx, bad, testVersion, nil)
			return err
		},
		"GetCertificateVersion empty": func() error {
			_, err := c.GetCertificateVersion(ctx, "ok", "", nil)
			return err
		},
		"UpdateCertificateProperties": func() error { _, err := c.UpdateCertificateProperties(ctx, bad, nil); return err },
		"UpdateCertificateProperties version": func() error {
			_, err := c.UpdateCertificateProperties(ctx, "ok", &UpdateCertificatePropertiesOptions{Version: bad})
			return err
		},
		"BackupCertificate":        func() error { _, err := c.BackupCertificate(ctx, bad, nil); return err },
		"RestoreCertificateBackup": func() error { _, err := c.RestoreCertificateBackup(ctx, nil, nil); return err },
		"BeginCreateCertificate":   func() error { _, err := c.BeginCreateCertificate(ctx, bad, DefaultPolicy(), nil); return err },
		"BeginCreateCertificate policy": func() error {
			_, err := c.BeginCreateCertificate(ctx, "ok", &CertificatePolicy{ValidityInMonths: -1}, nil)
			return err
		},
		"ResumeCreateCertificate": func() error { _, err := c.ResumeCreateCertificate(bad, nil); return err },
		"BeginDeleteCertificate":  func() error { _, err := c.BeginDeleteCertificate(ctx, bad, nil); return err },
		"GetDeletedCertificate":   func() error { _, err := c.GetDeletedCertificate(ctx, bad, nil); return err },
		"PurgeDeletedCertificate": func() error { return c.PurgeDeletedCertificate(ctx, bad, nil) },
		"BeginRecover":            func() error { _, err := c.BeginRecoverDeletedCertificate(ctx, bad, nil); return err },
		"ImportCertificate":       func() error { _, err := c.ImportCertificate(ctx, bad, []byte{1}, nil); return err },
		"ImportCertificate empty": func() error { _, err := c.ImportCertificate(ctx, "ok", nil, nil); return err },
		"ImportCertificate policy": func() error {
			_, err := c.ImportCertificate(ctx, "ok", []byte{1}, &ImportCertificateOptions{Policy: &CertificatePolicy{KeySize: -1}})
			return err
		},
		"MergeCertificate":        func() error { _, err := c.MergeCertificate(ctx, bad, nil, nil); return err },
		"MergeCertificate empty":  func() error { _, err := c.MergeCertificate(ctx, "ok", nil, nil); return err },
		"GetCertificatePolicy":    func() error { _, err := c.GetCertificatePolicy(ctx, bad, nil); return err },
		"UpdateCertificatePolicy": func() error { _, err := c.UpdateCertificatePolicy(ctx, bad, DefaultPolicy(), nil); return err },
		"UpdateCertificateProperties policy": func() error {
			_, err := c.UpdateCertificateProperties(ctx, "ok", &UpdateCertificatePropertiesOptions{Policy: &CertificatePolicy{KeySize: -1}})
			return err
		},
		"UpdateCertificatePolicy nil": func() error {
			_, err := c.UpdateCertificatePolicy(ctx, "ok", nil, nil)
			return err
		},
		"UpdateCertificatePolicy invalid": func() error {
			_, err := c.UpdateCertificatePolicy(ctx, "ok", &CertificatePolicy{LifetimeActions: []LifetimeAction{{Action: ActionAutoRenew}}}, nil)
			return err
		},
		"GetCertificateOperation":    func() error { _, err := c.GetCertificateOperation(ctx, bad, nil); return err },
		"CancelCertificateOperation": func() error { _, err := c.CancelCertificateOperation(ctx, bad, nil); return err },
		"DeleteCertificateOperation": func() error { _, err := c.DeleteCertificateOperation(ctx, bad, nil); return err },
		"CreateIssuer":               func() error { _, err := c.CreateIssuer(ctx, bad, "p", nil); return err },
		"CreateIssuer provider":      func() error { _, err := c.CreateIssuer(ctx, "ok", "", nil); return err },
		"GetIssuer":                  func() error { _, err := c.GetIssuer(ctx, bad, nil); return err },
		"UpdateIssuer":               func() error { _, err := c.UpdateIssuer(ctx, bad, nil); return err },
		"DeleteIssuer":               func() error { _, err := c.DeleteIssuer(ctx, bad, nil); return err },
		"SetContacts":                func() error { _, err := c.SetContacts(ctx, nil, nil); return err },
		"SetContacts empty contact":  func() error { _, err := c.SetContacts(ctx, []Contact{{}}, nil); return err },
		"ListCertificateVersions": func() error {
			for _, err := range c.ListCertificateVersions(ctx, bad, nil) {
				return err
			}
			return nil
		},
	}
	for name, call := range tests {
		err := call()
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	if _, err := c.GetCertificate(ctx, bad, nil); !strings.Contains(err.Error(), `"bad_name"`) {
		t.Errorf("error %q does not name the value", err)
	}
}

func TestUpdateCertificateProperties(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts     *UpdateCertificatePropertiesOptions
		path     string
		wantBody string
	}{
		{&UpdateCertificatePropertiesOptions{Enabled: new(false)}, "/certificates/web/", `{"attributes":{"enabled":false}}`},
		{&UpdateCertificatePropertiesOptions{Version: testVersion, Tags: map[string]string{"a": "b"}},
			"/certificates/web/" + testVersion, `{"tags":{"a":"b"}}`},
		{&UpdateCertificatePropertiesOptions{Tags: map[string]string{}}, "/certificates/web/", `{"tags":{}}`},
		{nil, "/certificates/web/", `{}`},
		{&UpdateCertificatePropertiesOptions{Version: testVersion}, "/certificates/web/" + testVersion, `{}`},
		{&UpdateCertificatePropertiesOptions{Enabled: new(true), Policy: &CertificatePolicy{ValidityInMonths: 6, Enabled: new(false)}},
			"/certificates/web/", `{"attributes":{"enabled":true},"policy":{"x509_props":{"validity_months":6},"attributes":{"enabled":false}}}`},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t)
		handle(t, mux, "PATCH "+tt.path, tt.wantBody, 200, bundleJSON)
		got, err := c.UpdateCertificateProperties(t.Context(), "web", tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Properties.Name != "web" {
			t.Errorf("name = %q", got.Properties.Name)
		}
	}
}

func TestBackupRestore(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "POST /certificates/web/backup", "", 200, `{"value":"AQID_-8"}`)
	handle(t, mux, "POST /certificates/restore", `{"value":"AQID_-8"}`, 200, bundleJSON)
	blob, err := c.BackupCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{1, 2, 3, 0xff, 0xef}; !cmp.Equal(blob, want) {
		t.Errorf("backup = %x, want %x", blob, want)
	}
	cert, err := c.RestoreCertificateBackup(t.Context(), blob, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCertificate(), cert); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestBackupWithoutValue(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{"value":null}`, `{"value":""}`} {
		c, mux, _ := setup(t)
		handle(t, mux, "POST /certificates/web/backup", "", 200, body)
		if blob, err := c.BackupCertificate(t.Context(), "web", nil); err == nil || !strings.Contains(err.Error(), `"value"`) {
			t.Errorf("body %s: BackupCertificate = %q, %v; want an error about the missing value", body, blob, err)
		}
	}
}

func TestRestoreConflict(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	handle(t, mux, "POST /certificates/restore", "", 409,
		`{"error":{"code":"Conflict","message":"deleted but recoverable","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}`)
	_, err := c.RestoreCertificateBackup(t.Context(), []byte{1}, nil)
	var re *ResponseError
	if !errors.Is(err, ErrConflict) || !errors.As(err, &re) || re.InnerCode != "ObjectIsDeletedButRecoverable" {
		t.Errorf("err = %v", err)
	}
}

func TestCertificatePolicyOps(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	policyJSON := `{"id":"https://myvault.vault.azure.net/certificates/web/policy","issuer":{"name":"Self"},"x509_props":{"subject":"CN=x","validity_months":6}}`
	handle(t, mux, "GET /certificates/web/policy", "", 200, policyJSON)
	handle(t, mux, "PATCH /certificates/web/policy", `{"x509_props":{"validity_months":6}}`, 200, policyJSON)
	want := &CertificatePolicy{ID: testVault + "/certificates/web/policy", IssuerName: "Self", Subject: "CN=x", ValidityInMonths: 6}
	got, err := c.GetCertificatePolicy(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("get mismatch (-want +got):\n%s", diff)
	}
	got, err = c.UpdateCertificatePolicy(t.Context(), "web", &CertificatePolicy{ValidityInMonths: 6}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("update mismatch (-want +got):\n%s", diff)
	}
}

func TestGetCertificateNotFound(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /certificates/which-does-not-exist/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"A certificate with (name/id) which-does-not-exist was not found in this key vault."}}`)
	})
	_, err := c.GetCertificate(t.Context(), "which-does-not-exist", nil)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "was not found") {
		t.Errorf("err = %v", err)
	}
}

// TestUpdateCertificatePropertiesPolicy changes a certificate's tags and
// policy in one PATCH against the emulator, and reads both back.
func TestUpdateCertificatePropertiesPolicy(t *testing.T) {
	t.Parallel()
	_, c := newVault(t)
	create(t, c, "web", DefaultPolicy())
	updated, err := c.UpdateCertificateProperties(t.Context(), "web", &UpdateCertificatePropertiesOptions{
		Tags:   map[string]string{"team": "web"},
		Policy: &CertificatePolicy{ValidityInMonths: 6},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"team": "web"}, updated.Properties.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	policy, err := c.GetCertificatePolicy(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if policy.ValidityInMonths != 6 || policy.Subject != DefaultPolicy().Subject {
		t.Errorf("policy validity %d, subject %q; want 6 and the rest kept", policy.ValidityInMonths, policy.Subject)
	}
}
