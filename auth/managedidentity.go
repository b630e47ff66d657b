package auth

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"golang.org/x/oauth2"
)

// Environment variables by which Azure hosts announce their managed identity endpoint.
// MSAL reads them; this package reads them to describe the source, to check Service
// Fabric's server certificate and to keep their secrets out of errors.
const (
	envIdentityEndpoint         = "IDENTITY_ENDPOINT"          // App Service, Functions, Container Apps, Service Fabric, Arc
	envIdentityHeader           = "IDENTITY_HEADER"            // App Service, Functions, Container Apps, Service Fabric
	envIdentityServerThumbprint = "IDENTITY_SERVER_THUMBPRINT" // Service Fabric
	envIMDSEndpoint             = "IMDS_ENDPOINT"              // Arc
	envMSIEndpoint              = "MSI_ENDPOINT"               // Cloud Shell, Azure Machine Learning
	envMSISecret                = "MSI_SECRET"                 // Azure Machine Learning
)

// imdsHost is the fixed address of the Azure instance metadata service; imdsEndpoint its
// token endpoint.
const (
	imdsHost     = "169.254.169.254"
	imdsEndpoint = "http://" + imdsHost + "/metadata/identity/oauth2/token"
)

// ManagedIdentityOptions configures NewManagedIdentity. A nil *ManagedIdentityOptions is the
// same as the zero value. Of the embedded Options, AuthorityHost, DisableInstanceDiscovery,
// AdditionallyAllowedTenants and InsecureAllowLoopbackHTTP do not apply: the token comes
// from a local endpoint, and the identity belongs to one tenant.
type ManagedIdentityOptions struct {
	Options

	// ClientID, ObjectID or ResourceID selects a user-assigned identity; set at most one.
	// When all are empty the resource's system-assigned identity is used. Azure Arc, Cloud
	// Shell and Service Fabric have only the system-assigned identity (or one chosen by
	// the cluster), and Azure Machine Learning selects by client ID only.
	ClientID   string
	ObjectID   string
	ResourceID string

	// IMDSEndpoint replaces the instance metadata service's token endpoint,
	// http://169.254.169.254/metadata/identity/oauth2/token, for example by a local fake in
	// tests. It applies only where the instance metadata service is the source.
	IMDSEndpoint string
}

// NewManagedIdentity returns a credential for the managed identity of the Azure resource the
// program runs on, through MSAL's managed identity client, which finds the source from the
// environment as the host sets it:
//
//   - App Service, Azure Functions and Container Apps: IDENTITY_ENDPOINT and IDENTITY_HEADER;
//   - Service Fabric: IDENTITY_ENDPOINT, IDENTITY_HEADER and IDENTITY_SERVER_THUMBPRINT (the
//     endpoint's server certificate is accepted by this SHA-1 thumbprint only);
//   - Azure Machine Learning: MSI_ENDPOINT and MSI_SECRET;
//   - Cloud Shell: MSI_ENDPOINT;
//   - Azure Arc: IDENTITY_ENDPOINT and IMDS_ENDPOINT, or the Arc agent installed; the token
//     request is answered with a challenge naming a key file that must lie in the agent's
//     folder (/var/opt/azcmagent/tokens on Linux, %ProgramData%\AzureConnectedMachineAgent\Tokens
//     on Windows) and be at most 4096 bytes;
//   - otherwise the instance metadata service (VMs, scale sets, AKS nodes, Container
//     Instances) at 169.254.169.254.
//
// These endpoints are local plain http (Service Fabric's is https), the one exception to this
// package's https requirement. The resource asked for is the scope without "/.default".
//
// A token request that fails in passing is retried up to six times: after network errors
// other than the HTTP client's timeout, 408, 429 and 5xx answers, and from the metadata
// service also 404 (no identity assigned yet) and 410 (the service is being updated, for up
// to 70 s after a VM starts). The waits start at 2 s and double up to 30 s, with jitter, or
// follow an answer's Retry-After up to 30 s; they add up to 72 s to 96 s, as azidentity's
// retries outlast the 410 window. The context given to ChallengeToken ends the request and
// its waits at once.
//
// A claims challenge cannot be sent to a managed identity endpoint; a request with claims
// skips the cached token and gets a new one.
//
// MSAL keeps managed identity tokens in one cache per process, by identity and resource;
// the credential keeps its own cache on top, as every credential does.
func NewManagedIdentity(opts *ManagedIdentityOptions) (*Credential, error) {
	const kind = "managed identity"
	if opts == nil {
		opts = &ManagedIdentityOptions{}
	}
	src, err := newManagedIdentitySource(opts)
	if err != nil {
		return nil, &credentialError{kind, err}
	}
	cred := newCredential(kind, src.describe(), "", src, &opts.Options)
	cred.tenantless = true
	return cred, nil
}

type managedIdentitySource struct {
	client   managedidentity.Client
	source   managedidentity.Source
	endpoint string // the endpoint, for messages and Default's probe
	idKind   string // "client ID", ... or "" for the system-assigned identity
	id       string
	hc       *http.Client
}

func newManagedIdentitySource(o *ManagedIdentityOptions) (*managedIdentitySource, error) {
	s := &managedIdentitySource{}
	var id managedidentity.ID = managedidentity.SystemAssigned()
	var set int
	for _, v := range []struct {
		kind, value string
		id          managedidentity.ID
	}{
		{"client ID", o.ClientID, managedidentity.UserAssignedClientID(o.ClientID)},
		{"object ID", o.ObjectID, managedidentity.UserAssignedObjectID(o.ObjectID)},
		{"resource ID", o.ResourceID, managedidentity.UserAssignedResourceID(o.ResourceID)},
	} {
		if v.value != "" {
			set++
			s.idKind, s.id, id = v.kind, v.value, v.id
		}
	}
	if set > 1 {
		return nil, errors.New("set only one of ManagedIdentityOptions.ClientID, ObjectID and ResourceID")
	}
	source, err := managedidentity.GetSource()
	if err != nil {
		return nil, err
	}
	s.source = source
	s.hc = httpClient(&o.Options)
	wrapper := &msalHTTP{hc: s.hc, now: time.Now}
	switch source {
	case managedidentity.DefaultToIMDS:
		s.endpoint = imdsEndpoint
		if o.IMDSEndpoint != "" {
			u, err := url.Parse(o.IMDSEndpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				return nil, fmt.Errorf("invalid IMDS endpoint %q: want an http or https URL", o.IMDSEndpoint)
			}
			s.endpoint = u.String()
			wrapper.rewrite = func(req *http.Request) *http.Request { return redirectIMDS(req, u) }
		}
	case managedidentity.ServiceFabric:
		s.endpoint = os.Getenv(envIdentityEndpoint)
		pinned, err := pinnedClient(s.hc, os.Getenv(envIdentityServerThumbprint))
		if err != nil {
			return nil, err
		}
		wrapper.hc = pinned
	case managedidentity.CloudShell, managedidentity.AzureML:
		s.endpoint = os.Getenv(envMSIEndpoint)
	case managedidentity.AzureArc:
		s.endpoint = cmp.Or(os.Getenv(envIdentityEndpoint), "http://127.0.0.1:40342/metadata/identity/oauth2/token")
	default:
		s.endpoint = os.Getenv(envIdentityEndpoint)
	}
	if source != managedidentity.DefaultToIMDS { // the metadata service's endpoint is checked above
		u, err := url.Parse(s.endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("invalid %s managed identity endpoint %q: want an http or https URL", source, s.endpoint)
		}
	}
	client, err := managedidentity.New(id,
		managedidentity.WithHTTPClient(&retryingDoer{next: wrapper, imds: source == managedidentity.DefaultToIMDS}),
		managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.describeSource(), err)
	}
	s.client = client
	return s, nil
}

// redirectIMDS sends a request MSAL addressed to the metadata service to endpoint instead,
// keeping its query.
func redirectIMDS(req *http.Request, endpoint *url.URL) *http.Request {
	if req.URL.Host != imdsHost {
		return req
	}
	req = req.Clone(req.Context())
	q := req.URL.RawQuery
	u := *endpoint
	if u.RawQuery != "" && q != "" {
		q = u.RawQuery + "&" + q
	} else if u.RawQuery != "" {
		q = u.RawQuery
	}
	u.RawQuery = q
	req.URL, req.Host = &u, u.Host
	return req
}

// thumbprintError is the failure of a TLS handshake with a Service Fabric endpoint whose
// certificate is not the pinned one; retrying cannot help.
type thumbprintError struct{ got []byte }

func (e *thumbprintError) Error() string {
	return fmt.Sprintf("the Service Fabric endpoint's certificate has thumbprint %X, want %s", e.got, envIdentityServerThumbprint)
}

// pinnedClient returns a copy of hc whose TLS connections accept exactly the server
// certificate with the given SHA-1 thumbprint (hex, as Service Fabric gives it), and no
// other: Service Fabric's token endpoint presents a self-signed certificate.
func pinnedClient(hc *http.Client, thumbprint string) (*http.Client, error) {
	want, err := hex.DecodeString(strings.NewReplacer(":", "", " ", "").Replace(thumbprint))
	if err != nil || len(want) != sha1.Size {
		return nil, fmt.Errorf("%s %q is not a hex SHA-1 thumbprint", envIdentityServerThumbprint, thumbprint)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not verified against roots: the pinned thumbprint is the check.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the Service Fabric endpoint presented no certificate")
			}
			got := sha1.Sum(cs.PeerCertificates[0].Raw)
			if !bytes.Equal(got[:], want) {
				return &thumbprintError{got: got[:]}
			}
			return nil
		},
	}
	c := *hc
	c.Transport = tr
	return &c, nil
}

// describeSource names the source for messages.
func (s *managedIdentitySource) describeSource() string {
	switch s.source {
	case managedidentity.DefaultToIMDS:
		return "IMDS"
	case managedidentity.AppService:
		return "App Service"
	case managedidentity.ServiceFabric:
		return "Service Fabric"
	case managedidentity.AzureArc:
		return "Azure Arc"
	case managedidentity.CloudShell:
		return "Cloud Shell"
	case managedidentity.AzureML:
		return "Azure ML"
	}
	return string(s.source)
}

// describe names the source, its endpoint and the identity.
func (s *managedIdentitySource) describe() string {
	d := s.describeSource() + " endpoint " + redactedURL(s.endpoint)
	if s.idKind != "" {
		d += ", " + s.idKind + " " + s.id
	}
	return d
}

func redactedURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

// secrets are the header secrets MSAL sends, as the environment holds them now.
func (s *managedIdentitySource) secrets() []string {
	return []string{os.Getenv(envIdentityHeader), os.Getenv(envMSISecret)}
}

func (s *managedIdentitySource) token(ctx context.Context, r tokenRequest) (*oauth2.Token, error) {
	ctx, rec := withRecord(ctx)
	var opts []managedidentity.AcquireTokenOption
	if r.claims != "" {
		// The endpoints take no claims; with claims, MSAL skips its cache.
		opts = append(opts, managedidentity.WithClaims(r.claims))
	}
	ar, err := s.client.AcquireToken(ctx, r.scope, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.describe(), msalError(ctx, rec, err, s.secrets()))
	}
	return resultToken(ar.AccessToken, ar.ExpiresOn, ar.Metadata.RefreshOn, time.Now(), r.now)
}

// probe reports whether anything answers HTTP at the metadata service within timeout.
// Default uses it so that a machine without the service fails this step quickly instead
// of waiting for a connection that never comes. Other sources are announced by the
// environment and need no probe.
func (s *managedIdentitySource) probe(ctx context.Context, timeout time.Duration) error {
	if s.source != managedidentity.DefaultToIMDS {
		return nil
	}
	probeCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Without the Metadata header the service answers 400 at once, without a token.
	req, err := http.NewRequestWithContext(probeCtx, http.MethodGet, s.endpoint, nil)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if probeCtx.Err() != nil {
			return fmt.Errorf("%s did not answer within %s", s.describe(), timeout)
		}
		return fmt.Errorf("%s is unavailable: %w", s.describe(), err)
	}
	resp.Body.Close()
	return nil
}
