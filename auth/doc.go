// Package auth gets Microsoft Entra ID (formerly Azure AD) access tokens for Key Vault as
// [golang.org/x/oauth2] token sources, without the Azure SDK.
//
// Every constructor returns a [*Credential]. It is an [oauth2.TokenSource] for one scope,
// [DefaultScope] ("https://vault.azure.net/.default") unless [Options].Scope names another,
// and its ChallengeToken method fetches tokens for the scope, tenant and claims that a Key
// Vault authentication challenge names. That method makes a *Credential satisfy the
// client package's ChallengeTokenSource interface; neither package imports the other.
//
// # Sources
//
// [Default] tries, in order, a service principal from the environment (secret, then
// certificate), workload identity, managed identity and the Azure CLI, and keeps the first
// that produces a token. It is the one-liner for programs that run both on a laptop and in
// Azure:
//
//	cred, err := auth.Default(ctx, nil)
//
// A service principal with a client secret (the client credentials grant):
//
//	cred, err := auth.NewClientSecret(tenantID, clientID, secret, nil)
//
// A service principal with a certificate, read from a PEM or PFX file; each token request
// carries a short-lived assertion signed with RS256, or PS256 with [CertificateOptions].UsePSS:
//
//	data, err := os.ReadFile("client.pfx")
//	certs, key, err := auth.ParseCertificates(data, password)
//	cred, err := auth.NewClientCertificate(tenantID, clientID, certs, key, nil)
//
// Workload identity federation, such as Microsoft Entra Workload ID on Kubernetes, configured
// by AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE:
//
//	cred, err := auth.NewWorkloadIdentity(nil)
//
// The managed identity of a VM, AKS node, container or App Service, system-assigned or
// user-assigned:
//
//	cred, err := auth.NewManagedIdentity(&auth.ManagedIdentityOptions{ClientID: clientID})
//
// Its token requests ride out the metadata service's passing failures (410 while it is
// updated after a VM boots, 404 until an identity is assigned, 429, 5xx and network
// errors other than timeouts) with up to six retries over about a minute and a half; see
// [NewManagedIdentity].
//
// The account a developer signed in to with "az login":
//
//	cred, err := auth.NewAzureCLI(nil)
//
// A credential plugs into anything that takes an oauth2.TokenSource, for example
// oauth2.NewClient(ctx, cred).
//
// # Clouds
//
// Tokens come from AuthorityPublic unless [Options].AuthorityHost or the AZURE_AUTHORITY_HOST
// environment variable name another host, such as [AuthorityUSGovernment] or
// [AuthorityChina]. Sovereign clouds also have their own Key Vault scope, such as
// "https://vault.usgovcloudapi.net/.default"; set it in [Options].Scope, or let the client
// take it from the vault's challenge.
//
// # Caching
//
// A credential caches one token per scope and tenant and reuses it until five minutes before
// it expires. When many goroutines need a new token at once, one of them asks for it and the
// others wait for its answer.
//
// # Tenants and claims
//
// ChallengeToken with an empty tenant uses the configured one. Another tenant must be listed
// in [Options].AdditionallyAllowedTenants ("*" allows any), so that a vault cannot make the
// program ask for tokens in a tenant nobody chose. A claims challenge of continuous access
// evaluation skips the cache and is sent to Microsoft Entra ID by the secret, certificate and
// workload identity credentials; managed identity and the Azure CLI cannot send it and say so.
//
// # Errors and logs
//
// A token endpoint's refusal is an [*AuthenticationError] carrying Microsoft Entra ID's error
// code, description, AADSTS codes, trace ID and correlation ID, wrapped in a message that
// names the credential. [Default] returns a [*ChainError] listing every step it tried. Errors
// and the records sent to [Options].Logger never contain a secret, an assertion or a token.
//
// # Security and testing
//
// Microsoft Entra ID endpoints must be https; redirects are never followed. Managed identity
// endpoints are plain http on the local machine, the one exception. For tests, point a
// credential at local fakes: [Options].HTTPClient and AuthorityHost at an
// httptest.NewTLSServer (or a plain http loopback server with
// [Options].InsecureAllowLoopbackHTTP), and [ManagedIdentityOptions].IMDSEndpoint or
// IdentityEndpoint at a fake metadata endpoint.
package auth
