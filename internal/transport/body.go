package transport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// maxDrain bounds how much of a discarded response body is read so that its connection
// can be reused; a longer body just costs the connection.
const maxDrain = 64 << 10

// replayable returns req ready to be sent several times: every send takes a fresh copy of
// the body from GetBody, which is made by reading the body into memory when the caller
// supplied none. The caller's body is closed, as http.RoundTripper requires.
func replayable(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	r := req.WithContext(req.Context())
	if req.GetBody == nil {
		data, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("transport: reading the request body: %w", err)
		}
		r.ContentLength = int64(len(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	} else {
		req.Body.Close()
		if r.ContentLength == 0 {
			r.ContentLength = -1 // with a non-nil Body, 0 meant "unknown"
		}
	}
	r.Body = http.NoBody
	return r, nil
}

// hasBody reports whether a request made by replayable carries a body.
func hasBody(req *http.Request) bool {
	return req.GetBody != nil && req.ContentLength != 0
}

// attempt returns a copy of a request made by replayable for one send: with a fresh body,
// and with a header map of its own with room for extra more keys, so that the caller can
// set headers on it without touching req. The header values are shared with req's, capped
// so that appending to one cannot write into req's.
func attempt(req *http.Request, extra int) (*http.Request, error) {
	a, err := withFreshBody(req)
	if err != nil {
		return nil, err
	}
	if a == req {
		a = shallowCopy(req)
	}
	a.Header = copyHeader(req.Header, extra)
	return a, nil
}

// withFreshBody returns a request made by replayable ready for one more send: req itself
// when it has no body, else a shallow copy with a fresh body. The pipeline's layers never
// modify the requests they are given, so the sends can share everything else.
func withFreshBody(req *http.Request) (*http.Request, error) {
	if req.GetBody == nil {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("transport: rewinding the request body: %w", err)
	}
	a := shallowCopy(req)
	a.Body = body
	return a, nil
}

func shallowCopy(req *http.Request) *http.Request {
	a := new(http.Request)
	*a = *req
	return a
}

// copyHeader returns a copy of h with room for extra more keys, sharing h's values.
func copyHeader(h http.Header, extra int) http.Header {
	c := make(http.Header, len(h)+extra)
	for k, v := range h {
		c[k] = slices.Clip(v)
	}
	return c
}

// closeRequestBody closes the body of a request that will not be sent.
func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// discard drains a little of a response the caller will never see and closes it.
func discard(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	resp.Body.Close()
}
