package guard

import (
	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// Rules say what to do with findings flowing one way. A type's own action
// wins over its category's; a finding whose category has no action is
// allowed. Findings below MinConfidence are ignored.
type Rules struct {
	Categories    map[detect.Category]Action
	Types         map[string]Action
	MinConfidence float64
}

// ActionFor returns the action the rules take on f.
func (r Rules) ActionFor(f detect.Finding) Action {
	if f.Confidence < r.MinConfidence {
		return ActionAllow
	}
	if a, ok := r.Types[f.Type]; ok {
		return a
	}
	if a, ok := r.Categories[f.Category]; ok {
		return a
	}
	return ActionAllow
}

// ContentAction is what happens to third-party content (retrieved
// documents, tool output) in which instructions were found.
type ContentAction string

// Content actions.
const (
	// ContentNeutralize replaces each instruction found with a visible
	// marker and keeps the rest of the content.
	ContentNeutralize ContentAction = "neutralize"
	// ContentDrop withholds the whole content from the model.
	ContentDrop ContentAction = "drop"
	// ContentAudit passes the content unchanged and records the finding.
	ContentAudit ContentAction = "audit"
)

// Oversize is what happens to a text longer than a policy's MaxBytes.
type Oversize string

// Oversize actions.
const (
	// OversizeRefuse refuses the text (413 content_too_large).
	OversizeRefuse Oversize = "refuse"
	// OversizeTruncate keeps the first MaxBytes (at a character boundary)
	// and inspects those; the rest is dropped.
	OversizeTruncate Oversize = "truncate"
)

// Policy is one guard policy, as an agent uses it.
type Policy struct {
	// Name identifies the policy in audit records.
	Name string
	// In applies to what clients send; Out to what agents answer.
	In, Out Rules
	// Content is the action on instructions found in third-party content.
	Content ContentAction
	// Restore gives the user back, in the answer, the values of theirs
	// that were redacted on the way in.
	Restore bool
	// LinkHosts are the hosts an answer may link to or embed images from;
	// links elsewhere are exfiltration_link/exfiltration_image findings.
	LinkHosts []string
	// EscapeHTMLChannels are the channels whose answers have HTML escaped.
	EscapeHTMLChannels []string
	// MaxBytes bounds the text inspected; Oversize says what happens above.
	MaxBytes int
	Oversize Oversize
	// Holdback is how many bytes of a streaming answer are held back so a
	// value split across chunks is still caught before it is released.
	Holdback int
}

// Defaults of a policy.
const (
	DefaultMaxBytes      = 1 << 20
	DefaultHoldback      = 128
	DefaultMinConfidence = 0.5
)

// highRiskPII are the validated personal-data types an answer must not
// show by default (identifiers that enable fraud).
var highRiskPII = []string{"credit_card", "iban", "us_ssn", "uk_nino", "nl_bsn", "es_dni",
	"se_personnummer", "ca_sin", "in_aadhaar", "passport_mrz"}

// DefaultPolicy is the policy of an agent whose configuration names none.
// It is the safe one: secrets and injection blocked on the way in, personal
// and health data redacted before the model sees them (and given back to
// their owner in the answer), secrets and high-risk identifiers redacted
// from answers, other personal data in answers recorded, links and images
// to other sites removed, a leaked system prompt blocked, instructions in
// retrieved content neutralised, HTML escaped for Direct Line, texts over
// 1 MiB refused.
func DefaultPolicy() *Policy {
	out := Rules{
		Categories: map[detect.Category]Action{
			detect.PII: ActionAudit, detect.PHI: ActionRedact, detect.Secret: ActionRedact,
			detect.Output: ActionRedact, detect.Custom: ActionRedact,
		},
		Types:         map[string]Action{"system_prompt_leak": ActionBlock},
		MinConfidence: DefaultMinConfidence,
	}
	for _, t := range highRiskPII {
		out.Types[t] = ActionRedact
	}
	return &Policy{
		Name: "default",
		In: Rules{
			Categories: map[detect.Category]Action{
				detect.PII: ActionRedact, detect.PHI: ActionRedact, detect.Secret: ActionBlock,
				detect.Injection: ActionBlock, detect.Custom: ActionRedact,
			},
			Types:         map[string]Action{},
			MinConfidence: DefaultMinConfidence,
		},
		Out:                out,
		Content:            ContentNeutralize,
		Restore:            true,
		EscapeHTMLChannels: []string{"directline"},
		MaxBytes:           DefaultMaxBytes,
		Oversize:           OversizeRefuse,
		Holdback:           DefaultHoldback,
	}
}
