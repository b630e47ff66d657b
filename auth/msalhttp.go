package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// maxTokenResponseBytes bounds what is read of any answer of a token endpoint.
const maxTokenResponseBytes = 1 << 20

// msalHTTP is the HTTP client this package gives MSAL. It is where every answer of a
// token endpoint passes before MSAL reads it, so that the package can:
//   - refuse hosts other than the ones the credential was configured for;
//   - refuse redirects (the wrapped client returns them instead of following them);
//   - bound each answer's size;
//   - check a token's lifetime and rewrite it in a form MSAL reads without overflow
//     (sanitizeTokenResponse);
//   - keep a failed answer's status and body for the error, which MSAL would quote whole.
type msalHTTP struct {
	hc *http.Client
	// allow reports whether a request may go to u's scheme and host; nil allows any.
	allow func(req *http.Request) error
	// rewrite, when not nil, changes a request before it is sent (a test's or a custom
	// metadata endpoint instead of the fixed metadata address).
	rewrite func(req *http.Request) *http.Request
	now     func() time.Time
	// isToken reports whether a request asks for a token, whose answer must be one; nil
	// means every request does (managed identity endpoints).
	isToken func(req *http.Request) bool
}

func (m *msalHTTP) CloseIdleConnections() { m.hc.CloseIdleConnections() }

func (m *msalHTTP) Do(req *http.Request) (*http.Response, error) {
	if m.rewrite != nil {
		req = m.rewrite(req)
	}
	if m.allow != nil {
		if err := m.allow(req); err != nil {
			return nil, err
		}
	}
	rec := recordOf(req.Context())
	if rec != nil {
		if err := rec.noteSecrets(req); err != nil {
			return nil, err
		}
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseBytes+1))
	resp.Body.Close()
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading the answer of %s: %w", req.URL.Redacted(), err)
	case len(body) > maxTokenResponseBytes:
		return nil, fmt.Errorf("the answer of %s is larger than %d bytes", req.URL.Redacted(), maxTokenResponseBytes)
	}
	if rec != nil && resp.StatusCode >= 300 {
		rec.failed(resp.StatusCode, body)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 && (m.isToken == nil || m.isToken(req)) {
		var answerErr error
		body, answerErr = checkTokenAnswer(body, m.now())
		if answerErr != nil {
			if rec != nil {
				if ae, ok := answerErr.(*AuthenticationError); ok {
					rec.failed(ae.StatusCode, body)
				} else {
					rec.setAnswerError(answerErr)
				}
			}
			// MSAL sees a refusal it does not retry: the same answer would come again.
			// The caller's error comes from the record.
			resp.StatusCode, resp.Status = http.StatusBadRequest, "400 Bad Request"
			body = []byte(`{"error":"invalid_token_response"}`)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// checkTokenAnswer checks a successful answer to a token request: a JSON object with an
// access token and a usable lifetime, which it returns rewritten by
// sanitizeTokenResponse. An answer with an "error" field is returned as an
// *AuthenticationError with the answer's status; anything else that is not a token is an
// error that quotes nothing of the answer, which may hold a token.
func checkTokenAnswer(body []byte, now time.Time) ([]byte, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil, errors.New("the token endpoint's answer is not a JSON object")
	}
	if _, ok := fields["error"]; ok {
		return body, newAuthenticationError(http.StatusOK, body)
	}
	var tok string
	if raw, ok := fields["access_token"]; !ok || json.Unmarshal(raw, &tok) != nil || tok == "" {
		return nil, errors.New("the token endpoint's answer holds no access token")
	}
	return sanitizeTokenResponse(fields, now)
}

// callRecord collects, for one token request, what the answers said and which secrets
// went out, so that the error can be built from facts rather than from MSAL's message.
type callRecord struct {
	mu        sync.Mutex
	status    int
	body      []byte
	answerErr error    // what was wrong with a successful answer
	localErr  error    // the failure of this package's own part, such as reading the assertion file
	secrets   []string // secrets sent in this call only, such as a client assertion read from a file
}

func (r *callRecord) failed(status int, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.body = status, bytes.Clone(body)
}

func (r *callRecord) setAnswerError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answerErr = err
}

func (r *callRecord) setLocalError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.localErr = err
}

func (r *callRecord) addSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
}

// noteSecrets records the client secret and client assertion that a token request's form
// body carries, whoever made them (MSAL signs certificate assertions itself), so that an
// answer echoing them can be redacted. The body is read and put back.
func (r *callRecord) noteSecrets(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, maxTokenResponseBytes+1))
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the token request: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil
	}
	for _, name := range []string{"client_secret", "client_assertion"} {
		if v := form.Get(name); v != "" {
			r.addSecret(v)
		}
	}
	return nil
}

type recordKey struct{}

func withRecord(ctx context.Context) (context.Context, *callRecord) {
	r := &callRecord{}
	return context.WithValue(ctx, recordKey{}, r), r
}

func recordOf(ctx context.Context) *callRecord {
	r, _ := ctx.Value(recordKey{}).(*callRecord)
	return r
}

// msalError turns an error of an MSAL token request into this package's error: the
// context's error when the context ended; the failure of this package's own part; what
// was wrong with a successful answer; an *AuthenticationError built from the last failed
// answer when MSAL failed on an HTTP status; or else MSAL's message. Every text that may
// have come from an endpoint has the secrets removed, and MSAL's error is not wrapped,
// since its message may quote a whole answer.
func msalError(ctx context.Context, rec *callRecord, err error, secrets []string) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	rec.mu.Lock()
	status, body, answerErr, localErr := rec.status, rec.body, rec.answerErr, rec.localErr
	secrets = append(slices.Clone(secrets), rec.secrets...)
	rec.mu.Unlock()
	var callErr msalerrors.CallErr
	switch {
	case localErr != nil:
		return localErr
	case answerErr != nil:
		return errors.New(redact(answerErr.Error(), secrets...))
	case status != 0 && errors.As(err, &callErr):
		return newAuthenticationError(status, body).redact(secrets)
	}
	// MSAL's messages run over several lines.
	return errors.New(strings.Join(strings.Fields(redact(err.Error(), secrets...)), " "))
}
