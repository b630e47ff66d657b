// Package client is a Go client for the certificates API of Azure Key Vault.
//
// A [Client] talks to one vault. It creates, imports, merges, reads, updates,
// lists, deletes, recovers, purges, backs up and restores certificates, and it
// manages certificate policies, issuers, contacts and pending operations.
//
//	c, err := client.New("https://myvault.vault.azure.net/", tokenSource)
//	if err != nil { ... }
//	poller, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
//	if err != nil { ... }
//	res, err := poller.Wait(ctx)
//
// [Client.DownloadCertificate] returns a certificate with its private key as a
// [KeyPair], ready for crypto/tls or to export as PEM or PFX;
// [Client.ImportKeyPair] and [Client.ImportCertificateFile] import key pairs
// from Go values, PEM and PFX; a [TLSSource] serves a certificate to
// tls.Config and picks up its new versions without a restart.
//
// Long-running operations (create, delete, recover) return a [Poller];
// listings return range-over-func iterators and page-level [Pager] values.
// Failed requests return a [*ResponseError] that matches [ErrNotFound],
// [ErrConflict], [ErrForbidden], [ErrUnauthorized] and [ErrThrottled] with
// [errors.Is]. Invalid arguments are refused before any request with an error
// that matches [ErrInvalidArgument].
//
// Requests go through a pipeline that retries transient failures, answers
// Key Vault's authentication challenge with tokens from an
// [oauth2.TokenSource], and logs one debug record per attempt. Tokens,
// passwords, private keys and secret values never appear in logs or errors.
package client
