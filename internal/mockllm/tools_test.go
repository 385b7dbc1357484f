package mockllm_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/agent/upstream"
	"github.com/palisade-gw/palisade/internal/mockllm"
)

const toolsJSON = `"tools":[
	{"type":"function","function":{"name":"payslip","description":"Latest payslip","parameters":{"type":"object"}}},
	{"type":"function","function":{"name":"leave_balance","description":"Remaining LEAVE days of the caller","parameters":{"type":"object"}}},
	{"type":"function","function":{"name":"leave_requests","description":"Leave requests","parameters":{"type":"object"}}}]`

// Ensure a request with tools whose last message is the user's is answered
// with a call of the first tool sharing a word with it, in the OpenAI
// shape; the id is deterministic.
func TestToolCall(t *testing.T) {
	m, srv := newMock(t, mockllm.Config{})
	body := `{"model":"m1","messages":[{"role":"user","content":"How many leave days do I have?"}],` + toolsJSON + `}`
	var first string
	for range 2 {
		resp := post(t, srv.URL+"/v1/chat/completions", body)
		var got struct {
			Choices []struct {
				Message struct {
					Role      string
					Content   *string
					ToolCalls []struct {
						ID       string
						Type     string
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				}
				FinishReason string `json:"finish_reason"`
			}
			Usage map[string]int
		}
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if len(got.Choices) != 1 {
			t.Fatalf("choices = %+v", got.Choices)
		}
		ch := got.Choices[0]
		if ch.FinishReason != "tool_calls" || ch.Message.Role != "assistant" || ch.Message.Content != nil || len(ch.Message.ToolCalls) != 1 {
			t.Fatalf("choice = %+v", ch)
		}
		tc := ch.Message.ToolCalls[0]
		if tc.Type != "function" || tc.Function.Name != "leave_balance" || tc.Function.Arguments != "{}" || !strings.HasPrefix(tc.ID, "call_") || len(tc.ID) < 9 {
			t.Errorf("tool call = %+v", tc)
		}
		if first == "" {
			first = tc.ID
		} else if tc.ID != first {
			t.Errorf("id %q, then %q: not deterministic", first, tc.ID)
		}
		if got.Usage["total_tokens"] == 0 {
			t.Errorf("usage = %v", got.Usage)
		}
	}
	if st := m.Stats(); st.ToolCalls != 2 || st.Completions != 2 {
		t.Errorf("stats = %+v", st)
	}
}

// Ensure requests that should not call tools get the usual answer: no
// tool matches, words under four letters, tools without a user message
// last, a user message without tools.
func TestToolCallNoMatch(t *testing.T) {
	m, srv := newMock(t, mockllm.Config{AnswerBytes: 30})
	for name, body := range map[string]string{
		"no shared word":    `{"model":"m1","messages":[{"role":"user","content":"What is the weather?"}],` + toolsJSON + `}`,
		"short words only":  `{"model":"m1","messages":[{"role":"user","content":"pay day"}],` + toolsJSON + `}`,
		"assistant last":    `{"model":"m1","messages":[{"role":"user","content":"leave"},{"role":"assistant","content":"leave"}],` + toolsJSON + `}`,
		"no tools":          `{"model":"m1","messages":[{"role":"user","content":"leave balance"}]}`,
		"content parts, no": `{"model":"m1","messages":[{"role":"user","content":[{"type":"text","text":"hello"}]}],` + toolsJSON + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			var got map[string]any
			if err := json.NewDecoder(post(t, srv.URL+"/v1/chat/completions", body).Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			ch := got["choices"].([]any)[0].(map[string]any)
			if ch["finish_reason"] != "stop" || ch["message"].(map[string]any)["content"] != mockllm.Answer(30) {
				t.Errorf("choice = %v", ch)
			}
		})
	}
	if st := m.Stats(); st.ToolCalls != 0 {
		t.Errorf("tool calls = %d", st.ToolCalls)
	}
	t.Run("content parts match", func(t *testing.T) {
		body := `{"model":"m1","messages":[{"role":"user","content":[{"type":"text","text":"my payslip please"}]}],` + toolsJSON + `}`
		var got map[string]any
		_ = json.NewDecoder(post(t, srv.URL+"/v1/chat/completions", body).Body).Decode(&got)
		ch := got["choices"].([]any)[0].(map[string]any)
		if ch["finish_reason"] != "tool_calls" {
			t.Errorf("choice = %v", ch)
		}
	})
}

// Ensure a tool message last is answered with the tool's name and its
// content cut to MaxToolResultBytes, streamed or not.
func TestToolResultAnswer(t *testing.T) {
	_, srv := newMock(t, mockllm.Config{Chunks: 4})
	long := strings.Repeat("é", 400) // 800 bytes
	msgs := func(content string) string {
		c, _ := json.Marshal(content)
		return `"messages":[{"role":"user","content":"leave balance?"},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"leave_balance","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"call_1","content":` + string(c) + `}]`
	}
	var got map[string]any
	_ = json.NewDecoder(post(t, srv.URL+"/v1/chat/completions", `{"model":"m1",`+msgs(`{"days":12}`)+`,`+toolsJSON+`}`).Body).Decode(&got)
	ch := got["choices"].([]any)[0].(map[string]any)
	if ch["finish_reason"] != "stop" || ch["message"].(map[string]any)["content"] != `Tool leave_balance returned: {"days":12}` {
		t.Errorf("choice = %v", ch)
	}

	got = nil
	_ = json.NewDecoder(post(t, srv.URL+"/v1/chat/completions", `{"model":"m1",`+msgs(long)+`}`).Body).Decode(&got)
	content := got["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	if want := "Tool leave_balance returned: " + strings.Repeat("é", 250); content != want {
		t.Errorf("content = %q (%d bytes)", content, len(content))
	}

	events := readEvents(t, post(t, srv.URL+"/v1/chat/completions", `{"model":"m1","stream":true,`+msgs(long)+`}`).Body)
	var text strings.Builder
	for _, e := range events[:len(events)-1] {
		var c struct {
			Choices []struct{ Delta struct{ Content string } }
		}
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.Choices {
			if !utf8.ValidString(ch.Delta.Content) {
				t.Errorf("delta %q is not valid UTF-8", ch.Delta.Content)
			}
			text.WriteString(ch.Delta.Content)
		}
	}
	if text.String() != content {
		t.Errorf("streamed %q", text.String())
	}
}

// Ensure a streamed tool call has OpenAI's chunk shape.
func TestToolCallStream(t *testing.T) {
	m, srv := newMock(t, mockllm.Config{})
	body := `{"model":"m1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"show my payslip"}],` + toolsJSON + `}`
	events := readEvents(t, post(t, srv.URL+"/v1/chat/completions", body).Body)
	if len(events) != 5 || events[4] != "[DONE]" {
		t.Fatalf("events = %q", events)
	}
	type fn struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	type tc struct {
		Index    int    `json:"index"`
		ID       string `json:"id,omitempty"`
		Type     string `json:"type,omitempty"`
		Function fn     `json:"function"`
	}
	var calls []tc
	var finish string
	var usage map[string]any
	for _, e := range events[:4] {
		var c struct {
			Object  string
			Choices []struct {
				Delta struct {
					Role      string
					ToolCalls []tc `json:"tool_calls"`
				}
				FinishReason *string `json:"finish_reason"`
			}
			Usage map[string]any
		}
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.Choices {
			calls = append(calls, ch.Delta.ToolCalls...)
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
		if c.Usage != nil {
			usage = c.Usage
		}
	}
	if len(calls) != 2 || calls[0].ID == "" || calls[0].Type != "function" || calls[0].Function.Name != "payslip" ||
		calls[0].Function.Arguments != "" || calls[1].Index != 0 || calls[1].ID != "" || calls[1].Function.Arguments != "{}" {
		t.Errorf("tool call deltas = %+v", calls)
	}
	if finish != "tool_calls" || usage == nil {
		t.Errorf("finish %q, usage %v", finish, usage)
	}
	if st := m.Stats(); st.Streams != 1 || st.ToolCalls != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// Ensure Palisade's upstream agent runs its tool loop against the mock,
// streamed or not.
func TestToolsWithUpstreamAgent(t *testing.T) {
	_, srv := newMock(t, mockllm.Config{})
	a, err := upstream.New(upstream.Options{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	var calls []agent.ToolCall
	req := &agent.Request{
		Messages: []agent.Message{{Role: agent.RoleUser, Content: "How many leave days do I have left?"}},
		Tools:    []agent.ToolSpec{{Name: "payslip", Description: "Latest payslip"}, {Name: "leave_balance", Description: "Remaining leave days"}},
		CallTool: func(_ context.Context, c agent.ToolCall) (agent.ToolResult, error) {
			calls = append(calls, c)
			return agent.ToolResult{Content: `{"days":12}`}, nil
		},
	}
	resp, err := a.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != `Tool leave_balance returned: {"days":12}` || len(calls) != 1 || calls[0].Name != "leave_balance" {
		t.Errorf("response %+v, calls %+v", resp, calls)
	}
	var deltas []string
	sresp, err := a.Stream(t.Context(), req, func(d agent.Delta) error { deltas = append(deltas, d.Content); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{resp.Content}, deltas); diff != "" || sresp.Content != resp.Content {
		t.Errorf("stream deltas (-want +got):\n%s", diff)
	}
}
