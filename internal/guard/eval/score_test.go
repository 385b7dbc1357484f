package eval

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// fixed is a detector that returns prepared findings for each text.
func fixed(byText map[string][]detect.Finding) detect.Detector {
	return detect.Func{ID: "fixed", Fn: func(dst []detect.Finding, text string) []detect.Finding {
		return append(dst, byText[text]...)
	}}
}

func f(typ string, start, end int, conf float64) detect.Finding {
	return detect.Finding{Type: typ, Category: detect.PII, Start: start, End: end, Confidence: conf}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// Ensure span matching counts true positives, false positives and false
// negatives per type, honours the threshold, matches each gold span once,
// and lists unscored gold types.
func TestScoreCounts(t *testing.T) {
	cases := []Case{
		{ID: "a", Text: "mail a@b.co or call 555 0100", Spans: []Span{
			{Type: "email", Start: 5, End: 11},
			{Type: "phone", Start: 20, End: 28},
		}},
		{ID: "b", Text: "two phones: 555 0101, 555 0102", Spans: []Span{
			{Type: "phone", Start: 12, End: 20},
			{Type: "phone", Start: 22, End: 30},
			{Type: "GPE", Start: 0, End: 3},
		}},
		{ID: "c", Text: "nothing here"},
	}
	det := fixed(map[string][]detect.Finding{
		"mail a@b.co or call 555 0100": {
			f("email", 5, 11, 0.9),  // TP
			f("phone", 20, 28, 0.3), // below threshold: ignored, so the gold phone is a FN
		},
		"two phones: 555 0101, 555 0102": {
			f("phone", 12, 16, 0.8), // TP (overlaps the first)
			f("phone", 14, 20, 0.8), // FP: the first is already matched
			f("email", 0, 3, 0.9),   // FP: no gold email here
		},
		"nothing here": {f("phone", 0, 7, 0.6)}, // FP
	})
	rep := Score(det, cases, Options{Examples: 10})
	email, _ := rep.Type("email")
	phone, _ := rep.Type("phone")
	if email.TP != 1 || email.FP != 1 || email.FN != 0 {
		t.Errorf("email: %+v", email.Counts)
	}
	if phone.TP != 1 || phone.FP != 2 || phone.FN != 2 || phone.Gold != 3 {
		t.Errorf("phone: %+v", phone.Counts)
	}
	if !near(phone.Precision, 1.0/3) || !near(phone.Recall, 1.0/3) || !near(phone.F1, 1.0/3) {
		t.Errorf("phone ratios: %+v", phone.Counts)
	}
	if !near(email.Precision, 0.5) || !near(email.Recall, 1) || !near(email.F1, 2.0/3) {
		t.Errorf("email ratios: %+v", email.Counts)
	}
	if rep.Micro.TP != 2 || rep.Micro.FP != 3 || rep.Micro.FN != 2 {
		t.Errorf("micro: %+v", rep.Micro)
	}
	if rep.NotEvaluated["GPE"] != 1 || len(rep.NotEvaluated) != 1 {
		t.Errorf("not evaluated: %v", rep.NotEvaluated)
	}
	if rep.Injection != nil {
		t.Errorf("injection block without injection labels")
	}
	// Examples name the case and offsets; a missed span carries its own
	// text and nothing more.
	var fn, fp int
	for _, e := range phone.Errors {
		switch e.Kind {
		case "fn":
			fn++
			c := map[string]Case{"a": cases[0], "b": cases[1]}[e.Case]
			if e.Gold != c.Text[e.Start:e.End] {
				t.Errorf("fn example %+v: gold text is not the span", e)
			}
		case "fp":
			fp++
			if e.Gold != "" {
				t.Errorf("fp example %+v carries text", e)
			}
		}
	}
	if fn != 2 || fp != 2 {
		t.Errorf("examples: %d fn, %d fp: %+v", fn, fp, phone.Errors)
	}

	// A lower threshold turns the 0.3 phone into a true positive.
	rep = Score(det, cases, Options{Threshold: 0.2})
	if phone, _ := rep.Type("phone"); phone.TP != 2 || phone.FN != 1 {
		t.Errorf("threshold 0.2: phone %+v", phone.Counts)
	}
	// Scoring only e-mail lists phone gold spans as not evaluated.
	rep = Score(det, cases, Options{Types: []string{"email"}})
	if _, ok := rep.Type("phone"); ok || rep.NotEvaluated["phone"] != 3 {
		t.Errorf("types filter: %+v %v", rep.Types, rep.NotEvaluated)
	}
	// Examples are capped per kind.
	rep = Score(det, cases, Options{Examples: 1})
	if phone, _ := rep.Type("phone"); len(phone.Errors) != 2 {
		t.Errorf("examples cap: %+v", phone.Errors)
	}
	rep = Score(det, cases, Options{Examples: -1})
	if phone, _ := rep.Type("phone"); len(phone.Errors) != 0 {
		t.Errorf("no examples: %+v", phone.Errors)
	}
}

// Ensure ignored gold spans are neither missed nor contradicted, and a
// declared type with nothing to find scores as perfect, not as an error.
func TestScoreIgnoreAndEmpty(t *testing.T) {
	cases := []Case{{ID: "x", Text: "card 1234 5678 9012 3456", Spans: []Span{
		{Type: "credit_card", Start: 5, End: 24, Ignore: true},
	}}}
	det := fixed(map[string][]detect.Finding{"card 1234 5678 9012 3456": {f("credit_card", 5, 24, 0.6)}})
	rep := Score(det, cases, Options{Types: []string{"credit_card", "iban"}})
	cc, _ := rep.Type("credit_card")
	if cc.TP != 0 || cc.FP != 0 || cc.FN != 0 || cc.Ignored != 1 {
		t.Errorf("ignored: %+v", cc)
	}
	iban, ok := rep.Type("iban")
	if !ok || iban.Precision != 1 || iban.Recall != 1 || iban.F1 != 1 {
		t.Errorf("empty type: %+v", iban)
	}
	// Without the ignore mark the same prediction is a true positive.
	cases[0].Spans[0].Ignore = false
	if cc, _ := Score(det, cases, Options{}).Type("credit_card"); cc.TP != 1 {
		t.Errorf("not ignored: %+v", cc)
	}
}

// Ensure the injection block counts cases flagged by an injection finding
// at the threshold, and leaves unlabelled cases out.
func TestScoreInjection(t *testing.T) {
	inj := func(conf float64) detect.Finding {
		return detect.Finding{Type: "instruction_override", Category: detect.Injection, Start: 0, End: 1, Confidence: conf}
	}
	det := fixed(map[string][]detect.Finding{
		"attack caught":  {inj(0.9)},
		"attack missed":  {inj(0.2)},
		"benign flagged": {inj(0.7)},
		"benign":         nil,
		"unlabelled":     {inj(0.9)},
	})
	cases := []Case{
		{ID: "1", Text: "attack caught", Injection: yes()},
		{ID: "2", Text: "attack missed", Injection: yes()},
		{ID: "3", Text: "benign flagged", Injection: no()},
		{ID: "4", Text: "benign", Injection: no()},
		{ID: "5", Text: "unlabelled"},
	}
	rep := Score(det, cases, Options{Types: []string{"email"}})
	in := rep.Injection
	if in == nil || in.Cases != 4 || in.TP != 1 || in.FN != 1 || in.FP != 1 || in.TN != 1 {
		t.Fatalf("injection: %+v", in)
	}
	if !near(in.Recall, 0.5) || !near(in.FalsePositiveRate, 0.5) || !near(in.Precision, 0.5) {
		t.Errorf("injection ratios: %+v", in)
	}
}

// Ensure the report prints as an aligned table and as JSON with stable
// keys.
func TestReportOutput(t *testing.T) {
	cases := []Case{{ID: "a", Text: "x a@b.co", Spans: []Span{{Type: "email", Start: 2, End: 8}, {Type: "ORG", Start: 0, End: 1}}, Injection: no()}}
	det := fixed(map[string][]detect.Finding{"x a@b.co": {f("email", 2, 8, 0.9)}})
	rep := Score(det, cases, Options{})
	table := rep.Table()
	for _, want := range []string{"detector fixed, 1 cases, threshold 0.50", "type", "precision", "email", "micro", "not evaluated: ORG(1)", "injection: 1 cases"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines[1]) != len(lines[2]) || len(lines[2]) != len(lines[3]) {
		t.Errorf("table columns not aligned:\n%s", table)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"detector":"fixed"`, `"threshold":0.5`, `"types":[`, `"tp":1`, `"precision":1`, `"micro":`, `"not_evaluated":{"ORG":1}`, `"injection":{`, `"false_positive_rate":0`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}
