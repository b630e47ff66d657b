// Package bench measures the kvcerts client side by side with Microsoft's
// azcertificates SDK and with a floor: the least any client can do, a
// hand-written net/http request with a fixed bearer token and an
// encoding/json decode, without retries or logging. All three talk to one
// in-process vaulttest server, over loopback TLS or through an in-memory
// transport that replays a response recorded from it and answers only the
// recorded request (method, host, path, api-version, a token the vault
// accepts). The documents are as full as the service's (tags, subject
// alternative names, extended key usages, lifetime actions), and every
// timed call's decoded result is compared, field by field and inside the
// timing, with the document served, read without any contender's model, so
// a contender that decodes lazily or only in part fails.
//
// The package holds benchmarks only; run them with "make bench", which
// repeats them for benchstat and prints one table per benchmark with each
// contender's median and our ratios to the floor and to the SDK (see
// cmd/benchtable). Sub-benchmarks name their contender in a client=...
// component: floor, ours and azsdk (and ours-static, our client with a
// fixed token source, where the token source matters).
//
// docs/BENCHMARKS.md records a run and explains the numbers.
package bench
