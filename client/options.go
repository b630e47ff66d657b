package client

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// An Option configures a [Client]. Options check their arguments: [New]
// returns the first option's error.
type Option func(*settings) error

// settings collects what the options set.
type settings struct {
	base          http.RoundTripper
	timeout       time.Duration
	apiVersion    string
	retry         RetryOptions
	logger        *slog.Logger
	userAgent     string
	pollFrequency time.Duration
	allowHTTP     bool
	wrapOperation []func(http.RoundTripper) http.RoundTripper
	wrapAttempt   []func(http.RoundTripper) http.RoundTripper
}

const defaultPollFrequency = 2 * time.Second

// sharedTransport is the transport of every client given no transport of
// its own: one pool of connections per process.
var sharedTransport = sync.OnceValue(func() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return http.DefaultTransport
})

func defaultSettings() settings {
	return settings{
		apiVersion:    gen.APIVersion,
		retry:         DefaultRetryOptions(),
		logger:        slog.New(slog.DiscardHandler),
		pollFrequency: defaultPollFrequency,
	}
}

// WithHTTPClient sends requests through hc.Transport, below the client's
// own retry, authentication and logging layers; when hc.Transport is nil,
// through the transport shared by default (see [WithTransport]). Each call, retries included, is bounded by
// hc.Timeout when that is set. No other field of hc is used: the client
// never follows redirects and does not use hc's cookie jar. A nil hc is
// refused with an error. Of WithHTTPClient and WithTransport, the last one
// given sets the transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return invalidArg("WithHTTPClient: the *http.Client is nil")
		}
		s.base = hc.Transport
		s.timeout = hc.Timeout
		return nil
	}
}

// WithTransport sends requests through rt, below the client's own retry,
// authentication and logging layers. A nil rt is refused with an error.
//
// The default is one transport that all clients of the process share, as
// http.DefaultTransport is shared, so that a program talking to many vaults
// keeps one connection pool: a clone of http.DefaultTransport made when the
// first client needs it, which shares its settings but not its connections
// with the rest of the program. When the program has replaced
// http.DefaultTransport with something other than an *http.Transport, that
// is used as it is.
func WithTransport(rt http.RoundTripper) Option {
	return func(s *settings) error {
		if rt == nil {
			return invalidArg("WithTransport: the http.RoundTripper is nil")
		}
		s.base = rt
		return nil
	}
}

// WithAPIVersion sets the api-version query parameter of every request.
// The default is the version the client was generated from (gen.APIVersion,
// "2025-07-01"); other versions may not understand every field.
func WithAPIVersion(v string) Option {
	return func(s *settings) error {
		if v == "" || len(v) > 32 {
			return invalidArg("WithAPIVersion %s: must be 1 to 32 characters", quote(v))
		}
		for i := 0; i < len(v); i++ {
			c := v[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '.') {
				return invalidArg("WithAPIVersion %s: only letters, digits, '-' and '.' are allowed", quote(v))
			}
		}
		s.apiVersion = v
		return nil
	}
}

// RetryOptions say how requests that failed transiently are retried: on
// statuses 408, 429, 500, 502, 503 and 504 and on network errors, with
// exponential backoff and jitter. Requests that create state (create,
// import, merge, restore, recover) are retried only on 408, 429, 503 and
// failures to connect, so that they never run twice.
type RetryOptions struct {
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retries.
	MaxRetries int
	// BaseDelay is the delay before the first retry; later delays double
	// up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter caps the delay a Retry-After header can ask for.
	MaxRetryAfter time.Duration
}

// WithRetry sets the retry policy. Start from [DefaultRetryOptions] and
// change what you need.
func WithRetry(r RetryOptions) Option {
	return func(s *settings) error {
		if err := r.validate(); err != nil {
			return err
		}
		s.retry = r
		return nil
	}
}

// WithLogger sends one debug record per HTTP attempt (method, path,
// status, attempt, duration, request id) to l, and the rotations (info) and
// failed checks (warn) of a [TLSSource]. Records never contain tokens,
// passwords, private keys or secret values. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return invalidArg("WithLogger: the *slog.Logger is nil")
		}
		s.logger = l
		return nil
	}
}

// WithUserAgent appends suffix, such as "myapp/1.2", to the User-Agent
// header of every request.
func WithUserAgent(suffix string) Option {
	return func(s *settings) error {
		if suffix == "" || len(suffix) > 256 {
			return invalidArg("WithUserAgent %s: must be 1 to 256 characters", quote(suffix))
		}
		for i := 0; i < len(suffix); i++ {
			if c := suffix[i]; c < ' ' || c > '~' {
				return invalidArg("WithUserAgent %s: only printable ASCII is allowed", quote(suffix))
			}
		}
		s.userAgent = suffix
		return nil
	}
}

// WithPollFrequency sets how long pollers wait between status requests
// when the service does not say (with Retry-After). The default is 2s.
func WithPollFrequency(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return invalidArg("WithPollFrequency %v: must be positive", d)
		}
		s.pollFrequency = d
		return nil
	}
}

// WithLoopbackHTTP allows a vault URL with scheme http when its host is a
// loopback address (localhost, 127.0.0.0/8 or ::1), for local emulators.
// Tokens are then sent in clear text over the loopback interface. Other
// hosts always need https.
func WithLoopbackHTTP() Option {
	return func(s *settings) error {
		s.allowHTTP = true
		return nil
	}
}
