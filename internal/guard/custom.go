package guard

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// CustomSpec defines a detector from configuration: an RE2 pattern,
// optional keywords that must occur in the text for the pattern to run, an
// optional validator of the match, and context words that raise its
// confidence when they occur shortly before it.
type CustomSpec struct {
	// Name is the finding type, e.g. "employee_id".
	Name string
	// Category is the finding category (pii, phi, secret, custom).
	Category detect.Category
	// Pattern is an RE2 regular expression; the whole match is the finding.
	Pattern string
	// Keywords pre-filter the text (case-insensitive); none means always.
	Keywords []string
	// Validator names a check of the match ("luhn", "iban", ...), "" none.
	Validator string
	// Context words raise Confidence by ContextBoost when one occurs within
	// 64 bytes before the match (case-insensitive).
	Context []string
	// Confidence of a match without context; default 0.6.
	Confidence float64
}

// ContextBoost is what a context word adds to a custom finding's
// confidence.
const ContextBoost = 0.3

// Validators are the named checks a custom detector can apply to a match.
type Validators map[string]func(string) bool

type custom struct {
	spec     CustomSpec
	re       *regexp.Regexp
	keywords []string
	context  []string
	validate func(string) bool
}

// NewCustom compiles a custom detector.
func NewCustom(spec CustomSpec, validators Validators) (detect.Detector, error) {
	re, err := regexp.Compile(spec.Pattern)
	if err != nil {
		return nil, fmt.Errorf("guard: detector %s: pattern: %w", spec.Name, err)
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("guard: detector %s: pattern matches the empty string", spec.Name)
	}
	c := &custom{spec: spec, re: re}
	if spec.Validator != "" {
		v, ok := validators[spec.Validator]
		if !ok {
			return nil, fmt.Errorf("guard: detector %s: unknown validator %q", spec.Name, spec.Validator)
		}
		c.validate = v
	}
	if c.spec.Confidence <= 0 {
		c.spec.Confidence = 0.6
	}
	for _, k := range spec.Keywords {
		c.keywords = append(c.keywords, strings.ToLower(k))
	}
	for _, k := range spec.Context {
		c.context = append(c.context, strings.ToLower(k))
	}
	return c, nil
}

func (c *custom) Name() string { return c.spec.Name }

func (c *custom) Detect(dst []detect.Finding, text string) []detect.Finding {
	if len(c.keywords) > 0 {
		hit := false
		for _, k := range c.keywords {
			if indexFold(text, k) >= 0 {
				hit = true
				break
			}
		}
		if !hit {
			return dst
		}
	}
	for _, m := range c.re.FindAllStringIndex(text, -1) {
		if m[0] == m[1] {
			continue
		}
		if c.validate != nil && !c.validate(text[m[0]:m[1]]) {
			continue
		}
		conf := c.spec.Confidence
		if len(c.context) > 0 {
			before := text[max(0, m[0]-64):m[0]]
			for _, w := range c.context {
				if indexFold(before, w) >= 0 {
					conf = min(1, conf+ContextBoost)
					break
				}
			}
		}
		dst = append(dst, detect.Finding{Type: c.spec.Name, Category: c.spec.Category, Start: m[0], End: m[1], Confidence: conf})
	}
	return dst
}

// indexFold returns the index of the lower-case ASCII word w in s, ignoring
// ASCII case, or -1.
func indexFold(s, w string) int {
	if w == "" {
		return 0
	}
	first := w[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - 32
	}
	for i := 0; i+len(w) <= len(s); i++ {
		j := strings.IndexAny(s[i:len(s)-len(w)+1], string([]byte{first, upper}))
		if j < 0 {
			return -1
		}
		i += j
		if strings.EqualFold(s[i:i+len(w)], w) {
			return i
		}
	}
	return -1
}
