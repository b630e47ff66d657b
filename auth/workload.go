package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"
)

// Environment variables that configure workload identity. The webhook of Microsoft Entra
// Workload ID sets them in Kubernetes pods.
const (
	envTenantID           = "AZURE_TENANT_ID"
	envClientID           = "AZURE_CLIENT_ID"
	envFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
)

// WorkloadIdentityOptions configures NewWorkloadIdentity. A nil *WorkloadIdentityOptions is
// the same as the zero value.
type WorkloadIdentityOptions struct {
	Options

	// TenantID is the tenant of the app. Default: AZURE_TENANT_ID.
	TenantID string
	// ClientID is the client ID of the app or user-assigned identity. Default: AZURE_CLIENT_ID.
	ClientID string
	// TokenFilePath is the file holding the federated service account token.
	// Default: AZURE_FEDERATED_TOKEN_FILE.
	TokenFilePath string
}

// NewWorkloadIdentity returns a credential for workload identity federation, such as
// Microsoft Entra Workload ID on Kubernetes: the token in TokenFilePath, which the platform
// rotates, is the client assertion. The file is read again for every token request.
func NewWorkloadIdentity(opts *WorkloadIdentityOptions) (*Credential, error) {
	const kind = "workload identity"
	if opts == nil {
		opts = &WorkloadIdentityOptions{}
	}
	tenantID := cmp.Or(opts.TenantID, os.Getenv(envTenantID))
	clientID := cmp.Or(opts.ClientID, os.Getenv(envClientID))
	path := cmp.Or(opts.TokenFilePath, os.Getenv(envFederatedTokenFile))
	var err error
	switch {
	case tenantID == "":
		err = fmt.Errorf("missing tenant ID: set WorkloadIdentityOptions.TenantID or %s", envTenantID)
	case clientID == "":
		err = fmt.Errorf("missing client ID: set WorkloadIdentityOptions.ClientID or %s", envClientID)
	case path == "":
		err = fmt.Errorf("missing token file: set WorkloadIdentityOptions.TokenFilePath or %s", envFederatedTokenFile)
	}
	var c *entraClient
	if err == nil {
		c, err = newEntraClient(tenantID, clientID, &opts.Options)
	}
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	detail := fmt.Sprintf("tenant %s, client %s, token file %s", tenantID, clientID, path)
	return newCredential(kind, detail, tenantID, &workloadSource{entra: c, path: path}, &opts.Options), nil
}

type workloadSource struct {
	entra *entraClient
	path  string
}

func (s *workloadSource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("reading the federated token: %w", err)
	}
	assertion := strings.TrimSpace(string(data))
	if assertion == "" {
		return nil, errors.New("the federated token file " + s.path + " is empty")
	}
	return s.entra.request(ctx, r, "", url.Values{
		"client_assertion":      {assertion},
		"client_assertion_type": {jwtBearer},
	})
}
