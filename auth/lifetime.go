package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxLifetime caps the lifetime a token endpoint may claim for a token. Microsoft Entra ID
// issues tokens for at most about 28 hours (continuous access evaluation) and managed
// identity endpoints for 24; an answer claiming more is treated as if it said maxLifetime,
// so that the token is replaced in time instead of being trusted for years.
const maxLifetime = 48 * time.Hour

// parseLifetime reads a count of seconds that a token endpoint sent as a JSON number or a
// string, such as expires_in. It refuses what is not a finite, positive number, and caps
// what exceeds maxLifetime; the conversion to a time.Duration cannot overflow.
func parseLifetime(name string, raw json.RawMessage) (time.Duration, error) {
	f, err := jsonNumber(raw)
	if err != nil {
		return 0, fmt.Errorf("%s %w", name, err)
	}
	if f <= 0 {
		return 0, fmt.Errorf("%s %s is not a positive number of seconds", name, clipValue(raw))
	}
	if f >= maxLifetime.Seconds() {
		return maxLifetime, nil
	}
	return time.Duration(f * float64(time.Second)), nil
}

// parseUnixExpiry reads an absolute expiry in Unix seconds, such as expires_on: refused
// when it is not a finite number or not after now, and no later than now plus maxLifetime.
func parseUnixExpiry(name string, raw json.RawMessage, now time.Time) (time.Time, error) {
	f, err := jsonNumber(raw)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %w", name, err)
	}
	secs := f - float64(now.Unix())
	switch {
	case secs <= 0:
		return time.Time{}, fmt.Errorf("%s %s has passed already", name, clipValue(raw))
	case secs >= maxLifetime.Seconds():
		return now.Add(maxLifetime), nil
	}
	whole, frac := math.Modf(f)
	return expiryAt(name, time.Unix(int64(whole), int64(frac*1e9)), now)
}

// expiryAt checks an absolute expiry t: refused when it is not after now, and no later
// than now plus maxLifetime.
func expiryAt(name string, t, now time.Time) (time.Time, error) {
	d := t.Sub(now) // saturates instead of overflowing
	switch {
	case d <= 0:
		return time.Time{}, fmt.Errorf("%s %s has passed already", name, t.UTC().Format(time.RFC3339))
	case d > maxLifetime:
		return now.Add(maxLifetime), nil
	}
	return t, nil
}

// jsonNumber reads a JSON number, or a string holding one.
func jsonNumber(raw json.RawMessage) (float64, error) {
	text := strings.TrimSpace(string(raw))
	if strings.HasPrefix(text, `"`) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, errors.New("is not a string or number")
		}
		text = strings.TrimSpace(s)
	}
	f, err := strconv.ParseFloat(text, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return f, nil // a finite number beyond float64: ±Inf, or 0 for a tiny one
	case err != nil:
		return 0, fmt.Errorf("%s is not a number", clipValue(raw))
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Errorf("%s is not a finite number", clipValue(raw))
	}
	return f, nil
}

// clipValue shows a value from a token response in an error: short, since the response
// also holds the token.
func clipValue(raw json.RawMessage) string {
	const limit = 32
	s := string(raw)
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
}

// appServiceLayouts are the date forms in which managed identity endpoints have sent
// expires_on: older App Service versions, and the forms MSAL accepts.
var appServiceLayouts = []string{
	"1/2/2006 3:04:05 PM -07:00",
	"01/02/2006 15:04:05",
	"2006-01-02 15:04:05",
	time.RFC3339Nano,
}

// tokenLifetime reads a token response's lifetime: expires_in, or else expires_on (Unix
// seconds or a date).
func tokenLifetime(fields map[string]json.RawMessage, now time.Time) (time.Duration, error) {
	if raw, ok := fields["expires_in"]; ok && !isNull(raw) {
		return parseLifetime("expires_in", raw)
	}
	raw, ok := fields["expires_on"]
	if !ok || isNull(raw) {
		return 0, errors.New("the token response has neither expires_in nor expires_on")
	}
	if !isDate(raw) {
		t, err := parseUnixExpiry("expires_on", raw, now)
		return t.Sub(now), err
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	for _, layout := range appServiceLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t, err := expiryAt("expires_on", t, now)
			return t.Sub(now), err
		}
	}
	return 0, fmt.Errorf("expires_on %s is neither Unix seconds nor a date", clipValue(raw))
}

// isDate reports whether raw is a string that is not a plain number.
func isDate(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err != nil && strings.ContainsAny(s, "/-:")
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

// sanitizeTokenResponse checks the lifetime fields of a successful token response, which
// checkTokenAnswer has parsed into fields, and returns the response with them rewritten in
// a form MSAL reads without overflow: expires_in in whole seconds, at most maxLifetime,
// and no expires_on (MSAL would prefer it). refresh_in and ext_expires_in are kept when
// they are sane and dropped or capped otherwise. A lifetime that is not a finite positive
// number, or an expiry in the past, is an error.
func sanitizeTokenResponse(fields map[string]json.RawMessage, now time.Time) ([]byte, error) {
	life, err := tokenLifetime(fields, now)
	if err != nil {
		return nil, fmt.Errorf("the token endpoint sent an unusable lifetime: %w", err)
	}
	secs := max(int64(life/time.Second), 1)
	fields["expires_in"] = json.RawMessage(strconv.FormatInt(secs, 10))
	delete(fields, "expires_on")
	for _, name := range []string{"refresh_in", "ext_expires_in"} {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		d, err := parseLifetime(name, raw)
		switch {
		case err != nil || (name == "refresh_in" && d >= life):
			delete(fields, name)
		default:
			fields[name] = json.RawMessage(strconv.FormatInt(max(int64(d/time.Second), 1), 10))
		}
	}
	return json.Marshal(fields)
}
