package client

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kvcerts/kvcerts/gen"
)

// Gen returns package gen's typed client for this client's vault. It
// shares the client's whole pipeline: authentication with the vault's
// challenge, retries, logging, the api-version set with [WithAPIVersion],
// the timeout and the response size limit. Its methods give each answer's
// status and headers (HTTPResponse), raw body (Body) and typed body
// (JSON200 and the like); they return an error only when no answer was
// read, and leave statuses to the caller. [OperationName] calls its
// requests "Gen", unless their context already names an operation.
//
// Reach for it when this package does not (yet) carry what you need: a
// field or operation of an API version newer than this package's models,
// or the raw answer of a call. Everything else is easier through the
// client's own methods. The typed client is safe for concurrent use and
// cheap to make.
func (c *Client) Gen() *gen.ClientWithResponses {
	return &gen.ClientWithResponses{ClientInterface: &gen.Client{Server: c.server, Client: genDoer{c}}}
}

// genDoer sends the typed client's requests through the client's pipeline.
type genDoer struct{ c *Client }

// Do adds the client's api-version unless the request has one, refuses a
// URL outside the vault (the bearer token goes only to the vault), and reads
// the body up to the client's limit before handing the response back.
func (d genDoer) Do(req *http.Request) (*http.Response, error) {
	c := d.c
	if !strings.EqualFold(req.URL.Scheme, c.scheme) || !strings.EqualFold(req.URL.Host, c.host) {
		return nil, invalidArg("the request is for %s, not the vault %s", quote(req.URL.Scheme+"://"+req.URL.Host), c.vaultURL)
	}
	if !req.URL.Query().Has("api-version") {
		req, _ = c.prepare(req, nil)
	}
	if req.Header.Get("Accept") == "" {
		req.Header["Accept"] = jsonMediaType
	}
	resp, err := c.hc.Do(req.WithContext(withOperation(req.Context(), "Gen")))
	if err != nil {
		return nil, fmt.Errorf("kvcerts: %w", pipelineError(err))
	}
	defer resp.Body.Close()
	// The body outlives this call, so its buffer is not a pooled one.
	var b bodyBuffer
	if err := b.read(resp.Body); err != nil {
		return nil, fmt.Errorf("kvcerts: %s %s: reading the response body (status %d): %w",
			req.Method, sanitizeURL(req.URL), resp.StatusCode, err)
	}
	resp.Body = io.NopCloser(&b.buf)
	return resp, nil
}
