package upstream

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
)

// Bounds on the tool calls of one answer.
const (
	// MaxToolCallsPerRound is how many tool calls one answer may ask for;
	// an answer with more is refused as a bad response.
	MaxToolCallsPerRound = 16
	// MaxToolArgumentBytes bounds the arguments of one tool call; larger
	// arguments are not passed on, the model hears that they were too
	// large.
	MaxToolArgumentBytes = 64 << 10
	// maxToolCallIDBytes bounds a tool call id.
	maxToolCallIDBytes = 256
)

// emptySchema is the parameters schema sent for a tool without one.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// wireTools translates the request's tools into the "tools" of the wire
// format.
func wireTools(specs []agent.ToolSpec) ([]wireTool, error) {
	out := make([]wireTool, 0, len(specs))
	for _, s := range specs {
		params := s.Parameters
		if len(bytes.TrimSpace(params)) == 0 {
			params = emptySchema
		} else if !json.Valid(params) {
			return nil, fmt.Errorf("tool %q: parameters are not valid JSON", s.Name)
		}
		out = append(out, wireTool{Type: "function", Function: wireFunction{Name: s.Name, Description: s.Description, Parameters: params}})
	}
	return out, nil
}

// completeWithTools answers a request that has tools, with non-streamed
// requests. Each round sends the conversation with the tools; when the
// answer asks for tool calls (whatever its finish_reason says), each is
// made through req.CallTool and the answer and one "tool" message per call
// are added to the conversation before asking again. A call that cannot be
// made (unknown tool, arguments that are not a JSON object or are too
// large) is answered to the model as an error without calling CallTool.
// After agent.MaxToolRounds rounds of calls the model is asked once more
// without tools so that it must answer; if it still asks for tools, its
// text is the answer, and without text the answer is refused as a bad
// response. An error from CallTool ends the request and is returned as
// is. Usage is the sum over all rounds.
func (a *Agent) completeWithTools(ctx context.Context, req *agent.Request) (*agent.Response, error) {
	if req.CallTool == nil {
		return nil, apperr.New(apperr.KindInternal, apperr.CodeInternal, "An internal error occurred.")
	}
	tools, err := wireTools(req.Tools)
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("upstream agent %q: %w", a.name, err), apperr.KindInternal, apperr.CodeInternal, "An internal error occurred.")
	}
	known := make(map[string]bool, len(req.Tools))
	names := make([]string, 0, len(req.Tools))
	for _, t := range req.Tools {
		if !known[t.Name] {
			names = append(names, t.Name)
		}
		known[t.Name] = true
	}

	w := a.wireRequest(req, false)
	var total agent.Usage
	for round := 0; ; round++ {
		final := round == agent.MaxToolRounds
		w.Tools = tools
		if final {
			w.Tools = nil
		}
		c, err := a.roundTrip(ctx, w)
		if err != nil {
			return nil, err
		}
		addUsage(&total, c.Usage)
		ch := &c.Choices[0]
		content := cmp.Or(ch.Message.Content, ch.Message.Refusal)
		calls := ch.Message.ToolCalls
		if len(calls) == 0 || final {
			finish := ch.FinishReason
			if len(calls) > 0 || finish == "tool_calls" {
				// The caller never sees tool calls: the answer is final.
				finish = "stop"
			}
			if len(calls) > 0 && content == "" {
				return nil, a.badResponse(errors.New("tool calls after the last round"),
					"the model server kept calling tools instead of answering")
			}
			return &agent.Response{Content: content, Model: cmp.Or(c.Model, a.model), FinishReason: finish, Usage: total}, nil
		}
		if len(calls) > MaxToolCallsPerRound {
			return nil, a.badResponse(fmt.Errorf("%d tool calls in one answer", len(calls)),
				"the model server asked for more tool calls at once than Palisade accepts")
		}
		assistant := chatMessage{Role: agent.RoleAssistant, ToolCalls: make([]toolCall, 0, len(calls))}
		if ch.Message.Content != "" {
			assistant.Content = text(ch.Message.Content)
		}
		seen := make(map[string]bool, len(calls))
		for i, call := range calls {
			if call.Type != "" && call.Type != "function" {
				return nil, a.badResponse(fmt.Errorf("tool call of type %q", a.excerpt(call.Type)),
					"the model server asked for a kind of tool call Palisade does not support")
			}
			if call.ID == "" {
				call.ID = fmt.Sprintf("call_%d_%d", round+1, i+1)
			}
			if len(call.ID) > maxToolCallIDBytes || seen[call.ID] {
				return nil, a.badResponse(errors.New("tool call id too long or repeated"),
					"the model server sent an invalid tool call")
			}
			seen[call.ID] = true
			call.Type = "function"
			assistant.ToolCalls = append(assistant.ToolCalls, call)
		}
		results := make([]chatMessage, 0, len(calls))
		for _, call := range assistant.ToolCalls {
			res, err := a.callTool(ctx, req, known, names, call)
			if err != nil {
				return nil, err
			}
			body := res.Content
			if res.IsError {
				body = "error: " + body
			}
			results = append(results, chatMessage{Role: agent.RoleTool, Content: text(body), ToolCallID: call.ID})
		}
		w.Messages = append(w.Messages, assistant)
		w.Messages = append(w.Messages, results...)
	}
}

// roundTrip sends one non-streamed request and decodes the answer.
func (a *Agent) roundTrip(ctx context.Context, w *chatRequest) (_ *chatCompletion, err error) {
	ctx, span := a.startCall(ctx, false)
	defer func() { endCall(span, err) }()
	resp, err := a.send(ctx, w)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if mt := mediaType(resp); mt != "application/json" {
		return nil, a.badResponse(fmt.Errorf("content type %q", mt), "the model server answered with an unexpected content type")
	}
	return a.decodeCompletion(ctx, resp)
}

// callTool makes one call the model asked for, or answers it with an error
// result when it names an unknown tool or its arguments are not a JSON
// object of acceptable size. Empty arguments are taken as {}.
func (a *Agent) callTool(ctx context.Context, req *agent.Request, known map[string]bool, names []string, call toolCall) (agent.ToolResult, error) {
	if !known[call.Function.Name] {
		return agent.ToolResult{IsError: true,
			Content: "no such tool; the tools available are: " + strings.Join(names, ", ")}, nil
	}
	args := strings.TrimSpace(string(call.Function.Arguments))
	switch {
	case len(args) > MaxToolArgumentBytes:
		return agent.ToolResult{IsError: true,
			Content: fmt.Sprintf("the arguments are larger than %d bytes", MaxToolArgumentBytes)}, nil
	case args == "":
		args = "{}"
	case !json.Valid([]byte(args)):
		return agent.ToolResult{IsError: true, Content: "the arguments are not valid JSON"}, nil
	case args[0] != '{':
		return agent.ToolResult{IsError: true, Content: "the arguments must be a JSON object"}, nil
	}
	if err := ctx.Err(); err != nil {
		return agent.ToolResult{}, a.contextError(ctx, err)
	}
	return req.CallTool(ctx, agent.ToolCall{ID: call.ID, Name: call.Function.Name, Arguments: json.RawMessage(args)})
}
