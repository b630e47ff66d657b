package auth

import (
	"errors"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// NewClientSecret returns a credential for a service principal (an app registration) that
// proves its identity with a client secret: MSAL's confidential client sends the client
// credentials grant to {authority}/{tenantID}/oauth2/v2.0/token.
func NewClientSecret(tenantID, clientID, secret string, opts *Options) (*Credential, error) {
	const kind = "client secret"
	if opts == nil {
		opts = &Options{}
	}
	if secret == "" {
		return nil, &credentialError{kind, errors.New("missing client secret")}
	}
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		return nil, &credentialError{kind, errors.New(redact(err.Error(), secret))}
	}
	src, err := newEntraSource(tenantID, clientID, cred, opts, false, secret)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	return newCredential(kind, "tenant "+tenantID+", client "+clientID, tenantID, src, opts), nil
}
