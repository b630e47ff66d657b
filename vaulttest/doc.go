// Package vaulttest is an in-memory, stateful emulator of Azure Key Vault's
// certificates API (all 27 certificate operations and GetSecret) for tests,
// benchmarks and local development.
//
// It behaves like the service where clients can tell: real keys and
// certificates (RSA and EC, subjects, SANs, key usages, EKUs), the
// asynchronous create with its pending operation, merge of externally
// signed certificates, import of PKCS#12 and PEM, secrets holding the
// private key, soft delete with its eventual consistency and 409 conflicts,
// sealed backups, paging with absolute next links, issuers and contacts,
// api-version checks, the service's status codes, headers, ids and error
// bodies, and the bearer-token challenge.
//
// # Auth that official SDKs accept
//
// A request without a bearer token gets a 401 whose challenge names the
// emulator's own token service and a resource that is a parent domain of the
// vault host, exactly what Microsoft's SDKs require before they fetch a
// token (with challenge-resource verification on):
//
//	vault:     https://myvault.vault.localhost:<port>
//	challenge: Bearer authorization="https://login.localhost:<port>/<tenant>", resource="https://vault.localhost:<port>"
//
// The resource keeps the port because some SDKs compare host and port. The
// token service at https://login.localhost:<port>/<tenant>/oauth2/v2.0/token
// issues ES256-signed tokens for client credentials and serves the OpenID
// configuration identity libraries read first; the vault verifies
// signature, tenant, audience and expiry (WithLenientAuth accepts any
// bearer). Names under .localhost need no DNS: Server.Client dials the
// listener for them. For Microsoft's azidentity, use the server's
// AuthorityHost as the authority host, its Client as transport, its
// TenantID, and disable instance discovery.
//
// # Time
//
// Waits the service shows (create completion, soft-delete visibility,
// recovery, purge) are zero unless WithDelays or WithRealisticDelays set
// them, and they are measured with the clock given by WithClock, so tests
// advance a fake clock instead of sleeping.
//
// # Known differences from the service
//
// Lifetime actions are stored but never run (no automatic renewal);
// certificates from configured issuers are signed by the emulator's CA;
// the P-256K curve is not supported.
package vaulttest
