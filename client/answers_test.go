package client

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

// TestAnswersWithoutTheObjectRefused has every operation that returns an
// object answered with a body that carries no object (null, {}, an empty
// id), with the identity of another object, and with a good body, and
// checks that only the good one is taken.
func TestAnswersWithoutTheObjectRefused(t *testing.T) {
	t.Parallel()
	leaf, key := selfSigned(t)
	kp, err := NewKeyPair([]*x509.Certificate{leaf}, key)
	if err != nil {
		t.Fatal(err)
	}
	const (
		vaultBase   = "https://myvault.vault.azure.net"
		opJSON      = `{"id":"` + vaultBase + `/certificates/web/pending","issuer":{"name":"Self"},"status":"inProgress"}`
		policyJSON  = `{"id":"` + vaultBase + `/certificates/web/policy","issuer":{"name":"Self"}}`
		contactJSON = `{"id":"` + vaultBase + `/certificates/contacts","contacts":[{"email":"ops@example.com"}]}`
		backupJSON  = `{"value":"AQID"}`
	)
	other := func(body, from, to string) string { return strings.ReplaceAll(body, from, to) }
	otherCert := func(body string) string { return other(body, "/web", "/other") }
	tests := []struct {
		name    string
		pattern string // the request whose answer is varied
		status  int
		good    string
		wrong   []string // answers about other objects
		before  map[string]string
		call    func(ctx context.Context, c *Client) error
	}{
		{name: "GetCertificate", pattern: "GET /certificates/web/{$}", status: 200, good: bundleJSON,
			wrong: []string{otherCert(bundleJSON), other(bundleJSON, "/certificates/web/", "/secrets/web/"), issuerJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetCertificate(ctx, "web", nil)
				return err
			}},
		{name: "GetCertificateVersion", pattern: "GET /certificates/web/" + testVersion, status: 200, good: bundleJSON,
			wrong: []string{otherCert(bundleJSON), other(bundleJSON, testVersion, strings.Repeat("f", 32))},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetCertificateVersion(ctx, "web", testVersion, nil)
				return err
			}},
		{name: "UpdateCertificateProperties", pattern: "PATCH /certificates/web/{$}", status: 200, good: bundleJSON,
			wrong: []string{otherCert(bundleJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UpdateCertificateProperties(ctx, "web", &UpdateCertificatePropertiesOptions{Enabled: new(true)})
				return err
			}},
		{name: "BackupCertificate", pattern: "POST /certificates/web/backup", status: 200, good: backupJSON,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.BackupCertificate(ctx, "web", nil)
				return err
			}},
		{name: "RestoreCertificateBackup", pattern: "POST /certificates/restore", status: 200, good: bundleJSON,
			wrong: []string{issuerJSON, opJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.RestoreCertificateBackup(ctx, []byte{1}, nil)
				return err
			}},
		{name: "BeginCreateCertificate", pattern: "POST /certificates/web/create", status: 202, good: opJSON,
			wrong: []string{otherCert(opJSON), bundleJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.BeginCreateCertificate(ctx, "web", DefaultPolicy(), nil)
				return err
			}},
		{name: "ResumeCreateCertificate", pattern: "GET /certificates/web/pending", status: 200, good: opJSON,
			wrong: []string{otherCert(opJSON)},
			call: func(ctx context.Context, c *Client) error {
				p, err := c.ResumeCreateCertificate("web", nil)
				if err != nil {
					return err
				}
				return p.Poll(ctx)
			}},
		{name: "BeginDeleteCertificate", pattern: "DELETE /certificates/web", status: 200, good: deletedJSON,
			wrong: []string{otherCert(deletedJSON), other(deletedJSON, "deletedcertificates/web", "deletedcertificates/other")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.BeginDeleteCertificate(ctx, "web", nil)
				return err
			}},
		{name: "GetDeletedCertificate", pattern: "GET /deletedcertificates/web", status: 200, good: deletedJSON,
			wrong: []string{otherCert(deletedJSON), other(deletedJSON, "deletedcertificates/web", "deletedcertificates/other")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetDeletedCertificate(ctx, "web", nil)
				return err
			}},
		{name: "BeginRecoverDeletedCertificate", pattern: "POST /deletedcertificates/web/recover", status: 200, good: bundleJSON,
			wrong: []string{otherCert(bundleJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.BeginRecoverDeletedCertificate(ctx, "web", nil)
				return err
			}},
		{name: "ImportKeyPair", pattern: "POST /certificates/web/import", status: 200, good: bundleJSON,
			wrong: []string{otherCert(bundleJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ImportKeyPair(ctx, "web", kp, nil)
				return err
			}},
		{name: "MergeCertificate", pattern: "POST /certificates/web/pending/merge", status: 201, good: bundleJSON,
			wrong: []string{otherCert(bundleJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.MergeCertificate(ctx, "web", DERChain(leaf), nil)
				return err
			}},
		{name: "GetCertificatePolicy", pattern: "GET /certificates/web/policy", status: 200, good: policyJSON,
			wrong: []string{otherCert(policyJSON), bundleJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetCertificatePolicy(ctx, "web", nil)
				return err
			}},
		{name: "UpdateCertificatePolicy", pattern: "PATCH /certificates/web/policy", status: 200, good: policyJSON,
			wrong: []string{otherCert(policyJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UpdateCertificatePolicy(ctx, "web", DefaultPolicy(), nil)
				return err
			}},
		{name: "GetCertificateOperation", pattern: "GET /certificates/web/pending", status: 200, good: opJSON,
			wrong: []string{otherCert(opJSON), bundleJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetCertificateOperation(ctx, "web", nil)
				return err
			}},
		{name: "CancelCertificateOperation", pattern: "PATCH /certificates/web/pending", status: 200, good: opJSON,
			wrong: []string{otherCert(opJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CancelCertificateOperation(ctx, "web", nil)
				return err
			}},
		{name: "DeleteCertificateOperation", pattern: "DELETE /certificates/web/pending", status: 200, good: opJSON,
			wrong: []string{otherCert(opJSON)},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.DeleteCertificateOperation(ctx, "web", nil)
				return err
			}},
		{name: "SetContacts", pattern: "PUT /certificates/contacts", status: 200, good: contactJSON,
			wrong: []string{other(contactJSON, "/contacts", "/issuers")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SetContacts(ctx, []Contact{{Email: "ops@example.com"}}, nil)
				return err
			}},
		{name: "GetContacts", pattern: "GET /certificates/contacts", status: 200, good: contactJSON,
			wrong: []string{other(contactJSON, "/contacts", "/issuers")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetContacts(ctx, nil)
				return err
			}},
		{name: "DeleteContacts", pattern: "DELETE /certificates/contacts", status: 200, good: contactJSON,
			wrong: []string{other(contactJSON, "/contacts", "/issuers")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.DeleteContacts(ctx, nil)
				return err
			}},
		{name: "CreateIssuer", pattern: "PUT /certificates/issuers/digi", status: 200, good: issuerJSON,
			wrong: []string{other(issuerJSON, "/digi", "/other")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateIssuer(ctx, "digi", "DigiCert", nil)
				return err
			}},
		{name: "GetIssuer", pattern: "GET /certificates/issuers/digi", status: 200, good: issuerJSON,
			wrong: []string{other(issuerJSON, "/digi", "/other"), bundleJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetIssuer(ctx, "digi", nil)
				return err
			}},
		{name: "UpdateIssuer", pattern: "PATCH /certificates/issuers/digi", status: 200, good: issuerJSON,
			wrong: []string{other(issuerJSON, "/digi", "/other")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UpdateIssuer(ctx, "digi", &UpdateIssuerOptions{Enabled: new(true)})
				return err
			}},
		{name: "DeleteIssuer", pattern: "DELETE /certificates/issuers/digi", status: 200, good: issuerJSON,
			wrong: []string{other(issuerJSON, "/digi", "/other")},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.DeleteIssuer(ctx, "digi", nil)
				return err
			}},
		{name: "DownloadCertificate", pattern: "GET /secrets/web/" + testVersion, status: 200,
			wrong:  []string{`{"id":"` + vaultBase + `/secrets/other/` + testVersion + `","value":"x"}`, `{"id":"` + vaultBase + `/secrets/web/` + strings.Repeat("f", 32) + `","value":"x"}`},
			before: map[string]string{"GET /certificates/web/{$}": bundleJSON},
			call: func(ctx context.Context, c *Client) error {
				_, err := c.DownloadCertificate(ctx, "web", nil)
				return err
			}},
	}
	for _, tt := range tests {
		answers := append([]string{"null", "{}", `{"id":""}`, `{"id":null}`}, tt.wrong...)
		if tt.good != "" {
			answers = append(answers, tt.good)
		}
		for _, answer := range answers {
			c, mux, _ := setup(t)
			for pattern, body := range tt.before {
				handle(t, mux, pattern, "", 200, body)
			}
			handle(t, mux, tt.pattern, "", tt.status, answer)
			err := tt.call(t.Context(), c)
			if answer == tt.good {
				if err != nil {
					t.Errorf("%s with answer %s: %v", tt.name, answer, err)
				}
				continue
			}
			if !errors.Is(err, ErrInvalidResponse) {
				t.Errorf("%s with answer %s: err = %v, want ErrInvalidResponse", tt.name, answer, err)
			}
		}
	}
}
