package telemetry

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id rid, which the log
// handler (NewLogHandler) adds to every record logged with the context.
func WithRequestID(ctx context.Context, rid string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, rid)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// TraceID returns the W3C trace id (32 lowercase hex digits) of the span
// in ctx, or "" when ctx holds no valid span context.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.TraceID().IsValid() {
		return ""
	}
	return sc.TraceID().String()
}

// Propagator is the only trace context format Palisade reads and writes:
// W3C traceparent and tracestate. Baggage is deliberately not propagated:
// it would carry whatever a client put in it to the model servers and
// tools behind Palisade.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Inject writes the trace context of ctx (traceparent, and tracestate
// when there is one) into h, for an outbound request. Without a valid
// span context in ctx it writes nothing.
func Inject(ctx context.Context, h http.Header) {
	Propagator.Inject(ctx, propagation.HeaderCarrier(h))
}

// Extract returns the span context a request's traceparent and
// tracestate headers describe; it is invalid when they are missing or
// malformed.
func Extract(h http.Header) trace.SpanContext {
	return trace.SpanContextFromContext(Propagator.Extract(context.Background(), propagation.HeaderCarrier(h)))
}

// Tracer returns the tracer named name from the provider of the span in
// ctx, so that a package called on the request path makes its spans on
// the same pipeline as its caller's without being handed a provider. With
// no span in ctx it is a no-op tracer.
func Tracer(ctx context.Context, name string) trace.Tracer {
	return trace.SpanFromContext(ctx).TracerProvider().Tracer(name)
}

// Attribute keys Palisade sets on its spans. Those without a "palisade."
// prefix follow the OpenTelemetry semantic conventions. Every value is
// low in cardinality or an id Palisade made: configured names, fixed
// codes, statuses; never content, credentials or who the user is.
const (
	// AttrRequestID is Palisade's request id (X-Request-Id).
	AttrRequestID = attribute.Key("palisade.request_id")
	// AttrAgent is a configured agent's name.
	AttrAgent = attribute.Key("palisade.agent")
	// AttrApp is a registered app's name.
	AttrApp = attribute.Key("palisade.app")
	// AttrOutcome is success, denied (4xx) or error (5xx).
	AttrOutcome = attribute.Key("palisade.outcome")
	// AttrErrorCode is the stable error code of a refusal.
	AttrErrorCode = attribute.Key("palisade.error.code")
	// AttrStage is the pipeline stage a span covers.
	AttrStage = attribute.Key("palisade.stage")
	// AttrStream marks a streamed answer.
	AttrStream = attribute.Key("palisade.stream")
	// AttrTool is a configured tool's name.
	AttrTool = attribute.Key("palisade.tool")
	// AttrCredential is the kind of credential that identified the
	// caller (app, user, service, directline_token).
	AttrCredential = attribute.Key("palisade.credential")
	// AttrDecision is the access decision's reason.
	AttrDecision = attribute.Key("palisade.decision")
	// AttrErrorType is the semantic conventions' error.type (the code).
	AttrErrorType = attribute.Key("error.type")
	// AttrHTTPMethod is the request method (or _OTHER).
	AttrHTTPMethod = attribute.Key("http.request.method")
	// AttrHTTPRoute is the route pattern that matched.
	AttrHTTPRoute = attribute.Key("http.route")
	// AttrHTTPStatus is the response status.
	AttrHTTPStatus = attribute.Key("http.response.status_code")
	// AttrServerAddr is the host an outbound call goes to.
	AttrServerAddr = attribute.Key("server.address")
	// AttrServerPort is the port an outbound call goes to.
	AttrServerPort = attribute.Key("server.port")
	// AttrURLScheme is http or https.
	AttrURLScheme = attribute.Key("url.scheme")
	// AttrGenAIOp is the generative AI operation ("chat").
	AttrGenAIOp = attribute.Key("gen_ai.operation.name")
	// AttrGenAIModel is the model asked for, as configured.
	AttrGenAIModel = attribute.Key("gen_ai.request.model")
)

// Fail marks span as failed with a stable error code (an apperr code such
// as "content_blocked"): the status is Error with the code as its
// description, and the code is set as palisade.error.code and error.type.
// An empty code is reported as "error".
func Fail(span trace.Span, code string) {
	if !span.IsRecording() {
		return
	}
	if code == "" {
		code = "error"
	}
	span.SetStatus(codes.Error, code)
	span.SetAttributes(AttrErrorCode.String(code), AttrErrorType.String(code))
}
