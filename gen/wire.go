package gen

import (
	"encoding/base64"
	"errors"
	"time"
)

// UnixTime is a point in time on the wire, as integer Unix seconds. Zero
// means unset: model fields of this type are left out of the JSON when zero,
// so the instant 1970-01-01T00:00:00Z itself cannot be sent.
type UnixTime int64

// NewUnixTime returns t as whole Unix seconds; the zero time gives 0 (unset).
func NewUnixTime(t time.Time) UnixTime {
	if t.IsZero() {
		return 0
	}
	return UnixTime(t.Unix())
}

// Time returns u in UTC, or the zero time when u is 0 (unset).
func (u UnixTime) Time() time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(int64(u), 0).UTC()
}

// Base64URL is binary data carried as unpadded base64url text, the encoding
// Key Vault uses for thumbprints and backup blobs.
type Base64URL []byte

// MarshalJSON encodes b as a base64url string without padding.
func (b Base64URL) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, base64.RawURLEncoding.EncodedLen(len(b))+2)
	out = append(out, '"')
	out = base64.RawURLEncoding.AppendEncode(out, b)
	return append(out, '"'), nil
}

// UnmarshalJSON decodes a base64url string, with or without padding.
// JSON null leaves b unchanged. The base64url alphabet needs no JSON escapes,
// so a string holding a backslash is malformed and data is decoded as it
// stands, with one allocation for the result.
func (b *Base64URL) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errors.New("gen: base64url value is not a JSON string")
	}
	s := data[1 : len(data)-1]
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(s)))
	n, err := base64.RawURLEncoding.Decode(out, s)
	if err != nil {
		return errors.New("gen: malformed base64url value: " + err.Error())
	}
	*b = out[:n]
	return nil
}
