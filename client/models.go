package client

import "time"

// Certificate is one version of a certificate with its policy.
type Certificate struct {
	// Properties are the version's identity and attributes.
	Properties CertificateProperties
	// Policy is the certificate's management policy; nil when the response
	// carried none.
	Policy *CertificatePolicy
	// CER is the DER encoding of the X.509 certificate (no private key).
	CER []byte
	// KeyID identifies the key backing this version: https://{vault}/keys/{name}/{version}.
	KeyID string
	// SecretID identifies the secret holding this version's certificate and,
	// when the policy makes the key exportable, its private key:
	// https://{vault}/secrets/{name}/{version}.
	SecretID string
	// ContentType is the format of the secret that SecretID names.
	ContentType ContentType
	// PendingOperationID identifies the certificate's pending create or
	// renewal operation, https://{vault}/certificates/{name}/pending, while
	// there is one (read it with [Client.GetCertificateOperation]); empty
	// otherwise.
	PendingOperationID string
	// PreserveCertOrder reports whether the chain is kept in the order it
	// was imported.
	PreserveCertOrder bool
}

// CertificateProperties are the identity and attributes of a certificate
// version, without its policy or content. Listings yield these.
type CertificateProperties struct {
	// ID is the version's identifier: https://{vault}/certificates/{name}/{version}.
	ID string
	// Name, Version and VaultURL are parsed from ID.
	Name     string
	Version  string
	VaultURL string
	// Enabled reports whether the version can be used.
	Enabled bool
	// NotBefore and Expires bound the certificate's validity.
	NotBefore time.Time
	Expires   time.Time
	// Created and Updated are set by the service.
	Created time.Time
	Updated time.Time
	// RecoveryLevel is the vault's deletion recovery level, and
	// RecoverableDays how long a deleted certificate stays recoverable.
	RecoveryLevel   RecoveryLevel
	RecoverableDays int
	// Tags are the caller's metadata.
	Tags map[string]string
	// X509Thumbprint is the SHA-1 digest of the DER certificate.
	X509Thumbprint []byte
}

// DeletedCertificate is a soft-deleted certificate. Listings of deleted
// certificates fill only Properties of the embedded Certificate.
type DeletedCertificate struct {
	Certificate
	// RecoveryID identifies the deleted certificate: https://{vault}/deletedcertificates/{name}.
	// It is empty when the vault does not keep deleted certificates.
	RecoveryID string
	// DeletedOn is when the certificate was deleted.
	DeletedOn time.Time
	// ScheduledPurgeDate is when the service will purge it for good.
	ScheduledPurgeDate time.Time
}

// CertificatePolicy says how a certificate is issued, what its key and
// secret look like, and what happens as it nears expiry. Zero fields are
// left to the service's defaults. [DefaultPolicy] returns a ready policy for
// self-signed certificates.
type CertificatePolicy struct {
	// ID is set by the service: https://{vault}/certificates/{name}/policy.
	ID string

	// IssuerName is the issuer: [IssuerSelf], [IssuerUnknown] (sign the CSR
	// yourself and merge), or the name of an issuer set with CreateIssuer.
	IssuerName string
	// CertificateType is the type of certificate to ask the issuer for,
	// such as "OV-SSL" (issuer specific).
	CertificateType string
	// CertificateTransparency asks the issuer to publish the certificate
	// to transparency logs.
	CertificateTransparency *bool

	// Subject is the X.500 distinguished name, such as "CN=www.example.com".
	Subject string
	// SubjectAlternativeNames are the subject's other names.
	SubjectAlternativeNames SubjectAlternativeNames
	// EnhancedKeyUsages are extended key usage OIDs, such as
	// "1.3.6.1.5.5.7.3.1" (server authentication).
	EnhancedKeyUsages []string
	// KeyUsages are the allowed uses of the key.
	KeyUsages []KeyUsage
	// ValidityInMonths is the certificate's lifetime; 0 means the service's default.
	ValidityInMonths int

	// KeyType, KeySize and KeyCurve describe the key. KeySize applies to RSA
	// keys and KeyCurve to EC keys; 0 and "" mean the service's default.
	KeyType  KeyType
	KeySize  int
	KeyCurve KeyCurveName
	// Exportable makes the private key part of the certificate's secret.
	Exportable *bool
	// ReuseKey keeps the same key when the certificate is renewed.
	ReuseKey *bool

	// ContentType is the format of the certificate's secret.
	ContentType ContentType

	// LifetimeActions say what to do as the certificate nears expiry.
	LifetimeActions []LifetimeAction

	// PlatformManaged lets the Azure platform manage the certificate (API
	// version 2026-04-01 and later); nil leaves it unset, or unchanged in
	// UpdateCertificatePolicy.
	PlatformManaged *PlatformManaged

	// Enabled sets whether new versions are enabled; nil means the
	// service's default (enabled).
	Enabled *bool
	// Created and Updated are set by the service.
	Created time.Time
	Updated time.Time
}

// SubjectAlternativeNames are a certificate's alternative subject names.
type SubjectAlternativeNames struct {
	DNSNames           []string
	Emails             []string
	UserPrincipalNames []string
	URIs               []string
	IPAddresses        []string
}

// LifetimeAction is an action the service takes before a certificate
// expires. Set exactly one of LifetimePercentage and DaysBeforeExpiry.
type LifetimeAction struct {
	// Action is what to do.
	Action CertificatePolicyAction
	// LifetimePercentage triggers the action when this much of the
	// validity has passed (1..99).
	LifetimePercentage int
	// DaysBeforeExpiry triggers the action this many days before expiry.
	DaysBeforeExpiry int
}

// CertificateOperation is the state of a certificate's pending create or
// renewal operation.
type CertificateOperation struct {
	// ID identifies the operation: https://{vault}/certificates/{name}/pending.
	ID string
	// Name and VaultURL are parsed from ID.
	Name     string
	VaultURL string
	// IssuerName, CertificateType and CertificateTransparency are the
	// issuer parameters the operation uses.
	IssuerName              string
	CertificateType         string
	CertificateTransparency *bool
	// CSR is the DER-encoded PKCS #10 certificate signing request. With
	// issuer [IssuerUnknown], sign it and pass the chain to MergeCertificate.
	CSR []byte
	// CancellationRequested reports whether CancelCertificateOperation was called.
	CancellationRequested bool
	// Status is the operation's state; StatusDetails explains it.
	Status        OperationStatus
	StatusDetails string
	// Error is the reason for a failed operation.
	Error *ServiceError
	// Target identifies the certificate once the operation completed.
	Target string
	// RequestID is the service's identifier of the request to the issuer.
	RequestID string
	// PreserveCertOrder reports whether the merged chain keeps its order.
	PreserveCertOrder bool
}

// IssuerProperties identify a certificate issuer. Listings yield these.
type IssuerProperties struct {
	// ID identifies the issuer: https://{vault}/certificates/issuers/{name}.
	ID string
	// Name is parsed from ID.
	Name string
	// Provider is the issuer's provider, such as "DigiCert" or "GlobalSign".
	Provider string
}

// Issuer is a certificate issuer: a certificate authority account the vault
// can order certificates from.
type Issuer struct {
	Properties IssuerProperties
	// AccountID is the account name or identifier at the provider.
	AccountID string
	// OrganizationID is the organization's identifier at the provider.
	OrganizationID string
	// Administrators are the organization's administrators.
	Administrators []AdministratorContact
	// Enabled reports whether the issuer can be used.
	Enabled bool
	// Created and Updated are set by the service.
	Created time.Time
	Updated time.Time
}

// AdministratorContact is an administrator of an issuer's organization.
type AdministratorContact struct {
	FirstName string
	LastName  string
	Email     string
	Phone     string
}

// Contact is a person the vault notifies about certificate events.
type Contact struct {
	Name  string
	Email string
	Phone string
}

// Well-known issuer names.
const (
	// IssuerSelf makes the vault sign the certificate with its own key.
	IssuerSelf = "Self"
	// IssuerUnknown leaves the signing to the caller: the create operation
	// stops with a CSR until MergeCertificate receives the signed chain.
	IssuerUnknown = "Unknown"
)

// KeyType is the type of a certificate's key.
type KeyType string

// The key types Key Vault supports.
const (
	KeyTypeRSA    KeyType = "RSA"
	KeyTypeRSAHSM KeyType = "RSA-HSM"
	KeyTypeEC     KeyType = "EC"
	KeyTypeECHSM  KeyType = "EC-HSM"
	KeyTypeOct    KeyType = "oct"
	KeyTypeOctHSM KeyType = "oct-HSM"
)

// KeyCurveName is the elliptic curve of an EC key.
type KeyCurveName string

// The curves Key Vault supports.
const (
	KeyCurveP256  KeyCurveName = "P-256"
	KeyCurveP256K KeyCurveName = "P-256K"
	KeyCurveP384  KeyCurveName = "P-384"
	KeyCurveP521  KeyCurveName = "P-521"
)

// KeyUsage is an allowed use of a certificate's key.
type KeyUsage string

// The key usages of X.509.
const (
	KeyUsageDigitalSignature KeyUsage = "digitalSignature"
	KeyUsageNonRepudiation   KeyUsage = "nonRepudiation"
	KeyUsageKeyEncipherment  KeyUsage = "keyEncipherment"
	KeyUsageDataEncipherment KeyUsage = "dataEncipherment"
	KeyUsageKeyAgreement     KeyUsage = "keyAgreement"
	KeyUsageKeyCertSign      KeyUsage = "keyCertSign"
	KeyUsageCRLSign          KeyUsage = "cRLSign"
	KeyUsageEncipherOnly     KeyUsage = "encipherOnly"
	KeyUsageDecipherOnly     KeyUsage = "decipherOnly"
)

// ContentType is the format of a certificate's secret.
type ContentType string

// The secret formats Key Vault supports.
const (
	ContentTypePKCS12 ContentType = "application/x-pkcs12"
	ContentTypePEM    ContentType = "application/x-pem-file"
)

// CertificatePolicyAction is what a [LifetimeAction] does.
type CertificatePolicyAction string

// The lifetime actions.
const (
	// ActionAutoRenew renews the certificate.
	ActionAutoRenew CertificatePolicyAction = "AutoRenew"
	// ActionEmailContacts emails the vault's certificate contacts.
	ActionEmailContacts CertificatePolicyAction = "EmailContacts"
)

// RecoveryLevel is a vault's deletion recovery level.
type RecoveryLevel string

// The recovery levels.
const (
	RecoveryLevelPurgeable                                  RecoveryLevel = "Purgeable"
	RecoveryLevelRecoverablePurgeable                       RecoveryLevel = "Recoverable+Purgeable"
	RecoveryLevelRecoverable                                RecoveryLevel = "Recoverable"
	RecoveryLevelRecoverableProtectedSubscription           RecoveryLevel = "Recoverable+ProtectedSubscription"
	RecoveryLevelCustomizedRecoverablePurgeable             RecoveryLevel = "CustomizedRecoverable+Purgeable"
	RecoveryLevelCustomizedRecoverable                      RecoveryLevel = "CustomizedRecoverable"
	RecoveryLevelCustomizedRecoverableProtectedSubscription RecoveryLevel = "CustomizedRecoverable+ProtectedSubscription"
)

// OperationStatus is the state of a [CertificateOperation]. The service's
// spelling varies in case; conversion maps known values to these constants.
type OperationStatus string

// The operation states.
const (
	OperationStatusInProgress OperationStatus = "inProgress"
	OperationStatusCompleted  OperationStatus = "completed"
	OperationStatusFailed     OperationStatus = "failed"
	OperationStatusCancelled  OperationStatus = "cancelled"
)
