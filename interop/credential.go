package interop

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/kvcerts/kvcerts/vaulttest"
)

// Credential is an azcore.TokenCredential that gets its tokens from a
// vaulttest.Server's token endpoint, for the scope and tenant the SDK read
// from the vault's authentication challenge. So the SDK's challenge handling
// runs as against a real vault, and the emulator checks the audience and
// tenant of every token it is shown.
type Credential struct {
	ts *vaulttest.TokenSource
}

// NewCredential returns a credential drawing tokens from ts, usually
// srv.TokenSource().
func NewCredential(ts *vaulttest.TokenSource) *Credential {
	return &Credential{ts: ts}
}

// GetToken returns a token for the one scope in opts, in opts.TenantID
// (the emulator's tenant when empty), passing on any claims challenge.
func (c *Credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c == nil || c.ts == nil {
		return azcore.AccessToken{}, errors.New("interop: Credential has no token source; use NewCredential")
	}
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("interop: want exactly one scope, got %q", opts.Scopes)
	}
	tok, err := c.ts.ChallengeToken(ctx, opts.Scopes[0], opts.TenantID, opts.Claims)
	if err != nil {
		return azcore.AccessToken{}, fmt.Errorf("interop: %w", err)
	}
	return azcore.AccessToken{Token: tok.AccessToken, ExpiresOn: tok.Expiry}, nil
}
