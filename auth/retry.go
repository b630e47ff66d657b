package auth

import (
	"math/rand/v2"
	"time"

	"github.com/kvcerts/kvcerts/internal/transport"
)

// managedIdentityRetry limits the retries of managed identity token requests: the first
// request and six retries, waiting 2 s and then twice as long each time, up to 30 s, and
// at most 30 s for an answer's Retry-After. The instance metadata service asks for retries
// of 404, 429 and 5xx answers, and answers 410 for up to 70 s while it is being updated;
// with jitter the waits add up to 72 s to 96 s, so the last attempt comes after that window.
var managedIdentityRetry = transport.RetryPolicy{
	MaxRetries:    6,
	BaseDelay:     2 * time.Second,
	MaxDelay:      30 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

// jitter returns d shortened or lengthened at random by up to a fifth, so that the many
// processes of a machine that boots do not retry in step.
func jitter(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}
