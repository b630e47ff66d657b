package vaulttest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// tokenService is the emulator's OAuth 2.0 authority: it serves the
// client-credentials token endpoint, the OpenID configuration that
// Microsoft's identity libraries read first, and the signing keys, and it
// verifies the tokens the vault receives.
type tokenService struct {
	cfg       *config
	key       *ecdsa.PrivateKey
	kid       string
	authority string   // https://login.localhost:port
	resource  string   // the vault's token audience
	audiences []string // audiences the vault accepts
	requests  atomic.Int64

	mu       sync.Mutex
	verified map[[sha256.Size]byte]int64 // SHA-256 of a whole token -> its expiry (Unix seconds)
}

// maxVerified bounds the cache of verified tokens.
const maxVerified = 1024

func newTokenService(cfg *config, key *ecdsa.PrivateKey, authority, resource string) *tokenService {
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(spki)
	aud := []string{resource, resource + "/"}
	if u, err := url.Parse(resource); err == nil && u.Port() != "" {
		bare := "https://" + u.Hostname()
		aud = append(aud, bare, bare+"/")
	}
	return &tokenService{
		cfg:       cfg,
		key:       key,
		kid:       base64.RawURLEncoding.EncodeToString(sum[:12]),
		authority: authority,
		resource:  resource,
		audiences: aud,
		verified:  map[[sha256.Size]byte]int64{},
	}
}

// accessClaims are the claims of the emulator's access tokens: those of
// Microsoft Entra ID's v2.0 tokens that clients and vaults read.
type accessClaims struct {
	jwt.RegisteredClaims        // iss, sub, exp, nbf, iat; its aud list stays empty
	Aud                  string `json:"aud"` // one audience, written as a string as Entra ID does
	Tid                  string `json:"tid"`
	AppID                string `json:"appid"`
	Azp                  string `json:"azp"`
	Oid                  string `json:"oid"`
	Ver                  string `json:"ver"`
	Uti                  string `json:"uti"`
}

// GetAudience gives golang-jwt the token's one audience.
func (c accessClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Aud}, nil
}

func (t *tokenService) issuerURL(tenant string) string {
	return t.authority + "/" + tenant + "/v2.0"
}

func (t *tokenService) endpoint(tenant string) string {
	return t.authority + "/" + tenant + "/oauth2/v2.0/token"
}

// challenge is the WWW-Authenticate value of the vault's 401 answers.
func (t *tokenService) challenge() string {
	return fmt.Sprintf(`Bearer authorization="%s/%s", resource="%s"`, t.authority, t.cfg.tenantID, t.resource)
}

// verify checks a bearer token: signature, key id, tenant, audience and
// validity period, measured with the emulator's clock.
func (t *tokenService) verify(token string, now time.Time) error {
	sum := sha256.Sum256([]byte(token))
	t.mu.Lock()
	exp, ok := t.verified[sum]
	t.mu.Unlock()
	if ok {
		if now.Unix() >= exp {
			return errors.New("the token has expired")
		}
		return nil
	}
	var c accessClaims
	kid, err := parseJWT(token, &t.key.PublicKey, accessTokenMethods, now, &c)
	if err != nil {
		return fmt.Errorf("the bearer token: %v", err)
	}
	switch {
	case kid != t.kid:
		return errors.New("the token was not signed by this emulator's token service")
	case !strings.EqualFold(c.Tid, t.cfg.tenantID):
		return fmt.Errorf("the token is for tenant %q, not this vault's tenant %q", c.Tid, t.cfg.tenantID)
	case !slices.Contains(t.audiences, c.Aud):
		return fmt.Errorf("the token's audience %q is not this vault's resource %q", c.Aud, t.resource)
	}
	t.mu.Lock()
	if len(t.verified) >= maxVerified {
		clear(t.verified)
	}
	t.verified[sum] = c.ExpiresAt.Unix()
	t.mu.Unlock()
	return nil
}

// oauthError answers in the shape of the Microsoft identity platform.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": description,
		"correlation_id":    uuid.NewString(),
	})
}

// serve answers the token service's endpoints.
func (t *tokenService) serve(w http.ResponseWriter, r *http.Request, op, tenant string, now time.Time) {
	if op == opToken {
		t.requests.Add(1)
	}
	if !strings.EqualFold(tenant, t.cfg.tenantID) {
		oauthError(w, http.StatusBadRequest, "invalid_tenant", fmt.Sprintf("tenant %q is not known to this emulator", tenant))
		return
	}
	switch op {
	case opOpenIDConf:
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                t.issuerURL(tenant),
			"token_endpoint":                        t.endpoint(tenant),
			"authorization_endpoint":                t.authority + "/" + tenant + "/oauth2/v2.0/authorize",
			"jwks_uri":                              t.authority + "/" + tenant + "/discovery/v2.0/keys",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt"},
			"grant_types_supported":                 []string{"client_credentials"},
			"id_token_signing_alg_values_supported": []string{"ES256"},
			"tenant_region_scope":                   nil,
		})
	case opSigningKeys:
		point, _ := t.key.PublicKey.Bytes() // 0x04 || X || Y
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
			"kty": "EC",
			"crv": "P-256",
			"use": "sig",
			"alg": "ES256",
			"kid": t.kid,
			"x":   base64.RawURLEncoding.EncodeToString(point[1:33]),
			"y":   base64.RawURLEncoding.EncodeToString(point[33:]),
		}}})
	case opToken:
		t.serveToken(w, r, tenant, now)
	}
}

func (t *tokenService) serveToken(w http.ResponseWriter, r *http.Request, tenant string, now time.Time) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the request body is not a valid form")
		return
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type",
			fmt.Sprintf("grant_type %q is not supported; this emulator issues client_credentials tokens only", gt))
		return
	}
	clientID := form.Get("client_id")
	if clientID == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id is missing")
		return
	}
	if err := t.authenticateClient(tenant, clientID, form, now); err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	resource, err := resourceOfScope(form.Get("scope"))
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_scope", err.Error())
		return
	}
	lifetime := t.cfg.tokenLifetime
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuerURL(tenant),
			Subject:   clientID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
		},
		Aud:   resource,
		Tid:   t.cfg.tenantID,
		AppID: clientID,
		Azp:   clientID,
		Oid:   uuid.NewSHA1(uuid.Nil, []byte(clientID)).String(), // stable per client,
		Ver:   "2.0",
		Uti:   uuid.NewString(),
	}
	token, err := signJWT(t.key, t.kid, claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "signing the token failed")
		return
	}
	secs := int64(lifetime / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     secs,
		"ext_expires_in": secs,
		"access_token":   token,
	})
}

// authenticateClient checks the client's secret or assertion. Without
// configured clients any non-empty credential is accepted.
func (t *tokenService) authenticateClient(tenant, clientID string, form url.Values, now time.Time) error {
	secret := form.Get("client_secret")
	assertion := form.Get("client_assertion")
	if assertion != "" && form.Get("client_assertion_type") != clientAssertionType {
		return fmt.Errorf("client_assertion_type must be %s", clientAssertionType)
	}
	if len(t.cfg.clients) == 0 {
		if secret == "" && assertion == "" {
			return errors.New("the request has neither client_secret nor client_assertion")
		}
		return nil
	}
	cred, ok := t.cfg.clients[clientID]
	switch {
	case !ok:
		return fmt.Errorf("client %q is not registered with this emulator", clientID)
	case cred.secret != "":
		if subtle.ConstantTimeCompare([]byte(secret), []byte(cred.secret)) != 1 {
			return fmt.Errorf("invalid client secret for client %q", clientID)
		}
		return nil
	case assertion == "":
		return fmt.Errorf("client %q must authenticate with a certificate assertion", clientID)
	}
	var c jwt.RegisteredClaims
	if _, err := parseJWT(assertion, cred.cert.PublicKey, assertionMethods, now, &c); err != nil {
		return fmt.Errorf("client assertion of client %q: %v", clientID, err)
	}
	switch {
	case c.Issuer != clientID || c.Subject != clientID:
		return fmt.Errorf("client assertion issuer and subject must be the client id %q", clientID)
	case len(c.Audience) != 1 || !strings.EqualFold(c.Audience[0], t.endpoint(tenant)):
		return fmt.Errorf("client assertion audience %q is not the token endpoint", []string(c.Audience))
	}
	return nil
}

// resourceOfScope returns the resource of a client-credentials scope list,
// which holds one "<resource>/.default" scope next to optional OpenID ones.
func resourceOfScope(scope string) (string, error) {
	var found []string
	for s := range strings.FieldsSeq(scope) {
		switch s {
		case "openid", "profile", "offline_access":
			continue
		}
		if !strings.HasSuffix(s, "/.default") {
			return "", fmt.Errorf("scope %q must end with /.default for client credentials", s)
		}
		found = append(found, strings.TrimSuffix(s, "/.default"))
	}
	if len(found) != 1 {
		return "", fmt.Errorf("scope %q must name exactly one resource", scope)
	}
	u, err := url.Parse(found[0])
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("scope resource %q is not an absolute URL", found[0])
	}
	return found[0], nil
}
