package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/kvcerts/kvcerts/gen"
)

// maxResponseBody bounds the bytes read from one response. Key Vault's
// largest answers (backups, pages of 25 items) are far smaller.
const maxResponseBody = 8 << 20

var (
	jsonMediaType = []string{"application/json"}

	errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxResponseBody)
)

// do sends req, made by one of gen's request builders (err is the builder's
// error, so that a call reads as one step), with the client's api-version,
// and decodes the response into out when its status is ok. It returns the
// response's header.
func (c *Client) do(ctx context.Context, req *http.Request, err error, ok int, out any) (http.Header, error) {
	if req, err = c.prepare(req, err); err != nil {
		return nil, err
	}
	return c.send(ctx, req, ok, out)
}

// prepare adds the api-version to req, made by one of gen's request
// builders with error err. The spec leaves the api-version out of the
// operations' parameters: the client sets it.
func (c *Client) prepare(req *http.Request, err error) (*http.Request, error) {
	if err != nil {
		return nil, fmt.Errorf("kvcerts: building the request: %w", err)
	}
	if req.URL.RawQuery == "" {
		req.URL.RawQuery = c.apiQuery
	} else {
		req.URL.RawQuery = c.apiQuery + "&" + req.URL.RawQuery
	}
	return req, nil
}

// send sends req, whose URL is complete and points at the vault, and
// decodes the response into out when its status is ok. Every operation's
// response goes through here: its body is read once, into a pooled buffer,
// up to maxResponseBody bytes; other statuses become a *ResponseError,
// returned with the response's header.
func (c *Client) send(ctx context.Context, req *http.Request, ok int, out any) (http.Header, error) {
	req = req.WithContext(ctx)
	req.Header["Accept"] = jsonMediaType
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kvcerts: %w", pipelineError(err))
	}
	defer resp.Body.Close()

	rb := getBodyBuffer()
	defer putBodyBuffer(rb)
	if err := rb.read(resp.Body); err != nil {
		return nil, fmt.Errorf("kvcerts: %s %s: reading the response body (status %d): %w",
			req.Method, sanitizeURL(req.URL), resp.StatusCode, err)
	}
	if resp.StatusCode != ok {
		// The header goes with the error: a poller reads Retry-After from
		// a 404 that means "not yet".
		return resp.Header, newResponseError(req, resp, rb.buf.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(rb.buf.Bytes(), out); err != nil {
			return nil, fmt.Errorf("%w: %s %s: malformed response body (status %d): %w",
				ErrInvalidResponse, req.Method, sanitizeURL(req.URL), resp.StatusCode, err)
		}
	}
	return resp.Header, nil
}

// newResponseError describes a response with an unexpected status.
func newResponseError(req *http.Request, resp *http.Response, body []byte) *ResponseError {
	e := &ResponseError{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("x-ms-request-id"),
		Method:     req.Method,
		URL:        sanitizeURL(req.URL),
	}
	var kv gen.KeyVaultError
	if err := json.Unmarshal(body, &kv); err == nil && kv.Error != (gen.Error{}) {
		e.Code = kv.Error.Code
		e.Message = kv.Error.Message
		if kv.Error.InnerError != nil {
			e.InnerCode = kv.Error.InnerError.Code
		}
	} else if len(bytes.TrimSpace(body)) > 0 {
		e.Message = "the response body is not a Key Vault error document"
	}
	return e
}

// sanitizeURL returns u without query, fragment and user information.
func sanitizeURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// bodyBuffer reads response bodies, reusing its memory across requests.
type bodyBuffer struct {
	buf bytes.Buffer
	lr  io.LimitedReader
}

var bodyBuffers = sync.Pool{New: func() any { return new(bodyBuffer) }}

func getBodyBuffer() *bodyBuffer { return bodyBuffers.Get().(*bodyBuffer) }

func putBodyBuffer(b *bodyBuffer) {
	if b.buf.Cap() > 1<<20 {
		return // let unusually large buffers go
	}
	b.buf.Reset()
	b.lr = io.LimitedReader{}
	bodyBuffers.Put(b)
}

// read reads all of r, up to maxResponseBody bytes.
func (b *bodyBuffer) read(r io.Reader) error {
	b.lr = io.LimitedReader{R: r, N: maxResponseBody + 1}
	if _, err := b.buf.ReadFrom(&b.lr); err != nil {
		return err
	}
	if b.buf.Len() > maxResponseBody {
		return errBodyTooLarge
	}
	return nil
}

// isStatus reports whether err is a *ResponseError with the given status.
func isStatus(err error, status int) bool {
	re, ok := errors.AsType[*ResponseError](err)
	return ok && re.StatusCode == status
}

// errMissing reports a successful response that lacks a required field or
// leaves it empty.
func errMissing(what, field string) error {
	return fmt.Errorf("%w: the %s response has no %q field, or it is empty", ErrInvalidResponse, what, field)
}

// label names the REST call req makes, for errors about its answer.
func label(req *http.Request) string {
	return req.Method + " " + sanitizeURL(req.URL)
}
