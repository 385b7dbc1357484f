package knowledge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
)

// Bounds of tool answers.
const (
	// MaxAnswerTemplateBytes bounds an answer template.
	MaxAnswerTemplateBytes = 16 << 10
	// MaxToolAnswerBytes bounds what an answer template may write; a
	// template that writes more fails like one that meets a missing key.
	MaxToolAnswerBytes = 4 << 10
	// maxToolResultBytes bounds the tool result that is parsed.
	maxToolResultBytes = 1 << 20
	// maxListedFields is how many fields an answer without a template
	// lists.
	maxListedFields = 20
	// maxFieldRunes bounds one listed value, and the quoted reason of a
	// failed call.
	maxFieldRunes = 200
	// toolCallID is the id of the built-in agent's only call.
	toolCallID = "call_1"
)

// CheckAnswerTemplate reports whether s is a valid answer template for a
// tool of the knowledge agent: a Go text/template of at most
// MaxAnswerTemplateBytes. The configuration loader calls it so that a bad
// template is refused at start-up rather than when a user asks. It cannot
// know which keys the tool's result will have: a missing key is found
// when the template runs, and the user is then told the information could
// not be read.
func CheckAnswerTemplate(s string) error {
	_, err := parseAnswer(s)
	return err
}

// CheckIntent reports whether s can ever match a question: an intent
// phrase made only of stop words ("how are you") has no content words
// and never matches.
func CheckIntent(s string) error {
	if len(tokenize(s)) == 0 {
		return fmt.Errorf("intent %q has no content words (only common words such as \"how\", \"my\" or \"policy\")", s)
	}
	return nil
}

// parseAnswer parses an answer template with missing keys as errors.
func parseAnswer(s string) (*template.Template, error) {
	if len(s) > MaxAnswerTemplateBytes {
		return nil, fmt.Errorf("answer template is longer than %d bytes", MaxAnswerTemplateBytes)
	}
	return template.New("answer").Option("missingkey=error").Parse(s)
}

// matchTool returns the tool whose intents best match the question, or nil.
//
// A question matches an intent phrase when the question's content words
// (tokenized as for retrieval: lowercased, stop words removed, stemmed,
// and widened by the agent's synonyms) include every content word of the
// phrase. So "How many leave days do I have left?" matches "leave days
// left", and "What's my remaining leave?" matches "remaining leave", but
// "What is the leave policy for parental leave?" matches neither and is
// answered from the documents. When several intents match, the one with
// the most content words wins (the most specific); among equals, the
// first tool in req.Tools. Intents without content words never match.
func (a *Agent) matchTool(tools []agent.ToolSpec, question string) *agent.ToolSpec {
	if len(tools) == 0 {
		return nil
	}
	groups, _ := a.query(question)
	have := make(map[string]bool)
	for _, g := range groups {
		for _, al := range g.alts {
			for _, t := range al.terms {
				have[t] = true
			}
		}
	}
	if len(have) == 0 {
		return nil
	}
	var best *agent.ToolSpec
	bestLen := 0
	for i := range tools {
		for _, in := range tools[i].Intents {
			terms := tokenize(in)
			if len(terms) <= bestLen {
				continue
			}
			all := true
			for _, t := range terms {
				if !have[t] {
					all = false
					break
				}
			}
			if all {
				best, bestLen = &tools[i], len(terms)
			}
		}
	}
	return best
}

// answerWithTool calls tool and turns its result into an answer.
func (a *Agent) answerWithTool(ctx context.Context, req *agent.Request, tool *agent.ToolSpec) (string, error) {
	if req.CallTool == nil {
		return "", apperr.New(apperr.KindInternal, apperr.CodeInternal, "An internal error occurred.")
	}
	res, err := req.CallTool(ctx, agent.ToolCall{ID: toolCallID, Name: tool.Name, Arguments: json.RawMessage("{}")})
	if err != nil {
		return "", err
	}
	if res.IsError {
		reason := shorten(res.Content, maxFieldRunes)
		if reason == "" {
			return fmt.Sprintf("Sorry, I couldn't get that information: the %s tool failed. Please try again later.", tool.Name), nil
		}
		return fmt.Sprintf("Sorry, I couldn't get that information: the %s tool failed (%s). Please try again later.", tool.Name, reason), nil
	}
	unreadable := fmt.Sprintf("Sorry, I called the %s tool, but its answer could not be read.", tool.Name)
	if tool.Answer != "" {
		out, err := renderAnswer(tool.Answer, res.Content)
		if err != nil || strings.TrimSpace(out) == "" {
			return unreadable, nil
		}
		return strings.TrimSpace(out), nil
	}
	out, ok := listFields(tool.Name, res.Content)
	if !ok {
		return unreadable, nil
	}
	return out, nil
}

// renderAnswer executes the answer template on the JSON object result.
// Integers are int64 and other numbers float64, so that they print as
// written and compare with literals of the same kind.
func renderAnswer(tmpl, result string) (string, error) {
	t, err := parseAnswer(tmpl)
	if err != nil {
		return "", err
	}
	if len(result) > maxToolResultBytes {
		return "", errors.New("result too large")
	}
	dec := json.NewDecoder(strings.NewReader(result))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		return "", err
	}
	if data == nil {
		return "", errors.New("result is null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("data after the JSON object")
	}
	var buf bytes.Buffer
	if err := t.Execute(&limitWriter{w: &buf, left: MaxToolAnswerBytes}, numbers(data)); err != nil {
		return "", err
	}
	if !utf8.Valid(buf.Bytes()) {
		return "", errors.New("answer is not valid UTF-8")
	}
	return buf.String(), nil
}

// numbers replaces the json.Numbers in v with int64 or float64 values.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// errAnswerTooLong is the error of a template writing more than
// MaxToolAnswerBytes.
var errAnswerTooLong = errors.New("answer too long")

// limitWriter fails once more than left bytes are written.
type limitWriter struct {
	w    io.Writer
	left int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, errAnswerTooLong
	}
	l.left -= len(p)
	return l.w.Write(p)
}

// listFields lists the top-level scalar fields of a JSON object result, in
// their order, at most maxListedFields of them. It reports false if the
// result is not a JSON object.
func listFields(tool, result string) (string, bool) {
	if len(result) > maxToolResultBytes {
		return "", false
	}
	dec := json.NewDecoder(strings.NewReader(result))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	var lines []string
	more := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return "", false
		}
		var s string
		switch x := v.(type) {
		case string:
			s = shorten(x, maxFieldRunes)
		case json.Number:
			s = x.String()
		case bool:
			s = fmt.Sprint(x)
		case nil:
			s = "none"
		default:
			continue // objects and arrays
		}
		if len(lines) == maxListedFields {
			more = true
			continue
		}
		lines = append(lines, "- "+shorten(key, 64)+": "+s)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false
	}
	if len(lines) == 0 {
		return fmt.Sprintf("The %s tool answered, but with nothing I can show here.", tool), true
	}
	out := fmt.Sprintf("Here is what the %s tool returned:\n%s", tool, strings.Join(lines, "\n"))
	if more {
		out += "\n- …"
	}
	return out, true
}

// shorten collapses whitespace and control characters in s and cuts it to
// n runes.
func shorten(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, ""), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n-1]) + "…"
	}
	return s
}
