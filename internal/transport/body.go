package transport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
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

// attempt returns a copy of a request made by replayable for one send, with a fresh body.
func attempt(req *http.Request) (*http.Request, error) {
	a := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("transport: rewinding the request body: %w", err)
		}
		a.Body = body
	}
	return a, nil
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
