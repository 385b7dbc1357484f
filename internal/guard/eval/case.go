package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Span is one labelled stretch of a case's text.
type Span struct {
	// Type is the finding type the stretch should be reported as, e.g.
	// "email"; labels of types no detector emits are kept as they are so a
	// report can list them as not evaluated.
	Type string `json:"type"`
	// Start and End are byte offsets into the UTF-8 text, End exclusive.
	Start int `json:"start"`
	End   int `json:"end"`
	// Ignore excludes the span from scoring: missing it is no false
	// negative and a prediction overlapping it is no false positive. It
	// marks labels known to be doubtful, such as a "card number" that fails
	// the card checks.
	Ignore bool `json:"ignore,omitempty"`
}

// Case is one labelled text.
type Case struct {
	// ID names the case in reports.
	ID string `json:"id"`
	// Text is the text given to the detector.
	Text string `json:"text"`
	// Spans are the labelled stretches of Text.
	Spans []Span `json:"spans"`
	// Injection, when set, says whether the case as a whole is a
	// prompt-injection attack.
	Injection *bool `json:"injection,omitempty"`
	// Note is free text for the reader of the data set.
	Note string `json:"note,omitempty"`
}

// maxLine bounds one JSON Lines record.
const maxLine = 64 << 20

// LoadJSONL reads cases in JSON Lines form, one object per line (blank lines
// are skipped). Decoding is strict: an unknown field, a missing id, a
// duplicate id, or a span outside its text or not on character boundaries
// is an error naming the line.
func LoadJSONL(r io.Reader) ([]Case, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var cases []Case
	seen := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var c Case
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("eval: line %d: %w", line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("eval: line %d: %w", line, errTrailing)
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("eval: line %d: %w", line, err)
		}
		if prev, ok := seen[c.ID]; ok {
			return nil, fmt.Errorf("eval: line %d: id %q: %w (line %d)", line, c.ID, errDuplicate, prev)
		}
		seen[c.ID] = line
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: reading cases: %w", err)
	}
	return cases, nil
}

var (
	errTrailing  = errors.New("more than one JSON value on the line")
	errDuplicate = errors.New("duplicate id")
	errNoID      = errors.New("missing id")
	errSpan      = errors.New("bad span")
)

// validate checks that the case has an id and that its spans lie inside
// the text, on character boundaries, with a type.
func (c *Case) validate() error {
	if c.ID == "" {
		return errNoID
	}
	for i, s := range c.Spans {
		switch {
		case s.Type == "":
			return fmt.Errorf("span %d: %w: no type", i, errSpan)
		case s.Start < 0 || s.End > len(c.Text) || s.Start >= s.End:
			return fmt.Errorf("span %d (%s %d-%d): %w: outside the text of %d bytes or empty",
				i, s.Type, s.Start, s.End, errSpan, len(c.Text))
		case !boundary(c.Text, s.Start) || !boundary(c.Text, s.End):
			return fmt.Errorf("span %d (%s %d-%d): %w: not on a character boundary", i, s.Type, s.Start, s.End, errSpan)
		}
	}
	return nil
}

// boundary reports whether byte offset i starts a character (or is the end).
func boundary(s string, i int) bool {
	return i == len(s) || utf8.RuneStart(s[i])
}
