package vaulttest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/kvcerts/kvcerts/gen"
)

// TestConcurrentLoad drives every kind of operation from many goroutines
// at once; run with -race. Each worker owns its names, and all of them
// read and list shared seeded certificates.
func TestConcurrentLoad(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.srv.Seed(200, &SeedOptions{Prefix: "shared-"}); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 8, 6
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				name := fmt.Sprintf("w%d-r%d", w, r)
				steps := []struct {
					method, path string
					body         any
					want         int
				}{
					{"POST", "/certificates/" + name + "/create", gen.CertificateCreateParameters{CertificatePolicy: selfPolicy("CN=" + name)}, 202},
					{"GET", "/certificates/" + name + "/pending", nil, 200},
					{"GET", "/certificates/" + name + "/", nil, 200},
					{"PATCH", "/certificates/" + name + "/", gen.CertificateUpdateParameters{Tags: map[string]string{"r": "x"}}, 200},
					{"GET", fmt.Sprintf("/certificates/shared-%03d/", (w*rounds+r)%200), nil, 200},
					{"GET", "/certificates?maxresults=25", nil, 200},
					{"POST", "/certificates/" + name + "/backup", nil, 200},
					{"GET", "/secrets/" + name + "/", nil, 200},
					{"DELETE", "/certificates/" + name, nil, 200},
					{"GET", "/deletedcertificates?maxresults=5", nil, 200},
					{"POST", "/deletedcertificates/" + name + "/recover", nil, 200},
					{"DELETE", "/certificates/" + name, nil, 200},
					{"DELETE", "/deletedcertificates/" + name, nil, 204},
					{"PUT", "/certificates/contacts", gen.Contacts{ContactList: []gen.Contact{{EmailAddress: name + "@example.com"}}}, 200},
					{"PUT", "/certificates/issuers/" + name, gen.CertificateIssuerSetParameters{Provider: "Test"}, 200},
					{"GET", "/certificates/issuers", nil, 200},
				}
				for _, s := range steps {
					status, _, body := h.do(s.method, s.path, s.body)
					if status != s.want {
						t.Errorf("%s %s: %d %s, want %d", s.method, s.path, status, body, s.want)
						return
					}
				}
				if r%2 == 0 {
					if _, err := h.srv.Seed(1, &SeedOptions{Prefix: name + "-seed-"}); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	ids, _ := pageThrough(h, "/certificates")
	if want := 200 + workers*rounds/2; len(ids) != want {
		t.Errorf("%d certificates at the end, want %d", len(ids), want)
	}
	if status, _, _ := h.do("GET", "/certificates/issuers", nil); status != http.StatusOK {
		t.Errorf("issuers: %d", status)
	}
}
