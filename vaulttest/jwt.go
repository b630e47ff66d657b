package vaulttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// A small JSON Web Token implementation: the emulator signs its access
// tokens with ES256 (P-256 keys are made in microseconds, so servers start
// fast) and checks client assertions signed with RS256, PS256 or
// ES256/384/512.

type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
	Kid string `json:"kid,omitempty"`
}

// signJWT returns header.claims.signature, signed with ES256.
func signJWT(key *ecdsa.PrivateKey, kid string, claims any) (string, error) {
	h, err := json.Marshal(jwtHeader{Alg: "ES256", Typ: "JWT", Kid: kid})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", err
	}
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// parseJWT splits a compact JWT, verifies its signature with pub and
// decodes its claims into claims. The returned header lets callers check
// the key id.
func parseJWT(token string, pub crypto.PublicKey, claims any) (jwtHeader, error) {
	var h jwtHeader
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return h, errors.New("not a compact JWT")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return h, errors.New("malformed JWT header")
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return h, errors.New("malformed JWT header")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return h, errors.New("malformed JWT signature")
	}
	if err := verifyJWS(h.Alg, pub, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return h, err
	}
	cb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return h, errors.New("malformed JWT claims")
	}
	if err := json.Unmarshal(cb, claims); err != nil {
		return h, errors.New("malformed JWT claims")
	}
	return h, nil
}

var errBadSignature = errors.New("JWT signature does not verify")

func verifyJWS(alg string, pub crypto.PublicKey, input, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		sum := sha256.Sum256(input)
		var err error
		switch alg {
		case "RS256":
			err = rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig)
		case "PS256":
			err = rsa.VerifyPSS(k, crypto.SHA256, sum[:], sig, nil)
		default:
			return fmt.Errorf("JWT algorithm %q is not accepted for an RSA key", alg)
		}
		if err != nil {
			return errBadSignature
		}
		return nil
	case *ecdsa.PublicKey:
		var digest []byte
		switch alg {
		case "ES256":
			s := sha256.Sum256(input)
			digest = s[:]
		case "ES384":
			s := sha512.Sum384(input)
			digest = s[:]
		case "ES512":
			s := sha512.Sum512(input)
			digest = s[:]
		default:
			return fmt.Errorf("JWT algorithm %q is not accepted for an EC key", alg)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return errBadSignature
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return errBadSignature
		}
		return nil
	}
	return fmt.Errorf("key type %T cannot verify JWTs", pub)
}
