// Package detect holds what every content detector shares: the finding it
// reports, the category a finding belongs to, and the Detector contract.
// Detector families (personal data, secrets, injection, output safety) live
// in their own packages and depend only on this one, so the guard engine can
// combine them without any of them knowing about the others.
package detect

// Category groups finding types so that policy can act on a whole class at
// once (redact all personal data, block every secret).
type Category string

// Categories of findings.
const (
	// PII is personal data: e-mail, phone, card, IBAN, national ids, names…
	PII Category = "pii"
	// PHI is health information (diagnoses, medications, conditions).
	PHI Category = "phi"
	// Secret is a credential: cloud keys, tokens, private keys, passwords.
	Secret Category = "secret"
	// Injection is an attempt to override the agent's instructions:
	// instruction override, jailbreak, prompt extraction, hidden text.
	Injection Category = "injection"
	// Output is unsafe answer content: exfiltration links, leaked
	// instructions, active markup.
	Output Category = "output"
	// Custom is a detector defined in configuration.
	Custom Category = "custom"
)

// Finding is one thing a detector found. It holds positions, never the
// matched value, so findings can be logged and audited safely.
type Finding struct {
	// Type is the detector's stable name, e.g. "credit_card", "aws_access_key",
	// "instruction_override". Lower snake case; part of the audit schema.
	Type string `json:"type"`
	// Category is the class the type belongs to.
	Category Category `json:"category"`
	// Start and End are byte offsets into the inspected text, End exclusive.
	Start int `json:"start"`
	End   int `json:"end"`
	// Confidence is in [0, 1]. Validated detectors (a checksum passed) report
	// high confidence; context words raise or lower it.
	Confidence float64 `json:"confidence"`
}

// Detector finds things in text. Implementations must be safe for
// concurrent use, must accept any bytes (invalid UTF-8, NUL) without
// panicking, and must run in time linear in len(text).
type Detector interface {
	// Name is the detector's stable name, used in configuration.
	Name() string
	// Detect appends what it finds in text to dst and returns it. Appending
	// lets a caller reuse one slice across detectors and requests.
	Detect(dst []Finding, text string) []Finding
}

// Func adapts a function to the Detector contract.
type Func struct {
	ID string
	Fn func(dst []Finding, text string) []Finding
}

// Name returns the detector's name.
func (f Func) Name() string { return f.ID }

// Detect calls the function.
func (f Func) Detect(dst []Finding, text string) []Finding { return f.Fn(dst, text) }
