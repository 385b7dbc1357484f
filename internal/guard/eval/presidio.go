package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"unicode/utf8"
)

// presidioTypes maps Presidio entity types to the finding types of
// Palisade's detectors. Other entity types keep their Presidio names.
var presidioTypes = map[string]string{
	"EMAIL_ADDRESS":  "email",
	"PHONE_NUMBER":   "phone",
	"CREDIT_CARD":    "credit_card",
	"IBAN_CODE":      "iban",
	"US_SSN":         "us_ssn",
	"IP_ADDRESS":     "ip_address",
	"PERSON":         "person",
	"STREET_ADDRESS": "address",
}

type presidioRecord struct {
	FullText string `json:"full_text"`
	Spans    []struct {
		EntityType  string  `json:"entity_type"`
		EntityValue *string `json:"entity_value"`
		Start       int     `json:"start_position"`
		End         int     `json:"end_position"`
	} `json:"spans"`
}

// LoadPresidio reads Microsoft's synthetic PII data set (presidio-research
// synth_dataset_v2.json): a JSON array of records with full_text and spans
// whose offsets count characters (code points). Offsets are converted to
// bytes and checked against entity_value when it is present; entity types
// are mapped to Palisade's finding types (EMAIL_ADDRESS to email and so on)
// and the others keep their upper-case names. Case ids are
// "presidio-0000" and up, in file order.
func LoadPresidio(path string) ([]Case, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: presidio: %w", err)
	}
	var recs []presidioRecord
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("eval: presidio %s: %w", path, err)
	}
	cases := make([]Case, 0, len(recs))
	for i, r := range recs {
		c := Case{ID: fmt.Sprintf("presidio-%04d", i), Text: r.FullText}
		offs := runeOffsets(r.FullText)
		for k, s := range r.Spans {
			if s.Start < 0 || s.End > len(offs)-1 || s.Start >= s.End {
				return nil, fmt.Errorf("eval: presidio record %d span %d: %w: characters %d-%d of %d",
					i, k, errSpan, s.Start, s.End, len(offs)-1)
			}
			sp := Span{Type: s.EntityType, Start: offs[s.Start], End: offs[s.End]}
			if t, ok := presidioTypes[s.EntityType]; ok {
				sp.Type = t
			}
			if s.EntityValue != nil && r.FullText[sp.Start:sp.End] != *s.EntityValue {
				return nil, fmt.Errorf("eval: presidio record %d span %d: %w: text %q is not entity_value %q",
					i, k, errSpan, r.FullText[sp.Start:sp.End], *s.EntityValue)
			}
			c.Spans = append(c.Spans, sp)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// runeOffsets returns the byte offset of every character of s, and len(s)
// at the end.
func runeOffsets(s string) []int {
	offs := make([]int, 0, utf8.RuneCountInString(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	return append(offs, len(s))
}

// PresidioTypes returns our finding types that the Presidio set labels,
// sorted: the only ones its scores mean anything for.
func PresidioTypes() []string {
	out := make([]string, 0, len(presidioTypes))
	for _, t := range presidioTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
