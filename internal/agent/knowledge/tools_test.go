package knowledge

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/agent"
)

// leaveTool is the demo's leave balance tool.
var leaveTool = agent.ToolSpec{
	Name:        "leave_balance",
	Description: "The caller's remaining days of annual leave.",
	Intents:     []string{"leave days left", "remaining leave", "leave balance"},
	Answer:      "You have {{.days_left}} days of leave left in {{.year}}.",
}

// fakeTool is a CallTool that records its calls and answers with result.
type fakeTool struct {
	calls  []agent.ToolCall
	result agent.ToolResult
	err    error
}

func (f *fakeTool) call(_ context.Context, c agent.ToolCall) (agent.ToolResult, error) {
	f.calls = append(f.calls, c)
	return f.result, f.err
}

// askWithTools returns ask(q) with tools and f as CallTool.
func askWithTools(q string, f *fakeTool, tools ...agent.ToolSpec) *agent.Request {
	req := ask(q)
	req.Tools = tools
	req.CallTool = f.call
	return req
}

// Ensure questions matching an intent call the tool once, with no
// arguments, and are answered with the rendered template, without
// citations.
func TestToolIntentMatch(t *testing.T) {
	a := demoAgent(t)
	for _, q := range []string{
		"How many leave days do I have left?",
		"What's my remaining leave?",
		"Show me my leave balance, please",
		"how much leave do I have remaining",
		"How many days of leave are left for me?",
		"How many vacation days do I have left?", // "vacation" is a synonym of "annual leave"
	} {
		t.Run(q, func(t *testing.T) {
			f := &fakeTool{result: agent.ToolResult{Content: `{"employee":"local:alice","year":2026,"days_left":12}`}}
			resp, err := a.Complete(t.Context(), askWithTools(q, f, agent.ToolSpec{Name: "payslip", Intents: []string{"payslip"}}, leaveTool))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]agent.ToolCall{{ID: "call_1", Name: "leave_balance", Arguments: []byte("{}")}}, f.calls); diff != "" {
				t.Fatalf("calls (-want +got):\n%s", diff)
			}
			if resp.Content != "You have 12 days of leave left in 2026." || resp.Citations != nil || resp.FinishReason != "stop" || resp.Model != "hr-helpdesk" {
				t.Errorf("response = %+v", resp)
			}
		})
	}
}

// Ensure questions that do not match any intent are answered from the
// documents exactly as without tools, and the tool is not called.
func TestToolIntentNoMatch(t *testing.T) {
	a := demoAgent(t)
	for _, q := range []string{
		"What is the leave policy for parental leave?",
		"How do I request leave?",
		"How many days of annual leave do employees get?",
		"Can I carry over unused leave?",
		"hello",
		"",
	} {
		t.Run(q, func(t *testing.T) {
			f := &fakeTool{result: agent.ToolResult{Content: `{"days_left":1}`}}
			got, err := a.Complete(t.Context(), askWithTools(q, f, leaveTool))
			if err != nil {
				t.Fatal(err)
			}
			want, err := a.Complete(t.Context(), ask(q))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.calls) != 0 {
				t.Errorf("tool called: %+v", f.calls)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answer differs from the answer without tools (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure the most specific matching intent wins, and the first tool among
// equals.
func TestToolIntentSpecificity(t *testing.T) {
	a := demoAgent(t)
	general := agent.ToolSpec{Name: "general", Intents: []string{"leave"}, Answer: "general"}
	specific := agent.ToolSpec{Name: "specific", Intents: []string{"leave balance"}, Answer: "specific"}
	twin := agent.ToolSpec{Name: "twin", Intents: []string{"balance leave"}, Answer: "twin"}
	f := &fakeTool{result: agent.ToolResult{Content: `{}`}}
	resp, err := a.Complete(t.Context(), askWithTools("my leave balance", f, general, specific, twin))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "specific" {
		t.Errorf("answer = %q, want the most specific tool's, first among equals", resp.Content)
	}
}

// Ensure tool results and failures become readable answers: IsError with
// its reason, a result that is not JSON, a template meeting a missing key
// or writing too much, and the field list without a template.
func TestToolAnswers(t *testing.T) {
	a := demoAgent(t)
	const q = "How many leave days do I have left?"
	unreadable := "Sorry, I called the leave_balance tool, but its answer could not be read."
	noTemplate := leaveTool
	noTemplate.Answer = ""
	long := leaveTool
	long.Answer = `{{range .items}}{{.}}{{end}}`
	compare := leaveTool
	compare.Answer = `{{if gt .days_left 0}}You have {{.days_left}} days left.{{else}}You have no leave left.{{end}}`
	manyFields := `{` + strings.Repeat(`"f":1,`, 25) + `"last":2}`
	for name, tc := range map[string]struct {
		tool   agent.ToolSpec
		result agent.ToolResult
		want   string
	}{
		"is error": {leaveTool, agent.ToolResult{IsError: true, Content: "the leave API answered with status 503"},
			"Sorry, I couldn't get that information: the leave_balance tool failed (the leave API answered with status 503). Please try again later."},
		"bad JSON":           {leaveTool, agent.ToolResult{Content: `<html>oops</html>`}, unreadable},
		"trailing data":      {leaveTool, agent.ToolResult{Content: `{"days_left":1,"year":2026} {}`}, unreadable},
		"not an object":      {leaveTool, agent.ToolResult{Content: `[1,2]`}, unreadable},
		"missing key":        {leaveTool, agent.ToolResult{Content: `{"days":12}`}, unreadable},
		"too long":           {long, agent.ToolResult{Content: `{"items":["` + strings.Repeat("x", 1000) + `","` + strings.Repeat("y", 1000) + `","` + strings.Repeat("z", 3000) + `"]}`}, unreadable},
		"numbers as written": {leaveTool, agent.ToolResult{Content: `{"days_left":12.5,"year":2026}`}, "You have 12.5 days of leave left in 2026."},
		"field list": {noTemplate, agent.ToolResult{Content: `{"employee":"local:alice","year":2026,"days_left":12,"ok":true,"note":null,"history":[1,2],"detail":{"a":1}}`},
			"Here is what the leave_balance tool returned:\n- employee: local:alice\n- year: 2026\n- days_left: 12\n- ok: true\n- note: none"},
		"comparison":          {compare, agent.ToolResult{Content: `{"days_left":0}`}, "You have no leave left."},
		"field list empty":    {noTemplate, agent.ToolResult{Content: `{"history":[1]}`}, "The leave_balance tool answered, but with nothing I can show here."},
		"field list bad JSON": {noTemplate, agent.ToolResult{Content: `{"a":`}, unreadable},
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeTool{result: tc.result}
			resp, err := a.Complete(t.Context(), askWithTools(q, f, tc.tool))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Content != tc.want {
				t.Errorf("answer = %q\nwant %q", resp.Content, tc.want)
			}
		})
	}
	t.Run("field list bounded", func(t *testing.T) {
		f := &fakeTool{result: agent.ToolResult{Content: manyFields}}
		resp, err := a.Complete(t.Context(), askWithTools(q, f, noTemplate))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(resp.Content, "\n- f: 1"); n != maxListedFields || !strings.HasSuffix(resp.Content, "\n- …") {
			t.Errorf("answer lists %d fields: %q", n, resp.Content)
		}
	})
}

// Ensure an error from CallTool is returned as is, by Complete and Stream.
func TestToolCallError(t *testing.T) {
	a := demoAgent(t)
	boom := errors.New("audit unavailable")
	f := &fakeTool{err: boom}
	if _, err := a.Complete(t.Context(), askWithTools("my leave balance", f, leaveTool)); err != boom {
		t.Errorf("Complete err = %v", err)
	}
	if _, err := a.Stream(t.Context(), askWithTools("my leave balance", f, leaveTool), func(agent.Delta) error { return nil }); err != boom {
		t.Errorf("Stream err = %v", err)
	}
}

// Ensure Stream emits the tool answer.
func TestToolStream(t *testing.T) {
	a := demoAgent(t)
	f := &fakeTool{result: agent.ToolResult{Content: `{"days_left":12,"year":2026}`}}
	var b strings.Builder
	resp, err := a.Stream(t.Context(), askWithTools("leave balance?", f, leaveTool), func(d agent.Delta) error {
		b.WriteString(d.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != "You have 12 days of leave left in 2026." || resp.Content != b.String() || len(f.calls) != 1 {
		t.Errorf("streamed %q, response %+v", b.String(), resp)
	}
}

// Ensure CheckAnswerTemplate and CheckIntent refuse what can never work.
func TestCheckAnswerTemplate(t *testing.T) {
	for s, ok := range map[string]bool{
		"You have {{.days_left}} days left.":            true,
		"{{if gt .days_left 0}}Some{{else}}None{{end}}": true,
		"plain text":        true,
		"{{.days_left":      false,
		"{{nosuchfunc .x}}": false,
		"{{end}}":           false,
		strings.Repeat("x", MaxAnswerTemplateBytes+1): false,
	} {
		if err := CheckAnswerTemplate(s); (err == nil) != ok {
			t.Errorf("CheckAnswerTemplate(%.40q) = %v, want ok %v", s, err, ok)
		}
	}
	for s, ok := range map[string]bool{"leave balance": true, "how are you": false, "": false} {
		if err := CheckIntent(s); (err == nil) != ok {
			t.Errorf("CheckIntent(%q) = %v, want ok %v", s, err, ok)
		}
	}
}
