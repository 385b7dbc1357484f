// Package agent defines what an agent is to the gateway: something that takes
// a conversation and answers, at once or as a stream. The built-in knowledge
// agent (agent/knowledge) and the OpenAI-compatible upstream client
// (agent/upstream) implement it.
package agent

import "context"

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
