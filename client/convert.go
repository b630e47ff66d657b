package client

import (
	"strings"

	"github.com/kvcerts/kvcerts/gen"
)

// This file holds every conversion between the wire models of package gen
// and this package's models. Conversions from the wire take ownership of
// slices and maps instead of copying them: the wire values are never used
// again.

func certificateFromBundle(b *gen.CertificateBundle) *Certificate {
	return &Certificate{
		Properties:        propertiesFromWire(b.ID, b.Attributes, b.Tags, b.X509Thumbprint),
		Policy:            policyFromWire(b.Policy),
		CER:               deref(b.Cer),
		KeyID:             deref(b.Kid),
		SecretID:          deref(b.Sid),
		PreserveCertOrder: deref(b.PreserveCertOrder),
	}
}

func deletedFromBundle(b *gen.DeletedCertificateBundle) *DeletedCertificate {
	return &DeletedCertificate{
		Certificate: Certificate{
			Properties:        propertiesFromWire(b.ID, b.Attributes, b.Tags, b.X509Thumbprint),
			Policy:            policyFromWire(b.Policy),
			CER:               deref(b.Cer),
			KeyID:             deref(b.Kid),
			SecretID:          deref(b.Sid),
			PreserveCertOrder: deref(b.PreserveCertOrder),
		},
		RecoveryID:         deref(b.RecoveryID),
		DeletedOn:          b.DeletedDate.Time(),
		ScheduledPurgeDate: b.ScheduledPurgeDate.Time(),
	}
}

func deletedFromItem(it *gen.DeletedCertificateItem) DeletedCertificate {
	return DeletedCertificate{
		Certificate:        Certificate{Properties: propertiesFromWire(it.ID, it.Attributes, it.Tags, it.X509Thumbprint)},
		RecoveryID:         deref(it.RecoveryID),
		DeletedOn:          it.DeletedDate.Time(),
		ScheduledPurgeDate: it.ScheduledPurgeDate.Time(),
	}
}

func propertiesFromItem(it *gen.CertificateItem) CertificateProperties {
	return propertiesFromWire(it.ID, it.Attributes, it.Tags, it.X509Thumbprint)
}

func propertiesFromWire(id *string, a *gen.CertificateAttributes, tags *map[string]string, x5t *gen.Base64URL) CertificateProperties {
	p := CertificateProperties{ID: deref(id), Tags: deref(tags)}
	if x5t != nil {
		p.X509Thumbprint = *x5t
	}
	p.VaultURL, _, p.Name, p.Version = splitID(p.ID)
	if a != nil {
		p.Enabled = deref(a.Enabled)
		p.NotBefore = a.NotBefore.Time()
		p.Expires = a.Expires.Time()
		p.Created = a.Created.Time()
		p.Updated = a.Updated.Time()
		p.RecoveryLevel = RecoveryLevel(deref(a.RecoveryLevel))
		p.RecoverableDays = int(deref(a.RecoverableDays))
	}
	return p
}

func policyFromWire(w *gen.CertificatePolicy) *CertificatePolicy {
	if w == nil {
		return nil
	}
	p := &CertificatePolicy{ID: deref(w.ID)}
	if ip := w.IssuerParameters; ip != nil {
		p.IssuerName = deref(ip.Name)
		p.CertificateType = deref(ip.CertificateType)
		p.CertificateTransparency = ip.CertificateTransparency
	}
	if x := w.X509CertificateProperties; x != nil {
		p.Subject = deref(x.Subject)
		p.EnhancedKeyUsages = deref(x.Ekus)
		p.ValidityInMonths = int(deref(x.ValidityInMonths))
		if x.KeyUsage != nil {
			p.KeyUsages = make([]KeyUsage, len(*x.KeyUsage))
			for i, u := range *x.KeyUsage {
				p.KeyUsages[i] = KeyUsage(u)
			}
		}
		if s := x.SubjectAlternativeNames; s != nil {
			p.SubjectAlternativeNames = SubjectAlternativeNames{
				DNSNames:           deref(s.DNSNames),
				Emails:             deref(s.Emails),
				UserPrincipalNames: deref(s.Upns),
				URIs:               deref(s.Uris),
				IPAddresses:        deref(s.IPAddresses),
			}
		}
	}
	if k := w.KeyProperties; k != nil {
		p.KeyType = KeyType(deref(k.KeyType))
		p.KeySize = int(deref(k.KeySize))
		p.KeyCurve = KeyCurveName(deref(k.Curve))
		p.Exportable = k.Exportable
		p.ReuseKey = k.ReuseKey
	}
	if s := w.SecretProperties; s != nil {
		p.ContentType = ContentType(deref(s.ContentType))
	}
	if w.LifetimeActions != nil {
		p.LifetimeActions = make([]LifetimeAction, 0, len(*w.LifetimeActions))
		for _, la := range *w.LifetimeActions {
			var a LifetimeAction
			if la.Action != nil {
				a.Action = CertificatePolicyAction(deref(la.Action.ActionType))
			}
			if la.Trigger != nil {
				a.LifetimePercentage = int(deref(la.Trigger.LifetimePercentage))
				a.DaysBeforeExpiry = int(deref(la.Trigger.DaysBeforeExpiry))
			}
			p.LifetimeActions = append(p.LifetimeActions, a)
		}
	}
	if a := w.Attributes; a != nil {
		p.Enabled = a.Enabled
		p.Created = a.Created.Time()
		p.Updated = a.Updated.Time()
	}
	return p
}

// policyToWire converts p for a request. Read-only fields (ID, Created,
// Updated) are not sent.
func policyToWire(p *CertificatePolicy) *gen.CertificatePolicy {
	if p == nil {
		return nil
	}
	w := &gen.CertificatePolicy{}
	if p.IssuerName != "" || p.CertificateType != "" || p.CertificateTransparency != nil {
		w.IssuerParameters = &gen.IssuerParameters{
			Name:                    ptrIf(p.IssuerName),
			CertificateType:         ptrIf(p.CertificateType),
			CertificateTransparency: p.CertificateTransparency,
		}
	}
	x := gen.X509CertificateProperties{
		Subject:          ptrIf(p.Subject),
		Ekus:             slicePtr(p.EnhancedKeyUsages),
		ValidityInMonths: int32Ptr(p.ValidityInMonths),
	}
	if p.KeyUsages != nil {
		ku := make([]gen.KeyUsageType, len(p.KeyUsages))
		for i, u := range p.KeyUsages {
			ku[i] = gen.KeyUsageType(u)
		}
		x.KeyUsage = &ku
	}
	if s := p.SubjectAlternativeNames; s.DNSNames != nil || s.Emails != nil || s.UserPrincipalNames != nil || s.URIs != nil || s.IPAddresses != nil {
		x.SubjectAlternativeNames = &gen.SubjectAlternativeNames{
			DNSNames:    slicePtr(s.DNSNames),
			Emails:      slicePtr(s.Emails),
			Upns:        slicePtr(s.UserPrincipalNames),
			Uris:        slicePtr(s.URIs),
			IPAddresses: slicePtr(s.IPAddresses),
		}
	}
	if x != (gen.X509CertificateProperties{}) {
		w.X509CertificateProperties = &x
	}
	if p.KeyType != "" || p.KeySize != 0 || p.KeyCurve != "" || p.Exportable != nil || p.ReuseKey != nil {
		w.KeyProperties = &gen.KeyProperties{
			KeyType:    enumPtr[gen.JSONWebKeyType](p.KeyType),
			KeySize:    int32Ptr(p.KeySize),
			Curve:      enumPtr[gen.JSONWebKeyCurveName](p.KeyCurve),
			Exportable: p.Exportable,
			ReuseKey:   p.ReuseKey,
		}
	}
	if p.ContentType != "" {
		w.SecretProperties = &gen.SecretProperties{ContentType: ptrIf(string(p.ContentType))}
	}
	if p.LifetimeActions != nil {
		las := make([]gen.LifetimeAction, len(p.LifetimeActions))
		for i, a := range p.LifetimeActions {
			las[i] = gen.LifetimeAction{
				Action: &gen.Action{ActionType: enumPtr[gen.CertificatePolicyAction](a.Action)},
				Trigger: &gen.Trigger{
					LifetimePercentage: int32Ptr(a.LifetimePercentage),
					DaysBeforeExpiry:   int32Ptr(a.DaysBeforeExpiry),
				},
			}
		}
		w.LifetimeActions = &las
	}
	if p.Enabled != nil {
		w.Attributes = &gen.CertificateAttributes{Enabled: p.Enabled}
	}
	return w
}

func operationFromWire(w *gen.CertificateOperation) *CertificateOperation {
	op := &CertificateOperation{
		ID:                    deref(w.ID),
		CSR:                   deref(w.Csr),
		CancellationRequested: deref(w.CancellationRequested),
		Status:                operationStatus(deref(w.Status)),
		StatusDetails:         deref(w.StatusDetails),
		Error:                 serviceErrorFromWire(w.Error),
		Target:                deref(w.Target),
		RequestID:             deref(w.RequestID),
		PreserveCertOrder:     deref(w.PreserveCertOrder),
	}
	op.VaultURL, _, op.Name, _ = splitID(op.ID)
	if ip := w.IssuerParameters; ip != nil {
		op.IssuerName = deref(ip.Name)
		op.CertificateType = deref(ip.CertificateType)
		op.CertificateTransparency = ip.CertificateTransparency
	}
	return op
}

// operationStatus maps the service's status, whatever its case, to the
// package's constants; unknown values pass through unchanged.
func operationStatus(s string) OperationStatus {
	for _, known := range [...]OperationStatus{OperationStatusInProgress, OperationStatusCompleted, OperationStatusFailed, OperationStatusCancelled} {
		if strings.EqualFold(s, string(known)) {
			return known
		}
	}
	return OperationStatus(s)
}

func serviceErrorFromWire(w *gen.Error) *ServiceError {
	if w == nil {
		return nil
	}
	return &ServiceError{Code: deref(w.Code), Message: deref(w.Message), Inner: serviceErrorFromWire(w.InnerError)}
}

func issuerFromWire(w *gen.IssuerBundle) *Issuer {
	is := &Issuer{Properties: IssuerProperties{ID: deref(w.ID), Provider: deref(w.Provider)}}
	_, _, _, is.Properties.Name = splitID(is.Properties.ID)
	if c := w.Credentials; c != nil {
		is.AccountID = deref(c.AccountID)
	}
	if o := w.OrganizationDetails; o != nil {
		is.OrganizationID = deref(o.ID)
		if o.AdminDetails != nil {
			is.Administrators = make([]AdministratorContact, len(*o.AdminDetails))
			for i, a := range *o.AdminDetails {
				is.Administrators[i] = AdministratorContact{
					FirstName: deref(a.FirstName),
					LastName:  deref(a.LastName),
					Email:     deref(a.EmailAddress),
					Phone:     deref(a.Phone),
				}
			}
		}
	}
	if a := w.Attributes; a != nil {
		is.Enabled = deref(a.Enabled)
		is.Created = a.Created.Time()
		is.Updated = a.Updated.Time()
	}
	return is
}

func issuerPropertiesFromItem(it *gen.CertificateIssuerItem) IssuerProperties {
	p := IssuerProperties{ID: deref(it.ID), Provider: deref(it.Provider)}
	_, _, _, p.Name = splitID(p.ID)
	return p
}

// issuerFields are the settable parts of an issuer, shared by the create
// and update requests.
type issuerFields struct {
	accountID, password, organizationID string
	admins                              []AdministratorContact
	enabled                             *bool
}

func (f issuerFields) toWire() (*gen.IssuerCredentials, *gen.OrganizationDetails, *gen.IssuerAttributes) {
	var cred *gen.IssuerCredentials
	if f.accountID != "" || f.password != "" {
		cred = &gen.IssuerCredentials{AccountID: ptrIf(f.accountID), Password: ptrIf(f.password)}
	}
	var org *gen.OrganizationDetails
	if f.organizationID != "" || f.admins != nil {
		org = &gen.OrganizationDetails{ID: ptrIf(f.organizationID)}
		if f.admins != nil {
			ad := make([]gen.AdministratorDetails, len(f.admins))
			for i, a := range f.admins {
				ad[i] = gen.AdministratorDetails{
					FirstName:    ptrIf(a.FirstName),
					LastName:     ptrIf(a.LastName),
					EmailAddress: ptrIf(a.Email),
					Phone:        ptrIf(a.Phone),
				}
			}
			org.AdminDetails = &ad
		}
	}
	var attrs *gen.IssuerAttributes
	if f.enabled != nil {
		attrs = &gen.IssuerAttributes{Enabled: f.enabled}
	}
	return cred, org, attrs
}

func contactsFromWire(w *gen.Contacts) []Contact {
	if w.ContactList == nil {
		return nil
	}
	out := make([]Contact, len(*w.ContactList))
	for i, c := range *w.ContactList {
		out[i] = Contact{Name: deref(c.Name), Email: deref(c.EmailAddress), Phone: deref(c.Phone)}
	}
	return out
}

func contactsToWire(cs []Contact) *gen.Contacts {
	list := make([]gen.Contact, len(cs))
	for i, c := range cs {
		list[i] = gen.Contact{Name: ptrIf(c.Name), EmailAddress: ptrIf(c.Email), Phone: ptrIf(c.Phone)}
	}
	return &gen.Contacts{ContactList: &list}
}

// splitID splits a service-provided identifier such as
// https://v.vault.azure.net/certificates/name/version into its vault URL
// and first three path segments, without allocating in the common case.
// Identifiers that the service produced need no validation; use ParseID for
// identifiers from elsewhere.
func splitID(id string) (vault, s0, s1, s2 string) {
	i := strings.Index(id, "://")
	if i < 0 {
		return "", "", "", ""
	}
	rest := id[i+3:]
	j := strings.IndexByte(rest, '/')
	if j < 0 {
		j = len(rest)
	}
	vault = id[:i+3+j]
	if host := rest[:j]; strings.ContainsAny(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ||
		strings.HasSuffix(host, ":443") || strings.HasSuffix(host, ":80") || strings.ContainsAny(id[:i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		scheme := strings.ToLower(id[:i])
		vault = scheme + "://" + normalizeHost(scheme, host)
	}
	path := strings.TrimPrefix(rest[j:], "/")
	s0, path, _ = strings.Cut(path, "/")
	s1, path, _ = strings.Cut(path, "/")
	s2, _, _ = strings.Cut(path, "/")
	return vault, s0, s1, s2
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// ptrIf returns a pointer to v, or nil for the zero value so that it is
// omitted from the request.
func ptrIf[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// enumPtr converts a non-empty string enum to the wire's enum type.
func enumPtr[W ~string, T ~string](v T) *W {
	if v == "" {
		return nil
	}
	w := W(v)
	return &w
}

func int32Ptr(n int) *int32 {
	if n == 0 {
		return nil
	}
	v := int32(n)
	return &v
}

func slicePtr[T any](s []T) *[]T {
	if s == nil {
		return nil
	}
	return &s
}
