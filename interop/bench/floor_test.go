package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// apiVersion is the query every floor request carries.
const apiVersion = "?api-version=2025-07-01"

// floor is the least any client can do: net/http with a fixed bearer
// token, one encoding/json decode into plain structs, no retries, no
// logging, no checks beyond the status code.
type floor struct {
	hc    *http.Client
	vault string // the vault URL, without a trailing slash
	auth  string // the Authorization header, "Bearer ..."
	// requestIDs, when set, adds a random x-ms-client-request-id header to
	// every request, as both SDKs do, to show what that costs.
	requestIDs bool
}

// do sends one request and decodes the answer into out when its status is
// want.
func (f *floor) do(ctx context.Context, method, url string, in []byte, want int, out any) error {
	var body io.Reader
	if in != nil {
		body = bytes.NewReader(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", f.auth)
	if f.requestIDs {
		var id [16]byte
		_, _ = rand.Read(id[:])
		req.Header.Set("x-ms-client-request-id", hex.EncodeToString(id[:]))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("floor: %s %s: status %d, want %d", method, url, resp.StatusCode, want)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("floor: %s %s: %w", method, url, err)
	}
	_, err = io.Copy(io.Discard, resp.Body) // read to EOF, so the connection is reused
	return err
}

func (f *floor) getCertificate(ctx context.Context, name string) (*floorCertificate, error) {
	var c floorCertificate
	if err := f.do(ctx, http.MethodGet, f.vault+"/certificates/"+name+"/"+apiVersion, nil, http.StatusOK, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// listCertificates calls yield for every item of the certificate listing,
// one page at a time.
func (f *floor) listCertificates(ctx context.Context, yield func(*floorItem)) error {
	for next := f.vault + "/certificates" + apiVersion; next != ""; {
		var page floorPage
		if err := f.do(ctx, http.MethodGet, next, nil, http.StatusOK, &page); err != nil {
			return err
		}
		for i := range page.Value {
			yield(&page.Value[i])
		}
		next = page.NextLink
	}
	return nil
}

// create starts creating a certificate with a request body prepared in
// advance, polls its operation until it is no longer in progress, and gets
// the new certificate.
func (f *floor) create(ctx context.Context, name string, body []byte) (*floorCertificate, error) {
	var op floorOperation
	if err := f.do(ctx, http.MethodPost, f.vault+"/certificates/"+name+"/create"+apiVersion, body, http.StatusAccepted, &op); err != nil {
		return nil, err
	}
	for op.Status == "inProgress" {
		op = floorOperation{}
		if err := f.do(ctx, http.MethodGet, f.vault+"/certificates/"+name+"/pending"+apiVersion, nil, http.StatusOK, &op); err != nil {
			return nil, err
		}
	}
	if op.Status != "completed" {
		return nil, fmt.Errorf("floor: create %s ended %q", name, op.Status)
	}
	return f.getCertificate(ctx, name)
}

// The floor's models mirror the wire documents field for field, with plain
// values instead of the pointers that tell absent from zero, so that the
// floor decodes all the information the clients decode and no more work.

type floorCertificate struct {
	ID                string            `json:"id"`
	KeyID             string            `json:"kid"`
	SecretID          string            `json:"sid"`
	X509Thumbprint    string            `json:"x5t"`
	CER               []byte            `json:"cer"`
	ContentType       string            `json:"contentType"`
	Attributes        floorAttributes   `json:"attributes"`
	Tags              map[string]string `json:"tags"`
	Policy            *floorPolicy      `json:"policy,omitempty"`
	PreserveCertOrder bool              `json:"preserveCertOrder"`
}

type floorAttributes struct {
	Enabled         bool   `json:"enabled"`
	NotBefore       int64  `json:"nbf,omitempty"`
	Expires         int64  `json:"exp,omitempty"`
	Created         int64  `json:"created,omitempty"`
	Updated         int64  `json:"updated,omitempty"`
	RecoveryLevel   string `json:"recoveryLevel,omitempty"`
	RecoverableDays int    `json:"recoverableDays,omitempty"`
}

type floorPolicy struct {
	ID  string `json:"id,omitempty"`
	Key struct {
		Exportable bool   `json:"exportable"`
		KeyType    string `json:"kty"`
		KeySize    int    `json:"key_size,omitempty"`
		ReuseKey   bool   `json:"reuse_key"`
		Curve      string `json:"crv,omitempty"`
	} `json:"key_props"`
	Secret struct {
		ContentType string `json:"contentType"`
	} `json:"secret_props"`
	X509 struct {
		Subject string   `json:"subject"`
		EKUs    []string `json:"ekus,omitempty"`
		SANs    *struct {
			Emails      []string `json:"emails"`
			DNSNames    []string `json:"dns_names"`
			UPNs        []string `json:"upns"`
			URIs        []string `json:"uris"`
			IPAddresses []string `json:"ipAddresses"`
		} `json:"sans,omitempty"`
		KeyUsage       []string `json:"key_usage,omitempty"`
		ValidityMonths int      `json:"validity_months,omitempty"`
	} `json:"x509_props"`
	LifetimeActions []struct {
		Trigger struct {
			LifetimePercentage int `json:"lifetime_percentage,omitempty"`
			DaysBeforeExpiry   int `json:"days_before_expiry,omitempty"`
		} `json:"trigger"`
		Action struct {
			ActionType string `json:"action_type"`
		} `json:"action"`
	} `json:"lifetime_actions,omitempty"`
	Issuer     floorIssuer      `json:"issuer"`
	Attributes *floorAttributes `json:"attributes,omitempty"`
}

type floorIssuer struct {
	Name             string `json:"name"`
	CertificateType  string `json:"cty,omitempty"`
	CertTransparency bool   `json:"cert_transparency,omitempty"`
}

type floorItem struct {
	ID             string            `json:"id"`
	X509Thumbprint string            `json:"x5t"`
	Attributes     floorAttributes   `json:"attributes"`
	Tags           map[string]string `json:"tags"`
}

type floorPage struct {
	Value    []floorItem `json:"value"`
	NextLink string      `json:"nextLink"`
}

type floorOperation struct {
	ID                    string      `json:"id"`
	Issuer                floorIssuer `json:"issuer"`
	CSR                   []byte      `json:"csr"`
	CancellationRequested bool        `json:"cancellation_requested"`
	Status                string      `json:"status"`
	StatusDetails         string      `json:"status_details"`
	Target                string      `json:"target"`
	RequestID             string      `json:"request_id"`
	PreserveCertOrder     bool        `json:"preserveCertOrder"`
	Error                 *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}
