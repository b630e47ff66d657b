package auth

import (
	"context"
	"errors"
	"net/url"

	"golang.org/x/oauth2"
)

// NewClientSecret returns a credential for a service principal (an app registration) that
// proves its identity with a client secret, using the client credentials grant against
// {authority}/{tenantID}/oauth2/v2.0/token.
func NewClientSecret(tenantID, clientID, secret string, opts *Options) (*Credential, error) {
	const kind = "client secret"
	if opts == nil {
		opts = &Options{}
	}
	c, err := newEntraClient(tenantID, clientID, opts)
	if err == nil && secret == "" {
		err = errors.New("missing client secret")
	}
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	return newCredential(kind, "tenant "+tenantID+", client "+clientID, tenantID, &secretSource{c, secret}, opts), nil
}

type secretSource struct {
	entra  *entraClient
	secret string
}

func (s *secretSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	return s.entra.request(ctx, r, s.secret, url.Values{})
}
