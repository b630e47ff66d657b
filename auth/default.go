package auth

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kvcerts/kvcerts/internal/keyfile"
)

// Environment variables of a service principal, read by Default.
const (
	envClientSecret              = "AZURE_CLIENT_SECRET"
	envClientCertificatePath     = "AZURE_CLIENT_CERTIFICATE_PATH"
	envClientCertificatePassword = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
	envSendCertificateChain      = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"
	envTokenCredentials          = "AZURE_TOKEN_CREDENTIALS"
)

// defaultProbeTimeout bounds Default's check for an instance metadata service.
const defaultProbeTimeout = time.Second

// DefaultOptions configures Default. A nil *DefaultOptions is the same as the zero value.
// The embedded Options are passed to the credential of every step.
type DefaultOptions struct {
	Options

	// ManagedIdentityClientID selects a user-assigned managed identity.
	// Default: AZURE_CLIENT_ID, and the system-assigned identity when that is not set.
	ManagedIdentityClientID string

	// IMDSEndpoint is the instance metadata service's token endpoint; see
	// ManagedIdentityOptions.IMDSEndpoint.
	IMDSEndpoint string

	// ProbeTimeout bounds the check that an instance metadata service answers at all.
	// Default: 1 s.
	ProbeTimeout time.Duration

	// AzureCLITimeout bounds each run of az and of azd. Default: 10 s.
	AzureCLITimeout time.Duration
}

// A step of the default chain: its name in errors and logs, the name
// AZURE_TOKEN_CREDENTIALS selects it by (azidentity's credential type), and its builder.
type defaultStep struct {
	source   string
	selector string
	build    func(context.Context, *DefaultOptions, bool) (*Credential, error)
}

var defaultSteps = []defaultStep{
	{"environment (client secret)", "EnvironmentCredential", envSecret},
	{"environment (client certificate)", "EnvironmentCredential", envCertificate},
	{"workload identity", "WorkloadIdentityCredential", workloadIdentity},
	{"managed identity", "ManagedIdentityCredential", managedIdentity},
	{"Azure CLI", "AzureCLICredential", azureCLI},
	{"Azure Developer CLI", "AzureDeveloperCLICredential", azureDeveloperCLI},
}

// Default tries these sources in order and returns a credential for the first one that
// produces a token, as azidentity's DefaultAzureCredential does:
//
//  1. a service principal with a secret: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET;
//  2. a service principal with a certificate: AZURE_TENANT_ID, AZURE_CLIENT_ID,
//     AZURE_CLIENT_CERTIFICATE_PATH (a PEM or PFX file), AZURE_CLIENT_CERTIFICATE_PASSWORD
//     (for a PFX file) and AZURE_CLIENT_SEND_CERTIFICATE_CHAIN ("true" to send the x5c chain);
//  3. workload identity: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE;
//  4. managed identity, from the source the host announces (see [NewManagedIdentity]), with
//     the user-assigned identity of AZURE_CLIENT_ID if set. Where that source is the
//     instance metadata service, it must answer one request within
//     DefaultOptions.ProbeTimeout first, so that a machine without the service moves on
//     quickly;
//  5. the Azure CLI (az account get-access-token), in AZURE_TENANT_ID if set;
//  6. the Azure Developer CLI (azd auth token), in AZURE_TENANT_ID if set.
//
// AZURE_TOKEN_CREDENTIALS narrows the chain: "prod" keeps steps 1 to 4, "dev" steps 5 and
// 6, and the name of one of azidentity's credential types keeps that step alone
// (EnvironmentCredential for steps 1 and 2, WorkloadIdentityCredential,
// ManagedIdentityCredential, AzureCLICredential, AzureDeveloperCLICredential; in any
// letter case). Managed identity chosen alone skips the probe. Any other value is an error
// naming the valid ones.
//
// Each source is tried by fetching a token for Options.Scope (DefaultScope unless set), so
// ctx bounds the whole search; the token is cached in the returned credential, which keeps
// using that source. When every source fails, the error is a *ChainError that says what
// each step tried and why it failed. AZURE_AUTHORITY_HOST applies as described for
// Options.AuthorityHost.
func Default(ctx context.Context, opts *DefaultOptions) (*Credential, error) {
	if opts == nil {
		opts = &DefaultOptions{}
	}
	if opts.ProbeTimeout < 0 || opts.AzureCLITimeout < 0 {
		return nil, fmt.Errorf("auth: negative timeout in DefaultOptions (ProbeTimeout %s, AzureCLITimeout %s)",
			opts.ProbeTimeout, opts.AzureCLITimeout)
	}
	steps, err := selectSteps(os.Getenv(envTokenCredentials))
	if err != nil {
		return nil, err
	}
	alone := len(steps) == 1
	log := logger(&opts.Options)
	chain := &ChainError{}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			chain.Attempts = append(chain.Attempts, Attempt{Source: s.source, Err: err})
			break
		}
		cred, err := s.build(ctx, opts, alone)
		if err == nil {
			_, err = cred.token(ctx, "", "", "")
		}
		if err == nil {
			log.InfoContext(ctx, "auth: default chain chose a credential", "credential", cred.String())
			return cred, nil
		}
		// The step names the credential, so the credential's own prefix would only repeat it.
		if ce, ok := err.(*credentialError); ok {
			err = ce.err
		}
		log.DebugContext(ctx, "auth: default chain step failed", "source", s.source, "error", err.Error())
		chain.Attempts = append(chain.Attempts, Attempt{Source: s.source, Err: err})
	}
	return nil, chain
}

// selectSteps returns the steps AZURE_TOKEN_CREDENTIALS (value) selects.
func selectSteps(value string) ([]defaultStep, error) {
	var keep func(defaultStep) bool
	switch {
	case value == "":
		return defaultSteps, nil
	case value == "prod":
		keep = func(s defaultStep) bool {
			return s.selector != "AzureCLICredential" && s.selector != "AzureDeveloperCLICredential"
		}
	case value == "dev":
		keep = func(s defaultStep) bool {
			return s.selector == "AzureCLICredential" || s.selector == "AzureDeveloperCLICredential"
		}
	default:
		keep = func(s defaultStep) bool { return strings.EqualFold(s.selector, strings.TrimSpace(value)) }
	}
	var steps []defaultStep
	var names []string
	for _, s := range defaultSteps {
		if keep(s) {
			steps = append(steps, s)
		}
		if len(names) == 0 || names[len(names)-1] != s.selector {
			names = append(names, s.selector)
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("auth: %s=%q is not valid: want \"dev\", \"prod\" or one of %s",
			envTokenCredentials, value, strings.Join(names, ", "))
	}
	return steps, nil
}

// requireEnv returns an error naming the variables that are not set.
func requireEnv(names ...string) error {
	var missing []string
	for _, n := range names {
		if os.Getenv(n) == "" {
			missing = append(missing, n)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("not configured: %s is not set", missing[0])
	}
	return fmt.Errorf("not configured: %s are not set", strings.Join(missing, ", "))
}

func envSecret(_ context.Context, o *DefaultOptions, _ bool) (*Credential, error) {
	if err := requireEnv(envTenantID, envClientID, envClientSecret); err != nil {
		return nil, err
	}
	return NewClientSecret(os.Getenv(envTenantID), os.Getenv(envClientID), os.Getenv(envClientSecret), &o.Options)
}

func envCertificate(_ context.Context, o *DefaultOptions, _ bool) (*Credential, error) {
	if err := requireEnv(envTenantID, envClientID, envClientCertificatePath); err != nil {
		return nil, err
	}
	path := os.Getenv(envClientCertificatePath)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", envClientCertificatePath, err)
	}
	certs, key, err := keyfile.Parse(data, os.Getenv(envClientCertificatePassword))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", envClientCertificatePath, path, err)
	}
	sendChain := false
	if v := os.Getenv(envSendCertificateChain); v != "" {
		if sendChain, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("%s=%q is not a boolean", envSendCertificateChain, v)
		}
	}
	return NewClientCertificate(os.Getenv(envTenantID), os.Getenv(envClientID), certs, key,
		&CertificateOptions{Options: o.Options, SendCertificateChain: sendChain, password: os.Getenv(envClientCertificatePassword)})
}

func workloadIdentity(_ context.Context, o *DefaultOptions, _ bool) (*Credential, error) {
	if err := requireEnv(envTenantID, envClientID, envFederatedTokenFile); err != nil {
		return nil, err
	}
	return NewWorkloadIdentity(&WorkloadIdentityOptions{Options: o.Options})
}

func managedIdentity(ctx context.Context, o *DefaultOptions, alone bool) (*Credential, error) {
	cred, err := NewManagedIdentity(&ManagedIdentityOptions{
		Options:      o.Options,
		ClientID:     cmp.Or(o.ManagedIdentityClientID, os.Getenv(envClientID)),
		IMDSEndpoint: o.IMDSEndpoint,
	})
	if err != nil {
		return nil, err
	}
	if !alone {
		if err := cred.src.(*managedIdentitySource).probe(ctx, cmp.Or(o.ProbeTimeout, defaultProbeTimeout)); err != nil {
			return nil, err
		}
	}
	return cred, nil
}

func azureCLI(_ context.Context, o *DefaultOptions, _ bool) (*Credential, error) {
	return NewAzureCLI(&AzureCLIOptions{Options: o.Options, TenantID: os.Getenv(envTenantID), Timeout: o.AzureCLITimeout})
}

func azureDeveloperCLI(_ context.Context, o *DefaultOptions, _ bool) (*Credential, error) {
	return NewAzureDeveloperCLI(&AzureDeveloperCLIOptions{Options: o.Options, TenantID: os.Getenv(envTenantID), Timeout: o.AzureCLITimeout})
}
