package eval

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// DefaultThreshold is the confidence a finding needs to count when Options
// leaves Threshold at zero: the usual policy threshold.
const DefaultThreshold = 0.5

// DefaultExamples is how many errors of each kind a TypeScore keeps when
// Options leaves Examples at zero.
const DefaultExamples = 5

// Options tunes Score.
type Options struct {
	// Threshold is the confidence a finding needs to count as a prediction;
	// zero means DefaultThreshold.
	Threshold float64
	// Types lists the finding types to score. Empty means every type the
	// detector predicted on the cases (at any confidence). Gold spans of
	// other types are listed in the report as not evaluated.
	Types []string
	// Examples is the number of false positives and of false negatives
	// kept per type; zero means DefaultExamples, negative keeps none.
	Examples int
}

// Example is one scoring error, identified by case and offsets so that it
// can be looked up without the report carrying the text around.
type Example struct {
	Case string `json:"case"`
	// Kind is "fp" (a prediction overlapping no gold span of its type) or
	// "fn" (a gold span no prediction matched).
	Kind  string `json:"kind"`
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	// Confidence is the prediction's, for false positives.
	Confidence float64 `json:"confidence,omitempty"`
	// Gold is the text of the missed gold span, for false negatives (never
	// more text than the span itself).
	Gold string `json:"gold,omitempty"`
}

// Counts are the span-level results of one type, or of all together.
type Counts struct {
	// Gold is the number of gold spans scored (TP + FN).
	Gold      int     `json:"gold"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (c *Counts) finish() {
	c.Gold = c.TP + c.FN
	c.Precision = ratio(c.TP, c.TP+c.FP)
	c.Recall = ratio(c.TP, c.TP+c.FN)
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	}
}

// ratio is a/b, and 1 when there is nothing to get wrong (b == 0).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TypeScore is the result for one finding type.
type TypeScore struct {
	Type string `json:"type"`
	Counts
	// Ignored counts gold spans marked Ignore.
	Ignored int `json:"ignored,omitempty"`
	// Covered counts false negatives that a prediction of the type overlaps
	// although it was matched to another gold span: labels split finer
	// than the findings (a street, a unit and a postcode labelled apart).
	Covered int       `json:"covered,omitempty"`
	Errors  []Example `json:"errors,omitempty"`
}

// InjectionScore is the case-level result of prompt-injection detection:
// a case is flagged when any finding of category injection reaches the
// threshold.
type InjectionScore struct {
	Cases int `json:"cases"`
	TP    int `json:"tp"`
	FP    int `json:"fp"`
	FN    int `json:"fn"`
	TN    int `json:"tn"`
	// Recall is TP / (TP + FN): attacks caught.
	Recall float64 `json:"recall"`
	// FalsePositiveRate is FP / (FP + TN): benign cases flagged.
	FalsePositiveRate float64 `json:"false_positive_rate"`
	Precision         float64 `json:"precision"`
}

// Report is the result of Score.
type Report struct {
	Detector  string      `json:"detector"`
	Threshold float64     `json:"threshold"`
	Cases     int         `json:"cases"`
	Types     []TypeScore `json:"types"`
	// Micro sums the counts of all scored types.
	Micro Counts `json:"micro"`
	// NotEvaluated counts the gold spans of types that were not scored.
	NotEvaluated map[string]int `json:"not_evaluated,omitempty"`
	// Injection is set when some case says whether it is an attack.
	Injection *InjectionScore `json:"injection,omitempty"`
}

// Score runs d over every case and scores its findings against the labels.
//
// Per type T, a finding of type T with confidence at or above the threshold
// is a true positive when it overlaps a gold span of type T not yet
// matched, and a false positive otherwise; gold spans left unmatched are
// false negatives. Findings are matched in order of their start. Gold
// spans marked Ignore are neither: a finding overlapping one is set aside.
func Score(d detect.Detector, cases []Case, opts Options) Report {
	if opts.Threshold == 0 {
		opts.Threshold = DefaultThreshold
	}
	if opts.Examples == 0 {
		opts.Examples = DefaultExamples
	}
	rep := Report{Detector: d.Name(), Threshold: opts.Threshold, Cases: len(cases)}
	scored := map[string]bool{}
	for _, t := range opts.Types {
		scored[t] = true
	}
	byType := map[string]*TypeScore{}
	get := func(t string) *TypeScore {
		ts := byType[t]
		if ts == nil {
			ts = &TypeScore{Type: t}
			byType[t] = ts
		}
		return ts
	}
	goldByType := map[string]int{}
	var inj InjectionScore
	var findings []detect.Finding
	// predictions of all cases, kept to decide the scored types afterwards
	type caseResult struct {
		preds []detect.Finding
	}
	results := make([]caseResult, len(cases))
	for i, c := range cases {
		findings = d.Detect(findings[:0], c.Text)
		flagged := false
		var preds []detect.Finding
		for _, f := range findings {
			if f.Confidence < opts.Threshold {
				continue
			}
			if f.Category == detect.Injection {
				// Injection is judged per case (the injection block), not
				// per span, unless spans of the type were asked for.
				flagged = true
				if !scored[f.Type] {
					continue
				}
			}
			if len(opts.Types) == 0 {
				scored[f.Type] = true
			}
			preds = append(preds, f)
		}
		slices.SortStableFunc(preds, func(a, b detect.Finding) int { return a.Start - b.Start })
		results[i].preds = preds
		if c.Injection != nil {
			inj.Cases++
			switch {
			case *c.Injection && flagged:
				inj.TP++
			case *c.Injection:
				inj.FN++
			case flagged:
				inj.FP++
			default:
				inj.TN++
			}
		}
	}
	for i, c := range cases {
		matched := make([]bool, len(c.Spans))
		preds := results[i].preds
		for _, p := range results[i].preds {
			if !scored[p.Type] {
				continue
			}
			ts := get(p.Type)
			hit, ignored := -1, false
			for k, g := range c.Spans {
				if g.Type != p.Type || g.Start >= p.End || p.Start >= g.End {
					continue
				}
				if g.Ignore {
					ignored = true
					continue
				}
				if !matched[k] {
					hit = k
					break
				}
			}
			switch {
			case hit >= 0:
				matched[hit] = true
				ts.TP++
			case ignored:
			default:
				ts.FP++
				ts.example(opts.Examples, Example{Case: c.ID, Kind: "fp", Type: p.Type, Start: p.Start, End: p.End, Confidence: p.Confidence})
			}
		}
		for k, g := range c.Spans {
			goldByType[g.Type]++
			if !scored[g.Type] {
				continue
			}
			ts := get(g.Type)
			switch {
			case g.Ignore:
				ts.Ignored++
			case !matched[k]:
				ts.FN++
				gold := ""
				if g.Start >= 0 && g.Start < g.End && g.End <= len(c.Text) {
					gold = c.Text[g.Start:g.End]
				}
				for _, p := range preds {
					if p.Type == g.Type && p.Start < g.End && g.Start < p.End {
						ts.Covered++
						break
					}
				}
				ts.example(opts.Examples, Example{Case: c.ID, Kind: "fn", Type: g.Type, Start: g.Start, End: g.End, Gold: gold})
			}
		}
	}
	for t := range scored {
		get(t)
	}
	for _, ts := range byType {
		ts.finish()
		rep.Micro.TP += ts.TP
		rep.Micro.FP += ts.FP
		rep.Micro.FN += ts.FN
		rep.Types = append(rep.Types, *ts)
	}
	rep.Micro.finish()
	sort.Slice(rep.Types, func(a, b int) bool { return rep.Types[a].Type < rep.Types[b].Type })
	for t, n := range goldByType {
		if !scored[t] {
			if rep.NotEvaluated == nil {
				rep.NotEvaluated = map[string]int{}
			}
			rep.NotEvaluated[t] = n
		}
	}
	if inj.Cases > 0 {
		inj.Recall = ratio(inj.TP, inj.TP+inj.FN)
		if inj.FP+inj.TN > 0 {
			inj.FalsePositiveRate = float64(inj.FP) / float64(inj.FP+inj.TN)
		}
		inj.Precision = ratio(inj.TP, inj.TP+inj.FP)
		rep.Injection = &inj
	}
	return rep
}

// example keeps e if fewer than n errors of its kind are kept.
func (ts *TypeScore) example(n int, e Example) {
	if n <= 0 {
		return
	}
	k := 0
	for _, x := range ts.Errors {
		if x.Kind == e.Kind {
			k++
		}
	}
	if k < n {
		ts.Errors = append(ts.Errors, e)
	}
}

// Type returns the score of type t, and false when t was not scored.
func (r Report) Type(t string) (TypeScore, bool) {
	for _, ts := range r.Types {
		if ts.Type == t {
			return ts, true
		}
	}
	return TypeScore{}, false
}

// Table renders the report as an aligned text table: one row per scored
// type, the micro-average, the types not evaluated, and the injection
// block.
func (r Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "detector %s, %d cases, threshold %.2f\n", r.Detector, r.Cases, r.Threshold)
	w := len("micro")
	for _, ts := range r.Types {
		w = max(w, len(ts.Type))
	}
	row := func(name string, c Counts, extra string) {
		fmt.Fprintf(&b, "%-*s %6d %6d %6d %6d %9.3f %7.3f %6.3f%s\n",
			w, name, c.Gold, c.TP, c.FP, c.FN, c.Precision, c.Recall, c.F1, extra)
	}
	fmt.Fprintf(&b, "%-*s %6s %6s %6s %6s %9s %7s %6s\n", w, "type", "gold", "tp", "fp", "fn", "precision", "recall", "f1")
	for _, ts := range r.Types {
		extra := ""
		if ts.Ignored > 0 {
			extra += fmt.Sprintf("  %d ignored", ts.Ignored)
		}
		if ts.Covered > 0 {
			extra += fmt.Sprintf("  %d fn covered by a finding matched elsewhere", ts.Covered)
		}
		row(ts.Type, ts.Counts, extra)
	}
	row("micro", r.Micro, "")
	if len(r.NotEvaluated) > 0 {
		names := make([]string, 0, len(r.NotEvaluated))
		for t := range r.NotEvaluated {
			names = append(names, t)
		}
		sort.Strings(names)
		b.WriteString("not evaluated:")
		for _, t := range names {
			fmt.Fprintf(&b, " %s(%d)", t, r.NotEvaluated[t])
		}
		b.WriteString("\n")
	}
	if in := r.Injection; in != nil {
		fmt.Fprintf(&b, "injection: %d cases, tp %d fp %d fn %d tn %d, recall %.3f, false positive rate %.3f, precision %.3f\n",
			in.Cases, in.TP, in.FP, in.FN, in.TN, in.Recall, in.FalsePositiveRate, in.Precision)
	}
	return b.String()
}
