package client

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// specSegments reads spec/'s paths and returns, sorted and in lower case,
// the fixed segments that follow prefix (a path ending in "/") where a
// parameter could stand instead: /certificates/contacts is a fixed segment
// after "/certificates/", where /certificates/{certificate-name} takes a
// name.
func specSegments(t *testing.T, prefix string) []string {
	t.Helper()
	data, err := os.ReadFile("../spec/keyvault-certificates.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	// A pattern matches a path when each segment is equal or a parameter.
	match := func(pattern, path string) (rest string, ok bool) {
		ps, qs := strings.Split(pattern, "/"), strings.Split(path, "/")
		if len(qs) <= len(ps)-1 {
			return "", false
		}
		for i, p := range ps[:len(ps)-1] {
			if p != qs[i] && !(strings.HasPrefix(p, "{") && strings.HasPrefix(qs[i], "{")) {
				return "", false
			}
		}
		return qs[len(ps)-1], true
	}
	var out []string
	for path := range doc.Paths {
		if seg, ok := match(prefix, path); ok && seg != "" && !strings.HasPrefix(seg, "{") {
			out = append(out, strings.ToLower(seg))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// caseVariants returns s in lower, upper and mixed case.
func caseVariants(s string) []string {
	mixed := []byte(strings.ToLower(s))
	for i := 0; i < len(mixed); i += 2 {
		mixed[i] = strings.ToUpper(string(mixed[i]))[0]
	}
	return []string{strings.ToLower(s), strings.ToUpper(s), string(mixed)}
}

// nameOperations are every operation that takes a certificate name, called
// with that name.
func nameOperations(t *testing.T) map[string]func(ctx context.Context, c *Client, name string) error {
	leaf, key := selfSigned(t)
	kp, err := NewKeyPair([]*x509.Certificate{leaf}, key)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := t.TempDir() + "/c.pem"
	pemData, err := kp.PEM()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pemFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]func(ctx context.Context, c *Client, name string) error{
		"GetCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.GetCertificate(ctx, name, nil)
			return err
		},
		"GetCertificateVersion": func(ctx context.Context, c *Client, name string) error {
			_, err := c.GetCertificateVersion(ctx, name, testVersion, nil)
			return err
		},
		"UpdateCertificateProperties": func(ctx context.Context, c *Client, name string) error {
			_, err := c.UpdateCertificateProperties(ctx, name, &UpdateCertificatePropertiesOptions{Enabled: new(false)})
			return err
		},
		"BackupCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.BackupCertificate(ctx, name, nil)
			return err
		},
		"ListCertificateVersions": func(ctx context.Context, c *Client, name string) error {
			for _, err := range c.ListCertificateVersions(ctx, name, nil) {
				return err
			}
			return nil
		},
		"NewListCertificateVersionsPager": func(ctx context.Context, c *Client, name string) error {
			_, err := c.NewListCertificateVersionsPager(name, nil).NextPage(ctx)
			return err
		},
		"BeginCreateCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.BeginCreateCertificate(ctx, name, DefaultPolicy(), nil)
			return err
		},
		"ResumeCreateCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.ResumeCreateCertificate(name, nil)
			return err
		},
		"BeginDeleteCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.BeginDeleteCertificate(ctx, name, nil)
			return err
		},
		"GetDeletedCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.GetDeletedCertificate(ctx, name, nil)
			return err
		},
		"PurgeDeletedCertificate": func(ctx context.Context, c *Client, name string) error {
			return c.PurgeDeletedCertificate(ctx, name, nil)
		},
		"BeginRecoverDeletedCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.BeginRecoverDeletedCertificate(ctx, name, nil)
			return err
		},
		"ImportCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.ImportCertificate(ctx, name, pemData, nil)
			return err
		},
		"ImportKeyPair": func(ctx context.Context, c *Client, name string) error {
			_, err := c.ImportKeyPair(ctx, name, kp, nil)
			return err
		},
		"ImportCertificateFile": func(ctx context.Context, c *Client, name string) error {
			_, err := c.ImportCertificateFile(ctx, name, pemFile, nil)
			return err
		},
		"MergeCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.MergeCertificate(ctx, name, DERChain(leaf), nil)
			return err
		},
		"GetCertificatePolicy": func(ctx context.Context, c *Client, name string) error {
			_, err := c.GetCertificatePolicy(ctx, name, nil)
			return err
		},
		"UpdateCertificatePolicy": func(ctx context.Context, c *Client, name string) error {
			_, err := c.UpdateCertificatePolicy(ctx, name, DefaultPolicy(), nil)
			return err
		},
		"GetCertificateOperation": func(ctx context.Context, c *Client, name string) error {
			_, err := c.GetCertificateOperation(ctx, name, nil)
			return err
		},
		"CancelCertificateOperation": func(ctx context.Context, c *Client, name string) error {
			_, err := c.CancelCertificateOperation(ctx, name, nil)
			return err
		},
		"DeleteCertificateOperation": func(ctx context.Context, c *Client, name string) error {
			_, err := c.DeleteCertificateOperation(ctx, name, nil)
			return err
		},
		"DownloadCertificate": func(ctx context.Context, c *Client, name string) error {
			_, err := c.DownloadCertificate(ctx, name, nil)
			return err
		},
		"NewTLSSource": func(ctx context.Context, c *Client, name string) error {
			_, err := c.NewTLSSource(ctx, name, nil)
			return err
		},
	}
}

// TestReservedCertificateNamesRefused checks that every operation taking a
// certificate name refuses, before any request, each name that spec/'s
// paths use as a fixed segment where a certificate name could stand, in
// any letter case: DELETE /certificates/contacts would delete the vault's
// contacts. The reserved names come from spec/, so that a collection a new
// API version adds is caught.
func TestReservedCertificateNamesRefused(t *testing.T) {
	t.Parallel()
	reserved := append(specSegments(t, "/certificates/"), specSegments(t, "/deletedcertificates/")...)
	for _, want := range []string{"contacts", "issuers", "restore"} {
		if !slices.Contains(reserved, want) {
			t.Fatalf("spec/ paths give reserved names %q, which lack %q: is the derivation broken?", reserved, want)
		}
	}
	for op, call := range nameOperations(t) {
		for _, seg := range reserved {
			for _, name := range caseVariants(seg) {
				c := noRequests(t)
				err := call(t.Context(), c, name)
				if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "path of another Key Vault operation") {
					t.Errorf("%s(%q) = %v, want ErrInvalidArgument saying the name is another operation's path", op, name, err)
				}
			}
		}
	}
	for _, seg := range reserved {
		for _, id := range []string{testVault + "/certificates/" + seg, testVault + "/deletedcertificates/" + strings.ToUpper(seg),
			testVault + "/certificates/" + seg + "/" + testVersion, testVault + "/certificates/" + seg + "/pending"} {
			got, err := ParseID(id)
			switch got.Collection {
			case CollectionCertificates, CollectionDeletedCertificates, CollectionOperations:
				t.Errorf("ParseID(%q) = %+v, %v; want an error or an object of another collection", id, got, err)
			}
		}
	}
}

// TestReservedVersionsRefused checks that no version argument can be one of
// the fixed segments that follow /certificates/{name}/ in spec/'s paths
// (GetCertificateVersion("web", "pending") would read the pending
// operation), and that no issuer name can be a fixed segment that follows
// /certificates/issuers/.
func TestReservedVersionsRefused(t *testing.T) {
	t.Parallel()
	segs := specSegments(t, "/certificates/{certificate-name}/")
	for _, want := range []string{"backup", "create", "import", "pending", "policy", "versions"} {
		if !slices.Contains(segs, want) {
			t.Fatalf("spec/ paths give fixed segments %q after a certificate name, which lack %q", segs, want)
		}
	}
	c := noRequests(t)
	ctx := t.Context()
	for _, seg := range segs {
		for _, v := range caseVariants(seg) {
			calls := map[string]func() error{
				"GetCertificateVersion": func() error { _, err := c.GetCertificateVersion(ctx, "web", v, nil); return err },
				"UpdateCertificateProperties": func() error {
					_, err := c.UpdateCertificateProperties(ctx, "web", &UpdateCertificatePropertiesOptions{Version: v})
					return err
				},
				"DownloadCertificate": func() error {
					_, err := c.DownloadCertificate(ctx, "web", &DownloadCertificateOptions{Version: v})
					return err
				},
			}
			for op, call := range calls {
				if err := call(); !errors.Is(err, ErrInvalidArgument) {
					t.Errorf("%s with version %q = %v, want ErrInvalidArgument", op, v, err)
				}
			}
		}
	}
	for _, seg := range specSegments(t, "/certificates/issuers/{issuer-name}/") {
		for _, name := range caseVariants(seg) {
			if _, err := c.GetIssuer(ctx, name, nil); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("GetIssuer(%q) = %v, want ErrInvalidArgument: the name is a fixed segment of spec/'s paths", name, err)
			}
		}
	}
}
