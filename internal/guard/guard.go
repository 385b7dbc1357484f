// Package guard inspects content on its way into and out of an agent:
// sensitive data, prompt injection and unsafe output. It knows nothing but
// the text it is given.
//
// This file defines the stage contract the gateway calls. The detectors
// themselves are added behind the same contract.
package guard

import "context"

// Direction says which way content is flowing.
type Direction string

// Directions of inspected content.
const (
	// Inbound is content from a user (or a client app) to an agent.
	Inbound Direction = "in"
	// Outbound is content from an agent to a user.
	Outbound Direction = "out"
)

// Action is what the guard decided to do with the content.
type Action string

// Guard actions, from least to most restrictive.
const (
	ActionAllow  Action = "allow"
	ActionRedact Action = "redact"
	ActionBlock  Action = "block"
)

// Finding is one thing a detector found. It never holds the matched value.
type Finding struct {
	// Type is the detector's stable name, e.g. "credit_card".
	Type string `json:"type"`
	// Start and End are byte offsets into the inspected text, End exclusive.
	Start int `json:"start"`
	End   int `json:"end"`
	// Confidence is in [0, 1].
	Confidence float64 `json:"confidence"`
}

// Verdict is the guard's answer for one piece of content.
type Verdict struct {
	Action Action
	// Text is the content to pass on: the input unchanged for allow, the
	// rewritten text for redact, empty for block.
	Text     string
	Findings []Finding
}

// Guard inspects whole pieces of content.
type Guard interface {
	// Inspect returns the verdict for text flowing in direction dir.
	Inspect(ctx context.Context, dir Direction, text string) (Verdict, error)
}

// StreamGuard inspects an answer as it streams. Write receives each piece in
// order and returns what may be released now (possibly holding some back);
// Flush returns the rest at the end.
type StreamGuard interface {
	Write(piece string) (release string, v Verdict, err error)
	Flush() (release string, v Verdict, err error)
}

// PassThrough allows all content unchanged. It is the stage's behaviour when
// no detector is configured.
type PassThrough struct{}

// Inspect allows text unchanged.
func (PassThrough) Inspect(_ context.Context, _ Direction, text string) (Verdict, error) {
	return Verdict{Action: ActionAllow, Text: text}, nil
}

// NewStream returns a StreamGuard that releases every piece at once.
func (PassThrough) NewStream(context.Context) StreamGuard { return passStream{} }

type passStream struct{}

func (passStream) Write(p string) (string, Verdict, error) {
	return p, Verdict{Action: ActionAllow, Text: p}, nil
}
func (passStream) Flush() (string, Verdict, error) { return "", Verdict{Action: ActionAllow}, nil }
