package gen

import (
	"context"
	"fmt"
	"net/http"
)

// This file is written by hand: the spec leaves the api-version query
// parameter out of the operations, so that callers never pass it, and these
// options put it back on every request of the typed client.

// WithAPIVersion makes the typed client send api-version=version with every
// request, replacing any api-version already in the URL. The service refuses
// a request without one (400 BadParameter), so pass WithAPIVersion(APIVersion)
// to [NewClient] or [NewClientWithResponses], or use [NewVaultClient], which
// does. A version other than APIVersion is sent as given, for a vault that
// does not speak APIVersion yet; fields the older version lacks are then
// left out of its answers. The version must be 1 to 32 letters, digits,
// '-' or '.'.
func WithAPIVersion(version string) ClientOption {
	return func(c *Client) error {
		if err := checkAPIVersion(version); err != nil {
			return err
		}
		c.RequestEditors = append(c.RequestEditors, func(_ context.Context, req *http.Request) error {
			q := req.URL.Query()
			q.Set("api-version", version)
			req.URL.RawQuery = q.Encode()
			return nil
		})
		return nil
	}
}

func checkAPIVersion(v string) error {
	if v == "" || len(v) > 32 {
		return fmt.Errorf("gen: api-version %q must be 1 to 32 characters", v)
	}
	for _, r := range v {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("gen: api-version %q: only letters, digits, '-' and '.' are allowed", v)
		}
	}
	return nil
}

// NewVaultClient returns a typed client of the vault at vaultURL (such as
// "https://myvault.vault.azure.net/") that sends api-version [APIVersion]
// with every request; a later [WithAPIVersion] in opts picks another.
//
// It does not authenticate: give it an [HttpRequestDoer] that adds a bearer
// token ([WithHTTPClient]), such as the one behind
// client.Client.Gen in package client, which also retries, follows the
// vault's authentication challenge and logs.
func NewVaultClient(vaultURL string, opts ...ClientOption) (*ClientWithResponses, error) {
	return NewClientWithResponses(vaultURL, append([]ClientOption{WithAPIVersion(APIVersion)}, opts...)...)
}
