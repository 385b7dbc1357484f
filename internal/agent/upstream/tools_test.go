package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
)

// toolModel is a scripted model server: it answers the i-th request with
// answers[i] (the last one again when it runs out) and keeps every request
// body.
type toolModel struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	answers []any
	bodies  []map[string]any
	accepts []string
}

func newToolModel(t *testing.T, answers ...any) *toolModel {
	m := &toolModel{t: t, answers: answers}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("decode request: %v", err)
		}
		m.mu.Lock()
		m.bodies = append(m.bodies, body)
		m.accepts = append(m.accepts, r.Header.Get("Accept"))
		ans := m.answers[min(len(m.bodies), len(m.answers))-1]
		m.mu.Unlock()
		writeJSON(w, 200, ans)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *toolModel) requests() []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bodies
}

// callsAnswer is an answer asking for tool calls; each call is id, name,
// arguments.
func callsAnswer(content any, calls ...[3]string) map[string]any {
	var tc []any
	for _, c := range calls {
		tc = append(tc, map[string]any{"id": c[0], "type": "function",
			"function": map[string]any{"name": c[1], "arguments": c[2]}})
	}
	return map[string]any{
		"model":   "gpt-test-0613",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content, "tool_calls": tc}, "finish_reason": "tool_calls"}},
		"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
	}
}

func textAnswer(content string) map[string]any {
	return map[string]any{
		"model":   "gpt-test-0613",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}},
		"usage":   map[string]any{"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
	}
}

var testTools = []agent.ToolSpec{
	{Name: "leave_balance", Description: "Remaining leave days of the caller", Parameters: json.RawMessage(`{"type":"object","properties":{"year":{"type":"integer"}}}`)},
	{Name: "payslip", Description: "Latest payslip"},
}

// toolRecorder is a CallTool that records its calls and answers with
// results by tool name.
type toolRecorder struct {
	mu      sync.Mutex
	calls   []agent.ToolCall
	results map[string]agent.ToolResult
	err     error
}

func (r *toolRecorder) call(_ context.Context, c agent.ToolCall) (agent.ToolResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
	if r.err != nil {
		return agent.ToolResult{}, r.err
	}
	if res, ok := r.results[c.Name]; ok {
		return res, nil
	}
	return agent.ToolResult{Content: `{"ok":true}`}, nil
}

func toolRequest(rec *toolRecorder) *agent.Request {
	req := userRequest("How many leave days do I have left?")
	req.Tools = testTools
	req.CallTool = rec.call
	return req
}

// jsonOf re-encodes v as compact JSON, for comparing wire shapes.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Ensure one round: the wire request carries the tools in the OpenAI
// format, the call is made, and the second request carries the assistant
// message with its tool calls (null content) and the tool message.
func TestToolsOneRound(t *testing.T) {
	m := newToolModel(t,
		callsAnswer(nil, [3]string{"call_abc", "leave_balance", `{"year":2026}`}),
		textAnswer("You have 12 days left."))
	rec := &toolRecorder{results: map[string]agent.ToolResult{"leave_balance": {Content: `{"days":12}`}}}
	a := newTestAgent(t, m.srv.URL, func(o *Options) { o.Instructions = "Be brief." })
	resp, err := a.Complete(t.Context(), toolRequest(rec))
	if err != nil {
		t.Fatal(err)
	}
	want := &agent.Response{Content: "You have 12 days left.", Model: "gpt-test-0613", FinishReason: "stop",
		Usage: agent.Usage{PromptTokens: 30, CompletionTokens: 7, TotalTokens: 37}}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]agent.ToolCall{{ID: "call_abc", Name: "leave_balance", Arguments: json.RawMessage(`{"year":2026}`)}}, rec.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	reqs := m.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	wantTools := `[{"function":{"description":"Remaining leave days of the caller","name":"leave_balance","parameters":{"properties":{"year":{"type":"integer"}},"type":"object"}},"type":"function"},` +
		`{"function":{"description":"Latest payslip","name":"payslip","parameters":{"properties":{},"type":"object"}},"type":"function"}]`
	for i, r := range reqs {
		if got := jsonOf(t, r["tools"]); got != wantTools {
			t.Errorf("request %d tools = %s\nwant %s", i, got, wantTools)
		}
		if _, ok := r["tool_choice"]; ok {
			t.Errorf("request %d has tool_choice", i)
		}
		if r["stream"] != false {
			t.Errorf("request %d stream = %v", i, r["stream"])
		}
	}
	wantMsgs := `[{"content":"Be brief.","role":"system"},{"content":"How many leave days do I have left?","role":"user"},` +
		`{"content":null,"role":"assistant","tool_calls":[{"function":{"arguments":"{\"year\":2026}","name":"leave_balance"},"id":"call_abc","type":"function"}]},` +
		`{"content":"{\"days\":12}","role":"tool","tool_call_id":"call_abc"}]`
	if got := jsonOf(t, reqs[1]["messages"]); got != wantMsgs {
		t.Errorf("second request messages = %s\nwant %s", got, wantMsgs)
	}
}

// Ensure two rounds, with two calls in the first, keep the conversation
// growing in order, and content sent along with tool calls is kept.
func TestToolsTwoRounds(t *testing.T) {
	m := newToolModel(t,
		callsAnswer("Let me look.", [3]string{"c1", "leave_balance", `{}`}, [3]string{"c2", "payslip", ``}),
		callsAnswer(nil, [3]string{"c3", "payslip", `{"month":1}`}),
		textAnswer("Done."))
	rec := &toolRecorder{}
	resp, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "Done." || resp.Usage.TotalTokens != 12+12+25 {
		t.Errorf("response = %+v", resp)
	}
	var names []string
	for _, c := range rec.calls {
		names = append(names, c.ID+":"+c.Name+":"+string(c.Arguments))
	}
	if diff := cmp.Diff([]string{"c1:leave_balance:{}", "c2:payslip:{}", "c3:payslip:{\"month\":1}"}, names); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	reqs := m.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	msgs := reqs[2]["messages"].([]any)
	var roles []string
	for _, mm := range msgs {
		roles = append(roles, mm.(map[string]any)["role"].(string))
	}
	if diff := cmp.Diff([]string{"user", "assistant", "tool", "tool", "assistant", "tool"}, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if got := msgs[1].(map[string]any)["content"]; got != "Let me look." {
		t.Errorf("assistant content = %v", got)
	}
	// An empty arguments string is sent back as the model wrote it.
	if got := jsonOf(t, msgs[1].(map[string]any)["tool_calls"]); !strings.Contains(got, `"arguments":""`) {
		t.Errorf("tool_calls = %s", got)
	}
	for i, want := range map[int]string{2: "c1", 3: "c2", 5: "c3"} {
		if got := msgs[i].(map[string]any)["tool_call_id"]; got != want {
			t.Errorf("message %d tool_call_id = %v, want %s", i, got, want)
		}
	}
}

// Ensure calls the model should not have made are answered with an error
// result without calling CallTool: an unknown tool, arguments that are not
// valid JSON, not an object, or too large. IsError results reach the model
// prefixed with "error: ".
func TestToolsRefusedCalls(t *testing.T) {
	big := `{"x":"` + strings.Repeat("a", MaxToolArgumentBytes) + `"}`
	for name, tc := range map[string]struct {
		call [3]string
		want string
	}{
		"unknown tool":  {[3]string{"c1", "delete_everything", `{}`}, "error: no such tool; the tools available are: leave_balance, payslip"},
		"invalid JSON":  {[3]string{"c1", "leave_balance", `{"year":`}, "error: the arguments are not valid JSON"},
		"not an object": {[3]string{"c1", "leave_balance", `[1,2]`}, "error: the arguments must be a JSON object"},
		"too large":     {[3]string{"c1", "leave_balance", big}, fmt.Sprintf("error: the arguments are larger than %d bytes", MaxToolArgumentBytes)},
	} {
		t.Run(name, func(t *testing.T) {
			m := newToolModel(t, callsAnswer(nil, tc.call), textAnswer("Sorry."))
			rec := &toolRecorder{}
			resp, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Content != "Sorry." || len(rec.calls) != 0 {
				t.Errorf("response = %+v, calls %v", resp, rec.calls)
			}
			msgs := m.requests()[1]["messages"].([]any)
			last := msgs[len(msgs)-1].(map[string]any)
			if last["role"] != "tool" || last["tool_call_id"] != "c1" || last["content"] != tc.want {
				t.Errorf("tool message = %v", last)
			}
		})
	}
}

// Ensure an IsError result from CallTool reaches the model marked.
func TestToolsErrorResult(t *testing.T) {
	m := newToolModel(t, callsAnswer(nil, [3]string{"c1", "payslip", `{}`}), textAnswer("The payslip tool failed."))
	rec := &toolRecorder{results: map[string]agent.ToolResult{"payslip": {Content: "not allowed", IsError: true}}}
	if _, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec)); err != nil {
		t.Fatal(err)
	}
	msgs := m.requests()[1]["messages"].([]any)
	if got := msgs[len(msgs)-1].(map[string]any)["content"]; got != "error: not allowed" {
		t.Errorf("tool message content = %v", got)
	}
}

// Ensure a model that keeps calling tools gets MaxToolRounds rounds, then
// one request without tools, whose answer is the answer.
func TestToolsRoundLimit(t *testing.T) {
	keep := callsAnswer(nil, [3]string{"c", "payslip", `{}`})
	answers := make([]any, 0, agent.MaxToolRounds+1)
	for range agent.MaxToolRounds {
		answers = append(answers, keep)
	}
	answers = append(answers, textAnswer("Here is what I found."))
	m := newToolModel(t, answers...)
	rec := &toolRecorder{}
	resp, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "Here is what I found." || len(rec.calls) != agent.MaxToolRounds {
		t.Errorf("response = %+v, %d calls", resp, len(rec.calls))
	}
	reqs := m.requests()
	if len(reqs) != agent.MaxToolRounds+1 {
		t.Fatalf("%d requests, want %d", len(reqs), agent.MaxToolRounds+1)
	}
	for i, r := range reqs {
		_, has := r["tools"]
		if want := i < agent.MaxToolRounds; has != want {
			t.Errorf("request %d has tools = %v, want %v", i, has, want)
		}
	}

	t.Run("still calling", func(t *testing.T) {
		m := newToolModel(t, keep)
		_, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(&toolRecorder{}))
		wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamBadReply)
		if n := len(m.requests()); n != agent.MaxToolRounds+1 {
			t.Errorf("%d requests, want %d", n, agent.MaxToolRounds+1)
		}
	})
	t.Run("still calling with text", func(t *testing.T) {
		m := newToolModel(t, callsAnswer("Partial answer.", [3]string{"c", "payslip", `{}`}))
		resp, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(&toolRecorder{}))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Content != "Partial answer." || resp.FinishReason != "stop" {
			t.Errorf("response = %+v", resp)
		}
	})
}

// Ensure an error from CallTool ends the request at once and is returned
// as is.
func TestToolsCallToolError(t *testing.T) {
	m := newToolModel(t, callsAnswer(nil, [3]string{"c1", "payslip", `{}`}, [3]string{"c2", "leave_balance", `{}`}), textAnswer("never"))
	audit := errors.New("audit unavailable")
	rec := &toolRecorder{err: audit}
	_, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec))
	if err != audit {
		t.Fatalf("err = %v, want the CallTool error", err)
	}
	if len(rec.calls) != 1 || len(m.requests()) != 1 {
		t.Errorf("%d calls, %d requests; want 1 and 1", len(rec.calls), len(m.requests()))
	}
}

// Ensure malformed tool calls are refused as bad responses: too many, a
// repeated id, an unknown type, arguments of the wrong JSON type.
func TestToolsBadAnswers(t *testing.T) {
	var many [][3]string
	for i := range MaxToolCallsPerRound + 1 {
		many = append(many, [3]string{fmt.Sprint("c", i), "payslip", "{}"})
	}
	odd := callsAnswer(nil, [3]string{"c1", "payslip", "{}"})
	odd["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["type"] = "code_interpreter"
	numArgs := callsAnswer(nil, [3]string{"c1", "payslip", "{}"})
	numArgs["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)["arguments"] = 42
	for name, ans := range map[string]any{
		"too many":    callsAnswer(nil, many...),
		"repeated id": callsAnswer(nil, [3]string{"c1", "payslip", "{}"}, [3]string{"c1", "payslip", "{}"}),
		"odd type":    odd,
		"number args": numArgs,
	} {
		t.Run(name, func(t *testing.T) {
			m := newToolModel(t, ans)
			rec := &toolRecorder{}
			_, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec))
			wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamBadReply)
			if len(rec.calls) != 0 {
				t.Errorf("%d calls made", len(rec.calls))
			}
		})
	}
}

// Ensure arguments sent as an object (as a few servers do) and a missing
// id are tolerated: the arguments are passed on, an id is made up and used
// consistently.
func TestToolsLenientCalls(t *testing.T) {
	ans := callsAnswer(nil, [3]string{"", "payslip", "{}"})
	ans["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)["arguments"] = map[string]any{"month": 3}
	m := newToolModel(t, ans, textAnswer("ok"))
	rec := &toolRecorder{}
	if _, err := newTestAgent(t, m.srv.URL, nil).Complete(t.Context(), toolRequest(rec)); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 || rec.calls[0].ID != "call_1_1" || string(rec.calls[0].Arguments) != `{"month":3}` {
		t.Fatalf("calls = %+v", rec.calls)
	}
	msgs := m.requests()[1]["messages"].([]any)
	tc := msgs[1].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)
	if tc["id"] != "call_1_1" || tc["function"].(map[string]any)["arguments"] != `{"month":3}` || msgs[2].(map[string]any)["tool_call_id"] != "call_1_1" {
		t.Errorf("messages = %s", jsonOf(t, msgs))
	}
}

// Ensure Stream with tools runs the rounds without streaming and emits the
// final answer; without tools it still streams.
func TestToolsStream(t *testing.T) {
	m := newToolModel(t, callsAnswer(nil, [3]string{"c1", "leave_balance", `{}`}), textAnswer("You have 12 days left."))
	rec := &toolRecorder{}
	var deltas []string
	resp, err := newTestAgent(t, m.srv.URL, nil).Stream(t.Context(), toolRequest(rec), func(d agent.Delta) error {
		deltas = append(deltas, d.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(deltas, "") != resp.Content || resp.Content != "You have 12 days left." || len(rec.calls) != 1 {
		t.Errorf("response = %+v, deltas %q, calls %d", resp, deltas, len(rec.calls))
	}
	for i, r := range m.requests() {
		if r["stream"] != false || r["stream_options"] != nil || m.accepts[i] != "application/json" {
			t.Errorf("request %d streamed: stream %v, Accept %q", i, r["stream"], m.accepts[i])
		}
	}

	t.Run("emit error", func(t *testing.T) {
		m := newToolModel(t, textAnswer("hi"))
		stop := errors.New("gone")
		_, err := newTestAgent(t, m.srv.URL, nil).Stream(t.Context(), toolRequest(&toolRecorder{}), func(agent.Delta) error { return stop })
		if err != stop {
			t.Errorf("err = %v", err)
		}
	})
}

// Ensure a request without tools sends no tools and a nil request is
// refused.
func TestNoTools(t *testing.T) {
	m := newToolModel(t, textAnswer("hi"))
	a := newTestAgent(t, m.srv.URL, nil)
	if _, err := a.Complete(t.Context(), userRequest("hi")); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.requests()[0]["tools"]; ok {
		t.Error("request without tools sent tools")
	}
	_, err := a.Complete(t.Context(), nil)
	wantRefusal(t, err, apperr.KindInvalid, apperr.CodeInvalidRequest)
	_, err = a.Stream(t.Context(), nil, func(agent.Delta) error { return nil })
	wantRefusal(t, err, apperr.KindInvalid, apperr.CodeInvalidRequest)
}
