package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/guard"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/telemetry"
	"github.com/palisade-gw/palisade/internal/tools"
)

// ToolRunner executes tool calls for the pipeline; *tools.Executor is the
// implementation. Its errors must not carry secrets: they are shown to the
// model and recorded.
type ToolRunner interface {
	Validate(name string, args json.RawMessage) error
	Call(ctx context.Context, name string, args json.RawMessage, c tools.Caller) (*tools.Result, error)
}

// offerTools gives the agent the tools of entry that the decision lets the
// caller call, and the function that runs them.
func (p *Pipeline) offerTools(ex *Exchange, entry *AgentEntry) {
	if p.Tools == nil || len(entry.Tools) == 0 {
		return
	}
	var allowed []agent.ToolSpec
	for _, t := range entry.Tools {
		if ex.Decision.MayCall(t.Name) {
			allowed = append(allowed, t)
		}
	}
	if len(allowed) == 0 {
		return
	}
	ex.Request.Tools = allowed
	ex.Request.CallTool = func(ctx context.Context, call agent.ToolCall) (agent.ToolResult, error) {
		return p.callTool(ctx, ex, allowed, call)
	}
}

// toolCaller says on whose behalf a tool is called: a signed-in user by
// their issuer-qualified subject, an app acting alone as "app:NAME" (what
// an app asserts about its user is never passed on as verified).
func toolCaller(ex *Exchange) tools.Caller {
	pr := ex.Principal
	c := tools.Caller{App: pr.App, Agent: ex.Agent, RequestID: ex.RequestID}
	if pr.Kind == identity.KindUser {
		c.Subject, c.Name, c.Groups = pr.User(), pr.Name, pr.Groups
	} else {
		c.Subject = "app:" + pr.App
	}
	return c
}

// callTool runs one tool call of the agent: authorised again (the agent
// may ask for any name), arguments validated, executed, the result guarded
// as third-party content, and the call recorded. Failures the model may
// hear about come back as an error result; an error return (the call could
// not be recorded or guarded) fails the request.
func (p *Pipeline) callTool(ctx context.Context, ex *Exchange, allowed []agent.ToolSpec, call agent.ToolCall) (agent.ToolResult, error) {
	start := p.now()
	ctx, span := p.startStage(ctx, stageTool)
	defer span.End()
	known := slices.ContainsFunc(allowed, func(t agent.ToolSpec) bool { return t.Name == call.Name })
	if known && span.IsRecording() {
		// The model names the tool: only a configured name is recorded.
		span.SetAttributes(telemetry.AttrTool.String(call.Name))
	}
	data := map[string]any{"tool": audit.Clean(call.Name), "call_id": audit.Clean(call.ID), "args_bytes": len(call.Arguments)}
	ev := withIDs(ctx, audit.Event{Type: audit.TypeToolCall, RequestID: ex.RequestID, Actor: ex.Principal.Actor(),
		App: ex.Principal.App, Agent: ex.Agent, Data: data})
	result := func(outcome, code, msg string) (agent.ToolResult, error) {
		ev.Outcome = outcome
		if code != "" {
			data["code"] = code
			telemetry.Fail(span, code)
		}
		if span.IsRecording() {
			span.SetAttributes(telemetry.AttrOutcome.String(outcome))
		}
		data["duration_ms"] = p.now().Sub(start).Milliseconds()
		if _, err := p.Recorder.Record(context.WithoutCancel(ctx), ev); err != nil {
			return agent.ToolResult{}, err
		}
		if outcome != audit.OutcomeSuccess {
			return agent.ToolResult{Content: msg, IsError: true}, nil
		}
		return agent.ToolResult{Content: msg}, nil
	}

	if !known {
		return result(audit.OutcomeDenied, "permission_denied",
			fmt.Sprintf("The tool %q is not available to this caller.", truncate(call.Name, 64)))
	}
	if err := p.Tools.Validate(call.Name, call.Arguments); err != nil {
		return result(audit.OutcomeDenied, tools.Code(err), err.Error())
	}
	res, err := p.Tools.Call(ctx, call.Name, call.Arguments, toolCaller(ex))
	if err != nil {
		if ctx.Err() != nil {
			return agent.ToolResult{}, ctx.Err()
		}
		return result(audit.OutcomeError, tools.Code(err), fmt.Sprintf("The tool %s failed: %v", call.Name, err))
	}
	data["status"], data["result_bytes"] = res.Status, len(res.Body)
	v, err := ex.turn.Inspect(ctx, guard.FromContent, string(res.Body))
	if err != nil {
		return agent.ToolResult{}, guardError(err, guard.Inbound)
	}
	text := string(res.Body)
	switch v.Action {
	case guard.ActionBlock:
		data["guard"] = "withheld"
		return result(audit.OutcomeDenied, "content_blocked", "The tool's result was withheld by the content policy.")
	case guard.ActionRedact, guard.ActionMask:
		data["guard"] = string(v.Action)
		text = v.Text
	}
	return result(audit.OutcomeSuccess, "", text)
}
