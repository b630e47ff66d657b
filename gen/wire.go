package gen

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// UnixTime is a point in time on the wire, as integer Unix seconds.
type UnixTime int64

// NewUnixTime returns t as whole Unix seconds; the zero time gives nil so
// that an unset time stays absent from the JSON.
func NewUnixTime(t time.Time) *UnixTime {
	if t.IsZero() {
		return nil
	}
	u := UnixTime(t.Unix())
	return &u
}

// Time returns u in UTC, or the zero time when u is nil.
func (u *UnixTime) Time() time.Time {
	if u == nil {
		return time.Time{}
	}
	return time.Unix(int64(*u), 0).UTC()
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
// JSON null leaves b unchanged.
func (b *Base64URL) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return errors.New("gen: base64url value is not a JSON string")
	}
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	out, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return errors.New("gen: malformed base64url value: " + err.Error())
	}
	*b = out
	return nil
}
