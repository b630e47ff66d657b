package interop_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// tracedClient returns a client of an emulated vault traced with otelhttp
// at the operation and attempt levels, and the recorder of its spans.
func tracedClient(t *testing.T) (*client.Client, *tracetest.SpanRecorder) {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { tp.Shutdown(t.Context()) })
	srv := vaulttest.NewServer()
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, srv.TokenSource(), client.WithHTTPClient(srv.Client()), client.WithPollFrequency(time.Millisecond),
		client.WithOperationTransport(func(rt http.RoundTripper) http.RoundTripper {
			return otelhttp.NewTransport(rt, otelhttp.WithTracerProvider(tp),
				otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return client.OperationName(r.Context()) }))
		}),
		client.WithAttemptTransport(func(rt http.RoundTripper) http.RoundTripper {
			return otelhttp.NewTransport(rt, otelhttp.WithTracerProvider(tp),
				otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "attempt " + r.Method + " " + r.URL.Path }))
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c, spans
}

// TestOtelhttpSpans runs operations with otelhttp at both levels and checks
// the spans: operation spans are roots named after the operation, each
// attempt span is a child of its operation's span in the same trace, and no
// span records the bearer token.
func TestOtelhttpSpans(t *testing.T) {
	t.Parallel()
	c, spans := tracedClient(t)
	ctx := t.Context()
	p, err := c.BeginCreateCertificate(ctx, "web", client.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DownloadCertificate(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	for _, err := range c.ListCertificates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}

	ended := spans.Ended()
	byID := make(map[string]sdktrace.ReadOnlySpan)
	for _, s := range ended {
		byID[s.SpanContext().SpanID().String()] = s
	}
	var operations []string
	children := make(map[string][]string) // operation span name -> its attempts
	for _, s := range ended {
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), "Bearer") {
				t.Errorf("span %q records the token in %s", s.Name(), a.Key)
			}
		}
		if !strings.HasPrefix(s.Name(), "attempt ") {
			if s.Parent().IsValid() {
				t.Errorf("operation span %q has a parent", s.Name())
			}
			operations = append(operations, s.Name())
			continue
		}
		parent, ok := byID[s.Parent().SpanID().String()]
		if !ok || strings.HasPrefix(parent.Name(), "attempt ") {
			t.Errorf("attempt span %q is not the child of an operation span", s.Name())
			continue
		}
		if parent.SpanContext().TraceID() != s.SpanContext().TraceID() {
			t.Errorf("attempt span %q is in another trace than its operation", s.Name())
		}
		children[parent.Name()] = append(children[parent.Name()], s.Name())
	}

	slices.Sort(operations)
	operations = slices.Compact(operations)
	if diff := cmp.Diff([]string{"BeginCreateCertificate", "DownloadCertificate", "ListCertificates"}, operations); diff != "" {
		t.Errorf("operation span names (-want +got):\n%s", diff)
	}
	wantSome := map[string]string{
		"BeginCreateCertificate": "attempt POST /certificates/web/create",
		"DownloadCertificate":    "attempt GET /certificates/web/",
		"ListCertificates":       "attempt GET /certificates",
	}
	for op, attempt := range wantSome {
		if !slices.Contains(children[op], attempt) {
			t.Errorf("%s has attempt spans %q, want %q among them", op, children[op], attempt)
		}
	}
	// The first request learns the challenge: two attempts under one span.
	first := ended[:3]
	if first[2].Name() != "BeginCreateCertificate" || parentOf(byID, first[0]) != "BeginCreateCertificate" || parentOf(byID, first[1]) != "BeginCreateCertificate" {
		t.Errorf("first spans %q, %q, %q: want two attempts ending before their BeginCreateCertificate span", first[0].Name(), first[1].Name(), first[2].Name())
	}
	t.Logf("%d spans; operations %q; attempts %v", len(ended), operations, children)
}

func parentOf(byID map[string]sdktrace.ReadOnlySpan, s sdktrace.ReadOnlySpan) string {
	if p, ok := byID[s.Parent().SpanID().String()]; ok {
		return p.Name()
	}
	return ""
}
