package vaulttest

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
	"software.sslmate.com/src/go-pkcs12"
)

func TestGetSecretPKCS12(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.createDone("sec")
	version := b.ID[strings.LastIndexByte(b.ID, '/')+1:]
	var s gen.SecretBundle
	h.call("GET", "/secrets/sec/"+version, nil, http.StatusOK, &s)
	want := gen.SecretBundle{
		ID:          b.Sid,
		Kid:         b.Kid,
		ContentType: contentPKCS12,
		Managed:     new(true),
		Value:       s.Value,
		Attributes: gen.SecretAttributes{
			Enabled: new(true), NotBefore: b.Attributes.NotBefore, Expires: b.Attributes.Expires,
			Created: b.Attributes.Created, Updated: b.Attributes.Updated, RecoveryLevel: gen.DeletionRecoveryLevelRecoverablePurgeable, RecoverableDays: 90,
		},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("secret (-want +got):\n%s", diff)
	}
	data, err := base64.StdEncoding.DecodeString(s.Value)
	if err != nil {
		t.Fatal(err)
	}
	key, leaf, _, err := pkcs12.DecodeChain(data, "")
	if err != nil {
		t.Fatalf("the PKCS#12 does not open with an empty password: %v", err)
	}
	if !publicKeyEqual(leaf.PublicKey, key.(crypto.Signer).Public()) {
		t.Error("the PKCS#12 key does not match its certificate")
	}
	if !leaf.Equal(mustParse(t, b.Cer)) {
		t.Error("the PKCS#12 certificate is not the certificate's cer")
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGetSecretConversionAndContentTypes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.createDone("pfx")
	pemPolicy := selfPolicy("CN=pem")
	pemPolicy.SecretProperties = gen.SecretProperties{ContentType: contentPEM}
	h.create("pem", pemPolicy)

	tests := []struct {
		path   string
		ct     string
		blocks []string
	}{
		{"/secrets/pfx/?outContentType=application/x-pem-file", contentPEM, []string{"CERTIFICATE", "PRIVATE KEY"}},
		{"/secrets/pfx/?outContentType=application/x-pkcs12", contentPKCS12, nil},
		{"/secrets/pem/", contentPEM, []string{"CERTIFICATE", "PRIVATE KEY"}},
		{"/secrets/pem/?outContentType=application/x-pem-file", contentPEM, []string{"CERTIFICATE", "PRIVATE KEY"}},
	}
	for _, tt := range tests {
		var s gen.SecretBundle
		h.call("GET", tt.path, nil, http.StatusOK, &s)
		if s.ContentType != tt.ct {
			t.Errorf("%s: contentType %q, want %q", tt.path, s.ContentType, tt.ct)
		}
		if tt.blocks != nil {
			if diff := cmp.Diff(tt.blocks, pemTypes(s.Value)); diff != "" {
				t.Errorf("%s: PEM blocks (-want +got):\n%s", tt.path, diff)
			}
			_, rest := pem.Decode([]byte(s.Value))
			if block, _ := pem.Decode(rest); block == nil {
				t.Errorf("%s: no key after the certificate", tt.path)
			} else if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
				t.Errorf("%s: the key is not PKCS#8: %v", tt.path, err)
			}
			// crypto/tls reads the layout as it is.
			if _, err := tls.X509KeyPair([]byte(s.Value), []byte(s.Value)); err != nil {
				t.Errorf("%s: tls.X509KeyPair: %v", tt.path, err)
			}
		}
	}
	h.fail("GET", "/secrets/pem/?outContentType=application/x-pkcs12", nil, http.StatusBadRequest, "BadParameter", "")
	h.fail("GET", "/secrets/pfx/?outContentType=text/plain", nil, http.StatusBadRequest, "BadParameter", "")
}

func TestGetSecretNonExportable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, ct := range []string{contentPKCS12, contentPEM} {
		p := selfPolicy("CN=locked")
		p.KeyProperties.Exportable = new(false)
		p.SecretProperties = gen.SecretProperties{ContentType: ct}
		name := "locked-" + strings.ReplaceAll(strings.TrimPrefix(ct, "application/x-"), "-", "")
		h.create(name, p)
		var s gen.SecretBundle
		h.call("GET", "/secrets/"+name+"/", nil, http.StatusOK, &s)
		if ct == contentPEM {
			if diff := cmp.Diff([]string{"CERTIFICATE"}, pemTypes(s.Value)); diff != "" {
				t.Errorf("PEM blocks of a non-exportable key (-want +got):\n%s", diff)
			}
			continue
		}
		data, _ := base64.StdEncoding.DecodeString(s.Value)
		if _, _, _, err := pkcs12.DecodeChain(data, ""); err == nil {
			t.Error("the PKCS#12 of a non-exportable key holds a private key")
		}
		certs, err := pkcs12.DecodeTrustStore(data, "")
		if err != nil || len(certs) != 1 {
			t.Errorf("the PKCS#12 of a non-exportable key holds %d certificates (%v), want 1", len(certs), err)
		}
	}
}

func TestGetSecretErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call("POST", "/certificates/off/create", gen.CertificateCreateParameters{
		CertificatePolicy: selfPolicy("CN=off"), CertificateAttributes: gen.CertificateAttributes{Enabled: new(false)},
	}, http.StatusAccepted, nil)
	h.fail("GET", "/secrets/off/", nil, http.StatusForbidden, "Forbidden", "SecretDisabled")
	h.fail("GET", "/secrets/none/", nil, http.StatusNotFound, "SecretNotFound", "")
	h.fail("GET", "/secrets/off/0123456789abcdef0123456789abcdef", nil, http.StatusNotFound, "SecretNotFound", "")
	h.fail("GET", "/secrets/bad_name/", nil, http.StatusBadRequest, "BadParameter", "")
}

// TestGetSecretPreviousVersion checks previousVersion on the secrets of
// versions made by create, import, merge and the seeding helpers, and
// after a restore.
func TestGetSecretPreviousVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	versionOf := func(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }
	previous := func(name, version string) string {
		t.Helper()
		var s gen.SecretBundle
		h.call("GET", "/secrets/"+name+"/"+version, nil, http.StatusOK, &s)
		return s.PreviousVersion
	}

	var versions []string // of "renewed", oldest first
	versions = append(versions, versionOf(h.createDone("renewed").ID))
	h.call("POST", "/certificates/renewed/create", gen.CertificateCreateParameters{}, http.StatusAccepted, nil)
	var b gen.CertificateBundle
	h.call("GET", "/certificates/renewed/", nil, http.StatusOK, &b)
	versions = append(versions, versionOf(b.ID))
	key := ecKey(t)
	h.call("POST", "/certificates/renewed/import", gen.CertificateImportParameters{
		Base64EncodedCertificate: pemBundle(t, key, leafWithCA(t, key)[0]),
	}, http.StatusOK, &b)
	versions = append(versions, versionOf(b.ID))
	op := h.create("renewed", unknownPolicy("CN=renewed"))
	h.call("POST", "/certificates/renewed/pending/merge", gen.CertificateMergeParameters{
		X509Certificates: [][]byte{newExternalCA(t).SignCSR(t, op.Csr, testcert.Template{}).Raw},
	}, http.StatusCreated, &b)
	versions = append(versions, versionOf(b.ID))

	want := []string{"", versions[0], versions[1], versions[2]}
	check := func(when string) {
		t.Helper()
		var got []string
		for _, v := range versions {
			got = append(got, previous("renewed", v))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("previousVersion of create, create, import, merge %s (-want +got):\n%s", when, diff)
		}
	}
	check("before a backup")
	blob := backup(h, "renewed")
	h.call("DELETE", "/certificates/renewed", nil, http.StatusOK, nil)
	h.call("DELETE", "/deletedcertificates/renewed", nil, http.StatusNoContent, nil)
	h.call("POST", "/certificates/restore", gen.CertificateRestoreParameters{CertificateBundleBackup: blob}, http.StatusOK, nil)
	check("after a restore")

	// The seeding helpers link their versions too.
	first, err := h.srv.AddCertificate(SeedCertificate{Name: "added"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.srv.AddCertificate(SeedCertificate{Name: "added"})
	if err != nil {
		t.Fatal(err)
	}
	if got := [2]string{previous("added", versionOf(first)), previous("added", versionOf(second))}; got != [2]string{"", versionOf(first)} {
		t.Errorf("previousVersion of two added versions = %q, want none and %s", got, versionOf(first))
	}
	if _, err := h.srv.Seed(1, &SeedOptions{Prefix: "seeded-", Versions: 3}); err != nil {
		t.Fatal(err)
	}
	var list listPage[gen.CertificateItem]
	h.call("GET", "/certificates/seeded-0/versions", nil, http.StatusOK, &list)
	var listed, walked []string
	for _, it := range list.Value {
		listed = append(listed, versionOf(it.ID))
	}
	// Walking back from the latest visits every version once.
	for v := ""; len(walked) <= len(listed); {
		var s gen.SecretBundle
		h.call("GET", "/secrets/seeded-0/"+v, nil, http.StatusOK, &s)
		walked = append(walked, versionOf(s.ID))
		if v = s.PreviousVersion; v == "" {
			break
		}
	}
	if diff := cmp.Diff(listed, slices.Sorted(slices.Values(walked))); diff != "" {
		t.Errorf("seeded versions walked back by previousVersion (-listed +walked):\n%s", diff)
	}
}

// TestGetSecretChainOrder checks that PKCS#12 secrets, and their PEM
// conversion, keep the stored chain order: as imported or merged with
// preserveCertOrder, the certificate of the key first without.
func TestGetSecretChainOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := ecKey(t)
	chain := leafWithCA(t, key) // leaf, CA
	caFirst, err := pfxWithKey(key, []*x509.Certificate{chain[1], chain[0]}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ca := newExternalCA(t)
	merge := func(name string, preserve bool) {
		h.call("POST", "/certificates/"+name+"/create", gen.CertificateCreateParameters{
			CertificatePolicy: unknownPolicy("CN=" + name), PreserveCertOrder: new(preserve),
		}, http.StatusAccepted, nil)
		var op gen.CertificateOperation
		h.call("GET", "/certificates/"+name+"/pending", nil, http.StatusOK, &op)
		h.call("POST", "/certificates/"+name+"/pending/merge", gen.CertificateMergeParameters{
			X509Certificates: [][]byte{ca.Cert.Raw, ca.SignCSR(t, op.Csr, testcert.Template{}).Raw},
		}, http.StatusCreated, nil)
	}
	importPFX := func(name string, preserve bool) {
		h.call("POST", "/certificates/"+name+"/import", gen.CertificateImportParameters{
			Base64EncodedCertificate: base64.StdEncoding.EncodeToString(caFirst), PreserveCertOrder: new(preserve),
		}, http.StatusOK, nil)
	}
	tests := []struct {
		name string
		add  func(name string, preserve bool)
		keep bool
		want []string
	}{
		{"import-preserved", importPFX, true, []string{"External Test CA", "imported.example"}},
		{"import", importPFX, false, []string{"imported.example", "External Test CA"}},
		{"merge-preserved", merge, true, []string{"External Test CA", "merge-preserved"}},
		{"merge", merge, false, []string{"merge", "External Test CA"}},
	}
	for _, tt := range tests {
		tt.add(tt.name, tt.keep)
		var s gen.SecretBundle
		h.call("GET", "/secrets/"+tt.name+"/", nil, http.StatusOK, &s)
		data, err := base64.StdEncoding.DecodeString(s.Value)
		if err != nil {
			t.Fatal(err)
		}
		gotKey, first, rest, err := pkcs12.DecodeChain(data, "")
		if err != nil {
			t.Fatalf("%s: decode the PKCS#12 secret: %v", tt.name, err)
		}
		certs := append([]*x509.Certificate{first}, rest...)
		if diff := cmp.Diff(tt.want, chainNames(certs)); diff != "" {
			t.Errorf("%s: PKCS#12 chain (-want +got):\n%s", tt.name, diff)
		}
		leaf := certs[slices.IndexFunc(certs, func(c *x509.Certificate) bool { return c.Subject.CommonName != "External Test CA" })]
		if !publicKeyEqual(gotKey.(crypto.Signer).Public(), leaf.PublicKey) {
			t.Errorf("%s: the PKCS#12 key is not the leaf's", tt.name)
		}

		h.call("GET", "/secrets/"+tt.name+"/?outContentType="+contentPEM, nil, http.StatusOK, &s)
		var pemCerts []*x509.Certificate
		for rest := []byte(s.Value); ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if b.Type == "CERTIFICATE" {
				pemCerts = append(pemCerts, mustParse(t, b.Bytes))
			}
		}
		if diff := cmp.Diff(tt.want, chainNames(pemCerts)); diff != "" {
			t.Errorf("%s: PEM conversion's chain (-want +got):\n%s", tt.name, diff)
		}
	}
}
