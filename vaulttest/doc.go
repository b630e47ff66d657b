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
// # Use
//
// NewServer starts a vault on a loopback HTTPS port with a CA of its own;
// Close stops it. With this module's client:
//
//	srv := vaulttest.NewServer()
//	defer srv.Close()
//	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()))
//
// The vault's URL is https://myvault.vault.localhost:<port> and its token
// service is at https://login.localhost:<port>. Names under .localhost
// belong to loopback, but not every resolver maps them, so the client from
// Server.Client (and Server.Transport, to build others) dials the server's
// listener for every name under .localhost, connects to loopback addresses
// as asked and refuses every other host, which also keeps a test from
// reaching a real vault. Clients in other
// processes trust CACertPEM and map the two names to 127.0.0.1 themselves.
//
// Seed and AddCertificate load certificates without HTTP, SetFaults injects
// failures, Requests lists what the server received, SaveState with
// WithState keeps a vault across runs, and WithStateFile keeps it in a file
// that holds every acknowledged change, also after a crash. NewHandler gives the emulator as an
// http.Handler to mount in a server of your own; cmd/kvemulator serves one
// as a program.
//
// # Auth that official SDKs accept
//
// A request without a bearer token gets a 401 whose challenge names the
// emulator's token service and, as the token resource, a parent domain of
// the vault host:
//
//	vault:     https://myvault.vault.localhost:<port>
//	challenge: Bearer authorization="https://login.localhost:<port>/<tenant>", resource="https://vault.localhost:<port>"
//
// Microsoft's SDKs refuse a challenge unless the vault host ends with "."
// and the resource host. The Go SDK compares host and port together, so the
// resource keeps the vault's port; SDKs that compare host names alone
// accept it too. The token service issues ES256-signed tokens for client
// credentials at /<tenant>/oauth2/v2.0/token and serves the OpenID
// configuration and signing keys that identity libraries read; the vault
// verifies signature, tenant, audience and expiry (WithLenientAuth accepts
// any bearer). For Microsoft's azidentity, use the server's AuthorityHost as
// the authority host, its Client as transport and its TenantID, and disable
// instance discovery.
//
// # Time
//
// The emulator runs on a clock of its own: the current time (or the
// function given to WithClock), from the time WithStartTime names, moved
// forward by Advance. Everything time-based follows it: attributes and
// certificate validity, the waits the service shows (create completion,
// soft-delete visibility, recovery, purge; zero unless WithDelays or
// WithRealisticDelays set them), scheduled purges, throttling windows and
// token expiry. Tests advance the clock instead of sleeping.
//
// Lifetime actions run when the clock passes their trigger: AutoRenew
// starts a renewal as a create with the certificate's policy would (a new
// key unless reuse_key; a certificate operation while in progress; with the
// Unknown issuer, a pending operation that waits for a merge), and
// EmailContacts records a Notification. Each runs once per version, in
// order and dated when it was due, even when the clock jumps a year.
//
// # Known differences from the service
//
// Certificates from configured issuers are signed by the emulator's CA;
// EmailContacts sends no e-mail (see Notifications); keys on the P-256K
// curve cannot be made, so issuing a certificate on it fails with a 400
// (policies with it are accepted and stored).
package vaulttest
