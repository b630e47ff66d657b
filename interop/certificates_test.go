package interop

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// maxPolls bounds the polling loops; the emulator's delays are counted in
// polls here, never in time.
const maxPolls = 10

// pollOperation calls GetCertificateOperation until the status is no longer
// inProgress, and returns the last operation and every status seen.
func (v *vault) pollOperation(t *testing.T, ctx context.Context, name string) (azcertificates.CertificateOperation, []string) {
	t.Helper()
	var seen []string
	for range maxPolls {
		resp, err := v.certs.GetCertificateOperation(ctx, name, nil)
		if err != nil {
			t.Fatalf("GetCertificateOperation(%s): %v", name, err)
		}
		status := str(resp.Status)
		seen = append(seen, status)
		if !strings.EqualFold(status, "inProgress") {
			return resp.CertificateOperation, seen
		}
	}
	t.Fatalf("GetCertificateOperation(%s) still inProgress after %d polls", name, maxPolls)
	return azcertificates.CertificateOperation{}, nil
}

// create creates a certificate, polls its operation to completion and
// returns the new version.
func (v *vault) create(t *testing.T, ctx context.Context, name string, params azcertificates.CreateCertificateParameters) azcertificates.Certificate {
	t.Helper()
	if _, err := v.certs.CreateCertificate(ctx, name, params, nil); err != nil {
		t.Fatalf("CreateCertificate(%s): %v", name, err)
	}
	op, _ := v.pollOperation(t, ctx, name)
	if !strings.EqualFold(str(op.Status), "completed") {
		t.Fatalf("operation of %s ended %s (%s), want completed", name, str(op.Status), str(op.StatusDetails))
	}
	resp, err := v.certs.GetCertificate(ctx, name, "", nil)
	if err != nil {
		t.Fatalf("GetCertificate(%s): %v", name, err)
	}
	return resp.Certificate
}

func TestCreateCertificateThenPoll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		policy      *azcertificates.CertificatePolicy
		tags        map[string]*string
		wantCN      string
		wantKey     string // "RSA 2048", "EC P-384", ...
		wantContent string
		wantMonths  int
		wantUsage   x509.KeyUsage
		wantEKU     []x509.ExtKeyUsage
	}{{
		name: "rsa-with-sans",
		policy: &azcertificates.CertificatePolicy{
			IssuerParameters: &azcertificates.IssuerParameters{Name: new("Self")},
			KeyProperties: &azcertificates.KeyProperties{
				KeyType: new(azcertificates.KeyTypeRSA), KeySize: to.Ptr[int32](2048),
				Exportable: new(true), ReuseKey: new(false),
			},
			SecretProperties: &azcertificates.SecretProperties{ContentType: new("application/x-pkcs12")},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{
				Subject: new("CN=web.example.com, O=Contoso, C=US"),
				SubjectAlternativeNames: &azcertificates.SubjectAlternativeNames{
					DNSNames:           to.SliceOfPtrs("web.example.com", "www.example.com"),
					Emails:             to.SliceOfPtrs("ops@example.com"),
					UserPrincipalNames: to.SliceOfPtrs("svc@example.com"),
					IPAddresses:        to.SliceOfPtrs("10.0.0.7", "2001:db8::7"),
					URIs:               to.SliceOfPtrs("spiffe://example.com/web"),
				},
				KeyUsage:         to.SliceOfPtrs(azcertificates.KeyUsageTypeDigitalSignature, azcertificates.KeyUsageTypeKeyEncipherment),
				EnhancedKeyUsage: to.SliceOfPtrs("1.3.6.1.5.5.7.3.1"),
				ValidityInMonths: to.Ptr[int32](24),
			},
		},
		tags:        tags("env", "test", "team", "web"),
		wantCN:      "web.example.com",
		wantKey:     "RSA 2048",
		wantContent: "application/x-pkcs12",
		wantMonths:  24,
		wantUsage:   x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		wantEKU:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, {
		name: "ec-p384-pem",
		policy: &azcertificates.CertificatePolicy{
			IssuerParameters: &azcertificates.IssuerParameters{Name: new("Self")},
			KeyProperties: &azcertificates.KeyProperties{
				KeyType: new(azcertificates.KeyTypeEC), Curve: new(azcertificates.CurveNameP384),
			},
			SecretProperties: &azcertificates.SecretProperties{ContentType: new("application/x-pem-file")},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{
				Subject:          new("CN=ec384"),
				ValidityInMonths: to.Ptr[int32](6),
			},
		},
		wantCN:      "ec384",
		wantKey:     "EC P-384",
		wantContent: "application/x-pem-file",
		wantMonths:  6,
		wantUsage:   x509.KeyUsageDigitalSignature,
		wantEKU:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}, {
		name: "ec-p521",
		policy: &azcertificates.CertificatePolicy{
			IssuerParameters: &azcertificates.IssuerParameters{Name: new("Self")},
			KeyProperties: &azcertificates.KeyProperties{
				KeyType: new(azcertificates.KeyTypeEC), Curve: new(azcertificates.CurveNameP521),
			},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: new("CN=ec521")},
		},
		wantCN:      "ec521",
		wantKey:     "EC P-521",
		wantContent: "application/x-pkcs12",
		wantMonths:  12,
		wantUsage:   x509.KeyUsageDigitalSignature,
		wantEKU:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}, {
		name: "rsa-3072",
		policy: &azcertificates.CertificatePolicy{
			IssuerParameters: &azcertificates.IssuerParameters{Name: new("Self")},
			KeyProperties: &azcertificates.KeyProperties{
				KeyType: new(azcertificates.KeyTypeRSA), KeySize: to.Ptr[int32](3072),
			},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: new("CN=rsa3072")},
		},
		wantCN:      "rsa3072",
		wantKey:     "RSA 3072",
		wantContent: "application/x-pkcs12",
		wantMonths:  12,
		wantUsage:   x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		wantEKU:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			// Two polls answer inProgress before the operation completes.
			v := newVault(t, vaulttest.WithDelays(vaulttest.Delays{PendingPolls: 2}))

			created, err := v.certs.CreateCertificate(ctx, tt.name, azcertificates.CreateCertificateParameters{
				CertificatePolicy: tt.policy,
				Tags:              tt.tags,
			}, nil)
			if err != nil {
				t.Fatalf("CreateCertificate: %v", err)
			}
			op := created.CertificateOperation
			if want := v.url + "/certificates/" + tt.name + "/pending"; string(*op.ID) != want {
				t.Errorf("operation ID = %q, want %q", *op.ID, want)
			}
			if str(op.Status) != "inProgress" || str(op.IssuerParameters.Name) != "Self" ||
				op.CancellationRequested == nil || *op.CancellationRequested || str(op.RequestID) == "<nil>" || op.StatusDetails == nil {
				t.Errorf("operation = status %s, issuer %s, cancellation %v, request id %s, details %s; want inProgress, Self, false, set, set",
					str(op.Status), str(op.IssuerParameters.Name), op.CancellationRequested, str(op.RequestID), str(op.StatusDetails))
			}
			csr, err := x509.ParseCertificateRequest(op.CSR)
			if err != nil {
				t.Fatalf("operation CSR: %v", err)
			}
			if err := csr.CheckSignature(); err != nil {
				t.Errorf("CSR signature: %v", err)
			}
			if csr.Subject.CommonName != tt.wantCN {
				t.Errorf("CSR subject CN = %q, want %q", csr.Subject.CommonName, tt.wantCN)
			}

			done, seen := v.pollOperation(t, ctx, tt.name)
			if diff := cmp.Diff([]string{"inProgress", "inProgress", "completed"}, seen); diff != "" {
				t.Errorf("statuses seen while polling (-want +got):\n%s", diff)
			}
			if want := v.url + "/certificates/" + tt.name; str(done.Target) != want {
				t.Errorf("completed operation Target = %s, want %s", str(done.Target), want)
			}
			if done.Error != nil {
				t.Errorf("completed operation has an error: %v", done.Error)
			}

			latest, err := v.certs.GetCertificate(ctx, tt.name, "", nil)
			if err != nil {
				t.Fatalf("GetCertificate latest: %v", err)
			}
			got := latest.Certificate
			ver := v.wantIDs(t, tt.name, got.ID, got.KID, got.SID)
			byVersion, err := v.certs.GetCertificate(ctx, tt.name, ver, nil)
			if err != nil {
				t.Fatalf("GetCertificate version: %v", err)
			}
			if diff := cmp.Diff(got, byVersion.Certificate, ignorePolicy); diff != "" {
				t.Errorf("GetCertificate by version differs from latest (-latest +version):\n%s", diff)
			}
			if diff := cmp.Diff(tt.tags, got.Tags); diff != "" {
				t.Errorf("Tags (-want +got):\n%s", diff)
			}

			cert := parseCER(t, got.CER, got.X509Thumbprint)
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil ||
				!slices.Equal(cert.RawIssuer, cert.RawSubject) {
				t.Errorf("a Self certificate must be self-signed: issuer %q, subject %q, signature check %v", cert.Issuer, cert.Subject, err)
			}
			if cert.Subject.CommonName != tt.wantCN {
				t.Errorf("certificate CN = %q, want %q", cert.Subject.CommonName, tt.wantCN)
			}
			if k := describeKey(cert.PublicKey); k != tt.wantKey {
				t.Errorf("certificate key = %s, want %s", k, tt.wantKey)
			}
			if cert.KeyUsage != tt.wantUsage {
				t.Errorf("KeyUsage = %b, want %b", cert.KeyUsage, tt.wantUsage)
			}
			if diff := cmp.Diff(tt.wantEKU, cert.ExtKeyUsage); diff != "" {
				t.Errorf("ExtKeyUsage (-want +got):\n%s", diff)
			}
			if want := cert.NotBefore.AddDate(0, tt.wantMonths, 0); !cert.NotAfter.Equal(want) {
				t.Errorf("NotAfter = %v, want NotBefore + %d months = %v", cert.NotAfter, tt.wantMonths, want)
			}

			a := got.Attributes
			if a == nil || a.Enabled == nil || !*a.Enabled || a.NotBefore == nil || !a.NotBefore.Equal(cert.NotBefore) ||
				a.Expires == nil || !a.Expires.Equal(cert.NotAfter) || a.Created == nil || a.Updated == nil {
				t.Errorf("Attributes = %+v, want enabled, nbf/exp of the certificate, created and updated", a)
			} else if str(a.RecoveryLevel) != "Recoverable+Purgeable" || a.RecoverableDays == nil || *a.RecoverableDays != 90 {
				t.Errorf("recovery = %s, %v days; want Recoverable+Purgeable, 90", str(a.RecoveryLevel), a.RecoverableDays)
			}

			p := got.Policy
			if p == nil {
				t.Fatal("certificate has no Policy")
			}
			if want := v.url + "/certificates/" + tt.name + "/policy"; str(p.ID) != want {
				t.Errorf("Policy.ID = %s, want %s", str(p.ID), want)
			}
			if str(p.IssuerParameters.Name) != "Self" || str(p.SecretProperties.ContentType) != tt.wantContent ||
				p.X509CertificateProperties.ValidityInMonths == nil || int(*p.X509CertificateProperties.ValidityInMonths) != tt.wantMonths {
				t.Errorf("Policy issuer %s, content type %s, validity %v; want Self, %s, %d", str(p.IssuerParameters.Name),
					str(p.SecretProperties.ContentType), p.X509CertificateProperties.ValidityInMonths, tt.wantContent, tt.wantMonths)
			}
			if k := p.KeyProperties; describePolicyKey(k) != tt.wantKey || k.Exportable == nil || !*k.Exportable {
				t.Errorf("Policy key = %s (exportable %v), want %s exportable", describePolicyKey(k), k.Exportable, tt.wantKey)
			}
			if len(p.LifetimeActions) == 0 || p.LifetimeActions[0].Action == nil || p.LifetimeActions[0].Action.ActionType == nil {
				t.Errorf("Policy has no lifetime action; the service adds a default one")
			}
			if tt.policy.X509CertificateProperties.SubjectAlternativeNames != nil {
				checkSANs(t, tt.policy.X509CertificateProperties.SubjectAlternativeNames, p.X509CertificateProperties.SubjectAlternativeNames, cert)
			}
		})
	}
}

// checkSANs compares the subject alternative names the SDK sent with the
// policy's echo and the issued certificate.
func checkSANs(t *testing.T, want, echo *azcertificates.SubjectAlternativeNames, cert *x509.Certificate) {
	t.Helper()
	if diff := cmp.Diff(want, echo); diff != "" {
		t.Errorf("policy SANs (-sent +got):\n%s", diff)
	}
	var ips, uris []string
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	for _, u := range cert.URIs {
		uris = append(uris, u.String())
	}
	wantIPs := derefAll(want.IPAddresses)
	for i, s := range wantIPs {
		wantIPs[i] = net.ParseIP(s).String()
	}
	for _, c := range []struct {
		kind      string
		want, got []string
	}{
		{"DNS names", derefAll(want.DNSNames), cert.DNSNames},
		{"e-mails", derefAll(want.Emails), cert.EmailAddresses},
		{"UPNs", derefAll(want.UserPrincipalNames), upns(t, cert)},
		{"IP addresses", wantIPs, ips},
		{"URIs", derefAll(want.URIs), uris},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("certificate %s (-want +got):\n%s", c.kind, diff)
		}
	}
}

// describeKey names a public key like "RSA 2048" or "EC P-256".
func describeKey(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA " + strconv.Itoa(k.N.BitLen())
	case *ecdsa.PublicKey:
		return "EC " + k.Curve.Params().Name
	}
	return "unknown"
}

// describePolicyKey names a policy's key the way describeKey does.
func describePolicyKey(k *azcertificates.KeyProperties) string {
	if k == nil || k.KeyType == nil {
		return "none"
	}
	switch *k.KeyType {
	case azcertificates.KeyTypeEC, azcertificates.KeyTypeECHSM:
		return "EC " + str(k.Curve)
	}
	if k.KeySize == nil {
		return string(*k.KeyType) + " (no size)"
	}
	return string(*k.KeyType) + " " + strconv.Itoa(int(*k.KeySize))
}

// TestGetCertificateVersionHasNoPolicy: the service attaches the management
// policy to GET /certificates/{name}/ only; a GET of a named version, even
// the latest, answers without it. Recorded traffic of Microsoft's JS SDK
// (api-version 7.3) shows this, and the Python SDK documents
// get_certificate_version as not returning the policy.
func TestGetCertificateVersionHasNoPolicy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	latest := v.create(t, ctx, "versioned", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=versioned")})
	if latest.Policy == nil {
		t.Fatal("GetCertificate of the latest version has no policy")
	}
	got, err := v.certs.GetCertificate(ctx, "versioned", latest.ID.Version(), nil)
	if err != nil {
		t.Fatalf("GetCertificate by version: %v", err)
	}
	want := latest
	want.Policy = nil
	if diff := cmp.Diff(want, got.Certificate); diff != "" {
		t.Errorf("GetCertificate by version, want the latest without its policy (-want +got):\n%s", diff)
	}
}

func TestUpdateCertificate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	first := v.create(t, ctx, "upd", azcertificates.CreateCertificateParameters{
		CertificatePolicy: selfPolicy("CN=upd"),
		Tags:              tags("stage", "one"),
	})
	second := v.create(t, ctx, "upd", azcertificates.CreateCertificateParameters{Tags: tags("stage", "two")})
	firstVer := first.ID.Version()

	resp, err := v.certs.UpdateCertificate(ctx, "upd", firstVer, azcertificates.UpdateCertificateParameters{
		CertificateAttributes: &azcertificates.CertificateAttributes{Enabled: new(false)},
		Tags:                  tags("stage", "retired", "owner", "ops"),
	}, nil)
	if err != nil {
		t.Fatalf("UpdateCertificate: %v", err)
	}
	updated := resp.Certificate
	if *updated.ID != *first.ID || !slices.Equal(updated.CER, first.CER) {
		t.Errorf("UpdateCertificate answered %s, want the updated version %s", *updated.ID, *first.ID)
	}
	if diff := cmp.Diff(tags("stage", "retired", "owner", "ops"), updated.Tags); diff != "" {
		t.Errorf("updated Tags (-want +got):\n%s", diff)
	}
	if a := updated.Attributes; a == nil || a.Enabled == nil || *a.Enabled || a.Updated == nil || a.Updated.Before(*first.Attributes.Updated) {
		t.Errorf("updated Attributes = %+v, want disabled and updated no earlier than before", a)
	}

	// The change sticks to that version only.
	got, err := v.certs.GetCertificate(ctx, "upd", firstVer, nil)
	if err != nil {
		t.Fatalf("GetCertificate version: %v", err)
	}
	if diff := cmp.Diff(updated, got.Certificate, ignorePolicy); diff != "" {
		t.Errorf("GetCertificate after update (-update answer +get):\n%s", diff)
	}
	latest, err := v.certs.GetCertificate(ctx, "upd", "", nil)
	if err != nil {
		t.Fatalf("GetCertificate latest: %v", err)
	}
	if *latest.ID != *second.ID || !*latest.Attributes.Enabled || str(latest.Tags["stage"]) != "two" {
		t.Errorf("latest = %s enabled %v stage %s; want %s, still enabled, stage two",
			*latest.ID, *latest.Attributes.Enabled, str(latest.Tags["stage"]), *second.ID)
	}

	// The secret of a disabled version cannot be read.
	_, err = v.secrets.GetSecret(ctx, "upd", firstVer, nil)
	wantResponseError(t, err, 403, "Forbidden")

	// UpdateCertificate also changes the certificate's policy.
	withPolicy, err := v.certs.UpdateCertificate(ctx, "upd", "", azcertificates.UpdateCertificateParameters{
		CertificatePolicy: &azcertificates.CertificatePolicy{
			X509CertificateProperties: &azcertificates.X509CertificateProperties{ValidityInMonths: to.Ptr[int32](7)},
		},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateCertificate with a policy: %v", err)
	}
	pol, err := v.certs.GetCertificatePolicy(ctx, "upd", nil)
	if err != nil {
		t.Fatalf("GetCertificatePolicy: %v", err)
	}
	if diff := cmp.Diff(withPolicy.Policy, &pol.CertificatePolicy); diff != "" {
		t.Errorf("policy after UpdateCertificate (-update answer +get):\n%s", diff)
	}
	if m := pol.X509CertificateProperties.ValidityInMonths; m == nil || *m != 7 || str(pol.X509CertificateProperties.Subject) != "CN=upd" {
		t.Errorf("policy validity %v subject %s after UpdateCertificate, want 7 months and the old subject CN=upd", m, str(pol.X509CertificateProperties.Subject))
	}
}

func TestCertificatePolicy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	cert := v.create(t, ctx, "pol", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=before")})

	got, err := v.certs.GetCertificatePolicy(ctx, "pol", nil)
	if err != nil {
		t.Fatalf("GetCertificatePolicy: %v", err)
	}
	if diff := cmp.Diff(cert.Policy, &got.CertificatePolicy); diff != "" {
		t.Errorf("GetCertificatePolicy differs from the certificate's policy (-certificate +policy):\n%s", diff)
	}

	update := azcertificates.CertificatePolicy{
		X509CertificateProperties: &azcertificates.X509CertificateProperties{
			Subject:          new("CN=after"),
			ValidityInMonths: to.Ptr[int32](3),
		},
		SecretProperties: &azcertificates.SecretProperties{ContentType: new("application/x-pem-file")},
		LifetimeActions: []*azcertificates.LifetimeAction{{
			Trigger: &azcertificates.LifetimeActionTrigger{DaysBeforeExpiry: to.Ptr[int32](10)},
			Action:  &azcertificates.LifetimeActionType{ActionType: new(azcertificates.CertificatePolicyActionEmailContacts)},
		}},
	}
	upd, err := v.certs.UpdateCertificatePolicy(ctx, "pol", update, nil)
	if err != nil {
		t.Fatalf("UpdateCertificatePolicy: %v", err)
	}
	p := upd.CertificatePolicy
	if str(p.X509CertificateProperties.Subject) != "CN=after" || *p.X509CertificateProperties.ValidityInMonths != 3 ||
		str(p.SecretProperties.ContentType) != "application/x-pem-file" {
		t.Errorf("updated policy subject %s, validity %d, content type %s; want CN=after, 3, PEM",
			str(p.X509CertificateProperties.Subject), *p.X509CertificateProperties.ValidityInMonths, str(p.SecretProperties.ContentType))
	}
	if diff := cmp.Diff(update.LifetimeActions, p.LifetimeActions); diff != "" {
		t.Errorf("updated lifetime actions (-sent +got):\n%s", diff)
	}
	// Fields the update left out keep their values.
	if diff := cmp.Diff(got.KeyProperties, p.KeyProperties); diff != "" {
		t.Errorf("key properties changed by an update without them (-before +after):\n%s", diff)
	}
	if str(p.IssuerParameters.Name) != "Self" {
		t.Errorf("issuer = %s after an update without issuer, want Self", str(p.IssuerParameters.Name))
	}
	again, err := v.certs.GetCertificatePolicy(ctx, "pol", nil)
	if err != nil {
		t.Fatalf("GetCertificatePolicy after update: %v", err)
	}
	if diff := cmp.Diff(p, again.CertificatePolicy); diff != "" {
		t.Errorf("GetCertificatePolicy after update (-update answer +get):\n%s", diff)
	}

	// A create without a policy issues the next version under the new one.
	next := v.create(t, ctx, "pol", azcertificates.CreateCertificateParameters{})
	x := parseCER(t, next.CER, next.X509Thumbprint)
	if x.Subject.CommonName != "after" || !x.NotAfter.Equal(x.NotBefore.AddDate(0, 3, 0)) {
		t.Errorf("next version subject %q valid %v..%v, want CN=after for 3 months", x.Subject, x.NotBefore, x.NotAfter)
	}
	secret, err := v.secrets.GetSecret(ctx, "pol", next.SID.Version(), nil)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if str(secret.ContentType) != "application/x-pem-file" {
		t.Errorf("next version's secret content type = %s, want the updated application/x-pem-file", str(secret.ContentType))
	}
}

func TestNotFoundErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	v.create(t, ctx, "present", azcertificates.CreateCertificateParameters{CertificatePolicy: selfPolicy("CN=present")})

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"GetCertificate missing", func() error {
			_, err := v.certs.GetCertificate(ctx, "missing", "", nil)
			return err
		}, "CertificateNotFound"},
		{"GetCertificate missing version", func() error {
			_, err := v.certs.GetCertificate(ctx, "present", strings.Repeat("0", 32), nil)
			return err
		}, "CertificateNotFound"},
		{"GetCertificatePolicy missing", func() error {
			_, err := v.certs.GetCertificatePolicy(ctx, "missing", nil)
			return err
		}, "CertificateNotFound"},
		{"UpdateCertificate missing", func() error {
			_, err := v.certs.UpdateCertificate(ctx, "missing", "", azcertificates.UpdateCertificateParameters{Tags: tags("a", "b")}, nil)
			return err
		}, "CertificateNotFound"},
		{"DeleteCertificate missing", func() error {
			_, err := v.certs.DeleteCertificate(ctx, "missing", nil)
			return err
		}, "CertificateNotFound"},
		{"GetDeletedCertificate missing", func() error {
			_, err := v.certs.GetDeletedCertificate(ctx, "present", nil)
			return err
		}, "CertificateNotFound"},
		{"RecoverDeletedCertificate missing", func() error {
			_, err := v.certs.RecoverDeletedCertificate(ctx, "present", nil)
			return err
		}, "CertificateNotFound"},
		{"PurgeDeletedCertificate of a live certificate", func() error {
			_, err := v.certs.PurgeDeletedCertificate(ctx, "present", nil)
			return err
		}, "CertificateNotFound"},
		{"BackupCertificate missing", func() error {
			_, err := v.certs.BackupCertificate(ctx, "missing", nil)
			return err
		}, "CertificateNotFound"},
		{"GetIssuer missing", func() error {
			_, err := v.certs.GetIssuer(ctx, "missing", nil)
			return err
		}, "CertificateIssuerNotFound"},
		{"GetContacts unset", func() error {
			_, err := v.certs.GetContacts(ctx, nil)
			return err
		}, "ContactsNotFound"},
		{"GetSecret missing", func() error {
			_, err := v.secrets.GetSecret(ctx, "missing", "", nil)
			return err
		}, "SecretNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantResponseError(t, tt.call(), 404, tt.code)
		})
	}
}

func TestCreateFailsForAnUnknownIssuerName(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	p := selfPolicy("CN=nobody")
	p.IssuerParameters.Name = new("NotConfigured")
	if _, err := v.certs.CreateCertificate(ctx, "orphan", azcertificates.CreateCertificateParameters{CertificatePolicy: p}, nil); err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	op, _ := v.pollOperation(t, ctx, "orphan")
	if str(op.Status) != "failed" || op.Error == nil || op.Error.Code != "CertificateIssuerNotFound" {
		t.Errorf("operation = %s, error %v; want failed with CertificateIssuerNotFound", str(op.Status), op.Error)
	}
	if op.Target != nil {
		t.Errorf("failed operation Target = %s, want none", *op.Target)
	}
}

func TestCreateRejectsAnInvalidPolicy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v := newVault(t)
	p := selfPolicy("CN=bad")
	p.KeyProperties = &azcertificates.KeyProperties{KeyType: new(azcertificates.KeyTypeRSA), KeySize: to.Ptr[int32](1024)}
	_, err := v.certs.CreateCertificate(ctx, "bad", azcertificates.CreateCertificateParameters{CertificatePolicy: p}, nil)
	wantResponseError(t, err, 400, "BadParameter")
}
