// Package auth gets Microsoft Entra ID (formerly Azure AD) access tokens for Key Vault as
// [golang.org/x/oauth2] token sources, on Microsoft's own token library, MSAL Go
// (github.com/AzureAD/microsoft-authentication-library-for-go), without the Azure SDK.
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
// certificate), workload identity, managed identity, the Azure CLI and the Azure Developer
// CLI, and keeps the first that produces a token, as azidentity's DefaultAzureCredential
// does; AZURE_TOKEN_CREDENTIALS narrows the chain ("dev", "prod", or one step). It is the
// one-liner for programs that run both on a laptop and in Azure:
//
//	cred, err := auth.Default(ctx, nil)
//
// A service principal with a client secret (MSAL's confidential client, client credentials
// grant):
//
//	cred, err := auth.NewClientSecret(tenantID, clientID, secret, nil)
//
// A service principal with a certificate, read from a PEM or PFX file; MSAL signs a
// short-lived assertion (PS256) for each token request, with the x5c chain when
// [CertificateOptions].SendCertificateChain is set:
//
//	data, err := os.ReadFile("client.pfx")
//	certs, key, err := auth.ParseCertificates(data, password)
//	cred, err := auth.NewClientCertificate(tenantID, clientID, certs, key, nil)
//
// Workload identity federation, such as Microsoft Entra Workload ID on Kubernetes, configured
// by AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE; the file is read
// again for every token request:
//
//	cred, err := auth.NewWorkloadIdentity(nil)
//
// The managed identity of the Azure resource the program runs on, system-assigned or
// user-assigned, from whichever source the host announces: the instance metadata service
// (VMs, scale sets, AKS nodes), App Service, Functions and Container Apps, Azure Arc,
// Service Fabric, Cloud Shell or Azure Machine Learning (see [NewManagedIdentity]):
//
//	cred, err := auth.NewManagedIdentity(&auth.ManagedIdentityOptions{ClientID: clientID})
//
// The account a developer signed in to with "az login" or "azd auth login":
//
//	cred, err := auth.NewAzureCLI(nil)
//	cred, err := auth.NewAzureDeveloperCLI(nil)
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
// take it from the vault's challenge. For an authority host MSAL does not know (Azure Stack,
// a private cloud) set [Options].DisableInstanceDiscovery.
//
// # Caching
//
// A credential caches one token per scope and tenant and reuses it until five minutes before
// it expires, or until the refresh time MSAL suggests (refresh_in), whichever comes first.
// When many goroutines need a new token at once, one request is made and all wait for its
// answer; that request belongs to none of them, so a caller that gives up does not end it
// for the others, and it is cancelled only when every caller has left. Lifetimes a token
// endpoint claims are checked: one that is not a finite positive number is an error, one
// above 48 hours is cut to 48 hours.
//
// # Tenants and claims
//
// ChallengeToken with an empty tenant uses the configured one. Another tenant must be listed
// in [Options].AdditionallyAllowedTenants ("*" allows any), so that a vault cannot make the
// program ask for tokens in a tenant nobody chose. The secret, certificate and workload
// identity credentials announce the client capability "cp1" and send the claims of a
// continuous access evaluation challenge to Microsoft Entra ID; the Azure Developer CLI
// passes them to azd; managed identity cannot send them and fetches a fresh token instead;
// the Azure CLI cannot and says so.
//
// # Errors and logs
//
// A token endpoint's refusal is an [*AuthenticationError] carrying Microsoft Entra ID's error
// code, description, AADSTS codes, trace ID and correlation ID, wrapped in a message that
// names the credential. [Default] returns a [*ChainError] listing every step it tried. Errors
// and the records sent to [Options].Logger never contain a token; the client secret, client
// assertion, certificate password and managed identity header secret are removed from any
// text that came from a token endpoint, which may echo its request.
//
// # Security and testing
//
// Microsoft Entra ID endpoints must be https and only the authority's host is contacted
// (and MSAL's instance discovery host, login.microsoftonline.com, unless discovery is
// off); redirects are never followed. Managed identity endpoints are plain http on the
// local machine, the one exception; Service Fabric's https endpoint is accepted by the
// certificate thumbprint the host announces. For tests, point a credential at local fakes:
// [Options].HTTPClient and AuthorityHost at an httptest.NewTLSServer with
// [Options].DisableInstanceDiscovery, [ManagedIdentityOptions].IMDSEndpoint at a fake
// metadata service, and the host variables (IDENTITY_ENDPOINT and the others, which MSAL
// reads from the process environment) at fakes of the other managed identity sources.
package auth
