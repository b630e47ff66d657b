package vaulttest

import (
	"crypto"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

// never is later than every due time.
var never = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// A Notification is an e-mail the vault would have sent to its certificate
// contacts when an EmailContacts lifetime action fired.
type Notification struct {
	// Time is when the action fired, by the emulator's clock: when the
	// version reached the trigger, or when it was added if it had already
	// passed the trigger then.
	Time time.Time
	// Certificate is the certificate's name and Version the version that
	// reached the trigger; Expires is that version's expiry.
	Certificate string
	Version     string
	Expires     time.Time
	// Trigger says which trigger fired: "lifetime_percentage=80" or
	// "days_before_expiry=30".
	Trigger string
	// To are the e-mail addresses of the vault's certificate contacts at
	// that time; empty when the vault has none.
	To []string
}

// Notifications returns the notifications of the EmailContacts lifetime
// actions that have fired, oldest first.
func (h *Handler) Notifications() []Notification {
	v := h.vault
	v.mu.Lock()
	defer v.mu.Unlock()
	v.runDue(h.cfg.now())
	out := slices.Clone(v.notes)
	for i := range out {
		out[i].To = slices.Clone(out[i].To)
	}
	return out
}

// changed makes the next runDue look at every certificate again, after a
// change that may move a due time.
func (v *vault) changed() { v.dueChanged.Store(true) }

// changedName makes the next runDue look at the certificate (or deleted
// certificate) of one name again, after a write to it alone, so that a
// write costs the same however many certificates the vault holds.
// Callers hold v.mu.
func (v *vault) changedName(key string) {
	if v.dueNames == nil {
		v.dueNames = make(map[string]struct{})
	}
	v.dueNames[key] = struct{}{}
}

// runDue brings the vault up to now: create operations due by now
// complete, lifetime actions whose triggers have passed run in order, and
// deleted certificates past their scheduled purge date are purged. It looks
// at every certificate only when something changed or a due time has come,
// and at the names written since its last run otherwise. Callers hold v.mu.
func (v *vault) runDue(now time.Time) {
	if !v.dueChanged.Swap(false) && now.Before(v.nextDue) {
		for k := range v.dueNames {
			if c := v.certs[k]; c != nil {
				v.nextDue = earliest(v.nextDue, v.runCertificate(c, now))
			}
			if d := v.deleted[k]; d != nil {
				v.nextDue = earliest(v.nextDue, d.purgeAt)
			}
		}
		clear(v.dueNames)
		return
	}
	clear(v.dueNames)
	next := never
	for _, k := range v.names {
		next = earliest(next, v.runCertificate(v.certs[k], now))
	}
	v.dropExpired(now)
	for _, k := range v.delNames {
		next = earliest(next, v.deleted[k].purgeAt)
	}
	v.nextDue = next
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// runCertificate runs the operations and lifetime actions of c that are due
// by now, in order, and returns when the next one is due. Callers hold v.mu.
func (v *vault) runCertificate(c *certificate, now time.Time) time.Time {
	for range maxSteps {
		if c.pending() {
			due, ok := v.opDue(c.op)
			switch {
			case !ok:
				return never // waits for a merge, or for status requests
			case due.After(now):
				return due
			}
			v.settle(c, now)
			if c.pending() {
				return never
			}
			continue
		}
		ver := c.latest()
		if ver == nil || !c.policy.enabled {
			return never
		}
		a, at, ok := nextAction(c.policy, ver)
		switch {
		case !ok:
			return never
		case at.After(now):
			return at
		}
		v.fire(c, ver, a, at)
	}
	// More is due: the next request (or Advance) goes on from here, so
	// that one call never holds the vault for long.
	return now
}

// maxSteps bounds the operations and lifetime actions one runCertificate
// runs, such as the renewals of a jump over centuries.
const maxSteps = 2000

// opDue returns when an operation in progress completes by itself, and
// false if it waits for a merge (the Unknown issuer) or, for a caller's
// create, for Delays.PendingPolls status requests.
func (v *vault) opDue(op *operation) (time.Time, bool) {
	d := v.cfg.delays
	switch {
	case op.cancel:
		return op.created, true
	case isIssuer(op.policy.issuerName, issuerUnknown):
		return time.Time{}, false
	case !op.renewal && d.PendingPolls > 0 && op.polls <= d.PendingPolls:
		return time.Time{}, false
	}
	return op.created.Add(d.Create), true
}

// triggerKey names a lifetime action's trigger, to remember it fired.
func triggerKey(a gen.LifetimeAction) string {
	if a.Trigger.LifetimePercentage != 0 {
		return "lifetime_percentage=" + strconv.Itoa(int(a.Trigger.LifetimePercentage))
	}
	return "days_before_expiry=" + strconv.Itoa(int(a.Trigger.DaysBeforeExpiry))
}

// triggerTime returns when a lifetime action's trigger is reached for ver.
func triggerTime(a gen.LifetimeAction, ver *version) time.Time {
	if pct := a.Trigger.LifetimePercentage; pct != 0 {
		life := ver.notAfter.Sub(ver.notBefore)
		return ver.notBefore.Add(life / 100 * time.Duration(pct))
	}
	return ver.notAfter.AddDate(0, 0, -int(a.Trigger.DaysBeforeExpiry))
}

// nextAction returns the lifetime action of p that is due first for ver and
// has not fired for it, and when it is due: at its trigger, or when ver was
// added if that is later. AutoRenew is left out when its trigger is not
// after ver's start (days_before_expiry beyond the validity), which would
// renew each renewal again at once.
func nextAction(p *policy, ver *version) (gen.LifetimeAction, time.Time, bool) {
	var best gen.LifetimeAction
	var bestAt time.Time
	found := false
	for _, a := range p.lifetimeActions {
		if ver.fired[triggerKey(a)+"/"+string(a.Action.ActionType)] {
			continue
		}
		t := triggerTime(a, ver)
		if a.Action.ActionType == gen.CertificatePolicyActionAutoRenew && !t.After(ver.notBefore) {
			continue
		}
		at := t
		if at.Before(ver.created) {
			at = ver.created
		}
		if !found || at.Before(bestAt) {
			best, bestAt, found = a, at, true
		}
	}
	return best, bestAt, found
}

// fire runs a lifetime action of ver, the latest version of c, at time at.
// Callers hold v.mu.
func (v *vault) fire(c *certificate, ver *version, a gen.LifetimeAction, at time.Time) {
	if ver.fired == nil {
		ver.fired = map[string]bool{}
	}
	ver.fired[triggerKey(a)+"/"+string(a.Action.ActionType)] = true
	v.touch(certificateRecord(c.name))
	switch a.Action.ActionType {
	case gen.CertificatePolicyActionEmailContacts:
		var to []string
		for _, ct := range v.contacts {
			if ct.EmailAddress != "" {
				to = append(to, ct.EmailAddress)
			}
		}
		v.notes = append(v.notes, Notification{
			Time: at, Certificate: c.name, Version: ver.id, Expires: ver.notAfter,
			Trigger: triggerKey(a), To: to,
		})
	case gen.CertificatePolicyActionAutoRenew:
		v.renew(c, ver, at)
	}
}

// renew starts the renewal of c at time at, as a create with its policy
// would: an operation in progress, with a new key unless the policy reuses
// keys. It completes as a create does (see settle); with the Unknown issuer
// it waits for a merge. Callers hold v.mu.
func (v *vault) renew(c *certificate, last *version, at time.Time) {
	p := c.policy.clone()
	op := newOperation(p, at)
	op.renewal = true
	c.op = op
	var key crypto.Signer
	if p.reuseKey && keyFits(p, last.key) {
		key = last.key
	} else {
		k, err := generateKey(p)
		if err != nil {
			v.fail(op, &apiError{code: "BadParameter", message: "the renewal's key could not be made: " + err.Error()})
			return
		}
		key = k
	}
	csr, err := newCSR(p, key)
	if err != nil {
		v.fail(op, &apiError{code: "BadParameter", message: fmt.Sprintf("the policy cannot be turned into a certificate request: %v", err)})
		return
	}
	op.key, op.csr = key, csr
}
