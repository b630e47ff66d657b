package client

import (
	"context"
	"net/http"
	"strings"

	"github.com/kvcerts/kvcerts/gen"
)

// BeginCreateCertificateOptions are the options of BeginCreateCertificate.
type BeginCreateCertificateOptions struct {
	// Enabled sets whether the new version is enabled; nil leaves it to
	// the policy (enabled by default).
	Enabled *bool
	// Tags are the new version's tags.
	Tags map[string]string
	// PreserveCertOrder keeps a merged chain in the order given.
	PreserveCertOrder bool
}

// CreateCertificateResult is the outcome of a create operation.
type CreateCertificateResult struct {
	// Certificate is the new version. It is nil when the operation waits
	// for a merge (issuer [IssuerUnknown]).
	Certificate *Certificate
	// Operation is the operation's last state. With issuer IssuerUnknown it
	// is still in progress and its CSR is to be signed and merged with
	// MergeCertificate.
	Operation *CertificateOperation
}

// BeginCreateCertificate starts creating a new certificate, or a new
// version of an existing one, under name and returns a poller for the
// operation. With a nil or empty policy the certificate's current policy
// is used, which fails for a certificate that does not exist yet;
// [DefaultPolicy] gives a self-signed certificate.
//
// The poller's result holds the new version once the issuer has signed it.
// With issuer [IssuerUnknown] it holds the operation and its CSR instead,
// right away. A failed or cancelled operation ends the poller with an
// [*OperationError].
//
// Key Vault: POST /certificates/{name}/create, then GET
// /certificates/{name}/pending and GET /certificates/{name}/{version}
// (permissions certificates/create and certificates/get).
// Errors: [ErrConflict] when another operation is pending for name or the
// name is deleted but recoverable (code "ObjectIsDeletedButRecoverable"),
// [ErrForbidden], a [*ResponseError] with code "BadParameter" for a policy
// the service refuses.
func (c *Client) BeginCreateCertificate(ctx context.Context, name string, policy *CertificatePolicy, opts *BeginCreateCertificateOptions) (*Poller[*CreateCertificateResult], error) {
	ctx = withOperation(ctx, "BeginCreateCertificate")
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	if policy != nil {
		if err := c.checkPolicy(policy); err != nil {
			return nil, err
		}
	}
	if opts == nil {
		opts = &BeginCreateCertificateOptions{}
	}
	body := gen.CertificateCreateParameters{
		CertificateAttributes: gen.CertificateAttributes{Enabled: opts.Enabled},
		CertificatePolicy:     policyToWire(policy),
		Tags:                  opts.Tags,
	}
	if opts.PreserveCertOrder {
		body.PreserveCertOrder = &opts.PreserveCertOrder
	}
	req, err := gen.NewCreateCertificateRequest(c.server, name, body)
	var w gen.CertificateOperation
	h, err := c.do(createsState(ctx), req, err, http.StatusAccepted, &w)
	if err != nil {
		return nil, err
	}
	if err := checkObjectID(label(req), CollectionOperations, w.ID, name, ""); err != nil {
		return nil, err
	}
	s := &createState{name: name, op: operationFromWire(&w)}
	p := newPoller(c, "BeginCreateCertificate", s.step)
	p.delay = c.pollDelay(h)
	s.settle(p)
	return p, nil
}

// ResumeCreateCertificateOptions are the options of
// ResumeCreateCertificate. There are none yet; pass nil.
type ResumeCreateCertificateOptions struct{}

// ResumeCreateCertificate returns a poller for the pending create
// operation of the certificate name, for example one started by another
// process. It sends no request; the poller's first Poll (or Wait) does.
//
// Key Vault: GET /certificates/{name}/pending, then GET
// /certificates/{name}/{version} (permission certificates/get).
// Errors (from the poller): [ErrNotFound] when name has no operation.
func (c *Client) ResumeCreateCertificate(name string, opts *ResumeCreateCertificateOptions) (*Poller[*CreateCertificateResult], error) {
	if err := checkCertificateName(name); err != nil {
		return nil, err
	}
	s := &createState{name: name}
	p := newPoller(c, "ResumeCreateCertificate", s.step)
	p.delay = 0
	return p, nil
}

// createState follows a create operation.
type createState struct {
	name string
	op   *CertificateOperation // last state seen; nil before the first poll
}

func (s *createState) step(ctx context.Context, p *Poller[*CreateCertificateResult]) (http.Header, error) {
	var h http.Header
	if s.op == nil || s.op.Status != OperationStatusCompleted {
		req, err := gen.NewGetCertificateOperationRequest(p.c.server, s.name)
		var w gen.CertificateOperation
		if h, err = p.c.do(ctx, req, err, http.StatusOK, &w); err != nil {
			return nil, err
		}
		if err := checkObjectID(label(req), CollectionOperations, w.ID, s.name, ""); err != nil {
			return nil, err
		}
		s.op = operationFromWire(&w)
		if s.settle(p) || s.op.Status != OperationStatusCompleted {
			return h, nil
		}
	}
	// Completed: fetch the version the operation made.
	version := ""
	if id, err := ParseID(s.op.Target); err == nil && id.Collection == CollectionCertificates && strings.EqualFold(id.Name, s.name) {
		version = id.Version
	}
	cert, err := p.c.getCertificate(ctx, s.name, version)
	if err != nil {
		return nil, err
	}
	p.finish(&CreateCertificateResult{Certificate: cert, Operation: s.op}, nil)
	return h, nil
}

// settle records the status of the last state seen and ends p if that
// state is final, apart from completion, which needs one more request for
// the certificate. It reports whether p ended.
func (s *createState) settle(p *Poller[*CreateCertificateResult]) bool {
	p.setStatus(string(s.op.Status))
	switch s.op.Status {
	case OperationStatusFailed, OperationStatusCancelled:
		p.finish(nil, &OperationError{Name: s.name, Operation: s.op})
	case OperationStatusCompleted:
		p.delay = 0
	default:
		if strings.EqualFold(s.op.IssuerName, IssuerUnknown) {
			p.finish(&CreateCertificateResult{Operation: s.op}, nil)
		}
	}
	return p.done
}
