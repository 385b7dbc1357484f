// Package agent defines what an agent is to the gateway: something that takes
// a conversation and answers, at once or as a stream. The built-in knowledge
// agent (agent/knowledge) and the OpenAI-compatible upstream client
// (agent/upstream) implement it.
package agent

import (
	"context"
	"encoding/json"
)

// Roles of chat messages, as in the OpenAI wire format.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string
	Content string
	// Name optionally names the participant.
	Name string
}

// Request asks an agent to answer the last user message of Messages.
type Request struct {
	// Messages is the conversation so far, oldest first. The agent's own
	// instructions are not included: each agent adds its own.
	Messages []Message
	// User is the authenticated caller's subject, for upstreams that accept
	// an end-user id.
	User string
	// MaxTokens limits the answer's length when positive.
	MaxTokens int
	// Temperature and TopP are passed to model servers when set.
	Temperature *float64
	TopP        *float64
	// Stop sequences are passed to model servers.
	Stop []string
	// MayRead reports whether the caller may read a knowledge document
	// that carries these labels (the labels are never empty). Documents
	// without labels are readable by anyone allowed to use the agent. When
	// MayRead is nil no labelled document is readable: retrieval fails
	// closed.
	MayRead func(labels []string) bool
	// NoKnowledge withholds every knowledge document, labelled or not
	// (a conditional access restriction).
	NoKnowledge bool
	// Tools are the tools the agent may call for this request: those of
	// the agent that the caller's roles allow (empty when conditional
	// access restricts tools). Palisade executes every call through
	// CallTool; the client never sees or runs them.
	Tools []ToolSpec
	// CallTool executes one tool call on the caller's behalf: Palisade
	// authorises it, validates its arguments against the tool's schema,
	// injects the credentials, calls the tool through the egress policy
	// and guards the result before returning it. A call that fails in a
	// way the model may hear about (invalid arguments, not allowed, the
	// tool's API refused or failed) is a ToolResult with IsError set; an
	// error return means the request itself must fail (the call could not
	// be audited or guarded) and the agent returns it. Nil when Tools is
	// empty.
	CallTool func(ctx context.Context, call ToolCall) (ToolResult, error)
}

// MaxToolRounds bounds how many rounds of tool calls an agent makes for
// one request before it must answer.
const MaxToolRounds = 4

// ToolSpec describes a tool an agent may call.
type ToolSpec struct {
	// Name identifies the tool (^[a-zA-Z0-9_-]{1,64}$, as function names
	// are in the OpenAI wire format).
	Name string
	// Description tells a model what the tool does and when to use it.
	Description string
	// Parameters is the JSON Schema of the arguments: an object schema.
	Parameters json.RawMessage
	// Intents are phrases for the built-in knowledge agent, which has no
	// model to choose tools: a question close to one of them is answered
	// by calling the tool (with no arguments).
	Intents []string
	// Answer is the text/template the built-in knowledge agent renders
	// with the tool's JSON result (an object) to answer; empty shows the
	// result's fields.
	Answer string
}

// ToolCall is one call of a tool that an agent asks Palisade to make.
type ToolCall struct {
	// ID is the call's id (the model's tool_call_id, or one the built-in
	// agent makes up).
	ID string
	// Name is the tool's name.
	Name string
	// Arguments is the JSON object of arguments as the agent wrote them
	// (not yet validated).
	Arguments json.RawMessage
}

// ToolResult is what a tool call returned, as the agent may see it.
type ToolResult struct {
	// Content is the result (the guarded response body, usually JSON), or
	// a short description of the failure when IsError is set.
	Content string
	// IsError reports a failed call; Content says why, in words a model
	// and a person understand, without secrets.
	IsError bool
}

// Readable reports whether a document with labels may be used to answer r.
func (r *Request) Readable(labels []string) bool {
	if r.NoKnowledge {
		return false
	}
	if len(labels) == 0 {
		return true
	}
	return r.MayRead != nil && r.MayRead(labels)
}

// LastUserText returns the content of the last user message, or "".
func (r *Request) LastUserText() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == RoleUser {
			return r.Messages[i].Content
		}
	}
	return ""
}

// Citation names the source a grounded answer was drawn from.
type Citation struct {
	// Document is the source document's title.
	Document string
	// Section is the heading of the section quoted, if any.
	Section string
	// Source is the document's path relative to its knowledge root.
	Source string
}

// Usage counts tokens as the model server reports them (or as estimated by
// built-in agents).
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
}

// Response is an agent's complete answer.
type Response struct {
	Content string
	// Model is the model that produced the answer (the upstream model name,
	// or the built-in agent's own name).
	Model        string
	FinishReason string
	Citations    []Citation
	Usage        Usage
}

// Delta is one piece of a streamed answer.
type Delta struct {
	Content string
}

// Agent answers conversations. Implementations must be safe for concurrent
// use. Errors are *apperr.Error values (upstream unavailable, timeout…) or
// wrap one.
type Agent interface {
	// Complete returns the whole answer.
	Complete(ctx context.Context, req *Request) (*Response, error)
	// Stream calls emit with each piece of the answer as it is produced and
	// returns the complete response at the end (its Content is the
	// concatenation of the deltas). If emit returns an error, Stream stops
	// and returns it.
	Stream(ctx context.Context, req *Request, emit func(Delta) error) (*Response, error)
}
