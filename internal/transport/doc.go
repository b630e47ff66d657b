// Package transport builds the HTTP pipeline that every kvcerts request to a vault goes
// through. New stacks small http.RoundTripper layers, outermost first:
//
//   - retry: tags the logical request (User-Agent, a generated x-ms-client-request-id),
//     makes its body replayable, and sends it again after throttling (408, 429), server
//     errors (500, 502, 503, 504) and network failures, with capped exponential backoff and
//     jitter, or the wait the server asks for in Retry-After. Requests whose context is
//     marked with CreatesState are retried only where the first attempt cannot have taken
//     effect twice: 408, 429, 503 and failures to connect. It never waits past the
//     context's deadline.
//   - auth: sends requests only to the vault's host, over HTTPS (or plain HTTP to a
//     loopback vault when allowed), and attaches a bearer token to each attempt. With a
//     plain oauth2.TokenSource the token goes out with the first request. With a
//     ChallengeTokenSource the pipeline first learns the token scope and tenant from the
//     vault's 401 challenge, refuses a challenge naming a resource outside the vault's
//     domain, and answers continuous access evaluation (claims) challenges.
//   - logging: one slog debug record per attempt that reaches the network, without
//     headers, query strings or bodies.
//   - base: the caller's http.RoundTripper, or a clone of http.DefaultTransport.
//
// Retry sits outside auth so that every attempt gets a token that is fresh at that moment,
// and outside logging so that each attempt, including the bodiless request that discovers
// a challenge, is logged on its own.
//
// Errors made by the pipeline itself are typed: *HostError (a request to a host or scheme
// that must not receive credentials), *ChallengeError (a refused or malformed
// authentication challenge) and *TokenError (the token source failed). None of them, and no
// log record, ever contains a token.
package transport
