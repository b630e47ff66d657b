package interop_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/kvcerts/kvcerts/client"
	"github.com/kvcerts/kvcerts/vaulttest"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Tracing with OpenTelemetry's otelhttp: one span per request of an
// operation, named after the operation, with a child span per attempt.
func Example_otelhttp() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)

	tracing := []client.Option{
		client.WithOperationTransport(func(rt http.RoundTripper) http.RoundTripper {
			return otelhttp.NewTransport(rt, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
				return client.OperationName(r.Context())
			}))
		}),
		client.WithAttemptTransport(func(rt http.RoundTripper) http.RoundTripper {
			return otelhttp.NewTransport(rt)
		}),
	}

	srv := vaulttest.NewServer()
	defer srv.Close()
	c, err := client.New(srv.URL, srv.TokenSource(), append(tracing, client.WithHTTPClient(srv.Client()))...)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.GetCertificate(context.Background(), "web", nil); err == nil {
		log.Fatal("want an error: the vault is empty")
	}

	// Children end first: the two attempts (the first learns the vault's
	// authentication challenge), then the operation's span, their parent.
	ended := spans.Ended()
	for _, s := range ended {
		fmt.Printf("%s (child of %q)\n", s.Name(), parentName(ended, s))
	}
	// Output:
	// HTTP GET (child of "GetCertificate")
	// HTTP GET (child of "GetCertificate")
	// GetCertificate (child of "")
}

// parentName returns the name of the span of spans that is s's parent, or "".
func parentName(spans []sdktrace.ReadOnlySpan, s sdktrace.ReadOnlySpan) string {
	for _, p := range spans {
		if s.Parent().IsValid() && p.SpanContext().SpanID() == s.Parent().SpanID() {
			return p.Name()
		}
	}
	return ""
}
