// Package guard inspects content on its way into and out of an agent:
// sensitive data, prompt injection and unsafe output. It knows nothing but
// the text it is given and the policy it was built with.
//
// The gateway begins one Turn per request. A turn inspects every message the
// client sent (inbound), third-party content that reaches the model
// (retrieved documents, tool output), and the agent's answer (outbound),
// whole or as it streams. Redaction placeholders are numbered per turn, so
// the same value is the same placeholder in every message of a
// conversation, and the answer can be given back to the user with their own
// values restored while the model never saw them.
package guard

import (
	"context"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// Direction says which way content is flowing.
type Direction string

// Directions of inspected content.
const (
	// Inbound is content from a user (or a client app) to an agent.
	Inbound Direction = "in"
	// Outbound is content from an agent to a user.
	Outbound Direction = "out"
)

// Source says who wrote an inbound text; policy treats them differently
// (a client's own system prompt is not checked for injection, third-party
// content is checked for instructions hidden in data).
type Source string

// Sources of inbound text.
const (
	// FromUser is a user's message.
	FromUser Source = "user"
	// FromHistory is an earlier answer or a system message in the history a
	// client sends; the client controls it, so it is inspected like user
	// text except for injection in system messages.
	FromHistory Source = "history"
	// FromSystem is a system message supplied by the client app.
	FromSystem Source = "system"
	// FromContent is third-party content: retrieved documents, e-mails,
	// tool output. Instructions found in it are indirect injection.
	FromContent Source = "content"
)

// Action is what the guard does about a finding or a text.
type Action string

// Guard actions, from least to most restrictive.
const (
	// ActionAllow passes the content unchanged and records nothing.
	ActionAllow Action = "allow"
	// ActionAudit passes the content unchanged and records the finding.
	ActionAudit Action = "audit"
	// ActionMask hides all but the last few characters of the value.
	ActionMask Action = "mask"
	// ActionRedact replaces the value with a typed placeholder (<EMAIL_1>).
	ActionRedact Action = "redact"
	// ActionBlock refuses the whole text.
	ActionBlock Action = "block"
)

// Actions lists every action, least restrictive first.
var Actions = []Action{ActionAllow, ActionAudit, ActionMask, ActionRedact, ActionBlock}

// rank orders actions by how restrictive they are.
func (a Action) rank() int {
	for i, b := range Actions {
		if a == b {
			return i
		}
	}
	return len(Actions) // unknown: treat as most restrictive
}

// Finding is one thing a detector found; it never holds the matched value.
type Finding = detect.Finding

// Verdict is the guard's answer for one piece of content.
type Verdict struct {
	// Action is the most restrictive action taken on the text.
	Action Action
	// Text is the content to pass on: the input unchanged for allow and
	// audit, the rewritten text for mask and redact, empty for block.
	Text string
	// Findings are those at or above the policy's confidence threshold
	// that the policy does not allow silently, with the action taken.
	Findings []Applied
}

// Applied is a finding and what the policy did about it.
type Applied struct {
	Finding
	Action Action `json:"action"`
}

// Guard begins a turn for each request to one agent.
type Guard interface {
	// Begin starts the inspection of one request arriving on channel
	// ("openai", "directline").
	Begin(ctx context.Context, channel string) Turn
}

// Turn inspects the content of one request and its answer.
type Turn interface {
	// Inspect returns the verdict for an inbound text written by src.
	Inspect(ctx context.Context, src Source, text string) (Verdict, error)
	// Answer returns the verdict for an agent's whole answer. Verdict.Text
	// is the guarded answer as it may be stored; Deliver turns it into what
	// the user is shown.
	Answer(ctx context.Context, text string) (Verdict, error)
	// Deliver returns the text the user is shown for a guarded answer:
	// placeholders of values the user sent in this turn restored (when the
	// policy says so) and markup escaped for channels that render HTML.
	Deliver(guarded string) string
	// Escape escapes markup in s when the turn's channel renders HTML and
	// the policy says so; a channel whose clients read the transcript
	// stores its answers this way.
	Escape(s string) string
	// NewStream returns an inspector for an answer that streams.
	NewStream(ctx context.Context) StreamGuard
	// Summary counts what the turn found and did, for the audit record.
	Summary() Summary
}

// StreamGuard inspects an answer as it streams. Write receives each piece in
// order and returns what may be released now (possibly holding some back);
// Flush returns the rest at the end. Released text is guarded and already
// passed through Deliver; Guarded returns the whole guarded answer so far,
// as it may be stored.
type StreamGuard interface {
	Write(piece string) (release string, v Verdict, err error)
	Flush() (release string, v Verdict, err error)
	Guarded() string
}

// PassThrough allows all content unchanged. Pipelines built without a guard
// (tests of other stages) use it; a configured Palisade always has a policy.
type PassThrough struct{}

// Begin returns a turn that allows everything.
func (PassThrough) Begin(context.Context, string) Turn { return passTurn{} }

type passTurn struct{}

func (passTurn) Inspect(_ context.Context, _ Source, text string) (Verdict, error) {
	return Verdict{Action: ActionAllow, Text: text}, nil
}
func (passTurn) Answer(_ context.Context, text string) (Verdict, error) {
	return Verdict{Action: ActionAllow, Text: text}, nil
}
func (passTurn) Deliver(s string) string               { return s }
func (passTurn) Escape(s string) string                { return s }
func (passTurn) NewStream(context.Context) StreamGuard { return &passStream{} }
func (passTurn) Summary() Summary                      { return Summary{} }

type passStream struct{ all []byte }

func (p *passStream) Write(s string) (string, Verdict, error) {
	p.all = append(p.all, s...)
	return s, Verdict{Action: ActionAllow, Text: s}, nil
}
func (*passStream) Flush() (string, Verdict, error) { return "", Verdict{Action: ActionAllow}, nil }
func (p *passStream) Guarded() string               { return string(p.all) }
