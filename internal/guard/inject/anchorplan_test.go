package inject

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// planWord returns a word of the set member w of the vocabulary: prefixes
// and suffixes completed, in a random case.
func planWord(rng *rand.Rand, w string) string {
	switch {
	case strings.HasPrefix(w, "*"):
		w = "daten" + w[1:]
	case strings.HasSuffix(w, "*"):
		w = strings.TrimSuffix(w, "*") + []string{"", "en", "s", "ing"}[rng.IntN(4)]
	}
	switch rng.IntN(8) {
	case 0:
		w = strings.ToUpper(w)
	case 1:
		w = strings.ToUpper(w[:1]) + w[1:]
	}
	return w
}

// planSeps separate the words of the random texts: spaces, sentence
// breaks, colons.
var planSeps = []string{" ", " ", " ", " ", " ", "  ", ", ", ". ", ": ", ":", " : ", "\n", "; ", "! ", "? ", " - ", "'", "：", ".", "\t"}

// planText builds a random text around the steps of a random pattern:
// the members of their sets, fillers of their gaps, and some noise (words
// of any set, dropped words, breaks), so that patterns nearly match.
func planText(rng *rand.Rand, e *engine) string {
	v := e.vocab
	var ws []string
	anyWord := func() string {
		id := setID(rng.IntN(v.nsets))
		if m := v.words[id]; len(m) > 0 {
			return planWord(rng, m[rng.IntN(len(m))])
		}
		return "xyz"
	}
	for range 1 + rng.IntN(2) {
		p := e.pats[rng.IntN(len(e.pats))]
		for k, st := range p.steps {
			if k > 0 && rng.IntN(3) == 0 {
				for range rng.IntN(4) {
					if rng.IntN(3) == 0 {
						ws = append(ws, anyWord())
					} else {
						m := v.words[v.named["fill"]]
						ws = append(ws, planWord(rng, m[rng.IntN(len(m))]))
					}
				}
			}
			switch {
			case rng.IntN(12) == 0:
				continue // a step left out
			case rng.IntN(12) == 0:
				ws = append(ws, anyWord())
				continue
			}
			switch st.kind {
			case stepSet:
				m := v.words[st.set]
				ws = append(ws, planWord(rng, m[rng.IntN(len(m))]))
			case stepEnd:
				ws = append(ws, ".")
			case stepColon:
				ws = append(ws, ":")
			case stepStart:
				ws = append(ws, "\n")
			}
		}
		for range rng.IntN(3) {
			ws = append(ws, anyWord())
		}
	}
	var b strings.Builder
	for i, w := range ws {
		if i > 0 || rng.IntN(2) == 0 {
			b.WriteString(planSeps[rng.IntN(len(planSeps))])
		}
		b.WriteString(w)
	}
	return b.String()
}

// TestPlanCandidates checks the pre-checks of the anchor plans against
// match: around every anchor of random texts, a pattern match finds is
// among the candidates of its plan, and match finds the same in the
// window the pre-check read as in a fresh one.
func TestPlanCandidates(t *testing.T) {
	e := theEngine
	v := e.vocab
	rng := rand.New(rand.NewPCG(7, 8))
	matched, left := 0, 0
	for range shortcutRounds(30000) {
		text := planText(rng, e)
		if rng.IntN(4) == 0 {
			text = shortcutText(rng, 1+rng.IntN(20)) + " " + text
		}
		var w, fresh window
		for pos := 0; ; {
			s, end, _, ok := nextWord(text, pos, len(text))
			if !ok {
				break
			}
			pos = end
			if end-s > 48 {
				continue
			}
			lw := []byte(strings.ToLower(text[s:end]))
			if len(lw) < 2 {
				continue
			}
			for _, ent := range e.anchors[string(lw[:min(3, len(lw))])] {
				if ent.rot13 || !(ent.prefix && strings.HasPrefix(string(lw), ent.word) || string(lw) == ent.word) {
					continue
				}
				for mode, pl := range ent.plans {
					var pats []*pattern
					for ; pl != nil; pl = pl.next {
						pats = append(pats, pl.pats...)
						w.reset(text, s, end)
						cand := pl.candidates(v, &w)
						for i, p := range pl.pats {
							fresh.reset(text, s, end)
							_, _, ok := p.match(v, &fresh, e.conj)
							if ok && cand&(1<<i) == 0 {
								t.Fatalf("%q: anchor %q: pattern %q matches, but the plan leaves it out", text, lw, p.spec)
							}
							if _, _, ok2 := p.match(v, &w, e.conj); ok2 != ok {
								t.Fatalf("%q: anchor %q: pattern %q: match %v after the pre-check, %v in a fresh window", text, lw, p.spec, ok2, ok)
							}
							if ok {
								matched++
							} else if cand&(1<<i) == 0 {
								left++
							}
						}
					}
					// The plan holds the patterns of the entry for the
					// mode, in their order.
					k := 0
					for _, pi := range ent.pats {
						if p := e.pats[pi]; mode == wfContent || !p.indirect {
							if k >= len(pats) || pats[k] != p {
								t.Fatalf("anchor %q mode %d: the plan's patterns differ from the entry's", ent.word, mode)
							}
							k++
						}
					}
					if k != len(pats) {
						t.Fatalf("anchor %q mode %d: the plan has %d patterns, the entry %d", ent.word, mode, len(pats), k)
					}
				}
			}
		}
	}
	if matched < shortcutRounds(30000)/10 || left < shortcutRounds(30000) {
		t.Fatalf("too few cases: %d matches, %d patterns left out", matched, left)
	}
	t.Logf("%d matches, %d patterns left out", matched, left)
}
