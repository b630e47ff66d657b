package auth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lifetimeCases are the classes of lifetime a token endpoint may send: sane, absurdly
// long (capped), overflowing an int64 of nanoseconds or of seconds, and not a usable
// number at all (refused).
var lifetimeCases = []struct {
	name    string
	raw     string        // the raw JSON value of expires_in
	want    time.Duration // the lifetime used
	wantErr string
}{
	{"an hour as a string", `"3600"`, time.Hour, ""},
	{"an hour as a number", `3600`, time.Hour, ""},
	{"fraction", `3600.9`, 3600*time.Second + 900*time.Millisecond, ""},
	{"a day", `86400`, 24 * time.Hour, ""},
	{"above the cap", `999999`, maxLifetime, ""},
	{"overflows nanoseconds", `9300000000`, maxLifetime, ""},
	{"1e19 in float form", `1e19`, maxLifetime, ""},
	{"beyond int64", `"99999999999999999999999"`, maxLifetime, ""},
	{"beyond float64", `1e400`, maxLifetime, ""},
	{"NaN", `"NaN"`, 0, "is not a finite number"},
	{"infinity", `"Inf"`, 0, "is not a finite number"},
	{"negative infinity", `"-Infinity"`, 0, "is not a finite number"},
	{"negative", `-3600`, 0, "is not a positive number"},
	{"zero", `"0"`, 0, "is not a positive number"},
	{"garbage", `"soon"`, 0, "is not a number"},
	{"object", `{}`, 0, "is not a number"},
}

func TestParseLifetime(t *testing.T) {
	t.Parallel()
	for _, tc := range lifetimeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseLifetime("expires_in", json.RawMessage(tc.raw))
			checkLifetime(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func checkLifetime(t *testing.T, got time.Duration, err error, want time.Duration, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("error = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("lifetime = %v, %v; want %v", got, err, want)
	}
}

func TestTokenLifetimeFromExpiresOn(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_750_000_000, 0)
	for _, tc := range []struct {
		name, raw string
		want      time.Duration
		wantErr   string
	}{
		{"Unix seconds as a string", `"1750003600"`, time.Hour, ""},
		{"Unix seconds as a number", `1750003600`, time.Hour, ""},
		{"1e19", `1e19`, maxLifetime, ""},
		{"in the past", `"1749999999"`, 0, "has passed already"},
		{"negative", `-5`, 0, "has passed already"},
		{"NaN", `"NaN"`, 0, "is not a finite number"},
		{"App Service date", `"6/15/2025 4:06:40 PM +00:00"`, time.Hour, ""},
		{"MSAL's date form", `"2025-06-15 16:06:40"`, time.Hour, ""},
		{"date far ahead", `"9999-12-31T23:59:59Z"`, maxLifetime, ""},
		{"date in the past", `"2001-01-01T00:00:00Z"`, 0, "has passed already"},
		{"not a date", `"next/week"`, 0, "neither Unix seconds nor a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tokenLifetime(map[string]json.RawMessage{"expires_on": json.RawMessage(tc.raw)}, now)
			checkLifetime(t, got, err, tc.want, tc.wantErr)
		})
	}
	if _, err := tokenLifetime(map[string]json.RawMessage{}, now); err == nil {
		t.Error("a response without expires_in and expires_on was accepted")
	}
}

// checkTokenAnswer, through sanitizeTokenResponse, hands MSAL a response it reads without
// overflow, and refuses an answer that is not a token.
func TestSanitizeTokenResponse(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_750_000_000, 0)
	for _, tc := range []struct {
		name, in string
		want     map[string]any
	}{
		{"kept", `{"access_token":"a","expires_in":"3600","refresh_in":1800}`,
			map[string]any{"access_token": "a", "expires_in": 3600.0, "refresh_in": 1800.0}},
		{"expires_on becomes expires_in", `{"access_token":"a","expires_on":"1750003600","expires_in":null}`,
			map[string]any{"access_token": "a", "expires_in": 3600.0}},
		{"capped with its hints", `{"access_token":"a","expires_in":1e19,"ext_expires_in":1e19,"refresh_in":"9e18"}`,
			map[string]any{"access_token": "a", "expires_in": maxLifetime.Seconds(), "ext_expires_in": maxLifetime.Seconds()}},
		{"broken refresh_in dropped", `{"access_token":"a","expires_in":3600,"refresh_in":"NaN"}`,
			map[string]any{"access_token": "a", "expires_in": 3600.0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := checkTokenAnswer([]byte(tc.in), now)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, body := range []string{`{"issuer":"x"}`, `not json`, `[1,2]`, `null`} {
		if out, err := checkTokenAnswer([]byte(body), now); err == nil {
			t.Errorf("checkTokenAnswer(%s) = %s, nil; want an error", body, out)
		}
	}
	if _, err := checkTokenAnswer([]byte(`{"access_token":"a","expires_in":"NaN"}`), now); err == nil {
		t.Error("a token with lifetime NaN was accepted")
	}
}

// Every credential on MSAL gets each class of lifetime through the same check: a managed
// identity endpoint and Microsoft Entra ID.
func TestLifetimesFromTokenEndpoints(t *testing.T) {
	setHostEnv(t)
	for _, tc := range lifetimeCases {
		t.Run("managed identity/"+tc.name, func(t *testing.T) {
			srv := newIdentityServer(t, false, func(w http.ResponseWriter, r *http.Request) {
				writeMIToken(w, "mi-token", tc.raw)
			})
			cred := miCredential(t, srv, ManagedIdentityOptions{})
			checkCredentialLifetime(t, cred, tc.want, tc.wantErr)
		})
		t.Run("client secret/"+tc.name, func(t *testing.T) {
			srv := newEntraServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"token_type":"Bearer","access_token":"entra-token","expires_in":` + tc.raw + `}`))
			})
			o := srv.options()
			cred, err := NewClientSecret("t", "c", testSecret, &o)
			if err != nil {
				t.Fatal(err)
			}
			checkCredentialLifetime(t, cred, tc.want, tc.wantErr)
		})
	}
}

func checkCredentialLifetime(t *testing.T, cred *Credential, want time.Duration, wantErr string) {
	t.Helper()
	start := time.Now()
	tok, err := cred.Token()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("error = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	// MSAL keeps whole seconds and reads its own clock.
	if got := tok.Expiry.Sub(start); got < want-2*time.Second || got > want+2*time.Second {
		t.Errorf("token lives %s, want %s", got, want)
	}
}

// MSAL's refresh time (from refresh_in, or half of a long lifetime) comes with the token,
// moved to the credential's clock, and the cache replaces the token once it has passed
// although the token is still valid.
func TestRefreshHintIsHonoured(t *testing.T) {
	t.Parallel()
	srv := newEntraServer(t, func(w http.ResponseWriter, _ *http.Request, _ url.Values) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"token_type":"Bearer","access_token":"hinted","expires_in":7200,"refresh_in":600}`))
	})
	o := srv.options()
	cred, err := NewClientSecret("t", "c", testSecret, &o)
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	cred.now = clk.Now
	tok, err := cred.Token()
	if err != nil {
		t.Fatal(err)
	}
	refreshAt, ok := tok.Extra(refreshOnKey).(time.Time)
	if !ok || refreshAt.Sub(testNow).Round(time.Second) != 10*time.Minute {
		t.Fatalf("refresh time %v (%v), want 10 minutes after %v", refreshAt, ok, testNow)
	}
	if !cred.fresh(tok) {
		t.Error("the token is not fresh right after it came")
	}
	clk.Advance(10 * time.Minute)
	if cred.fresh(tok) {
		t.Error("the token is still fresh after its refresh time")
	}
}

func TestResultToken(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // the credential's clock, not the system's
	sys := time.Now()
	for _, tc := range []struct {
		name             string
		expires, refresh time.Time
		wantLife         time.Duration
		wantRefresh      time.Duration // 0: no hint
		wantErr          string
	}{
		{"an hour", sys.Add(time.Hour), time.Time{}, time.Hour, 0, ""},
		{"with a hint", sys.Add(2 * time.Hour), sys.Add(time.Hour), 2 * time.Hour, time.Hour, ""},
		{"hint after expiry ignored", sys.Add(time.Hour), sys.Add(2 * time.Hour), time.Hour, 0, ""},
		{"far future capped", sys.AddDate(300, 0, 0), time.Time{}, maxLifetime, 0, ""},
		{"expired", sys.Add(-time.Minute), time.Time{}, 0, 0, "has passed already"},
		{"zero", time.Time{}, time.Time{}, 0, 0, "has passed already"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := resultToken("at", tc.expires, tc.refresh, sys, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.Expiry.Sub(now); got != tc.wantLife {
				t.Errorf("lifetime %s, want %s", got, tc.wantLife)
			}
			r, ok := tok.Extra(refreshOnKey).(time.Time)
			if ok != (tc.wantRefresh != 0) || (ok && r.Sub(now) != tc.wantRefresh) {
				t.Errorf("refresh hint %v (%v), want %s after now", r, ok, tc.wantRefresh)
			}
		})
	}
	if _, err := resultToken("", sys.Add(time.Hour), time.Time{}, sys, now); err == nil {
		t.Error("an empty access token was accepted")
	}
}
