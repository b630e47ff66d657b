package vaulttest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestClockEndpoint(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	h := newHarness(t, WithStartTime(start), WithClockEndpoint())
	now := func(method string, body any, want int) time.Time {
		t.Helper()
		status, _, data := h.doToken(method, ClockPath+"?api-version=-", body, "")
		if status != want {
			t.Fatalf("%s %s %s: status %d, want %d: %s", method, ClockPath, mustJSON(body), status, want, data)
		}
		var a clockAnswer
		if want == http.StatusOK {
			if err := json.Unmarshal(data, &a); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
		}
		return a.Now
	}
	if got := now("GET", nil, http.StatusOK); !got.Equal(start) {
		t.Errorf("GET: %v, want %v", got, start)
	}
	if got := now("POST", map[string]string{"advance": "48h"}, http.StatusOK); !got.Equal(start.Add(48 * time.Hour)) {
		t.Errorf("advance 48h: %v", got)
	}
	to := start.AddDate(1, 0, 0)
	if got := now("POST", map[string]string{"to": to.Format(time.RFC3339)}, http.StatusOK); !got.Equal(to) {
		t.Errorf("to %v: %v", to, got)
	}
	if !h.srv.Now().Equal(to) {
		t.Errorf("Now() = %v after the endpoint moved the clock to %v", h.srv.Now(), to)
	}
	for _, bad := range []any{
		map[string]string{"advance": "-1h"},
		map[string]string{"advance": "a while"},
		map[string]string{"to": start.Format(time.RFC3339)}, // backwards
		map[string]string{"to": "tomorrow"},
		map[string]string{"advance": "1h", "to": to.Format(time.RFC3339)},
		map[string]string{},
		map[string]string{"advence": "1h"},
		"1h",
	} {
		now("POST", bad, http.StatusBadRequest)
	}
	now("DELETE", nil, http.StatusMethodNotAllowed)
	if !h.srv.Now().Equal(to) {
		t.Errorf("refused requests moved the clock to %v", h.srv.Now())
	}

	// Without the option the path is no endpoint, and the clock stays.
	off := newHarness(t)
	if status, _, _ := off.doToken("POST", ClockPath+"?api-version=-", map[string]string{"advance": "1h"}, ""); status == http.StatusOK {
		t.Error("the clock endpoint answered without WithClockEndpoint")
	}
}
