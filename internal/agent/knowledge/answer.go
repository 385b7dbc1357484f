package knowledge

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-gw/palisade/internal/agent"
)

const (
	// headingWeightInUnit and titleWeightInUnit are how much a sentence
	// gets for a question word that only its section's headings, or only
	// its document's title, contain.
	headingWeightInUnit = 0.95
	titleWeightInUnit   = 0.5
	// quantityBonus favours sentences that state a number when the question
	// asks how many, how much, how long or when.
	quantityBonus = 0.2
	// headingBonus is the re-ranking bonus of a section whose headings
	// match the whole question.
	headingBonus = 0.15
	// rerankDepth is how many BM25 results are re-ranked by their best
	// sentence.
	rerankDepth = 8
	// maxSections is how many sections an answer may quote from.
	maxSections = 3
	// unitRatio keeps further sentences of a section only if they score at
	// least this fraction of its best sentence.
	unitRatio = 0.6
	// coveredWeight and coveredBoost are how much the parts of a compound
	// question already answered still count, in sentences and in BM25,
	// when looking for the rest of the answer: enough to keep the topic.
	coveredWeight = 0.3
	coveredBoost  = 0.7
)

// scoreSections returns the BM25 score of every section for the query. A
// group adds the score of its best-matching alternative only, so synonyms
// widen recall without counting a concept twice.
func (a *Agent) scoreSections(groups []group) []float64 {
	n := len(a.ix.sections)
	scores := make([]float64, n)
	best := make([]float64, n)
	tmp := make([]float64, n)
	for _, g := range groups {
		clear(best)
		for _, al := range g.alts {
			clear(tmp)
			for _, t := range al.terms {
				a.ix.addScores(t, g.boost*al.weight, tmp)
			}
			for i, s := range tmp {
				best[i] = max(best[i], s)
			}
		}
		for i, s := range best {
			scores[i] += s
		}
	}
	return scores
}

// coverage is the IDF-weighted fraction of the query's groups that a
// section matches, in its text or its headings.
func coverage(groups []group, sec *isection) float64 {
	var got, total float64
	has := func(t string) bool { return sec.tf[t] > 0 }
	for i := range groups {
		total += groups[i].weight
		if groups[i].match(has) > 0 {
			got += groups[i].weight
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// candidate is a section considered for an answer, with its units' scores.
type candidate struct {
	sec   int
	bm25  float64
	final float64
	units []float64
}

// rank returns the best sections for the query, best first. Sections are
// ranked by BM25; the best few are re-ranked by an even mix of their BM25
// score (relative to the best) and how well their single best unit
// matches, so that a section that answers the question in one sentence
// beats one that merely repeats its words, plus a little for headings that
// name what the question asks about.
func (a *Agent) rank(groups []group, quantity bool, readable func([]string) bool) []candidate {
	scores := a.scoreSections(groups)
	ranked := make([]int, 0, len(scores))
	for i, s := range scores {
		if s > 0 && readable(a.ix.sections[i].labels) {
			ranked = append(ranked, i)
		}
	}
	if len(ranked) == 0 {
		return nil
	}
	slices.SortFunc(ranked, func(x, y int) int {
		return cmp.Or(cmp.Compare(scores[y], scores[x]), cmp.Compare(x, y))
	})
	ranked = ranked[:min(len(ranked), rerankDepth)]
	topBM25 := scores[ranked[0]]
	var total float64
	for i := range groups {
		total += groups[i].weight
	}
	cands := make([]candidate, 0, len(ranked))
	for _, si := range ranked {
		c := candidate{sec: si, bm25: scores[si], units: a.scoreUnits(groups, total, quantity, &a.ix.sections[si])}
		best := 0.0
		for _, u := range c.units {
			best = max(best, u)
		}
		c.final = 0.5*c.bm25/topBM25 + 0.5*best + headingBonus*headingShare(groups, total, &a.ix.sections[si])
		cands = append(cands, c)
	}
	slices.SortStableFunc(cands, func(x, y candidate) int { return cmp.Compare(y.final, x.final) })
	return cands
}

// headingShare is the IDF-weighted share of the question that the
// section's own headings match.
func headingShare(groups []group, total float64, sec *isection) float64 {
	if total == 0 {
		return 0
	}
	inHeading := func(t string) bool { _, ok := sec.headingTerms[t]; return ok }
	var s float64
	for i := range groups {
		s += groups[i].weight * groups[i].match(inHeading)
	}
	return s / total
}

// scoreUnits scores each unit of sec by the IDF-weighted share of the
// question it matches (0 to about 1): fully for words the unit contains,
// nearly fully for words of its headings, half for words of its document
// title. A unit that states a number gets a bonus when the question asks
// for a quantity, and a lead-in ending with ":" is halved. Hidden units
// score 0.
func (a *Agent) scoreUnits(groups []group, total float64, quantity bool, sec *isection) []float64 {
	out := make([]float64, len(sec.units))
	if total == 0 {
		return out
	}
	inHeading := func(t string) bool { _, ok := sec.headingTerms[t]; return ok }
	inTitle := func(t string) bool { _, ok := sec.titleTerms[t]; return ok }
	for pos := range sec.units {
		u := &sec.units[pos]
		if u.hidden {
			continue
		}
		var s float64
		for i := range groups {
			g := &groups[i]
			s += g.weight * max(g.match(u.has), headingWeightInUnit*g.match(inHeading), titleWeightInUnit*g.match(inTitle))
		}
		if s == 0 {
			continue
		}
		s /= total
		if quantity && u.digits {
			s += quantityBonus
		}
		if u.leadIn {
			s /= 2
		}
		out[pos] = s
	}
	return out
}

// pick is a unit chosen for an answer.
type pick struct {
	sec, pos int
	score    float64
}

// answer finds the units that answer the question: the best section's best
// units and, for a question with several parts, the best unit for each part
// they leave unanswered. It returns no picks when the knowledge base has no
// good answer: the best section scores below MinScore or covers less than
// MinCoverage of the question.
func (a *Agent) answer(groups []group, in intent, readable func([]string) bool) []pick {
	if len(a.ix.sections) == 0 || len(groups) == 0 {
		return nil
	}
	cands := a.rank(groups, in.quantity, readable)
	if len(cands) == 0 {
		return nil
	}
	top := cands[0]
	if top.bm25 < a.opts.MinScore || coverage(groups, &a.ix.sections[top.sec]) < a.opts.MinCoverage {
		return nil
	}
	if !in.compound {
		return bestUnits(top, a.opts.MaxSentences)
	}
	// Leave room for the other parts of a compound question.
	picks := bestUnits(top, max(1, a.opts.MaxSentences-1))

	used := map[int]bool{top.sec: true}
	for len(used) < maxSections && len(picks) < a.opts.MaxSentences {
		covered := a.covered(groups, picks)
		var missing float64
		sub := slices.Clone(groups)
		for i := range sub {
			if covered[i] {
				sub[i].weight *= coveredWeight
				sub[i].boost *= coveredBoost
			} else {
				missing += groups[i].weight
			}
		}
		if missing == 0 {
			break
		}
		next, ok := a.completion(groups, covered, missing, a.rank(sub, in.quantity, readable), used)
		if !ok {
			break
		}
		picks = append(picks, next)
		used[next.sec] = true
	}
	return picks
}

// completion returns the best unit of the ranked candidates, outside the
// used sections, that answers most of the missing (not yet covered) part
// of the question when read under its headings.
func (a *Agent) completion(groups []group, covered []bool, missing float64, cands []candidate, used map[int]bool) (pick, bool) {
	for _, c := range cands {
		if used[c.sec] {
			continue
		}
		sec := &a.ix.sections[c.sec]
		inHeading := func(t string) bool { _, ok := sec.headingTerms[t]; return ok }
		for _, p := range rankUnits(c) {
			u := &sec.units[p.pos]
			var gained float64
			for i := range groups {
				if !covered[i] {
					gained += groups[i].weight * max(groups[i].match(u.has), headingWeightInUnit*groups[i].match(inHeading))
				}
			}
			if gained >= a.opts.MinCoverage*missing {
				return p, true
			}
		}
	}
	return pick{}, false
}

// covered reports which groups the picked units, or their sections'
// headings, match.
func (a *Agent) covered(groups []group, picks []pick) []bool {
	covered := make([]bool, len(groups))
	for _, p := range picks {
		sec := &a.ix.sections[p.sec]
		u := &sec.units[p.pos]
		inHeading := func(t string) bool { _, ok := sec.headingTerms[t]; return ok }
		for i := range groups {
			if groups[i].match(u.has) > 0 || groups[i].match(inHeading) > 0 {
				covered[i] = true
			}
		}
	}
	return covered
}

// bestUnits returns up to n of the candidate's best units: the best one and
// any others scoring at least unitRatio of it, best first. Earlier units win
// ties, as sections usually lead with the rule.
func bestUnits(c candidate, n int) []pick {
	picks := rankUnits(c)
	keep := min(1, len(picks))
	for keep < len(picks) && keep < n && picks[keep].score >= unitRatio*picks[0].score {
		keep++
	}
	return picks[:keep]
}

// rankUnits returns the candidate's units that match the question at all,
// best first; earlier units win ties.
func rankUnits(c candidate) []pick {
	var picks []pick
	for pos, s := range c.units {
		if s > 0 {
			picks = append(picks, pick{sec: c.sec, pos: pos, score: s})
		}
	}
	slices.SortStableFunc(picks, func(x, y pick) int { return cmp.Compare(y.score, x.score) })
	return picks
}

// render writes the picked units and their sources. Sections appear in the
// order of their best unit, units within a section in document order:
// consecutive sentences of prose as one paragraph, list items and table rows
// as "- " lines. When more than one section is quoted, each line ends with
// the number of its source.
func (a *Agent) render(picks []pick) (string, []agent.Citation) {
	var order []int
	bySec := make(map[int][]int)
	for _, p := range picks {
		if _, ok := bySec[p.sec]; !ok {
			order = append(order, p.sec)
		}
		bySec[p.sec] = append(bySec[p.sec], p.pos)
	}
	var lines, sources []string
	var cites []agent.Citation
	for n, si := range order {
		sec := &a.ix.sections[si]
		positions := bySec[si]
		slices.Sort(positions)
		first := len(lines)
		prose := false
		for _, pos := range positions {
			u := sec.units[pos]
			switch {
			case u.block:
				lines = append(lines, "- "+u.text)
			case prose:
				lines[len(lines)-1] += " " + u.text
			default:
				lines = append(lines, u.text)
			}
			prose = !u.block
		}
		if len(order) > 1 {
			for i := first; i < len(lines); i++ {
				lines[i] += fmt.Sprintf(" [%d]", n+1)
			}
		}
		cites = append(cites, agent.Citation{Document: sec.title, Section: sec.heading, Source: sec.source})
		name := sec.title
		if sec.heading != "" {
			name += " › " + sec.heading
		}
		sources = append(sources, fmt.Sprintf("[%d] %s (%s)", n+1, name, sec.source))
	}
	return strings.Join(lines, "\n") + "\n\nSources: " + strings.Join(sources, "; "), cites
}
