package client

import (
	"reflect"
	"strings"

	"github.com/kvcerts/kvcerts/gen"
)

// This file holds every conversion between the wire models of package gen
// and this package's models. Conversions from the wire take ownership of
// slices and maps instead of copying them: the wire values are never used
// again.

// certificateBundle is a certificate as the service sends it: gen's model
// and the reference to a pending operation, which the published spec
// leaves out.
type certificateBundle struct {
	gen.CertificateBundle
	Pending pendingRef `json:"pending"`
}

// deletedBundle is a deleted certificate as the service sends it.
type deletedBundle struct {
	gen.DeletedCertificateBundle
	Pending pendingRef `json:"pending"`
}

// pendingRef refers to a certificate's pending operation.
type pendingRef struct {
	ID string `json:"id"`
}

func certificateFromBundle(b *certificateBundle) *Certificate {
	return &Certificate{
		Properties:         propertiesFromWire(b.ID, &b.Attributes, b.Tags, b.X509Thumbprint),
		Policy:             policyFromWire(&b.Policy),
		CER:                b.Cer,
		KeyID:              b.Kid,
		SecretID:           b.Sid,
		ContentType:        ContentType(b.ContentType),
		PendingOperationID: b.Pending.ID,
		PreserveCertOrder:  deref(b.PreserveCertOrder),
	}
}

func deletedFromBundle(b *deletedBundle) *DeletedCertificate {
	return &DeletedCertificate{
		Certificate: Certificate{
			Properties:         propertiesFromWire(b.ID, &b.Attributes, b.Tags, b.X509Thumbprint),
			Policy:             policyFromWire(&b.Policy),
			CER:                b.Cer,
			KeyID:              b.Kid,
			SecretID:           b.Sid,
			ContentType:        ContentType(b.ContentType),
			PendingOperationID: b.Pending.ID,
			PreserveCertOrder:  deref(b.PreserveCertOrder),
		},
		RecoveryID:         b.RecoveryID,
		DeletedOn:          b.DeletedDate.Time(),
		ScheduledPurgeDate: b.ScheduledPurgeDate.Time(),
	}
}

func deletedFromItem(it *gen.DeletedCertificateItem) DeletedCertificate {
	return DeletedCertificate{
		Certificate:        Certificate{Properties: propertiesFromWire(it.ID, &it.Attributes, it.Tags, it.X509Thumbprint)},
		RecoveryID:         it.RecoveryID,
		DeletedOn:          it.DeletedDate.Time(),
		ScheduledPurgeDate: it.ScheduledPurgeDate.Time(),
	}
}

func propertiesFromItem(it *gen.CertificateItem) CertificateProperties {
	return propertiesFromWire(it.ID, &it.Attributes, it.Tags, it.X509Thumbprint)
}

func propertiesFromWire(id string, a *gen.CertificateAttributes, tags map[string]string, x5t gen.Base64URL) CertificateProperties {
	p := CertificateProperties{
		ID:              id,
		Enabled:         deref(a.Enabled),
		NotBefore:       a.NotBefore.Time(),
		Expires:         a.Expires.Time(),
		Created:         a.Created.Time(),
		Updated:         a.Updated.Time(),
		RecoveryLevel:   RecoveryLevel(a.RecoveryLevel),
		RecoverableDays: int(a.RecoverableDays),
		Tags:            tags,
		X509Thumbprint:  x5t,
	}
	p.VaultURL, _, p.Name, p.Version = splitID(id)
	return p
}

// policyFromWire converts a policy from a response; a zero w, which is what
// a response without a policy decodes to, gives nil.
func policyFromWire(w *gen.CertificatePolicy) *CertificatePolicy {
	if reflect.ValueOf(w).Elem().IsZero() {
		return nil
	}
	x, k := &w.X509CertificateProperties, &w.KeyProperties
	sans := &x.SubjectAlternativeNames
	p := &CertificatePolicy{
		ID:                      w.ID,
		IssuerName:              w.IssuerParameters.Name,
		CertificateType:         w.IssuerParameters.CertificateType,
		CertificateTransparency: w.IssuerParameters.CertificateTransparency,
		Subject:                 x.Subject,
		SubjectAlternativeNames: SubjectAlternativeNames{
			DNSNames:           sans.DNSNames,
			Emails:             sans.Emails,
			UserPrincipalNames: sans.Upns,
			URIs:               sans.Uris,
			IPAddresses:        sans.IPAddresses,
		},
		EnhancedKeyUsages: x.Ekus,
		KeyUsages:         convertStrings[KeyUsage](x.KeyUsage),
		ValidityInMonths:  int(x.ValidityInMonths),
		KeyType:           KeyType(k.KeyType),
		KeySize:           int(k.KeySize),
		KeyCurve:          KeyCurveName(k.Curve),
		Exportable:        k.Exportable,
		ReuseKey:          k.ReuseKey,
		ContentType:       ContentType(w.SecretProperties.ContentType),
		PlatformManaged:   platformManagedFromWire(&w.PlatformManaged),
		Enabled:           w.Attributes.Enabled,
		Created:           w.Attributes.Created.Time(),
		Updated:           w.Attributes.Updated.Time(),
	}
	if w.LifetimeActions != nil {
		p.LifetimeActions = make([]LifetimeAction, len(w.LifetimeActions))
		for i := range w.LifetimeActions {
			la := &w.LifetimeActions[i]
			p.LifetimeActions[i] = LifetimeAction{
				Action:             CertificatePolicyAction(la.Action.ActionType),
				LifetimePercentage: int(la.Trigger.LifetimePercentage),
				DaysBeforeExpiry:   int(la.Trigger.DaysBeforeExpiry),
			}
		}
	}
	return p
}

// policyToWire converts p for a request; nil gives the zero value, which is
// left out of the request. Read-only fields (ID, Created, Updated) are not
// sent.
func policyToWire(p *CertificatePolicy) gen.CertificatePolicy {
	if p == nil {
		return gen.CertificatePolicy{}
	}
	w := gen.CertificatePolicy{
		IssuerParameters: gen.IssuerParameters{
			Name:                    p.IssuerName,
			CertificateType:         p.CertificateType,
			CertificateTransparency: p.CertificateTransparency,
		},
		X509CertificateProperties: gen.X509CertificateProperties{
			Subject:          p.Subject,
			Ekus:             p.EnhancedKeyUsages,
			KeyUsage:         convertStrings[gen.KeyUsageType](p.KeyUsages),
			ValidityInMonths: int32(p.ValidityInMonths),
			SubjectAlternativeNames: gen.SubjectAlternativeNames{
				DNSNames:    p.SubjectAlternativeNames.DNSNames,
				Emails:      p.SubjectAlternativeNames.Emails,
				Upns:        p.SubjectAlternativeNames.UserPrincipalNames,
				Uris:        p.SubjectAlternativeNames.URIs,
				IPAddresses: p.SubjectAlternativeNames.IPAddresses,
			},
		},
		KeyProperties: gen.KeyProperties{
			KeyType:    gen.JSONWebKeyType(p.KeyType),
			KeySize:    int32(p.KeySize),
			Curve:      gen.JSONWebKeyCurveName(p.KeyCurve),
			Exportable: p.Exportable,
			ReuseKey:   p.ReuseKey,
		},
		SecretProperties: gen.SecretProperties{ContentType: string(p.ContentType)},
		Attributes:       gen.CertificateAttributes{Enabled: p.Enabled},
	}
	if pm := p.PlatformManaged; pm != nil {
		w.PlatformManaged = gen.PlatformManaged{CertificateUsage: pm.CertificateUsage, Metadata: pm.Metadata}
	}
	if p.LifetimeActions != nil {
		w.LifetimeActions = make([]gen.LifetimeAction, len(p.LifetimeActions))
		for i, a := range p.LifetimeActions {
			w.LifetimeActions[i] = gen.LifetimeAction{
				Action: gen.Action{ActionType: gen.CertificatePolicyAction(a.Action)},
				Trigger: gen.Trigger{
					LifetimePercentage: int32(a.LifetimePercentage),
					DaysBeforeExpiry:   int32(a.DaysBeforeExpiry),
				},
			}
		}
	}
	return w
}

// platformManagedFromWire converts a policy's platformManaged; the zero
// value, which is what a policy without one decodes to, gives nil.
func platformManagedFromWire(w *gen.PlatformManaged) *PlatformManaged {
	if w.CertificateUsage == "" && w.Metadata == nil {
		return nil
	}
	return &PlatformManaged{CertificateUsage: w.CertificateUsage, Metadata: w.Metadata}
}

// convertStrings converts a slice between string types, keeping nil and
// empty apart.
func convertStrings[T, F ~string](s []F) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = T(v)
	}
	return out
}

func operationFromWire(w *gen.CertificateOperation) *CertificateOperation {
	op := &CertificateOperation{
		ID:                      w.ID,
		IssuerName:              w.IssuerParameters.Name,
		CertificateType:         w.IssuerParameters.CertificateType,
		CertificateTransparency: w.IssuerParameters.CertificateTransparency,
		CSR:                     w.Csr,
		CancellationRequested:   deref(w.CancellationRequested),
		Status:                  operationStatus(w.Status),
		StatusDetails:           w.StatusDetails,
		Target:                  w.Target,
		RequestID:               w.RequestID,
		PreserveCertOrder:       deref(w.PreserveCertOrder),
	}
	if w.Error != (gen.Error{}) {
		op.Error = serviceErrorFromWire(&w.Error)
	}
	op.VaultURL, _, op.Name, _ = splitID(op.ID)
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
	return &ServiceError{Code: w.Code, Message: w.Message, Inner: serviceErrorFromWire(w.InnerError)}
}

func issuerFromWire(w *gen.IssuerBundle) *Issuer {
	is := &Issuer{
		Properties:     IssuerProperties{ID: w.ID, Provider: w.Provider},
		AccountID:      w.Credentials.AccountID,
		OrganizationID: w.OrganizationDetails.ID,
		Enabled:        deref(w.Attributes.Enabled),
		Created:        w.Attributes.Created.Time(),
		Updated:        w.Attributes.Updated.Time(),
	}
	_, _, _, is.Properties.Name = splitID(is.Properties.ID)
	if ad := w.OrganizationDetails.AdminDetails; ad != nil {
		is.Administrators = make([]AdministratorContact, len(ad))
		for i, a := range ad {
			is.Administrators[i] = AdministratorContact{FirstName: a.FirstName, LastName: a.LastName, Email: a.EmailAddress, Phone: a.Phone}
		}
	}
	return is
}

func issuerPropertiesFromItem(it *gen.CertificateIssuerItem) IssuerProperties {
	p := IssuerProperties{ID: it.ID, Provider: it.Provider}
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

// toWire converts f for a request; parts left unset are zero, which leaves
// them out of the request.
func (f issuerFields) toWire() (gen.IssuerCredentials, gen.OrganizationDetails, gen.IssuerAttributes) {
	org := gen.OrganizationDetails{ID: f.organizationID}
	if f.admins != nil {
		org.AdminDetails = make([]gen.AdministratorDetails, len(f.admins))
		for i, a := range f.admins {
			org.AdminDetails[i] = gen.AdministratorDetails{FirstName: a.FirstName, LastName: a.LastName, EmailAddress: a.Email, Phone: a.Phone}
		}
	}
	return gen.IssuerCredentials{AccountID: f.accountID, Password: f.password}, org, gen.IssuerAttributes{Enabled: f.enabled}
}

func contactsFromWire(w *gen.Contacts) []Contact {
	if w.ContactList == nil {
		return nil
	}
	out := make([]Contact, len(w.ContactList))
	for i, c := range w.ContactList {
		out[i] = Contact{Name: c.Name, Email: c.EmailAddress, Phone: c.Phone}
	}
	return out
}

func contactsToWire(cs []Contact) gen.Contacts {
	list := make([]gen.Contact, len(cs))
	for i, c := range cs {
		list[i] = gen.Contact{Name: c.Name, EmailAddress: c.Email, Phone: c.Phone}
	}
	return gen.Contacts{ContactList: list}
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
