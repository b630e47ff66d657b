package client

import (
	"context"
	"net/http"
)

// operationKey is the context key of the operation's name.
type operationKey struct{}

// OperationName returns the name of the client method, such as
// "GetCertificate", that a request belongs to, read from the request's
// context: req.Context() in an http.RoundTripper given to
// [WithOperationTransport] or [WithAttemptTransport]. It returns "" for a
// context that belongs to no operation.
//
// Requests of pollers and pagers carry the name of the method that made
// them ("BeginCreateCertificate", "ListCertificates"); requests a method
// makes on behalf of another carry the outer method's name, such as the
// secret read of "DownloadCertificate"; a [TLSSource]'s checks are
// "TLSSource.Refresh".
func OperationName(ctx context.Context) string {
	name, _ := ctx.Value(operationKey{}).(string)
	return name
}

// withOperation returns ctx carrying the operation name, unless it already
// carries one: the outermost method names the requests.
func withOperation(ctx context.Context, name string) context.Context {
	if OperationName(ctx) != "" {
		return ctx
	}
	return context.WithValue(ctx, operationKey{}, name)
}

// WithOperationTransport wraps the client's whole request pipeline with
// wrap: the http.RoundTripper that wrap returns sees each request of an
// operation once, before authentication and retries, and the final
// response or error; [OperationName] of the request's context names the
// operation. Tracers that make a span per request, such as OpenTelemetry's
// otelhttp.NewTransport, then make one span per request of an operation,
// which [WithAttemptTransport] can give child spans per attempt.
//
// The request it sees has no Authorization header yet. wrap is called once,
// by [New]; it must not return nil. Several WithOperationTransport options
// nest, the last one given outermost.
func WithOperationTransport(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(s *settings) error {
		if wrap == nil {
			return invalidArg("WithOperationTransport: the wrap function is nil")
		}
		s.wrapOperation = append(s.wrapOperation, wrap)
		return nil
	}
}

// WithAttemptTransport wraps the transport that sends each attempt with
// wrap: the http.RoundTripper that wrap returns sees every request the
// client sends, retries and the unauthenticated request that learns the
// vault's authentication challenge included, and sends it through the base
// transport (the default, [WithTransport]'s or [WithHTTPClient]'s). Its
// requests' contexts carry [OperationName] and whatever a
// [WithOperationTransport] wrapper added, such as a parent span.
//
// The requests it sees carry the bearer token in their Authorization
// header: keep it out of logs and traces (otelhttp records no request
// headers by default). wrap is called once, by [New]; it must not return
// nil. Several WithAttemptTransport options nest, the last one given
// outermost.
func WithAttemptTransport(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(s *settings) error {
		if wrap == nil {
			return invalidArg("WithAttemptTransport: the wrap function is nil")
		}
		s.wrapAttempt = append(s.wrapAttempt, wrap)
		return nil
	}
}

// wrapTransport applies wraps to rt in order, refusing a nil result.
func wrapTransport(option string, rt http.RoundTripper, wraps []func(http.RoundTripper) http.RoundTripper) (http.RoundTripper, error) {
	for _, wrap := range wraps {
		if rt = wrap(rt); rt == nil {
			return nil, invalidArg("%s: the wrap function returned a nil http.RoundTripper", option)
		}
	}
	return rt, nil
}
