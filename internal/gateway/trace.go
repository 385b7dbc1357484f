package gateway

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// The names of the pipeline's stage spans (DESIGN.md's request path), each
// a child of the request's server span.
const (
	stageIdentify = "identify"
	stageDecide   = "decide"
	stageGuardIn  = "guard_in"
	stageAgent    = "agent"
	stageGuardOut = "guard_out"
	stageRecord   = "record"
	stageTool     = "tool_call"
)

// startStage starts the span of one pipeline stage.
func (p *Pipeline) startStage(ctx context.Context, name string) (context.Context, trace.Span) {
	t := p.tracer
	if t == nil {
		t = telemetry.Tracer(ctx, tracerName)
	}
	ctx, span := t.Start(ctx, name)
	if span.IsRecording() {
		span.SetAttributes(telemetry.AttrStage.String(name))
	}
	return ctx, span
}

// endStage ends a stage's span, failed with the refusal's code when err
// is not nil.
func endStage(span trace.Span, err error) {
	if err != nil {
		telemetry.Fail(span, apperr.As(err).Code)
	}
	span.End()
}

// traced runs fn as the stage name.
func (p *Pipeline) traced(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	ctx, span := p.startStage(ctx, name)
	err := fn(ctx)
	endStage(span, err)
	return err
}

// annotate puts the app and the agent of a request on its server span:
// the agent only when it is configured (the name comes from the client),
// the app only once a credential has named it.
func (p *Pipeline) annotate(ctx context.Context, app, agentName string) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	if _, ok := p.Agents[agentName]; ok {
		span.SetAttributes(telemetry.AttrAgent.String(agentName))
	}
	if app != "" {
		span.SetAttributes(telemetry.AttrApp.String(app))
	}
}

// refused marks the request's server span as refused with err's code.
func refused(ctx context.Context, err error) {
	e := apperr.As(err)
	telemetry.Fail(trace.SpanFromContext(ctx), e.Code)
	if sw, ok := ctx.Value(statusWriterKey{}).(*statusWriter); ok {
		sw.refusal = outcomeOf(StatusOf(e))
	}
}

// withIDs returns ev with the request id (unless it has one) and the trace
// id of ctx, so that an audit event leads to the request's trace and
// operational log lines.
func withIDs(ctx context.Context, ev audit.Event) audit.Event {
	if ev.RequestID == "" {
		ev.RequestID = requestID(ctx)
	}
	ev.TraceID = telemetry.TraceID(ctx)
	return ev
}

// identified ends the identify stage's span with the kind of credential
// and the app it names (never the user).
func identified(span trace.Span, pr identity.Principal, err error) {
	if span.IsRecording() && err == nil {
		span.SetAttributes(telemetry.AttrCredential.String(pr.Kind))
		if pr.App != "" {
			span.SetAttributes(telemetry.AttrApp.String(pr.App))
		}
	}
	endStage(span, err)
}
