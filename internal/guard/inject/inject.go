package inject

import "github.com/palisade-gw/palisade/internal/guard/detect"

// Mode says whose text a Detector inspects.
type Mode int

const (
	// Prompt is a user's own message: the direct patterns (override,
	// jailbreak, extraction, hidden and encoded text) apply.
	Prompt Mode = iota
	// Content is third-party content that reaches the model: retrieved
	// documents, e-mails, web pages, tool output. On top of the direct
	// patterns it flags text that addresses the assistant or hands it a new
	// task (indirect_instruction), since such data should carry none.
	Content
)

// Options configure a Detector.
type Options struct {
	// Mode selects the patterns; the zero value is Prompt.
	Mode Mode
}

// Detector finds prompt-injection and jailbreak attempts. It is safe for
// concurrent use and holds no per-call state.
type Detector struct {
	mode Mode
	e    *engine
}

// New returns a Detector for opts.
func New(opts Options) *Detector {
	return &Detector{mode: opts.Mode, e: theEngine}
}

// Name returns the detector's configuration name: "injection" in Prompt
// mode, "injection_content" in Content mode.
func (d *Detector) Name() string {
	if d.mode == Content {
		return "injection_content"
	}
	return "injection"
}

// Detect appends the injection findings in text to dst, sorted by start
// offset; overlapping findings of one type are merged. Every finding has
// Category detect.Injection, a span on UTF-8 boundaries of text (when text
// is valid UTF-8) and a confidence of at least 0.3.
func (d *Detector) Detect(dst []detect.Finding, text string) []detect.Finding {
	var st scanState
	st.e = d.e
	st.content = d.mode == Content
	st.text = text
	st.out = dst
	base := len(dst)
	st.base = base
	st.scan()
	fs := finish(st.out[base:])
	corroborate(fs)
	return st.out[:base+len(fs)]
}

// corroborateRadius is how close two weak findings must be to support
// each other.
const corroborateRadius = 400

// corroborate raises weak findings (below the usual 0.5 threshold) that
// another weak finding nearby supports: "override code 7731" or "disable
// the content filter" alone may be innocent, both in one message are not.
// fs is sorted by start.
func corroborate(fs []detect.Finding) {
	last := -1 // index of the previous weak finding
	for i := range fs {
		f := &fs[i]
		if f.Confidence >= 0.5 || f.Type == TypeHiddenText {
			continue
		}
		if last >= 0 {
			p := &fs[last]
			if p.End <= f.Start && f.Start-p.End <= corroborateRadius {
				p.Confidence = max(p.Confidence, corroboratedConfidence)
				f.Confidence = max(f.Confidence, corroboratedConfidence)
			}
		}
		last = i
	}
}

// corroboratedConfidence is the confidence of weak findings that support
// each other.
const corroboratedConfidence = 0.55
