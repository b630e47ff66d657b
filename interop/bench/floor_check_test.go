package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kvcerts/kvcerts/vaulttest"
)

// TestFloorDecodesWholeDocuments checks that the floor's models hold every
// field of the documents the benchmarks read, so that the floor does all
// the decoding the clients do.
func TestFloorDecodesWholeDocuments(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	addFullCertificate(t, srv, benchCertificate)
	if _, err := srv.Seed(3, &vaulttest.SeedOptions{Tags: listTags}); err != nil {
		t.Fatal(err)
	}
	f := newFloor(t, srv, tlsTransport(srv))
	for _, tt := range []struct {
		method, path, body string
		into               any
	}{
		{"GET", "/certificates/" + benchCertificate + "/", "", new(floorCertificate)},
		{"GET", "/certificates", "", new(floorPage)},
		{"POST", "/certificates/created/create", floorCreate, new(floorOperation)},
		{"GET", "/certificates/created/pending", "", new(floorOperation)},
		{"GET", "/certificates/created/", "", new(floorCertificate)},
	} {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path+apiVersion, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", f.auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := f.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode >= 300 {
			t.Fatalf("%s %s: status %d, %v: %s", tt.method, tt.path, resp.StatusCode, err, data)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(tt.into); err != nil {
			t.Errorf("%s %s: the floor's %T misses a field: %v", tt.method, tt.path, tt.into, err)
		}
	}
}
