package vaulttest

import (
	"crypto"
	"crypto/ecdsa"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The emulator's JSON Web Tokens, with golang-jwt: it signs its access
// tokens with ES256 (P-256 keys are made in microseconds, so servers start
// fast) and checks client assertions signed with RS256, PS256 or
// ES256/384/512.

var (
	accessTokenMethods = []string{jwt.SigningMethodES256.Alg()}
	assertionMethods   = []string{"RS256", "PS256", "ES256", "ES384", "ES512"}
)

// signJWT returns claims as a compact JWT with the key id kid, signed with
// ES256.
func signJWT(key *ecdsa.PrivateKey, kid string, claims jwt.Claims) (string, error) {
	token := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	token.Header["kid"] = kid
	return token.SignedString(key)
}

// parseJWT verifies a compact JWT's signature with pub, for one of the
// algorithms in methods, checks its validity period (exp, which it must
// have, and nbf, if it has one) at now, and decodes its claims into claims.
// It returns the token's key id. Its errors never repeat the token.
func parseJWT(token string, pub crypto.PublicKey, methods []string, now time.Time, claims jwt.Claims) (kid string, err error) {
	parsed, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods(methods), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "", errors.New("not a well-formed compact JWT")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "", errors.New("the JWT signature does not verify with the expected key and algorithms")
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "", errors.New("the JWT has expired or has no expiry")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "", errors.New("the JWT is not valid yet")
	case err != nil:
		return "", errors.New("the JWT is not valid")
	}
	kid, _ = parsed.Header["kid"].(string)
	return kid, nil
}
