package vaulttest

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/kvcerts/kvcerts/gen"
)

const (
	detailsInProgress = "The certificate request is in progress; check again later."
	detailsUnknown    = "The pending certificate was created; merge the signed certificate to complete the request."
	detailsCancelled  = "The certificate request was cancelled."
)

// createCertificate answers POST /certificates/{name}/create with 202 and
// an inProgress operation. The new version appears when the operation
// completes (see settle) or, for the Unknown issuer, when it is merged.
func (v *vault) createCertificate(c *call) (int, any, error) {
	name := c.name
	var body gen.CertificateCreateParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	key := nameKey(name)

	// Check the name and pick the policy and any key to reuse.
	v.mu.Lock()
	err := v.checkCreatable(key, name, c.now)
	existing := v.certs[key]
	var p *policy
	var reuse crypto.Signer
	if err == nil {
		switch {
		case given(body.CertificatePolicy) || c.policySent:
			p, err = defaultPolicy().applyWire(body.CertificatePolicy)
		case existing != nil:
			p = existing.policy.clone()
		default:
			err = badParameter("a policy is required to create the first version of certificate %q", name)
		}
	}
	if err == nil && p.reuseKey && existing != nil {
		if last := existing.latest(); last != nil && keyFits(p, last.key) {
			reuse = last.key
		}
	}
	v.mu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	if err := p.completeForIssuance(); err != nil {
		return 0, nil, err
	}

	// Key generation and signing take a while: do them unlocked.
	k := reuse
	if k == nil {
		if k, err = generateKey(p); err != nil {
			return 0, nil, fmt.Errorf("generate key: %w", err)
		}
	}
	csr, err := newCSR(p, k)
	if err != nil {
		return 0, nil, badParameter("the policy cannot be turned into a certificate request: %v", err)
	}
	op := newOperation(p, c.now)
	op.key, op.csr = k, csr
	op.tags = maps.Clone(body.Tags)
	op.preserveOrder = body.PreserveCertOrder != nil && *body.PreserveCertOrder
	op.enabled = body.CertificateAttributes.Enabled

	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.checkCreatable(key, name, c.now); err != nil {
		return 0, nil, err
	}
	cert := v.setPolicy(name, p, c.now)
	cert.op = op

	h := c.w.Header()
	h.Set("Location", v.urls.pending(cert.name)+"?api-version="+url.QueryEscape(c.apiVersion)+"&request_id="+op.requestID)
	setRetryAfter(h, v.cfg.delays.Create)
	return http.StatusAccepted, v.operationWire(cert), nil
}

// newOperation returns a create operation of policy p in progress since
// at, waiting for a merge when p's issuer is Unknown. The caller adds its
// key and CSR.
func newOperation(p *policy, at time.Time) *operation {
	op := &operation{
		requestID:     newVersion(),
		version:       newVersion(),
		policy:        p,
		status:        statusInProgress,
		statusDetails: detailsInProgress,
		created:       at,
	}
	if isIssuer(p.issuerName, issuerUnknown) {
		op.statusDetails = detailsUnknown
	}
	return op
}

// setPolicy makes p the policy of the certificate name, adding the
// certificate if it is new, and returns the certificate. p keeps the
// creation time of the policy it replaces. Callers hold v.mu.
func (v *vault) setPolicy(name string, p *policy, now time.Time) *certificate {
	cert := v.certs[nameKey(name)]
	if cert == nil {
		cert = &certificate{name: name}
		v.putLive(cert)
		p.created = now
	} else {
		p.created = cert.policy.created
	}
	p.updated = now
	cert.policy = p
	return cert
}

// checkCreatable answers the conflicts of adding a version under a name.
// Callers hold v.mu.
func (v *vault) checkCreatable(key, name string, now time.Time) error {
	if err := v.checkNameFree(key, name, now); err != nil {
		return err
	}
	if cert := v.live(key, now); cert != nil && cert.pending() {
		return conflict("", "certificate %q has a pending operation; merge, cancel or delete it first", name)
	}
	return nil
}

// settle moves a certificate's operation on: a requested cancellation takes
// effect, and a create (or renewal) with the Self or a configured issuer
// that is due by now completes, dated when it was due, or fails. Callers
// hold v.mu.
func (v *vault) settle(c *certificate, now time.Time) {
	op := c.op
	if op == nil || op.status != statusInProgress {
		return
	}
	defer func() {
		if op.status != statusInProgress {
			v.touch(certificateRecord(c.name))
		}
	}()
	due, ok := v.opDue(op)
	if !ok || now.Before(due) {
		return
	}
	// The operation completes when it was due, not when it is looked at;
	// one held back by Delays.PendingPolls completes at the poll.
	if !op.renewal && v.cfg.delays.PendingPolls > 0 {
		due = now
	}
	now = due
	v.changed()
	if op.cancel {
		op.status, op.statusDetails = statusCancelled, detailsCancelled
		return
	}
	var ca *certAuthority
	if !isIssuer(op.policy.issuerName, issuerSelf) {
		iss := v.issuers[nameKey(op.policy.issuerName)]
		switch {
		case iss == nil:
			v.fail(op, &apiError{code: "CertificateIssuerNotFound",
				message: fmt.Sprintf("issuer %q is not configured in this vault", op.policy.issuerName)})
			return
		case !iss.enabled:
			v.fail(op, &apiError{code: "BadParameter",
				message: fmt.Sprintf("issuer %q is disabled", op.policy.issuerName)})
			return
		}
		ca = v.ca
	}
	der, err := issue(op.policy, op.key, ca, now)
	if err != nil {
		v.fail(op, &apiError{code: "BadParameter", message: "the certificate could not be issued: " + err.Error()})
		return
	}
	chain := [][]byte{der}
	if ca != nil {
		chain = append(chain, ca.cert.Raw)
	}
	ver, err := v.newVersion(op, chain, 0, now)
	if err != nil {
		v.fail(op, &apiError{code: "BadParameter", message: err.Error()})
		return
	}
	c.versions = append(c.versions, ver)
	op.status, op.statusDetails = statusCompleted, ""
}

func (v *vault) fail(op *operation, err *apiError) {
	op.status = statusFailed
	op.statusDetails = "The certificate request failed: " + err.message
	op.err = err
}

// newVersion makes the version an operation completes with.
func (v *vault) newVersion(op *operation, chain [][]byte, leaf int, now time.Time) (*version, error) {
	cert, err := x509.ParseCertificate(chain[leaf])
	if err != nil {
		return nil, fmt.Errorf("parse issued certificate: %w", err)
	}
	enabled := true
	if op.enabled != nil {
		enabled = *op.enabled
	}
	return &version{
		id:            op.version,
		chain:         chain,
		leaf:          leaf,
		key:           op.key,
		x5t:           sha1.Sum(chain[leaf]),
		notBefore:     cert.NotBefore,
		notAfter:      cert.NotAfter,
		contentType:   op.policy.contentType,
		exportable:    op.policy.exportable,
		preserveOrder: op.preserveOrder,
		enabled:       enabled,
		created:       now,
		updated:       now,
		tags:          op.tags,
	}, nil
}

// pendingCert finds the certificate of an operation request. Callers hold v.mu.
func (v *vault) pendingCert(c *call) (*certificate, error) {
	cert := v.live(nameKey(c.name), c.now)
	if cert == nil || cert.op == nil {
		return nil, pendingNotFound(c.name)
	}
	return cert, nil
}

// getOperation answers GET /certificates/{name}/pending.
func (v *vault) getOperation(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.pendingCert(c)
	if err != nil {
		return 0, nil, err
	}
	if cert.pending() {
		cert.op.polls++
		v.settle(cert, c.now)
	}
	if cert.pending() {
		// Say when the operation completes, if it does by itself.
		if due, ok := v.opDue(cert.op); ok {
			setRetryAfter(c.w.Header(), due.Sub(c.now))
		}
	}
	return http.StatusOK, v.operationWire(cert), nil
}

// updateOperation answers PATCH /certificates/{name}/pending, which can
// request cancellation. The status changes at the next look at the
// operation, as with the service.
func (v *vault) updateOperation(c *call) (int, any, error) {
	var body gen.CertificateOperationUpdateParameter
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.pendingCert(c)
	if err != nil {
		return 0, nil, err
	}
	if body.CancellationRequested && cert.pending() {
		cert.op.cancel = true
	}
	return http.StatusOK, v.operationWire(cert), nil
}

// deleteOperation answers DELETE /certificates/{name}/pending: it forgets
// the operation (and the name, if it has no version) and returns it.
func (v *vault) deleteOperation(c *call) (int, any, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.pendingCert(c)
	if err != nil {
		return 0, nil, err
	}
	out := v.operationWire(cert)
	cert.op = nil
	if len(cert.versions) == 0 {
		v.dropLive(nameKey(cert.name))
	}
	return http.StatusOK, out, nil
}

// mergeCertificate answers POST /certificates/{name}/pending/merge: the
// signed chain for a pending Unknown-issuer request completes it (201).
func (v *vault) mergeCertificate(c *call) (int, any, error) {
	var body gen.CertificateMergeParameters
	if err := decodeBody(c, &body); err != nil {
		return 0, nil, err
	}
	if len(body.X509Certificates) == 0 {
		return 0, nil, badParameter("x5c must hold the signed certificate and its chain")
	}
	certs := make([]*x509.Certificate, len(body.X509Certificates))
	for i, der := range body.X509Certificates {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return 0, nil, badParameter("x5c[%d] is not a DER X.509 certificate", i)
		}
		certs[i] = cert
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	cert, err := v.pendingCert(c)
	if err != nil {
		return 0, nil, err
	}
	op := cert.op
	if !cert.pending() {
		return 0, nil, pendingNotFound(c.name)
	}
	if !isIssuer(op.policy.issuerName, issuerUnknown) {
		return 0, nil, badParameter("certificate %q was requested from issuer %q; only Unknown-issuer requests are merged", c.name, op.policy.issuerName)
	}
	leaf := leafIndex(certs, op.key.Public())
	if leaf < 0 {
		return 0, nil, badParameter("no certificate in x5c has the public key of the pending request for %q", c.name)
	}
	chain, leaf := orderChain(body.X509Certificates, leaf, op.preserveOrder)
	if e := body.CertificateAttributes.Enabled; e != nil {
		op.enabled = e
	}
	if body.Tags != nil {
		op.tags = maps.Clone(body.Tags)
	}
	ver, err := v.newVersion(op, chain, leaf, c.now)
	if err != nil {
		return 0, nil, badParameter("%v", err)
	}
	cert.versions = append(cert.versions, ver)
	op.status, op.statusDetails = statusCompleted, ""
	return http.StatusCreated, v.bundle(cert, ver, true), nil
}

// orderChain returns the chain leaf first, unless the order is preserved,
// and the index of the leaf in the result.
func orderChain(ders [][]byte, leaf int, preserve bool) ([][]byte, int) {
	if preserve || leaf == 0 {
		return ders, leaf
	}
	out := make([][]byte, 0, len(ders))
	out = append(out, ders[leaf])
	out = append(out, ders[:leaf]...)
	out = append(out, ders[leaf+1:]...)
	return out, 0
}
