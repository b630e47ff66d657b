package vaulttest

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// DefaultTenantID is the directory (tenant) id the emulator uses unless
// WithTenantID says otherwise. It is a fixed, made-up GUID.
const DefaultTenantID = "5e1ec7ed-0000-4000-8000-00000000cafe"

// DefaultVaultName is the first label of the vault host name,
// myvault.vault.localhost, unless WithVaultName says otherwise.
const DefaultVaultName = "myvault"

// supportedAPIVersions are the api-version values the emulator answers,
// besides gen.APIVersion, the version the spec was generated from, which it
// always answers. The certificate and secret shapes it serves did not change
// across them; the newest entry is the one Microsoft's azsecrets v1.5.1 sends.
var supportedAPIVersions = []string{
	"7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01",
}

// defaultAPIVersions returns supportedAPIVersions with gen.APIVersion added
// when it is not among them, as after regenerating for a new API version.
func defaultAPIVersions() []string {
	versions := slices.Clone(supportedAPIVersions)
	if !slices.Contains(versions, gen.APIVersion) {
		versions = append(versions, gen.APIVersion)
	}
	return versions
}

// An Option configures NewServer, Start or NewHandler.
type Option func(*config) error

// Delays are the waits the emulator imitates. The zero value, the default,
// makes everything happen at once. Times are measured with the emulator's
// clock (see WithClock), so tests advance a fake clock instead of sleeping.
type Delays struct {
	// Create is how long a create with the Self issuer or a configured
	// issuer stays inProgress. Its whole seconds are also sent as the
	// create answer's Retry-After header.
	Create time.Duration
	// PendingPolls is how many GetCertificateOperation answers still report
	// inProgress before the operation may complete: with 2, the third poll
	// (at the earliest) reports completed.
	PendingPolls int
	// Delete is how long after DeleteCertificate the certificate stays out
	// of the deleted-certificate views (404), and purge and recover answer
	// 409 ObjectIsBeingDeleted.
	Delete time.Duration
	// Recover is how long after RecoverDeletedCertificate the certificate
	// still answers 404.
	Recover time.Duration
	// Purge is how long after PurgeDeletedCertificate the name still
	// answers 409 to create, import and restore.
	Purge time.Duration
}

// realisticDelays are close to what the real service shows.
var realisticDelays = Delays{
	Create:  10 * time.Second,
	Delete:  15 * time.Second,
	Recover: 20 * time.Second,
	Purge:   10 * time.Second,
}

type clientCredential struct {
	secret string
	cert   *x509.Certificate
}

type config struct {
	vaultName       string
	baseURL         string
	authorityHost   string
	addr            string
	tenantID        string
	clients         map[string]clientCredential
	lenientAuth     bool
	tokenLifetime   time.Duration
	now             func() time.Time // the emulator's clock once newConfig is done
	start           time.Time
	clock           *clock
	clockEndpoint   bool
	delays          Delays
	recoverableDays int
	purgeProtection bool
	noSoftDelete    bool
	backupKey       []byte
	faults          Faults
	pageSize        int
	emptyPages      int
	logSize         int
	state           []byte
	statePath       string
	apiVersions     []string
	logger          *slog.Logger
	region          string

	serverOnly  []string // options given that only Start understands
	handlerOnly []string // options given that only NewHandler understands
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		vaultName:       DefaultVaultName,
		addr:            "127.0.0.1:0",
		tenantID:        DefaultTenantID,
		tokenLifetime:   time.Hour,
		now:             time.Now,
		recoverableDays: 90,
		pageSize:        maxPageSize,
		logSize:         10000,
		apiVersions:     defaultAPIVersions(),
		region:          "westus",
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.clock = newClock(c.now, c.start)
	c.now = c.clock.now
	return c, nil
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// WithVaultName sets the first label of the vault's host name: "kv1" serves
// https://kv1.vault.localhost:<port>. Only Start and NewServer use it.
func WithVaultName(name string) Option {
	return func(c *config) error {
		if !dnsLabel.MatchString(name) {
			return fmt.Errorf("vault name %q is not a lowercase DNS label", name)
		}
		c.vaultName = name
		c.serverOnly = append(c.serverOnly, "WithVaultName")
		return nil
	}
}

// WithAddr sets the address Start listens on (default "127.0.0.1:0", a
// free loopback port). Only Start and NewServer use it.
func WithAddr(addr string) Option {
	return func(c *config) error {
		if addr == "" {
			return errors.New("listen address is empty")
		}
		c.addr = addr
		c.serverOnly = append(c.serverOnly, "WithAddr")
		return nil
	}
}

// WithBaseURL sets the public vault URL a Handler serves, such as
// "https://kv.example.test:8443", for the ids and links it answers with.
// Only NewHandler uses it; Start derives the URL from the vault name and port.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		u, err := parseOrigin(rawURL)
		if err != nil {
			return fmt.Errorf("base URL: %w", err)
		}
		c.baseURL = u
		c.handlerOnly = append(c.handlerOnly, "WithBaseURL")
		return nil
	}
}

// WithAuthorityHost sets the URL of the token service that a Handler's auth
// challenges point at, such as "https://login.example.test:8443". It must
// route to the handler. The default is the base URL's origin. Only
// NewHandler uses it; Start serves the token endpoint on login.localhost.
func WithAuthorityHost(rawURL string) Option {
	return func(c *config) error {
		u, err := parseOrigin(rawURL)
		if err != nil {
			return fmt.Errorf("authority host: %w", err)
		}
		c.authorityHost = u
		c.handlerOnly = append(c.handlerOnly, "WithAuthorityHost")
		return nil
	}
}

// parseOrigin checks that raw is an https URL without path, query or
// fragment and returns it without a trailing slash.
func parseOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	if u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an https URL with a host", raw)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q must have no path, query, fragment or user info", raw)
	}
	return "https://" + strings.ToLower(u.Host), nil
}

var tenantPattern = regexp.MustCompile(`^[0-9A-Za-z.-]{1,64}$`)

// WithTenantID sets the directory (tenant) id in the auth challenge and in
// the tokens the emulator issues. The default is DefaultTenantID.
func WithTenantID(id string) Option {
	return func(c *config) error {
		if !tenantPattern.MatchString(id) {
			return fmt.Errorf("tenant id %q must be 1..64 letters, digits, '.' or '-'", id)
		}
		c.tenantID = id
		return nil
	}
}

// WithClientSecret makes the token endpoint accept clientID with this secret.
// Once any client is configured (with this option or WithClientCertificate),
// only configured clients get tokens; by default any client id with any
// non-empty secret or assertion does. Repeat the option for more clients.
func WithClientSecret(clientID, secret string) Option {
	return func(c *config) error {
		if clientID == "" || secret == "" {
			return errors.New("client id and secret must not be empty")
		}
		if c.clients == nil {
			c.clients = map[string]clientCredential{}
		}
		c.clients[clientID] = clientCredential{secret: secret}
		return nil
	}
}

// WithClientCertificate makes the token endpoint accept clientID when it
// presents a client assertion (a JWT) signed with cert's private key, as
// certificate credentials do. See WithClientSecret for the default.
func WithClientCertificate(clientID string, cert *x509.Certificate) Option {
	return func(c *config) error {
		if clientID == "" || cert == nil {
			return errors.New("client id and certificate must be set")
		}
		if c.clients == nil {
			c.clients = map[string]clientCredential{}
		}
		c.clients[clientID] = clientCredential{cert: cert}
		return nil
	}
}

// WithLenientAuth makes the vault accept any non-empty bearer token instead
// of verifying the emulator's own signed tokens. Requests without a token
// still get the 401 challenge.
func WithLenientAuth() Option {
	return func(c *config) error {
		c.lenientAuth = true
		return nil
	}
}

// WithTokenLifetime sets how long issued tokens are valid (default 1 hour).
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Minute {
			return fmt.Errorf("token lifetime %v is shorter than a minute", d)
		}
		c.tokenLifetime = d
		return nil
	}
}

// WithClock replaces time.Now as the source of the emulator's clock, which
// dates or times everything in the vault: attributes, certificate validity,
// delays, lifetime actions, token expiry, scheduled purges, throttling
// windows and the request log's times. WithStartTime and Advance move the
// clock away from its source. The server's TLS certificate keeps using the
// real time, and so do Faults.Latency and the request log's durations; the
// certificate Seed shares is valid from a day before the real time, or
// before the emulator's time when that is more than a day away.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("clock is nil")
		}
		c.now = now
		return nil
	}
}

// WithDelays sets the waits the emulator imitates; see Delays.
func WithDelays(d Delays) Option {
	return func(c *config) error {
		if d.Create < 0 || d.Delete < 0 || d.Recover < 0 || d.Purge < 0 || d.PendingPolls < 0 {
			return fmt.Errorf("delays must not be negative: %+v", d)
		}
		c.delays = d
		return nil
	}
}

// WithRealisticDelays uses waits close to the real service's: creates
// complete after 10 s (Retry-After: 10), deleted certificates show in the
// deleted views after 15 s, recovered ones come back after 20 s and purged
// names are reusable after 10 s.
func WithRealisticDelays() Option {
	return WithDelays(realisticDelays)
}

// WithRecoverableDays sets how many days deleted certificates stay
// recoverable (7..90, default 90). Fewer than 90 days gives the
// CustomizedRecoverable recovery levels.
func WithRecoverableDays(days int) Option {
	return func(c *config) error {
		if days < 7 || days > 90 {
			return fmt.Errorf("recoverable days %d is outside 7..90", days)
		}
		c.recoverableDays = days
		return nil
	}
}

// WithPurgeProtection emulates a vault with purge protection: deleted
// certificates cannot be purged (403) and the recovery level is Recoverable
// (or CustomizedRecoverable).
func WithPurgeProtection() Option {
	return func(c *config) error {
		c.purgeProtection = true
		return nil
	}
}

// WithoutSoftDelete emulates a vault without soft delete (recovery level
// Purgeable): DeleteCertificate removes a certificate for good.
func WithoutSoftDelete() Option {
	return func(c *config) error {
		c.noSoftDelete = true
		return nil
	}
}

// WithBackupKey sets the 32-byte AES-256 key that seals backup blobs. Servers
// sharing a key restore each other's backups. The default is a random key
// (kept in saved state).
func WithBackupKey(key []byte) Option {
	return func(c *config) error {
		if len(key) != 32 {
			return fmt.Errorf("backup key has %d bytes, want 32", len(key))
		}
		c.backupKey = slices.Clone(key)
		return nil
	}
}

// WithFaults injects failures from the start; see Faults and SetFaults.
func WithFaults(f Faults) Option {
	return func(c *config) error {
		if err := f.validate(); err != nil {
			return err
		}
		c.faults = f
		return nil
	}
}

// WithPageSize sets the page size of lists when the request has no
// maxresults (1..25, default 25, as the service).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxPageSize {
			return fmt.Errorf("page size %d is outside 1..%d", n, maxPageSize)
		}
		c.pageSize = n
		return nil
	}
}

// WithEmptyPages makes every list serve n empty pages (an empty value with
// a nextLink) before each page of items, as the service sometimes does.
func WithEmptyPages(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 100 {
			return fmt.Errorf("empty pages %d is outside 0..100", n)
		}
		c.emptyPages = n
		return nil
	}
}

// WithRequestLogSize sets how many of the latest requests Requests keeps
// (default 10000; 0 keeps none).
func WithRequestLogSize(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("request log size %d is negative", n)
		}
		c.logSize = n
		return nil
	}
}

// WithState starts from a state written by SaveState: certificates, deleted
// certificates, issuers, contacts, the CA, token signing and backup keys (so
// a CA file written earlier stays valid), and how far Advance had moved the
// clock, unless WithStartTime sets it. It reads r to the end.
func WithState(r io.Reader) Option {
	return func(c *config) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read state: %w", err)
		}
		c.state = data
		return nil
	}
}

// WithStateFile keeps the vault in the file at path, durably. Start loads
// the file if it exists, and from then on every change the emulator
// answers with a success (and every Seed, AddCertificate and LoadState) is
// written and synced to disk before the answer, so it survives the process
// being killed and the machine losing power. Changes go to a journal
// beside the file (path + ".journal") that is folded into the file when it
// has grown about as large, at start and at Close or Shutdown. A write
// that was cut short by a crash, and so never answered, is dropped at the
// next start, and so are temporary files a crash left behind.
//
// The clock's advance and the lifetime actions that ran are kept; the
// Notifications list is not. The files hold private keys and issuer
// passwords (mode 0600). One server
// at a time may use a state file: on Unix it is locked (path + ".lock")
// while the server runs. If a write fails, the request is answered 500.
// The file is a SaveState document, so WithState reads it too; the two
// options do not go together. Only Start and NewServer use it.
func WithStateFile(path string) Option {
	return func(c *config) error {
		if path == "" {
			return errors.New("state file path is empty")
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return fmt.Errorf("state file path: %w", err)
		}
		c.statePath = abs
		c.serverOnly = append(c.serverOnly, "WithStateFile")
		return nil
	}
}

// WithAPIVersions adds api-version values the emulator accepts, on top of
// the published ones (7.0 to 7.6, 2025-07-01 and 2026-04-01) and
// gen.APIVersion.
func WithAPIVersions(versions ...string) Option {
	return func(c *config) error {
		for _, v := range versions {
			if v == "" {
				return errors.New("api-version is empty")
			}
			if !slices.Contains(c.apiVersions, v) {
				c.apiVersions = append(c.apiVersions, v)
			}
		}
		return nil
	}
}

// WithOnlyAPIVersions makes the emulator accept exactly the given
// api-version values and answer 400 BadParameter to any other, the way a
// vault that does not yet speak a newer version does. With versions older
// than 2026-04-01 only, certificate policies carry no platformManaged.
// Later WithAPIVersions options add to the set.
func WithOnlyAPIVersions(versions ...string) Option {
	return func(c *config) error {
		if len(versions) == 0 {
			return errors.New("WithOnlyAPIVersions needs at least one api-version")
		}
		c.apiVersions = nil
		for _, v := range versions {
			if v == "" {
				return errors.New("api-version is empty")
			}
			if !slices.Contains(c.apiVersions, v) {
				c.apiVersions = append(c.apiVersions, v)
			}
		}
		return nil
	}
}

// WithLogger logs one line per request (method, path, operation, status and
// duration; never headers, bodies or tokens). The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithRegion sets the x-ms-keyvault-region response header (default "westus").
func WithRegion(region string) Option {
	return func(c *config) error {
		if region == "" {
			return errors.New("region is empty")
		}
		c.region = region
		return nil
	}
}
