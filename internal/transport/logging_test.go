package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// logRecord is the part of a JSON log record the tests check.
type logRecord struct {
	Level, Msg, Method, Host, Path, Error string
	Status, Attempt                       int
	Duration                              int64
	RequestID                             string `json:"request_id"`
	ClientRequestID                       string `json:"client_request_id"`
}

func TestLogsOneRecordPerAttemptWithoutSecrets(t *testing.T) {
	t.Parallel()
	const (
		secretBody = `{"value":"MIIKPAIBAzCCCfYGCSqGSIb3DQEHAaCC-private-key","pwd":"hunter2-password"}`
		skipToken  = "skiptoken-secret-cursor"
	)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src := &challengeSource{}
	attempt := 0
	rt, err := New(Config{
		Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			attempt++
			switch attempt {
			case 1:
				return response(r, 401, `{"error":{"code":"Unauthorized"}}`, "WWW-Authenticate", testChallenge, "x-ms-request-id", "rid-1"), nil
			case 2:
				return nil, errors.New("read tcp: connection reset by peer")
			default:
				return response(r, 200, secretBody, "x-ms-request-id", "rid-3"), nil
			}
		}),
		TokenSource: src, VaultHost: testVaultHost, Logger: logger,
		Retry: RetryPolicy{MaxRetries: 1, BaseDelay: 1, MaxDelay: 1, MaxRetryAfter: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "POST",
		"https://"+testVaultHost+"/certificates/c/import?api-version=2025-07-01&$skiptoken="+skipToken, strings.NewReader(secretBody))
	req.Header.Set("x-ms-client-request-id", "client-rid")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	out := buf.String()
	for _, secret := range []string{"secret-token", "Bearer", "Authorization", "private-key", "hunter2", skipToken, "api-version"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	var got []logRecord
	for line := range strings.Lines(out) {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		got = append(got, r)
	}
	base := logRecord{Level: "DEBUG", Msg: "kvcerts http attempt", Method: "POST", Host: testVaultHost, Path: "/certificates/c/import", ClientRequestID: "client-rid"}
	want := []logRecord{base, base, base}
	want[0].Attempt, want[0].Status, want[0].RequestID = 1, 401, "rid-1"
	want[1].Attempt, want[1].Error = 2, "read tcp: connection reset by peer"
	want[2].Attempt, want[2].Status, want[2].RequestID = 3, 200, "rid-3"
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(logRecord{}, "Duration")); diff != "" {
		t.Errorf("log records (-want +got):\n%s", diff)
	}
}

func TestLoggingDisabledStillCounts(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rt, err := New(Config{
		Base:        roundTripFunc(func(r *http.Request) (*http.Response, error) { return response(r, 200, ""), nil }),
		TokenSource: &staticSource{token: "t"}, VaultHost: testVaultHost, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, err := do(t, rt, "GET", vaultURL("/certificates"), ""); err != nil || status != 200 {
		t.Fatalf("GET = %d, %v", status, err)
	}
	if buf.Len() != 0 {
		t.Errorf("debug records written with the level at info: %s", buf.String())
	}
}
