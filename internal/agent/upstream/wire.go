package upstream

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/palisade-gw/palisade/internal/agent"
)

// The OpenAI chat completions wire format, as much of it as Palisade uses.

type chatRequest struct {
	Model         string         `json:"model"`
	Messages      []chatMessage  `json:"messages"`
	MaxTokens     int            `json:"max_tokens,omitempty"`
	Temperature   *float64       `json:"temperature,omitempty"`
	TopP          *float64       `json:"top_p,omitempty"`
	Stop          []string       `json:"stop,omitempty"`
	User          string         `json:"user,omitempty"`
	Stream        bool           `json:"stream"`
	StreamOptions *streamOptions `json:"stream_options,omitempty"`
	// Tools are sent when the request has tools; tool_choice is left out,
	// which means "auto".
	Tools []wireTool `json:"tools,omitempty"`
}

// chatMessage is one message of a request. Content is a pointer so that an
// assistant message carrying tool calls can have null content.
type chatMessage struct {
	Role       string     `json:"role"`
	Content    *string    `json:"content"`
	Name       string     `json:"name,omitempty"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// text returns a pointer to s, for chatMessage.Content.
func text(s string) *string { return &s }

// wireTool is one entry of "tools".
type wireTool struct {
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

// wireFunction describes a function a model may call.
type wireFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

// toolCall is one call of a function, in an answer and when the answer is
// sent back as part of the conversation.
type toolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function functionCall `json:"function"`
}

// functionCall names the function called and its arguments.
type functionCall struct {
	Name      string       `json:"name"`
	Arguments argumentText `json:"arguments"`
}

// argumentText is the "arguments" of a function call: a string holding
// JSON, as the OpenAI format says. A few servers send the JSON object
// itself; it is accepted and kept as its text. null is the empty string;
// anything else is refused.
type argumentText string

// UnmarshalJSON implements json.Unmarshaler.
func (t *argumentText) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		*t = ""
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*t = argumentText(s)
		return nil
	case len(data) > 0 && data[0] == '{':
		*t = argumentText(data)
		return nil
	}
	return errors.New("function arguments are neither a string nor an object")
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// chatCompletion is a non-streamed answer.
type chatCompletion struct {
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Content   string     `json:"content"`
			Refusal   string     `json:"refusal"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage    `json:"usage"`
	Error *apiError `json:"error"`
}

// chatChunk is one event of a streamed answer.
type chatChunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage    `json:"usage"`
	Error *apiError `json:"error"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// addUsage adds the counts of u to sum.
func addUsage(sum *agent.Usage, u *usage) {
	if u == nil {
		return
	}
	sum.PromptTokens += u.PromptTokens
	sum.CompletionTokens += u.CompletionTokens
	sum.TotalTokens += u.TotalTokens
}

func (u *usage) toAgent() agent.Usage {
	if u == nil {
		return agent.Usage{}
	}
	return agent.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

// apiError is the "error" object of an OpenAI error body.
type apiError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code"`
}

// errorBody is an OpenAI error response.
type errorBody struct {
	Error *apiError `json:"error"`
}
