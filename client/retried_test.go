package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kvcerts/kvcerts/vaulttest"
	"golang.org/x/oauth2"
)

// fault says what faultyTransport does to the one request it is armed for.
type fault struct {
	forward bool // send the request on, so that the vault acts on it, before failing
	status  int  // answer this status; 0 for a reset connection
	then404 bool // answer the next matching request 404 without sending it on
}

// faultyTransport sends requests to the emulator, except that the next
// request matching method and path gets the armed fault.
type faultyTransport struct {
	next http.RoundTripper

	mu           sync.Mutex
	method, path string
	f            *fault
	faults       int
}

func (t *faultyTransport) arm(method, path string, f fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.method, t.path, t.f = method, path, &f
}

func (t *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	f := t.f
	match := f != nil && req.Method == t.method && req.URL.Path == t.path
	if match {
		t.faults++
		if f.then404 {
			t.f = &fault{status: http.StatusNotFound}
		} else {
			t.f = nil
		}
	}
	t.mu.Unlock()
	if !match {
		return t.next.RoundTrip(req)
	}
	if f.forward {
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if f.status == 0 {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	body := `{"error":{"code":"InternalError","message":"injected"}}`
	if f.status == http.StatusNotFound {
		body = `{"error":{"code":"NotFound","message":"injected"}}`
	}
	return &http.Response{
		StatusCode: f.status, Status: strconv.Itoa(f.status) + " " + http.StatusText(f.status),
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(strings.NewReader(body)),
		Request: req, ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(body)),
	}, nil
}

func newFaultyVault(t *testing.T) (*vaulttest.Server, *Client, *faultyTransport) {
	t.Helper()
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	ft := &faultyTransport{next: srv.Client().Transport}
	retry := RetryOptions{MaxRetries: 3, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Nanosecond}
	c, err := New(srv.URL, srv.TokenSource(), WithHTTPClient(&http.Client{Transport: ft}), WithRetry(retry), WithPollFrequency(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, ft
}

// deletes are the client's deletes and purge, with what each needs in the
// vault first and how to tell that the object is gone.
var deletes = []struct {
	name, method, path string
	setup              func(ctx context.Context, t *testing.T, c *Client)
	del                func(ctx context.Context, c *Client) error
	gone               func(ctx context.Context, c *Client) error
}{
	{"BeginDeleteCertificate", "DELETE", "/certificates/web",
		func(ctx context.Context, t *testing.T, c *Client) { create(t, c, "web", DefaultPolicy()) },
		func(ctx context.Context, c *Client) error {
			p, err := c.BeginDeleteCertificate(ctx, "web", nil)
			if err != nil {
				return err
			}
			d, err := p.Wait(ctx)
			if err == nil && d.Properties.Name != "web" {
				err = errors.New("the poller's result is not the deleted certificate")
			}
			return err
		},
		func(ctx context.Context, c *Client) error { _, err := c.GetCertificate(ctx, "web", nil); return err }},
	{"PurgeDeletedCertificate", "DELETE", "/deletedcertificates/web",
		func(ctx context.Context, t *testing.T, c *Client) {
			create(t, c, "web", DefaultPolicy())
			p, err := c.BeginDeleteCertificate(ctx, "web", nil)
			if err == nil {
				_, err = p.Wait(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
		},
		func(ctx context.Context, c *Client) error { return c.PurgeDeletedCertificate(ctx, "web", nil) },
		func(ctx context.Context, c *Client) error {
			_, err := c.GetDeletedCertificate(ctx, "web", nil)
			return err
		}},
	{"DeleteContacts", "DELETE", "/certificates/contacts",
		func(ctx context.Context, t *testing.T, c *Client) {
			if _, err := c.SetContacts(ctx, []Contact{{Email: "ops@example.com"}}, nil); err != nil {
				t.Fatal(err)
			}
		},
		func(ctx context.Context, c *Client) error { _, err := c.DeleteContacts(ctx, nil); return err },
		func(ctx context.Context, c *Client) error { _, err := c.GetContacts(ctx, nil); return err }},
	{"DeleteIssuer", "DELETE", "/certificates/issuers/iss",
		func(ctx context.Context, t *testing.T, c *Client) {
			if _, err := c.CreateIssuer(ctx, "iss", "DigiCert", nil); err != nil {
				t.Fatal(err)
			}
		},
		func(ctx context.Context, c *Client) error {
			is, err := c.DeleteIssuer(ctx, "iss", nil)
			if err == nil && is.Properties.Name != "iss" {
				err = errors.New("the result does not name the issuer")
			}
			return err
		},
		func(ctx context.Context, c *Client) error { _, err := c.GetIssuer(ctx, "iss", nil); return err }},
	{"DeleteCertificateOperation", "DELETE", "/certificates/web/pending",
		func(ctx context.Context, t *testing.T, c *Client) {
			if _, err := c.BeginCreateCertificate(ctx, "web", &CertificatePolicy{IssuerName: IssuerUnknown, Subject: "CN=web"}, nil); err != nil {
				t.Fatal(err)
			}
		},
		func(ctx context.Context, c *Client) error {
			op, err := c.DeleteCertificateOperation(ctx, "web", nil)
			if err == nil && op.Name != "web" {
				err = errors.New("the result does not name the certificate")
			}
			return err
		},
		func(ctx context.Context, c *Client) error {
			_, err := c.GetCertificateOperation(ctx, "web", nil)
			return err
		}},
}

// TestRetriedDeleteThatWorked has the vault apply each delete and then
// lose the answer (a reset connection, or a 5xx from a proxy), so that the
// retry answers 404: the delete worked and must report success.
func TestRetriedDeleteThatWorked(t *testing.T) {
	t.Parallel()
	for _, d := range deletes {
		for _, status := range []int{0, 500, 502, 503, 504} {
			t.Run(d.name+"/"+strconv.Itoa(status), func(t *testing.T) {
				t.Parallel()
				_, c, ft := newFaultyVault(t)
				ctx := t.Context()
				d.setup(ctx, t, c)
				ft.arm(d.method, d.path, fault{forward: true, status: status})
				if err := d.del(ctx, c); err != nil {
					t.Fatalf("delete whose first attempt worked: %v", err)
				}
				if ft.faults != 1 {
					t.Errorf("%d faults injected, want 1", ft.faults)
				}
				if err := d.gone(ctx, c); !errors.Is(err, ErrNotFound) {
					t.Errorf("after the delete: %v, want ErrNotFound", err)
				}
			})
		}
	}
}

// TestRetriedDeleteThatDidNot has the first attempt fail before reaching the
// vault and the retry answer 404 while the object is still there: that is
// no success. A first attempt answering 404 stays ErrNotFound.
func TestRetriedDeleteThatDidNot(t *testing.T) {
	t.Parallel()
	for _, d := range deletes {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			_, c, ft := newFaultyVault(t)
			ctx := t.Context()
			if err := d.del(ctx, c); !errors.Is(err, ErrNotFound) {
				t.Errorf("first-attempt 404: %v, want ErrNotFound", err)
			}
			d.setup(ctx, t, c)
			ft.arm(d.method, d.path, fault{status: 503, then404: true})
			if err := d.del(ctx, c); !errors.Is(err, ErrNotFound) {
				t.Errorf("retried 404 with the object still there: %v, want ErrNotFound", err)
			}
			if err := d.gone(ctx, c); err != nil {
				t.Errorf("the object should still be there: %v", err)
			}
		})
	}
}

// TestRetriedDeleteStillDeleting covers a retried DELETE answering 404
// while the deletion is in progress: neither the certificate nor the
// deleted certificate can be read yet, and the poller waits for the latter.
func TestRetriedDeleteStillDeleting(t *testing.T) {
	t.Parallel()
	retry := RetryOptions{MaxRetries: 3, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxRetryAfter: time.Nanosecond}
	_, mux, _ := setup(t)
	c, err := New(testVault, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "token"}),
		WithTransport(&handlerTransport{h: mux}), WithRetry(retry), WithPollFrequency(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	deletes, gets := 0, 0
	mux.HandleFunc("DELETE /certificates/web", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		deletes++
		n := deletes
		mu.Unlock()
		if n == 1 {
			reply(w, 502, `{"error":{"code":"BadGateway","message":"lost"}}`)
			return
		}
		reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"gone"}}`)
	})
	handle(t, mux, "GET /certificates/web/{$}", "", 404, `{"error":{"code":"CertificateNotFound","message":"gone"}}`)
	mux.HandleFunc("GET /deletedcertificates/web", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gets++
		n := gets
		mu.Unlock()
		if n < 3 {
			reply(w, 404, `{"error":{"code":"CertificateNotFound","message":"not yet"}}`)
			return
		}
		reply(w, 200, deletedJSON)
	})
	p, err := c.BeginDeleteCertificate(t.Context(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Status(); s != statusDeleting {
		t.Errorf("status %q, want %q", s, statusDeleting)
	}
	d, err := p.Wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d.Properties.Name != "web" || d.RecoveryID == "" || gets != 3 || deletes != 2 {
		t.Errorf("result %+v after %d deletes and %d reads of the deleted certificate", d.Properties, deletes, gets)
	}
}
