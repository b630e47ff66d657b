package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// Environment variables that configure workload identity. The webhook of Microsoft Entra
// Workload ID sets them in Kubernetes pods.
const (
	envTenantID           = "AZURE_TENANT_ID"
	envClientID           = "AZURE_CLIENT_ID"
	envFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
)

// maxAssertionBytes bounds what is read of a federated token file.
const maxAssertionBytes = 64 << 10

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
// Microsoft Entra Workload ID on Kubernetes (AKS): the token in TokenFilePath, which the
// platform rotates, is the client assertion of MSAL's confidential client. The file is read
// again for every token request.
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
	var src *entraSource
	if err == nil {
		cred := confidential.NewCredFromAssertionCallback(func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
			assertion, err := readAssertion(path)
			if rec := recordOf(ctx); rec != nil {
				if err != nil {
					rec.setLocalError(err)
				} else {
					rec.addSecret(assertion)
				}
			}
			return assertion, err
		})
		src, err = newEntraSource(tenantID, clientID, cred, &opts.Options, false)
	}
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	detail := fmt.Sprintf("tenant %s, client %s, token file %s", tenantID, clientID, path)
	return newCredential(kind, detail, tenantID, src, &opts.Options), nil
}

// readAssertion reads the federated token file.
func readAssertion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the federated token: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAssertionBytes+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("reading the federated token: %w", err)
	case len(data) > maxAssertionBytes:
		return "", fmt.Errorf("the federated token file %s is larger than %d bytes", path, maxAssertionBytes)
	}
	assertion := strings.TrimSpace(string(data))
	if assertion == "" {
		return "", errors.New("the federated token file " + path + " is empty")
	}
	return assertion, nil
}
