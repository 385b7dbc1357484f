package mockllm

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The wire format, as much of it as the mock reads and writes.

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		Name       string          `json:"name"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"function"`
	} `json:"tools"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens           int `json:"max_tokens"`
	MaxCompletionTokens int `json:"max_completion_tokens"`
}

type message struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

// callMessage is an answer (or a streamed delta) carrying tool calls.
type callMessage struct {
	Role      string    `json:"role,omitempty"`
	Content   *string   `json:"content"`
	ToolCalls []callOut `json:"tool_calls"`
}

// callOut is one tool call of an answer. Index is set in streamed deltas
// only.
type callOut struct {
	Index    *int        `json:"index,omitempty"`
	ID       string      `json:"id,omitempty"`
	Type     string      `json:"type,omitempty"`
	Function functionOut `json:"function"`
}

// functionOut is the function of a tool call.
type functionOut struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// choice is one choice of an answer; Message and Delta are *message or
// *callMessage.
type choice struct {
	Index        int     `json:"index"`
	Message      any     `json:"message,omitempty"`
	Delta        any     `json:"delta,omitempty"`
	FinishReason *string `json:"finish_reason"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

type errorInfo struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

type errorBody struct {
	Error errorInfo `json:"error"`
}

type modelInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Object string      `json:"object"`
	Data   []modelInfo `json:"data"`
}

const completionID = "chatcmpl-mock"

var knownRoles = []string{"system", "developer", "user", "assistant", "tool", "function"}

// tokens estimates the tokens of n bytes of text, as model servers count
// roughly four bytes to a token.
func tokens(n int) int { return (n + 3) / 4 }

// chat answers POST /v1/chat/completions.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	// Read the whole body, as real servers do, before answering.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.fail(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large", "The request body is too large.")
			return
		}
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "invalid_body", "The request body could not be read.")
		return
	}
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", "We could not parse the JSON body of your request.")
		return
	}
	if req.Model == "" {
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "missing_model", "You must provide a model parameter.")
		return
	}
	if len(s.cfg.Models) > 0 && !slices.Contains(s.cfg.Models, req.Model) {
		s.fail(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "The model "+strconv.Quote(req.Model)+" does not exist.")
		return
	}
	if len(req.Messages) == 0 {
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "invalid_messages", "messages must not be empty.")
		return
	}
	promptBytes := 0
	for i, m := range req.Messages {
		if !slices.Contains(knownRoles, m.Role) {
			s.fail(w, http.StatusBadRequest, "invalid_request_error", "invalid_role",
				"messages["+strconv.Itoa(i)+"].role is missing or unknown.")
			return
		}
		promptBytes += len(m.Content)
	}

	answer, pieces, finish := s.answer, s.pieces, "stop"
	call, toolAnswer := s.toolReply(&req)
	if call != nil {
		s.answerCall(w, r, &req, call, promptBytes)
		return
	}
	if toolAnswer != "" {
		answer, pieces = toolAnswer, splitText(toolAnswer, s.cfg.Chunks)
	}
	if limit := cmp.Or(req.MaxCompletionTokens, req.MaxTokens); limit > 0 && tokens(len(answer)) > limit {
		answer, finish = cutText(answer, 4*limit), "length"
		pieces = splitText(answer, s.cfg.Chunks)
	}
	u := &usage{PromptTokens: tokens(promptBytes), CompletionTokens: tokens(len(answer))}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens

	if s.cfg.Mode == ModeLatency && !wait(r, s.cfg.Latency) {
		return
	}
	if req.Stream {
		includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
		if !includeUsage {
			u = nil
		}
		s.stream(w, r, req.Model, pieces, finish, u)
		return
	}
	if s.cfg.Mode == ModeStream && !wait(r, time.Duration(len(pieces))*s.cfg.ChunkDelay) {
		return
	}
	body, _ = json.Marshal(completion{
		ID: completionID, Object: "chat.completion", Created: created, Model: req.Model,
		Choices: []choice{{Message: &message{Role: "assistant", Content: answer}, FinishReason: &finish}},
		Usage:   u,
	})
	s.completions.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// stream sends the answer as server-sent events: a role chunk, the content
// pieces (spaced by ChunkDelay in ModeStream), a finish chunk, the usage
// chunk when asked for, and [DONE].
func (s *Server) stream(w http.ResponseWriter, r *http.Request, model string, pieces []string, finish string, u *usage) {
	s.streams.Add(1)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)

	buf := make([]byte, 0, 512)
	send := func(c completion) bool {
		c.ID, c.Object, c.Created, c.Model = completionID, "chat.completion.chunk", created, model
		if c.Choices == nil {
			c.Choices = []choice{}
		}
		data, _ := json.Marshal(c)
		buf = append(append(append(buf[:0], "data: "...), data...), "\n\n"...)
		if _, err := w.Write(buf); err != nil {
			return false
		}
		return rc.Flush() == nil
	}

	if !send(completion{Choices: []choice{{Delta: &message{Role: "assistant", Content: ""}}}}) {
		return
	}
	for _, p := range pieces {
		if s.cfg.Mode == ModeStream && !wait(r, s.cfg.ChunkDelay) {
			return
		}
		if !send(completion{Choices: []choice{{Delta: &message{Content: p}}}}) {
			return
		}
	}
	if !send(completion{Choices: []choice{{Delta: &message{}, FinishReason: &finish}}}) {
		return
	}
	if u != nil && !send(completion{Usage: u}) {
		return
	}
	_, _ = w.Write([]byte("data: [DONE]\n\n"))
	_ = rc.Flush()
}
