package upstream

import (
	"context"
	"net/url"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// tracerName is the instrumentation scope of the upstream client's spans.
const tracerName = "github.com/palisade-gw/palisade/internal/agent/upstream"

// spanInfo is what the client spans of one agent say, computed once.
type spanInfo struct {
	name  string
	attrs []attribute.KeyValue
}

// newSpanInfo describes the calls of agent name to model at u: the
// OpenTelemetry conventions for generative AI client spans ("chat MODEL"),
// without anything of the conversation (no prompts, answers or token
// counts).
func newSpanInfo(name, model string, u *url.URL) spanInfo {
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	return spanInfo{
		name: "chat " + model,
		attrs: []attribute.KeyValue{
			telemetry.AttrGenAIOp.String("chat"),
			telemetry.AttrGenAIModel.String(model),
			telemetry.AttrServerAddr.String(u.Hostname()),
			telemetry.AttrServerPort.Int(port),
			telemetry.AttrHTTPMethod.String("POST"),
			telemetry.AttrAgent.String(name),
		},
	}
}

// startCall starts the client span of one request to the model server,
// on the tracer provider of the caller's span.
func (a *Agent) startCall(ctx context.Context, stream bool) (context.Context, trace.Span) {
	ctx, span := telemetry.Tracer(ctx, tracerName).Start(ctx, a.span.name, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(a.span.attrs...)
		span.SetAttributes(telemetry.AttrStream.Bool(stream))
	}
	return ctx, span
}

// callStatus records the model server's HTTP status on the call's span.
func callStatus(ctx context.Context, status int) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(telemetry.AttrHTTPStatus.Int(status))
	}
}

// endCall ends a call's span, failed with the refusal's code when err is
// not nil.
func endCall(span trace.Span, err error) {
	if err != nil {
		telemetry.Fail(span, apperr.As(err).Code)
	}
	span.End()
}
