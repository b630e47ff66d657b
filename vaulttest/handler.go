package vaulttest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// serviceVersion is the x-ms-keyvault-service-version header value.
const serviceVersion = "1.9.0.0"

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Handler is the emulator as an http.Handler: a stateful Key Vault with its
// certificates and secrets endpoints, and the token service its auth
// challenges point at. It is safe for concurrent use. NewServer wraps one in
// a TLS listener; NewHandler gives one to embed in another server.
type Handler struct {
	cfg    *config
	vault  *vault
	tokens *tokenService
	log    *requestLog
	faults *faultInjector
	store  *stateStore // nil without WithStateFile
}

// NewHandler returns an emulator to mount in an HTTPS server of your own.
// WithBaseURL tells it the public URL it is reached at (default
// https://myvault.vault.localhost); ids, links and the auth challenge are
// built from it, and requests are routed by path, not host.
func NewHandler(opts ...Option) (*Handler, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	if len(cfg.serverOnly) > 0 {
		return nil, fmt.Errorf("vaulttest: %s applies to Start and NewServer only; use WithBaseURL", strings.Join(cfg.serverOnly, ", "))
	}
	base := cfg.baseURL
	if base == "" {
		base = "https://" + DefaultVaultName + ".vault.localhost"
	}
	authority := cfg.authorityHost
	if authority == "" {
		authority = base
	}
	h, err := newHandler(cfg, base, authority)
	if err != nil {
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	return h, nil
}

// newHandler makes the emulator for a vault at base whose challenges name
// the token service at authority. It starts from cfg.state when set, else
// with new keys.
func newHandler(cfg *config, base, authority string) (*Handler, error) {
	v := newVault(cfg, base)
	var (
		tokenKey *ecdsa.PrivateKey
		st       *stateFile
		store    *stateStore
		journal  []journalRecord
		err      error
	)
	switch {
	case cfg.statePath != "" && cfg.state != nil:
		return nil, errors.New("WithState and WithStateFile do not go together; WithStateFile loads its own file")
	case cfg.statePath != "":
		if store, st, journal, err = openStateFile(cfg.statePath, cfg.logger); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				_ = store.unlock()
			}
		}()
	case cfg.state != nil:
		if st, err = decodeState(cfg.state); err != nil {
			return nil, err
		}
	}
	if st != nil {
		if v.ca, tokenKey, err = st.keys(); err != nil {
			return nil, err
		}
		sh := newShared()
		if err = v.load(st, sh); err != nil {
			return nil, err
		}
		v.restoreClock(st.ClockOffset)
		if err = v.replay(journal, sh); err != nil {
			return nil, err
		}
	} else {
		if v.ca, err = newCertAuthority(); err != nil {
			return nil, err
		}
		if tokenKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	switch {
	case cfg.backupKey != nil:
		v.backupKey = cfg.backupKey
	case v.backupKey == nil:
		v.backupKey = make([]byte, 32)
		_, _ = rand.Read(v.backupKey)
	}
	h := &Handler{
		cfg:    cfg,
		vault:  v,
		tokens: newTokenService(cfg, tokenKey, authority, resourceFor(base)),
		log:    newRequestLog(cfg.logSize),
		faults: newFaultInjector(cfg.faults),
	}
	if store != nil {
		var gen uint64
		if st != nil {
			gen = st.Journal
		}
		v.unsaved = map[recordKey]struct{}{}
		if err = store.start(h, gen); err != nil {
			return nil, err
		}
		h.store = store
	}
	return h, nil
}

// BaseURL returns the vault URL ids are built from, without a trailing slash.
func (h *Handler) BaseURL() string { return h.vault.urls.base }

// AuthorityHost returns the token service URL (scheme and host) that auth
// challenges name, for identity libraries' authority host setting.
func (h *Handler) AuthorityHost() string { return h.tokens.authority }

// TenantID returns the tenant in challenges and tokens.
func (h *Handler) TenantID() string { return h.cfg.tenantID }

// Resource returns the token audience the vault expects (the resource in
// its challenge); the client-credentials scope is Resource() + "/.default".
func (h *Handler) Resource() string { return h.tokens.resource }

// TokenRequests returns how many requests the token endpoint has received.
func (h *Handler) TokenRequests() int { return int(h.tokens.requests.Load()) }

// CACertPEM returns the emulator's CA certificate in PEM form. It signs the
// TLS certificate of a Server and the certificates of configured issuers.
func (h *Handler) CACertPEM() []byte { return h.vault.ca.pem() }

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	now := h.cfg.now()
	rid := uuid.NewString()
	hdr := w.Header()
	hdr.Set("x-ms-request-id", rid)
	hdr.Set("x-ms-keyvault-region", h.cfg.region)
	hdr.Set("x-ms-keyvault-service-version", serviceVersion)
	hdr.Set("Cache-Control", "no-cache")
	if id := r.Header.Get("x-ms-client-request-id"); id != "" {
		hdr.Set("x-ms-client-request-id", id)
	}
	rec := &recorder{ResponseWriter: w}
	entry := Request{
		Time:      now,
		Method:    r.Method,
		Host:      r.Host,
		Path:      r.URL.EscapedPath(),
		Query:     r.URL.RawQuery,
		RequestID: rid,
	}
	defer func() {
		entry.Status = rec.status
		entry.Duration = time.Since(start)
		h.log.add(entry)
		if l := h.cfg.logger; l != nil {
			l.Info("vaulttest request", "method", entry.Method, "path", entry.Path,
				"operation", entry.Operation, "status", entry.Status, "duration", entry.Duration)
		}
	}()

	if h.cfg.clockEndpoint && r.URL.Path == ClockPath {
		entry.Operation = "Clock"
		h.serveClock(rec, r)
		return
	}
	segs, valid := splitPath(r.URL.EscapedPath())
	var ep endpoint
	found := false
	if valid {
		ep, found = route(segs)
	}
	op := ep.ops[r.Method]
	entry.Operation = op
	if ep.token {
		if op == "" {
			methodNotAllowed(rec, ep)
			return
		}
		h.tokens.serve(rec, r, op, ep.name, now)
		return
	}
	if h.faults.inject(rec, r, op, now) {
		return
	}
	if !h.authorize(rec, r, now) {
		return
	}
	switch {
	case !found:
		writeError(rec, &apiError{status: http.StatusNotFound, code: "NotFound",
			message: fmt.Sprintf("no operation at %s", r.URL.EscapedPath())})
		return
	case op == "":
		methodNotAllowed(rec, ep)
		return
	}
	version, err := h.checkAPIVersion(r)
	if err != nil {
		writeError(rec, err)
		return
	}
	if h.faults.forbids(op) {
		writeError(rec, forbidden("the caller does not have permission to perform %s on this vault", op))
		return
	}
	if ep.kind != "" {
		if err := checkName(ep.kind, ep.name); err != nil {
			writeError(rec, err)
			return
		}
	}
	c := &call{w: rec, r: r, op: op, name: ep.name, version: ep.version, apiVersion: version, now: now}
	h.vault.mu.Lock()
	h.vault.runDue(now)
	h.vault.mu.Unlock()
	status, body, err := operations[op](h.vault, c)
	if r.Method != http.MethodGet {
		if ep.kind == "certificate" {
			h.vault.mu.Lock()
			h.vault.changedName(nameKey(ep.name))
			h.vault.mu.Unlock()
		} else {
			h.vault.changed()
		}
	}
	if perr := h.persist(wrote(r.Method, ep, op, err)...); perr != nil {
		err = &apiError{status: http.StatusInternalServerError, code: "InternalServerError",
			message: "the emulator could not save its state file; the change may or may not be kept"}
	}
	switch {
	case err != nil:
		writeError(rec, err)
	case body == nil:
		rec.WriteHeader(status)
	default:
		writeJSON(rec, status, forAPIVersion(body, version))
	}
}

// wrote returns the record a successful write request changed under its
// path, for the state file. Changes elsewhere (a restore, an operation
// completing on a read) are noted where they happen (see touch).
func wrote(method string, ep endpoint, op string, err error) []recordKey {
	if err != nil || method == http.MethodGet || method == http.MethodHead || op == "BackupCertificate" {
		return nil
	}
	switch {
	case ep.kind == "certificate":
		return []recordKey{certificateRecord(ep.name)}
	case ep.kind == "issuer":
		return []recordKey{issuerRecordKey(ep.name)}
	case op == "SetCertificateContacts" || op == "DeleteCertificateContacts":
		return []recordKey{contactsRecord}
	}
	return nil
}

func methodNotAllowed(w http.ResponseWriter, ep endpoint) {
	allowed := slices.Sorted(maps.Keys(ep.ops))
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, &apiError{status: http.StatusMethodNotAllowed, code: "MethodNotAllowed",
		message: "this path supports " + strings.Join(allowed, ", ")})
}

// authorize answers the 401 challenge when the request has no acceptable
// bearer token.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, now time.Time) bool {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	var reason string
	switch {
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		reason = "AKV10000: Request is missing a Bearer or PoP token."
	case h.cfg.lenientAuth:
		return true
	default:
		err := h.tokens.verify(token, now)
		if err == nil {
			return true
		}
		reason = "the bearer token was rejected: " + err.Error()
	}
	w.Header().Set("WWW-Authenticate", h.tokens.challenge())
	writeError(w, &apiError{status: http.StatusUnauthorized, code: "Unauthorized", message: reason})
	return false
}

func (h *Handler) checkAPIVersion(r *http.Request) (string, error) {
	q := r.URL.Query()
	if !q.Has("api-version") {
		return "", badParameter("the api-version query parameter is required; this vault supports %s", strings.Join(h.cfg.apiVersions, ", "))
	}
	v := q.Get("api-version")
	if !slices.Contains(h.cfg.apiVersions, v) {
		return "", badParameter("api-version %q is not supported; use one of %s", v, strings.Join(h.cfg.apiVersions, ", "))
	}
	return v, nil
}

// decodeBody reads a JSON request body into v. An empty body is an error.
func decodeBody(c *call, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return badParameter("the request body is larger than %d bytes", maxBody)
		}
		return badParameter("reading the request body failed")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return badParameter("the request body is empty; %s needs a JSON body", c.op)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return badParameter("the request body field %q has the wrong JSON type", typeErr.Field)
		}
		return badParameter("the request body is not valid JSON for %s", c.op)
	}
	if err := checkSent(c, data); err != nil {
		return err
	}
	dropPlatformManaged(c, v)
	return nil
}

// given reports whether a field of a decoded request was sent. Zero values
// are left out of the JSON (omitzero), so an empty object such as
// "policy": {} counts as not sent.
func given[T any](v T) bool { return !reflect.ValueOf(v).IsZero() }

// recorder remembers the status a response was answered with.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
