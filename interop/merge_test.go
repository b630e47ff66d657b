package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

// unknownPolicy asks for a certificate that an external CA signs: the
// vault makes the key and CSR, and waits for a merge.
func unknownPolicy(subject string, dnsNames ...string) *azcertificates.CertificatePolicy {
	p := selfPolicy(subject)
	p.IssuerParameters.Name = new("Unknown")
	if len(dnsNames) > 0 {
		p.X509CertificateProperties.SubjectAlternativeNames = &azcertificates.SubjectAlternativeNames{DNSNames: to.SliceOfPtrs(dnsNames...)}
	}
	return p
}

func TestMergeWithAnExternalCA(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	created, err := v.certs.CreateCertificate(ctx, "external", azcertificates.CreateCertificateParameters{
		CertificatePolicy: unknownPolicy("CN=shop.example.com", "shop.example.com", "api.example.com"),
	}, nil)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	if str(created.Status) != "inProgress" || str(created.IssuerParameters.Name) != "Unknown" {
		t.Errorf("operation = %s with issuer %s, want inProgress with Unknown", str(created.Status), str(created.IssuerParameters.Name))
	}

	// The request waits for the merge however often it is polled.
	for range 3 {
		op, err := v.certs.GetCertificateOperation(ctx, "external", nil)
		if err != nil {
			t.Fatalf("GetCertificateOperation: %v", err)
		}
		if str(op.Status) != "inProgress" || op.Target != nil {
			t.Fatalf("unmerged operation = %s, target %s; want inProgress without a target", str(op.Status), str(op.Target))
		}
	}
	// No other version can be requested meanwhile.
	_, err = v.certs.CreateCertificate(ctx, "external", azcertificates.CreateCertificateParameters{}, nil)
	wantResponseError(t, err, 409, "Conflict")

	csr, err := x509.ParseCertificateRequest(created.CSR)
	if err != nil {
		t.Fatalf("CSR: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("CSR signature: %v", err)
	}
	if diff := cmp.Diff([]string{"shop.example.com", "api.example.com"}, csr.DNSNames); diff != "" {
		t.Errorf("CSR DNS names (-want +got):\n%s", diff)
	}
	ca := testcert.NewCA(t, "External Test CA")
	leaf := issueServer(t, ca, csr.Subject, csr.DNSNames, csr.PublicKey)

	// A certificate for another key does not complete the request.
	stray, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrong := issueServer(t, ca, csr.Subject, csr.DNSNames, stray.Public())
	_, err = v.certs.MergeCertificate(ctx, "external", azcertificates.MergeCertificateParameters{
		X509Certificates: [][]byte{wrong.Raw, ca.Cert.Raw},
	}, nil)
	wantResponseError(t, err, 400, "BadParameter")

	merged, err := v.certs.MergeCertificate(ctx, "external", azcertificates.MergeCertificateParameters{
		X509Certificates: [][]byte{leaf.Raw, ca.Cert.Raw},
		Tags:             tags("ca", "external"),
	}, nil)
	if err != nil {
		t.Fatalf("MergeCertificate: %v", err)
	}
	got := merged.Certificate
	v.wantIDs(t, "external", got.ID, got.KID, got.SID)
	cert := parseCER(t, got.CER, got.X509Thumbprint)
	if !cert.Equal(leaf) {
		t.Errorf("merged CER = %q, want the CA-signed leaf", cert.Subject)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(ca.Cert), DNSName: "api.example.com"}); err != nil {
		t.Errorf("merged certificate does not verify against the external CA: %v", err)
	}
	if diff := cmp.Diff(tags("ca", "external"), got.Tags); diff != "" {
		t.Errorf("merged Tags (-want +got):\n%s", diff)
	}
	if str(got.Policy.IssuerParameters.Name) != "Unknown" {
		t.Errorf("merged policy issuer = %s, want Unknown", str(got.Policy.IssuerParameters.Name))
	}

	op, err := v.certs.GetCertificateOperation(ctx, "external", nil)
	if err != nil {
		t.Fatalf("GetCertificateOperation after merge: %v", err)
	}
	if str(op.Status) != "completed" || str(op.Target) != v.url+"/certificates/external" {
		t.Errorf("operation after merge = %s, target %s; want completed, %s/certificates/external", str(op.Status), str(op.Target), v.url)
	}
	latest, err := v.certs.GetCertificate(ctx, "external", "", nil)
	if err != nil {
		t.Fatalf("GetCertificate after merge: %v", err)
	}
	if diff := cmp.Diff(got, latest.Certificate); diff != "" {
		t.Errorf("GetCertificate after merge (-merge answer +get):\n%s", diff)
	}

	// The key the vault made for the CSR is the merged certificate's key.
	checkSecretKey(t, ctx, v, "external", got)
	s, err := v.secrets.GetSecret(ctx, "external", "", nil)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if _, chain := decodeSecret(t, s.Secret); len(chain) != 2 || !chain[1].Equal(ca.Cert) {
		t.Errorf("secret holds %d certificates, want the leaf and the external CA", len(chain))
	}

	// Nothing is pending any more.
	_, err = v.certs.MergeCertificate(ctx, "external", azcertificates.MergeCertificateParameters{
		X509Certificates: [][]byte{leaf.Raw},
	}, nil)
	if err == nil {
		t.Error("a second merge succeeded; want an error, nothing is pending")
	}
}
