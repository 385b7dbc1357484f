package tools

import (
	"context"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/telemetry"
)

// tracerName is the instrumentation scope of the executor's spans.
const tracerName = "github.com/palisade-gw/palisade/internal/tools"

// startCall starts the client span of a call to tool c ("tool NAME"), on
// the tracer provider of the caller's span. Its attributes are the
// tool's configured name and method, the API's host and the status:
// never arguments, results, credentials or the caller.
func startCall(ctx context.Context, c *compiled) (context.Context, trace.Span) {
	ctx, span := telemetry.Tracer(ctx, tracerName).Start(ctx, "tool "+c.def.Name, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(telemetry.AttrTool.String(c.def.Name), telemetry.AttrHTTPMethod.String(c.def.Method))
	}
	return ctx, span
}

// callTarget records the host and port the request goes to (the path,
// which may hold arguments, is left out).
func callTarget(span trace.Span, req *http.Request) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(telemetry.AttrServerAddr.String(req.URL.Hostname()))
	if p, err := strconv.Atoi(req.URL.Port()); err == nil {
		span.SetAttributes(telemetry.AttrServerPort.Int(p))
	}
}

// endCall ends a call's span, failed with the error's class code.
func endCall(span trace.Span, err error) {
	if err != nil {
		telemetry.Fail(span, Code(err))
	}
	span.End()
}
