package mockllm

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Function calling, as much as the mock needs to exercise a client's tool
// loop.

const (
	// MaxToolResultBytes is how much of a tool message's content the answer
	// to it quotes.
	MaxToolResultBytes = 500
	// minMatchLetters is the length a word must have for a tool to match a
	// user message through it.
	minMatchLetters = 4
)

// toolReply decides how the mock answers req when function calling is
// involved. When req has tools and its last message is a user message,
// call is a call of the first tool whose name or description shares a
// word of at least four letters with that message (nil if none does).
// When the last message is a tool message, text is "Tool <name>
// returned: <content>". Otherwise both are zero and the mock answers with
// its usual text.
func (s *Server) toolReply(req *chatRequest) (call *callOut, text string) {
	if len(req.Messages) == 0 {
		return nil, ""
	}
	last := req.Messages[len(req.Messages)-1]
	switch last.Role {
	case "user":
		if len(req.Tools) == 0 {
			return nil, ""
		}
		asked := contentText(last.Content)
		words := matchWords(asked)
		if len(words) == 0 {
			return nil, ""
		}
		for _, t := range req.Tools {
			if (t.Type != "" && t.Type != "function") || t.Function.Name == "" {
				continue
			}
			for w := range matchWords(t.Function.Name + " " + t.Function.Description) {
				if words[w] {
					return &callOut{ID: callID(t.Function.Name, asked), Type: "function",
						Function: functionOut{Name: t.Function.Name, Arguments: "{}"}}, ""
				}
			}
		}
	case "tool":
		name := last.Name
		for i := len(req.Messages) - 2; i >= 0 && name == ""; i-- {
			for _, c := range req.Messages[i].ToolCalls {
				if c.ID == last.ToolCallID {
					name = c.Function.Name
					break
				}
			}
		}
		if name == "" {
			name = "unknown"
		}
		return nil, "Tool " + name + " returned: " + cutText(contentText(last.Content), MaxToolResultBytes)
	}
	return nil, ""
}

// answerCall sends an answer asking for one tool call, whole or streamed
// as the request asks, with finish_reason "tool_calls".
func (s *Server) answerCall(w http.ResponseWriter, r *http.Request, req *chatRequest, call *callOut, promptBytes int) {
	finish := "tool_calls"
	u := &usage{PromptTokens: tokens(promptBytes), CompletionTokens: tokens(len(call.Function.Name) + len(call.Function.Arguments))}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if s.cfg.Mode == ModeLatency && !wait(r, s.cfg.Latency) {
		return
	}
	s.toolCalls.Add(1)
	if req.Stream {
		if req.StreamOptions == nil || !req.StreamOptions.IncludeUsage {
			u = nil
		}
		s.streamCall(w, r, req.Model, call, u)
		return
	}
	if s.cfg.Mode == ModeStream && !wait(r, 2*s.cfg.ChunkDelay) {
		return
	}
	body, _ := json.Marshal(completion{
		ID: completionID, Object: "chat.completion", Created: created, Model: req.Model,
		Choices: []choice{{Message: &callMessage{Role: "assistant", ToolCalls: []callOut{*call}}, FinishReason: &finish}},
		Usage:   u,
	})
	s.completions.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// streamCall streams a tool call as OpenAI does: a chunk with the role,
// the call's index, id, type and name and empty arguments; a chunk with
// the arguments; a finish chunk; the usage chunk when asked for; [DONE].
func (s *Server) streamCall(w http.ResponseWriter, r *http.Request, model string, call *callOut, u *usage) {
	zero := 0
	head := callOut{Index: &zero, ID: call.ID, Type: "function", Function: functionOut{Name: call.Function.Name}}
	args := callOut{Index: &zero, Function: functionOut{Arguments: call.Function.Arguments}}
	finish := "tool_calls"
	s.sendStream(w, r, model, []completion{
		{Choices: []choice{{Delta: &callMessage{Role: "assistant", ToolCalls: []callOut{head}}}}},
		{Choices: []choice{{Delta: &callMessage{ToolCalls: []callOut{args}}}}},
		{Choices: []choice{{Delta: &message{}, FinishReason: &finish}}},
	}, u)
}

// sendStream sends chunks as server-sent events (spaced by ChunkDelay in
// ModeStream), then the usage chunk if u is set, and [DONE].
func (s *Server) sendStream(w http.ResponseWriter, r *http.Request, model string, chunks []completion, u *usage) {
	s.streams.Add(1)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if u != nil {
		chunks = append(chunks, completion{Usage: u})
	}
	for i, c := range chunks {
		if i > 0 && s.cfg.Mode == ModeStream && !wait(r, s.cfg.ChunkDelay) {
			return
		}
		c.ID, c.Object, c.Created, c.Model = completionID, "chat.completion.chunk", created, model
		if c.Choices == nil {
			c.Choices = []choice{}
		}
		data, _ := json.Marshal(c)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
	_, _ = w.Write([]byte("data: [DONE]\n\n"))
	_ = rc.Flush()
}

// contentText returns the text of a message's content: a string, or the
// "text" of an array of content parts; anything else is "".
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// matchWords returns the lowercased words of s (runs of letters and
// digits; "_" and "-" separate words, so tool names split) of at least
// minMatchLetters letters.
func matchWords(s string) map[string]bool {
	out := make(map[string]bool)
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		letters := 0
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters >= minMatchLetters {
			out[w] = true
		}
	}
	return out
}

// callID returns the deterministic id of a call of tool for a message:
// "call_" and 12 hex digits of a hash of both.
func callID(tool, message string) string {
	h := fnv.New64a()
	h.Write([]byte(tool))
	h.Write([]byte{0})
	h.Write([]byte(message))
	return fmt.Sprintf("call_%012x", h.Sum64()&(1<<48-1))
}

// cutText returns at most n bytes of s, cut at a rune boundary.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// splitText cuts s into at most n pieces of nearly equal length, at rune
// boundaries; for ASCII text it is split.
func splitText(s string, n int) []string {
	n = min(n, len(s))
	pieces := make([]string, 0, n)
	start := 0
	for i := range n {
		end := (i + 1) * len(s) / n
		for end < len(s) && !utf8.RuneStart(s[end]) {
			end++
		}
		if end > start {
			pieces = append(pieces, s[start:end])
			start = end
		}
	}
	return pieces
}
