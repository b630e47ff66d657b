package vaulttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/kvcerts/kvcerts/gen"
	"github.com/kvcerts/kvcerts/internal/testcert"
)

func TestChallenge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	port := h.srv.URL[strings.LastIndexByte(h.srv.URL, ':')+1:]
	wantChallenge := `Bearer authorization="https://login.localhost:` + port + `/` + DefaultTenantID +
		`", resource="https://vault.localhost:` + port + `"`
	for _, authz := range []string{"", "Basic dXNlcjpwYXNz", "Bearer ", "PoP abc"} {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", h.url("/certificates/x/create"), nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e gen.KeyVaultError
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != wantChallenge {
			t.Errorf("Authorization %q: status %d challenge %q", authz, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		want := gen.KeyVaultError{Error: gen.Error{Code: "Unauthorized", Message: "AKV10000: Request is missing a Bearer or PoP token."}}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("Authorization %q: body (-want +got):\n%s", authz, diff)
		}
	}
	// The resource is a parent domain of the vault host, port included, as
	// the official SDKs check.
	u, _ := url.Parse(h.srv.URL)
	if res := h.srv.Resource(); !strings.HasSuffix(u.Host, "."+strings.TrimPrefix(res, "https://")) {
		t.Errorf("host %q does not end with .%s", u.Host, res)
	}
}

func TestTokenVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	other := newHarness(t)
	ts := h.srv.TokenSource()
	tokenFor := func(scope string) string {
		tok, err := ts.ChallengeToken(t.Context(), scope, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	ok := []string{h.token, tokenFor("https://vault.localhost/.default"), tokenFor(h.srv.Resource() + "/.default")}
	for i, tok := range ok {
		if status, _, body := h.doToken("GET", "/certificates", nil, tok); status != http.StatusOK {
			t.Errorf("good token %d: %d %s", i, status, body)
		}
	}
	// The same claims, signed in ways a verifier must refuse.
	var claims jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(h.token, &claims); err != nil {
		t.Fatal(err)
	}
	resign := func(m jwt.SigningMethod, key any, kid any) string {
		tok := jwt.NewWithClaims(m, claims)
		tok.Header["kid"] = kid
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	spki, err := x509.MarshalPKIXPublicKey(&h.srv.tokens.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"alg none":           resign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, h.srv.tokens.kid),
		"HS256 with the key": resign(jwt.SigningMethodHS256, spki, h.srv.tokens.kid),
		"other ES256 key":    resign(jwt.SigningMethodES256, ecKey(t), h.srv.tokens.kid),
		"garbage":            "not-a-jwt",
		"other audience":     tokenFor("https://graph.example/.default"),
		"other emulator":     other.token,
		"altered payload":    h.token[:strings.IndexByte(h.token, '.')+1] + "e30" + h.token[strings.LastIndexByte(h.token, '.'):],
	}
	for name, tok := range bad {
		status, hdr, body := h.doToken("GET", "/certificates", nil, tok)
		if status != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: status %d, challenge %q, body %s", name, status, hdr.Get("WWW-Authenticate"), body)
		}
		if strings.Contains(string(body), tok) {
			t.Errorf("%s: the error repeats the token", name)
		}
	}
	// Tokens expire by the emulator's clock.
	h.clock.Advance(time.Hour)
	if status, _, body := h.do("GET", "/certificates", nil); status != http.StatusUnauthorized || !strings.Contains(string(body), "expired") {
		t.Errorf("expired token: %d %s", status, body)
	}
}

func TestLenientAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithLenientAuth())
	if status, _, body := h.doToken("GET", "/certificates", nil, "anything"); status != http.StatusOK {
		t.Errorf("lenient: %d %s", status, body)
	}
	if status, _, _ := h.doToken("GET", "/certificates", nil, ""); status != http.StatusUnauthorized {
		t.Errorf("lenient without a token: %d, want 401", status)
	}
}

// postToken posts a token request and returns status and decoded body.
func postToken(t *testing.T, s *Server, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.Client().PostForm(s.AuthorityHost()+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := NewServer(WithClock(clock.Now), WithTenantID("contoso-tenant"), WithTokenLifetime(30*time.Minute))
	t.Cleanup(s.Close)
	good := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"x"},
		"scope": {s.Resource() + "/.default openid profile offline_access"},
	}
	status, body := postToken(t, s, "CONTOSO-TENANT", good)
	if status != http.StatusOK || body["token_type"] != "Bearer" || body["expires_in"] != float64(1800) {
		t.Fatalf("token answer %d %v", status, body)
	}
	var claims accessClaims
	if _, _, err := jwt.NewParser().ParseUnverified(body["access_token"].(string), &claims); err != nil {
		t.Fatal(err)
	}
	want := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.AuthorityHost() + "/CONTOSO-TENANT/v2.0", Subject: "app",
			IssuedAt: jwt.NewNumericDate(clock.Now()), NotBefore: jwt.NewNumericDate(clock.Now()),
			ExpiresAt: jwt.NewNumericDate(clock.Now().Add(30 * time.Minute)),
		},
		Aud: s.Resource(), Tid: "contoso-tenant", AppID: "app", Azp: "app", Oid: claims.Oid, Ver: "2.0", Uti: claims.Uti,
	}
	if _, err := uuid.Parse(claims.Uti); err != nil {
		t.Errorf("uti %q is not a UUID: %v", claims.Uti, err)
	}
	if oid, err := uuid.Parse(claims.Oid); err != nil || oid.Version() != 5 {
		t.Errorf("oid %q is not a name-based UUID: %v", claims.Oid, err)
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}

	with := func(k, v string) url.Values {
		f := url.Values{}
		maps.Copy(f, good)
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		status int
		code   string
	}{
		{"other tenant", "someone-else", good, 400, "invalid_tenant"},
		{"grant type", "contoso-tenant", with("grant_type", "password"), 400, "unsupported_grant_type"},
		{"no client", "contoso-tenant", with("client_id", ""), 400, "invalid_request"},
		{"no secret", "contoso-tenant", with("client_secret", ""), 401, "invalid_client"},
		{"assertion type", "contoso-tenant", with("client_assertion", "a.b.c"), 401, "invalid_client"},
		{"no scope", "contoso-tenant", with("scope", ""), 400, "invalid_scope"},
		{"not default", "contoso-tenant", with("scope", "https://vault.localhost/read"), 400, "invalid_scope"},
		{"two resources", "contoso-tenant", with("scope", "https://a.example/.default https://b.example/.default"), 400, "invalid_scope"},
	}
	for _, tt := range tests {
		status, body := postToken(t, s, tt.tenant, tt.form)
		if status != tt.status || body["error"] != tt.code || body["error_description"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tt.name, status, body, tt.status, tt.code)
		}
	}
	if n := s.TokenRequests(); n != 1+len(tests) {
		t.Errorf("TokenRequests() = %d, want %d", n, 1+len(tests))
	}
	resp, err := s.Client().Get(s.AuthorityHost() + "/contoso-tenant/oauth2/v2.0/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token endpoint: %d, want 405", resp.StatusCode)
	}
}

func TestOpenIDConfigurationAndKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.srv
	var conf map[string]any
	resp, err := s.Client().Get(s.AuthorityHost() + "/" + s.TenantID() + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&conf)
	resp.Body.Close()
	prefix := s.AuthorityHost() + "/" + s.TenantID()
	for k, want := range map[string]string{
		"issuer": prefix + "/v2.0", "token_endpoint": prefix + "/oauth2/v2.0/token",
		"authorization_endpoint": prefix + "/oauth2/v2.0/authorize", "jwks_uri": prefix + "/discovery/v2.0/keys",
	} {
		if conf[k] != want {
			t.Errorf("%s = %v, want %s", k, conf[k], want)
		}
	}
	var jwks struct {
		Keys []struct{ Kid, Kty, Crv, Alg, X, Y string }
	}
	resp, err = s.Client().Get(conf["jwks_uri"].(string))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	x, _ := base64.RawURLEncoding.DecodeString(jwks.Keys[0].X)
	y, _ := base64.RawURLEncoding.DecodeString(jwks.Keys[0].Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil || jwks.Keys[0].Kty != "EC" || jwks.Keys[0].Crv != "P-256" {
		t.Fatalf("published key %+v: %v", jwks.Keys[0], err)
	}
	var claims accessClaims
	kid, err := parseJWT(h.token, pub, []string{jwks.Keys[0].Alg}, h.clock.Now(), &claims)
	if err != nil || kid != jwks.Keys[0].Kid {
		t.Errorf("the published key does not verify the token: %v (kid %q vs %q)", err, kid, jwks.Keys[0].Kid)
	}
}

func TestClientSecrets(t *testing.T) {
	t.Parallel()
	s := NewServer(WithClientSecret("app-b", "secret-b"), WithClientSecret("app-a", "secret-a"))
	t.Cleanup(s.Close)
	form := func(id, secret string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {s.Resource() + "/.default"}}
	}
	for _, tt := range []struct {
		id, secret string
		status     int
	}{{"app-a", "secret-a", 200}, {"app-b", "secret-b", 200}, {"app-a", "secret-b", 401}, {"app-c", "secret-a", 401}} {
		status, body := postToken(t, s, s.TenantID(), form(tt.id, tt.secret))
		if status != tt.status {
			t.Errorf("%s/%s: %d %v, want %d", tt.id, tt.secret, status, body, tt.status)
		}
		if desc, _ := body["error_description"].(string); strings.Contains(desc, tt.secret) {
			t.Errorf("%s: the error repeats the secret", tt.id)
		}
	}
	// The token source uses the first configured secret.
	if _, err := s.TokenSource().Token(); err != nil {
		t.Errorf("token source with configured clients: %v", err)
	}
}

// assertion makes a client assertion JWT signed with key.
func assertion(t *testing.T, alg string, key any, claims map[string]any) string {
	t.Helper()
	signed, err := jwt.NewWithClaims(jwt.GetSigningMethod(alg), jwt.MapClaims(claims)).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func selfCert(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	return testcert.SelfSigned(t, testcert.Template{Subject: pkix.Name{CommonName: "client"}}, key)
}

func TestClientCertificates(t *testing.T) {
	t.Parallel()
	rk := rsaKey(t)
	ec := ecKey(t)
	clock := newFakeClock()
	s := NewServer(WithClock(clock.Now), WithClientCertificate("rsa-app", selfCert(t, rk)), WithClientCertificate("ec-app", selfCert(t, ec)))
	t.Cleanup(s.Close)
	endpoint := s.AuthorityHost() + "/" + s.TenantID() + "/oauth2/v2.0/token"
	claims := func(id, aud string, exp time.Time) map[string]any {
		return map[string]any{"aud": aud, "iss": id, "sub": id, "exp": exp.Unix(), "nbf": clock.Now().Unix()}
	}
	later := clock.Now().Add(10 * time.Minute)
	tests := []struct {
		name, id, jwt string
		status        int
	}{
		{"PS256", "rsa-app", assertion(t, "PS256", rk, claims("rsa-app", endpoint, later)), 200},
		{"RS256", "rsa-app", assertion(t, "RS256", rk, claims("rsa-app", endpoint, later)), 200},
		{"ES256", "ec-app", assertion(t, "ES256", ec, claims("ec-app", endpoint, later)), 200},
		{"wrong key", "ec-app", assertion(t, "PS256", rk, claims("ec-app", endpoint, later)), 401},
		{"wrong audience", "rsa-app", assertion(t, "PS256", rk, claims("rsa-app", "https://elsewhere", later)), 401},
		{"wrong issuer", "rsa-app", assertion(t, "PS256", rk, claims("ec-app", endpoint, later)), 401},
		{"expired", "rsa-app", assertion(t, "PS256", rk, claims("rsa-app", endpoint, clock.Now())), 401},
		{"no expiry", "rsa-app", assertion(t, "PS256", rk, map[string]any{"aud": endpoint, "iss": "rsa-app", "sub": "rsa-app"}), 401},
		{"not valid yet", "rsa-app", assertion(t, "PS256", rk, map[string]any{"aud": endpoint, "iss": "rsa-app", "sub": "rsa-app",
			"exp": later.Unix(), "nbf": clock.Now().Add(5 * time.Minute).Unix()}), 401},
		{"audience list", "rsa-app", assertion(t, "PS256", rk, map[string]any{"aud": []string{endpoint}, "iss": "rsa-app", "sub": "rsa-app",
			"exp": later.Unix()}), 200},
		{"alg none", "rsa-app", assertion(t, "none", jwt.UnsafeAllowNoneSignatureType, claims("rsa-app", endpoint, later)), 401},
		{"secret instead", "rsa-app", "", 401},
	}
	for _, tt := range tests {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {tt.id}, "scope": {s.Resource() + "/.default"}}
		if tt.jwt != "" {
			form.Set("client_assertion", tt.jwt)
			form.Set("client_assertion_type", clientAssertionType)
		} else {
			form.Set("client_secret", "guess")
		}
		if status, body := postToken(t, s, s.TenantID(), form); status != tt.status {
			t.Errorf("%s: %d %v, want %d", tt.name, status, body, tt.status)
		}
	}
}
