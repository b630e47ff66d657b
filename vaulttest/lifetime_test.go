package vaulttest

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kvcerts/kvcerts/gen"
)

// renewPolicy is selfPolicy with a validity and lifetime actions.
func renewPolicy(subject string, months int32, actions ...gen.LifetimeAction) gen.CertificatePolicy {
	p := selfPolicy(subject)
	p.X509CertificateProperties.ValidityInMonths = months
	p.LifetimeActions = actions
	return p
}

func atPercent(pct int32, action gen.CertificatePolicyAction) gen.LifetimeAction {
	return gen.LifetimeAction{Trigger: gen.Trigger{LifetimePercentage: pct}, Action: gen.Action{ActionType: action}}
}

func daysBefore(days int32, action gen.CertificatePolicyAction) gen.LifetimeAction {
	return gen.LifetimeAction{Trigger: gen.Trigger{DaysBeforeExpiry: days}, Action: gen.Action{ActionType: action}}
}

// advance moves the server's clock and gets a token valid at the new time.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	if _, err := h.srv.Advance(d); err != nil {
		h.t.Fatal(err)
	}
	h.refreshToken()
}

// versionsOf returns the versions of a certificate, oldest first, from
// the vault's state as a request would see it now.
func (h *harness) versionsOf(name string) []*version {
	h.t.Helper()
	v := h.srv.vault
	v.mu.Lock()
	defer v.mu.Unlock()
	v.runDue(h.srv.Now())
	c := v.certs[nameKey(name)]
	if c == nil {
		h.t.Fatalf("no certificate %q", name)
	}
	return slices.Clone(c.versions)
}

func TestStartTimeAndAdvance(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h := newHarness(t, WithStartTime(start))
	if got := h.srv.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want the start time %v", got, start)
	}
	b := h.createDone("dated")
	if got := b.Attributes.Created.Time(); !got.Equal(start) {
		t.Errorf("created = %v, want %v", got, start)
	}
	if got := b.Attributes.NotBefore.Time(); !got.Equal(start) {
		t.Errorf("nbf = %v, want %v", got, start)
	}
	now, err := h.srv.Advance(36 * time.Hour)
	if err != nil || !now.Equal(start.Add(36*time.Hour)) {
		t.Fatalf("Advance = %v, %v; want %v", now, err, start.Add(36*time.Hour))
	}
	// The source clock still moves the emulator's clock too.
	h.clock.Advance(time.Minute)
	if got, want := h.srv.Now(), start.Add(36*time.Hour+time.Minute); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	h.refreshToken()
	var upd gen.CertificateBundle
	h.call("PATCH", "/certificates/dated/", gen.CertificateUpdateParameters{Tags: map[string]string{"a": "b"}}, http.StatusOK, &upd)
	if got, want := upd.Attributes.Updated.Time(), start.Add(36*time.Hour+time.Minute); !got.Equal(want) {
		t.Errorf("updated = %v, want %v", got, want)
	}
	if _, err := h.srv.Advance(-time.Second); err == nil {
		t.Error("Advance(-1s) succeeded")
	}
	if _, err := Start(WithStartTime(time.Time{})); err == nil {
		t.Error("WithStartTime(zero time) was accepted")
	}
}

func TestClockMovesDeletesAndPurges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithDelays(Delays{Delete: 15 * time.Second}), WithRecoverableDays(7))
	h.createDone("gone")
	var d gen.DeletedCertificateBundle
	h.call("DELETE", "/certificates/gone", nil, http.StatusOK, &d)
	if got, want := d.ScheduledPurgeDate.Time(), d.DeletedDate.Time().AddDate(0, 0, 7); !got.Equal(want) {
		t.Errorf("scheduledPurgeDate = %v, want %v", got, want)
	}
	h.fail("GET", "/deletedcertificates/gone", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.advance(15 * time.Second)
	h.call("GET", "/deletedcertificates/gone", nil, http.StatusOK, nil)
	h.advance(7*24*time.Hour - 16*time.Second)
	h.call("GET", "/deletedcertificates/gone", nil, http.StatusOK, nil)
	// The scheduled purge date passes without a request in between.
	h.advance(time.Second)
	h.srv.vault.mu.Lock()
	_, kept := h.srv.vault.deleted[nameKey("gone")]
	h.srv.vault.mu.Unlock()
	if kept {
		t.Error("Advance past the scheduled purge date kept the deleted certificate")
	}
	h.fail("GET", "/deletedcertificates/gone", nil, http.StatusNotFound, "CertificateNotFound", "")
	h.createDone("gone")
}

func TestRateWindowFollowsAdvance(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithFaults(Faults{RateLimit: 1}))
	h.call("GET", "/certificates", nil, http.StatusOK, nil)
	h.fail("GET", "/certificates", nil, http.StatusTooManyRequests, "Throttled", "")
	if _, err := h.srv.Advance(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.call("GET", "/certificates", nil, http.StatusOK, nil)
}

// TestAutoRenewOneYearJump jumps a year over a one-month certificate that
// renews at half its lifetime: every renewal happens once, in order, dated
// when its trigger was reached, with a new key each time.
func TestAutoRenewOneYearJump(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	start := h.srv.Now()
	h.create("monthly", renewPolicy("CN=monthly", 1, atPercent(50, gen.CertificatePolicyActionAutoRenew)))
	h.advance(365 * 24 * time.Hour)
	end := h.srv.Now()

	vers := h.versionsOf("monthly")
	if len(vers) < 20 {
		t.Fatalf("%d versions after a year of renewals at half of one month, want over 20", len(vers))
	}
	if !vers[0].notBefore.Equal(start) {
		t.Errorf("first version starts %v, want %v", vers[0].notBefore, start)
	}
	keys := map[string]bool{}
	for i, ver := range vers {
		if !ver.notAfter.Equal(ver.notBefore.AddDate(0, 1, 0)) {
			t.Errorf("version %d: valid %v to %v, want one month", i, ver.notBefore, ver.notAfter)
		}
		pub, err := x509.MarshalPKIXPublicKey(ver.key.Public())
		if err != nil {
			t.Fatal(err)
		}
		if keys[string(pub)] {
			t.Errorf("version %d reuses an earlier key", i)
		}
		keys[string(pub)] = true
		if i == 0 {
			continue
		}
		prev := vers[i-1]
		due := prev.notBefore.Add(prev.notAfter.Sub(prev.notBefore) / 2).Truncate(time.Second)
		if !ver.notBefore.Equal(due) || !ver.created.Equal(ver.notBefore) {
			t.Errorf("version %d: nbf %v, created %v; want both at the previous version's half-life %v", i, ver.notBefore, ver.created, due)
		}
	}
	last := vers[len(vers)-1]
	if next := last.notBefore.Add(last.notAfter.Sub(last.notBefore) / 2); !next.After(end) {
		t.Errorf("the last version's trigger %v had passed at %v without a renewal", next, end)
	}
	// Over HTTP: the latest version is the last renewal, and nothing more
	// happens without time passing.
	var b gen.CertificateBundle
	h.call("GET", "/certificates/monthly/", nil, http.StatusOK, &b)
	if !strings.HasSuffix(b.ID, "/"+last.id) {
		t.Errorf("latest version %s, want %s", b.ID, last.id)
	}
	h.advance(0)
	if n := len(h.versionsOf("monthly")); n != len(vers) {
		t.Errorf("%d versions after Advance(0), want %d", n, len(vers))
	}
}

func TestAutoRenewReuseKeyAndDaysBeforeExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := renewPolicy("CN=reuse", 12, daysBefore(30, gen.CertificatePolicyActionAutoRenew))
	p.KeyProperties.ReuseKey = new(true)
	h.create("reuse", p)
	first := h.versionsOf("reuse")[0]
	trigger := first.notAfter.AddDate(0, 0, -30)
	h.advance(trigger.Sub(h.srv.Now()) - time.Second)
	if n := len(h.versionsOf("reuse")); n != 1 {
		t.Fatalf("%d versions a second before the trigger, want 1", n)
	}
	// Without Advance: the fake time source moves, and the next request
	// runs the renewal.
	h.clock.Advance(time.Second)
	var b gen.CertificateBundle
	h.call("GET", "/certificates/reuse/", nil, http.StatusOK, &b)
	vers := h.versionsOf("reuse")
	if len(vers) != 2 {
		t.Fatalf("%d versions at the trigger, want 2", len(vers))
	}
	if !publicKeyEqual(vers[1].key.Public(), first.key.Public()) {
		t.Error("reuse_key: the renewal has a new key")
	}
	if !vers[1].notBefore.Equal(trigger) || !strings.HasSuffix(b.ID, "/"+vers[1].id) {
		t.Errorf("renewal: nbf %v (want %v), GET answered %s", vers[1].notBefore, trigger, b.ID)
	}
}

func TestAutoRenewIsAnOperationWhileInProgress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithDelays(Delays{Create: time.Hour}))
	h.create("slow", renewPolicy("CN=slow", 12, atPercent(80, gen.CertificatePolicyActionAutoRenew)))
	h.advance(time.Hour)
	h.call("GET", "/certificates/slow/pending", nil, http.StatusOK, nil)
	first := h.versionsOf("slow")[0]
	due := first.notBefore.Add(first.notAfter.Sub(first.notBefore) / 100 * 80)
	h.advance(due.Sub(h.srv.Now()) + time.Minute)
	var op gen.CertificateOperation
	h.call("GET", "/certificates/slow/pending", nil, http.StatusOK, &op)
	if op.Status != statusInProgress || len(op.Csr) == 0 {
		t.Fatalf("renewal operation %s, want inProgress with a CSR", mustJSON(op))
	}
	// A create while the renewal runs conflicts, as with any pending create.
	h.fail("POST", "/certificates/slow/create", gen.CertificateCreateParameters{}, http.StatusConflict, "Conflict", "")
	if n := len(h.versionsOf("slow")); n != 1 {
		t.Fatalf("%d versions while the renewal runs, want 1", n)
	}
	h.advance(time.Hour)
	h.call("GET", "/certificates/slow/pending", nil, http.StatusOK, &op)
	vers := h.versionsOf("slow")
	if op.Status != statusCompleted || len(vers) != 2 || !strings.HasSuffix(op.Target, "/slow") {
		t.Fatalf("after the create delay: operation %s with %d versions", mustJSON(op), len(vers))
	}
	if want := due.Add(time.Hour).Truncate(time.Second); !vers[1].notBefore.Equal(want) {
		t.Errorf("renewal issued at %v, want when it was due, %v", vers[1].notBefore, want)
	}
}

func TestAutoRenewUnknownIssuerPendsForMerge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// An Unknown-issuer certificate whose first version is merged.
	p := renewPolicy("CN=external", 12, atPercent(50, gen.CertificatePolicyActionAutoRenew))
	p.IssuerParameters.Name = "unknown" // issuer names ignore case
	op := h.create("external", p)
	if op.Status != statusInProgress || !strings.Contains(op.StatusDetails, "merge") {
		t.Fatalf("create with issuer %q: %s", p.IssuerParameters.Name, mustJSON(op))
	}
	merge := func() {
		t.Helper()
		csr, err := x509.ParseCertificateRequest(h.pendingCSR("external"))
		if err != nil {
			t.Fatal(err)
		}
		h.call("POST", "/certificates/external/pending/merge",
			gen.CertificateMergeParameters{X509Certificates: [][]byte{signCSR(t, h, csr)}}, http.StatusCreated, nil)
	}
	merge()
	h.advance(200 * 24 * time.Hour)
	h.call("GET", "/certificates/external/pending", nil, http.StatusOK, &op)
	if op.Status != statusInProgress || !strings.Contains(op.StatusDetails, "merge") {
		t.Fatalf("renewal with the Unknown issuer: %s, want a pending operation awaiting a merge", mustJSON(op))
	}
	if n := len(h.versionsOf("external")); n != 1 {
		t.Fatalf("%d versions while the renewal awaits its merge, want 1", n)
	}
	// Time passing does not renew again while the renewal is pending.
	h.advance(400 * 24 * time.Hour)
	merge()
	if n := len(h.versionsOf("external")); n != 2 {
		t.Fatalf("%d versions after the merge, want 2", n)
	}
}

// pendingCSR returns the CSR of a certificate's pending operation.
func (h *harness) pendingCSR(name string) []byte {
	h.t.Helper()
	var op gen.CertificateOperation
	h.call("GET", "/certificates/"+name+"/pending", nil, http.StatusOK, &op)
	return op.Csr
}

// signCSR signs a CSR with the emulator's CA, valid for a year from the
// emulator's now.
func signCSR(t *testing.T, h *harness, csr *x509.CertificateRequest) []byte {
	t.Helper()
	ca := h.srv.vault.ca
	now := h.srv.Now()
	tmpl := &x509.Certificate{SerialNumber: mustSerial(t), Subject: csr.Subject, NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustSerial(t *testing.T) *big.Int {
	t.Helper()
	s, err := randomSerial()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAutoRenewConfiguredIssuer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call("PUT", "/certificates/issuers/MyCA", gen.CertificateIssuerSetParameters{Provider: "Test"}, http.StatusOK, nil)
	p := renewPolicy("CN=ca-signed", 1, atPercent(80, gen.CertificatePolicyActionAutoRenew))
	p.IssuerParameters.Name = "myca" // issuer names ignore case
	h.create("ca-signed", p)
	h.advance(30 * 24 * time.Hour)
	vers := h.versionsOf("ca-signed")
	if len(vers) != 2 {
		t.Fatalf("%d versions, want 2", len(vers))
	}
	for i, ver := range vers {
		if len(ver.chain) != 2 || string(ver.chain[1]) != string(h.srv.vault.ca.cert.Raw) {
			t.Errorf("version %d is not signed by the emulator's CA (chain of %d)", i, len(ver.chain))
		}
	}
}

func TestEmailContactsNotifications(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.call("PUT", "/certificates/contacts", gen.Contacts{ContactList: []gen.Contact{
		{EmailAddress: "ops@example.com", Name: "Ops"}, {Phone: "555-0100"},
	}}, http.StatusOK, nil)
	h.create("mailed", renewPolicy("CN=mailed", 12,
		daysBefore(30, gen.CertificatePolicyActionEmailContacts),
		atPercent(50, gen.CertificatePolicyActionEmailContacts)))
	ver := h.versionsOf("mailed")[0]
	if n := h.srv.Notifications(); len(n) != 0 {
		t.Fatalf("notifications before any trigger: %+v", n)
	}
	h.advance(400 * 24 * time.Hour)
	half := ver.notBefore.Add(ver.notAfter.Sub(ver.notBefore) / 2)
	want := []Notification{
		{Time: half, Certificate: "mailed", Version: ver.id, Expires: ver.notAfter, Trigger: "lifetime_percentage=50", To: []string{"ops@example.com"}},
		{Time: ver.notAfter.AddDate(0, 0, -30), Certificate: "mailed", Version: ver.id, Expires: ver.notAfter, Trigger: "days_before_expiry=30", To: []string{"ops@example.com"}},
	}
	if diff := cmp.Diff(want, h.srv.Notifications()); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	h.advance(400 * 24 * time.Hour)
	if n := len(h.srv.Notifications()); n != 2 {
		t.Errorf("%d notifications after another jump, want each trigger once (2)", n)
	}
}

func TestDisabledPolicyRunsNoActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.create("off", renewPolicy("CN=off", 1, atPercent(50, gen.CertificatePolicyActionAutoRenew)))
	h.call("PATCH", "/certificates/off/policy", gen.CertificatePolicy{Attributes: gen.CertificateAttributes{Enabled: new(false)}}, http.StatusOK, nil)
	h.advance(90 * 24 * time.Hour)
	if n := len(h.versionsOf("off")); n != 1 {
		t.Errorf("%d versions with a disabled policy, want 1", n)
	}
}

// TestSeedFollowsStartTime: seeded certificates are current by the
// emulator's clock, so a start time years ahead does not make them all
// expired and due for renewal at once.
func TestSeedFollowsStartTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2040, 6, 1, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, WithStartTime(start))
	if _, err := h.srv.Seed(3, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cert-0", "cert-1", "cert-2"} {
		vers := h.versionsOf(name)
		if len(vers) != 1 || !vers[0].notBefore.Equal(start.AddDate(0, 0, -1).Truncate(time.Second)) {
			t.Errorf("%s: %d versions, first from %v; want one, from a day before %v", name, len(vers), vers[0].notBefore, start)
		}
	}
	// A year on, each renews once (at 80% of its validity).
	h.advance(365 * 24 * time.Hour)
	if n := len(h.versionsOf("cert-1")); n != 2 {
		t.Errorf("%d versions of a seeded certificate after a year, want 2", n)
	}
}

func TestAdvanceLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithStartTime(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)))
	for _, d := range []time.Duration{-time.Nanosecond, 101 * 365 * 24 * time.Hour, 1<<63 - 1} {
		if _, err := h.srv.Advance(d); err == nil {
			t.Errorf("Advance(%v) succeeded", d)
		}
	}
	if _, err := h.srv.Advance(99 * 365 * 24 * time.Hour); err != nil {
		t.Fatalf("Advance(99 years): %v", err)
	}
	if _, err := h.srv.Advance(2 * 365 * 24 * time.Hour); err == nil {
		t.Errorf("Advance past 2199 succeeded: now %v", h.srv.Now())
	}
	for _, start := range []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := Start(WithStartTime(start)); err == nil {
			t.Errorf("WithStartTime(%v) was accepted", start)
		}
	}
}

// TestRenewalsBoundedPerCall: one call runs at most maxSteps steps (half as
// many renewals) for a
// certificate; the next request goes on with the rest, in order.
func TestRenewalsBoundedPerCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.create("often", renewPolicy("CN=often", 1, atPercent(1, gen.CertificatePolicyActionAutoRenew)))
	h.versionsOf("often")
	if _, err := h.srv.Advance(365 * 24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	v := h.srv.vault
	v.mu.Lock()
	n := len(v.certs[nameKey("often")].versions)
	v.mu.Unlock()
	if n != 1+maxSteps/2 { // a renewal is two steps: it starts, then completes
		t.Fatalf("%d versions after one Advance, want 1 + %d", n, maxSteps/2)
	}
	h.refreshToken()
	h.call("GET", "/certificates/often/", nil, http.StatusOK, nil)
	vers := h.versionsOf("often")
	if len(vers) <= 1+maxSteps/2 {
		t.Fatalf("%d versions after the next request, want more than %d", len(vers), 1+maxSteps/2)
	}
	for i := 1; i < len(vers); i++ {
		if !vers[i].notBefore.After(vers[i-1].notBefore) {
			t.Fatalf("version %d starts %v, not after version %d (%v)", i, vers[i].notBefore, i-1, vers[i-1].notBefore)
		}
	}
}
