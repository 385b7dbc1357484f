package knowledge

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// synonymWeight scales the score of a term reached through a synonym, so
// that the user's own words rank first.
const synonymWeight = 0.8

// alt is one way a question word can be matched: the word itself or a
// synonym (possibly several terms, all of which must match).
type alt struct {
	terms  []string
	weight float64
}

// group is one content word (or phrase) of the question with its
// alternatives. weight is its IDF, so that rare, meaningful words count
// most when judging whether a section answers the question; boost scales
// its BM25 contribution.
type group struct {
	alts   []alt
	weight float64
	boost  float64
}

// match returns the weight of the best alternative of the group whose terms
// are all in the term set (1 for the question's own word, less for a
// synonym), or 0 if none is.
func (g *group) match(has func(string) bool) float64 {
	best := 0.0
	for _, a := range g.alts {
		all := true
		for _, t := range a.terms {
			if !has(t) {
				all = false
				break
			}
		}
		if all {
			best = max(best, a.weight)
		}
	}
	return best
}

// quantityRE matches question phrases that ask for a number, a date or a
// time. Their adverbs ("long", "often") are not content words.
var quantityRE = regexp.MustCompile(`(?i)\b(how\s+(?:long|often|soon|far|early|late)|how\s+(?:many|much)|when|what\s+(?:time|date|day)|which\s+(?:date|day))\b`)

// compoundRE matches questions with several parts.
var compoundRE = regexp.MustCompile(`(?i)\b(and|also|plus)\b|[?;]\s*\S`)

// intent is what the form of a question says about the answer wanted.
type intent struct {
	// quantity is set when the question asks how many, how much, how long,
	// when…
	quantity bool
	// compound is set when the question seems to have several parts.
	compound bool
}

// phraseRule expands a phrase of the question ("time off") as one group.
type phraseRule struct {
	key   string
	first string // the phrase's first word, lowercase: a cheap pre-check
	re    *regexp.Regexp
	terms []string
	alts  [][]string
}

// synonyms are compiled synonyms: single words by term, phrases as rules.
type synonyms struct {
	words   map[string][][]string
	phrases []phraseRule
}

// compileSynonyms turns word → phrases into term → term lists. A key of
// several words becomes a phrase rule.
func compileSynonyms(m map[string][]string) (synonyms, error) {
	out := synonyms{words: make(map[string][][]string)}
	for key, phrases := range m {
		keyTerms := tokenize(key)
		var alts [][]string
		for _, p := range phrases {
			terms := tokenize(p)
			if len(terms) == 0 || slicesEqual(terms, keyTerms) || containsTerms(alts, terms) {
				continue
			}
			alts = append(alts, terms)
		}
		words := strings.Fields(key)
		switch {
		case len(words) > 1:
			for i, w := range words {
				words[i] = regexp.QuoteMeta(w)
			}
			re := regexp.MustCompile(`(?i)\b` + strings.Join(words, `[\s-]+`) + `\b`)
			out.phrases = append(out.phrases, phraseRule{key: strings.ToLower(key), first: strings.ToLower(strings.Fields(key)[0]), re: re, terms: keyTerms, alts: alts})
		case len(keyTerms) == 1:
			for _, a := range alts {
				if !containsTerms(out.words[keyTerms[0]], a) {
					out.words[keyTerms[0]] = append(out.words[keyTerms[0]], a)
				}
			}
		default:
			return synonyms{}, fmt.Errorf("synonym key %q is a stop word", key)
		}
	}
	// Longer phrases first, so that "days off work" wins over "days off".
	slices.SortFunc(out.phrases, func(x, y phraseRule) int {
		return cmp.Or(cmp.Compare(len(y.key), len(x.key)), cmp.Compare(x.key, y.key))
	})
	return out, nil
}

func containsTerms(list [][]string, terms []string) bool {
	for _, have := range list {
		if slicesEqual(have, terms) {
			return true
		}
	}
	return false
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// weakWords are terms that questions use mostly as filler ("do I get…"),
// but that still help to pick between two otherwise equal answers. They
// count weakWeight as much as other words.
var weakWords = toSet("get work take give find")

const weakWeight = 0.3

// query parses a question into term groups and its intent.
func (a *Agent) query(q string) (groups []group, in intent) {
	lower := strings.ToLower(q)
	if strings.Contains(lower, "how") || strings.Contains(lower, "wh") {
		in.quantity = quantityRE.MatchString(q)
		q = quantityRE.ReplaceAllString(q, " ")
	}
	in.compound = compoundRE.MatchString(q)
	for _, pr := range a.syn.phrases {
		if !strings.Contains(lower, pr.first) || !pr.re.MatchString(q) {
			continue
		}
		q = pr.re.ReplaceAllString(q, " ")
		g := group{boost: 1}
		if len(pr.terms) > 0 {
			g.alts = append(g.alts, alt{terms: pr.terms, weight: 1})
		}
		for _, syn := range pr.alts {
			g.alts = append(g.alts, alt{terms: syn, weight: synonymWeight})
		}
		if len(g.alts) == 0 {
			continue
		}
		for _, t := range g.alts[0].terms {
			g.weight = max(g.weight, a.ix.idf(t))
		}
		groups = append(groups, g)
	}
	seen := make(map[string]bool)
	for _, t := range tokenize(q) {
		if seen[t] {
			continue
		}
		seen[t] = true
		g := group{alts: []alt{{terms: []string{t}, weight: 1}}, weight: a.ix.idf(t), boost: 1}
		if _, ok := weakWords[t]; ok {
			g.weight *= weakWeight
			g.boost = weakWeight
		}
		for _, syn := range a.syn.words[t] {
			g.alts = append(g.alts, alt{terms: syn, weight: synonymWeight})
		}
		groups = append(groups, g)
	}
	return groups, in
}
