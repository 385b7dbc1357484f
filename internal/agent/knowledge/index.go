package knowledge

import (
	"math"
	"strings"
)

// Okapi BM25 parameters: k1 saturates term frequency, b normalises for
// section length. These are the usual defaults.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// headingWeight is how many times a word of a section's own headings
	// counts towards its term frequency; the document title counts once.
	headingWeight = 2
)

// index is an immutable BM25 index over the sections of a set of documents.
// It is built once and only read afterwards, so it is safe for concurrent
// use without locks.
type index struct {
	sections []isection
	postings map[string][]posting
	avgLen   float64
}

// posting records that a term occurs tf times in section sec.
type posting struct {
	sec int32
	tf  int32
}

// isection is one indexed section.
type isection struct {
	title   string // document title
	heading string // heading path below the title, joined with " › "
	source  string // document path relative to the knowledge root
	labels  []string
	length  int
	tf      map[string]int32
	// titleTerms and headingTerms hold the terms of the document title and
	// the section's headings, which every sentence of the section
	// implicitly talks about.
	titleTerms, headingTerms map[string]struct{}
	units                    []iunit
}

// iunit is one quotable unit of a section with its terms.
type iunit struct {
	text   string
	block  bool
	hidden bool
	digits bool // the unit states a number, date or amount
	leadIn bool // the unit ends with ":" and introduces what follows
	terms  map[string]struct{}
}

// buildIndex indexes every section of docs.
func buildIndex(docs []Document) *index {
	ix := &index{postings: make(map[string][]posting)}
	total := 0
	for _, d := range docs {
		titleTerms := tokenize(d.Title)
		for _, s := range d.Sections {
			sec := isection{
				title:        d.Title,
				heading:      s.Heading(),
				source:       d.Path,
				labels:       d.Labels,
				tf:           make(map[string]int32),
				titleTerms:   make(map[string]struct{}),
				headingTerms: make(map[string]struct{}),
			}
			add := func(terms []string, n int32) {
				for _, t := range terms {
					sec.tf[t] += n
					sec.length += int(n)
				}
			}
			add(titleTerms, 1)
			for _, t := range titleTerms {
				sec.titleTerms[t] = struct{}{}
			}
			for _, h := range s.Headings {
				ht := tokenize(h)
				add(ht, headingWeight)
				for _, t := range ht {
					sec.headingTerms[t] = struct{}{}
				}
			}
			quotable := 0
			for _, u := range splitUnits(s.Text) {
				own := u.text
				if u.cells != "" {
					own = u.cells
				}
				terms := tokenize(own)
				add(terms, 1)
				set := make(map[string]struct{}, len(terms))
				for _, t := range append(terms, tokenize(u.header)...) {
					set[t] = struct{}{}
				}
				sec.units = append(sec.units, iunit{
					text:   u.text,
					block:  u.block,
					hidden: u.hidden,
					digits: strings.ContainsAny(u.text, "0123456789"),
					leadIn: strings.HasSuffix(u.text, ":"),
					terms:  set,
				})
				if !u.hidden {
					quotable++
				}
			}
			if quotable == 0 {
				continue
			}
			id := int32(len(ix.sections))
			for t, n := range sec.tf {
				ix.postings[t] = append(ix.postings[t], posting{sec: id, tf: n})
			}
			total += sec.length
			ix.sections = append(ix.sections, sec)
		}
	}
	if len(ix.sections) > 0 {
		ix.avgLen = float64(total) / float64(len(ix.sections))
	}
	return ix
}

// idf is the BM25 inverse document frequency of t over sections. A term
// that occurs nowhere gets the largest possible value.
func (ix *index) idf(t string) float64 {
	n := float64(len(ix.sections))
	df := float64(len(ix.postings[t]))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// addScores adds weight times the BM25 score of term t to scores[s] for
// every section s that contains t.
func (ix *index) addScores(t string, weight float64, scores []float64) {
	ps := ix.postings[t]
	if len(ps) == 0 {
		return
	}
	idf := ix.idf(t)
	for _, p := range ps {
		tf := float64(p.tf)
		norm := bm25K1 * (1 - bm25B + bm25B*float64(ix.sections[p.sec].length)/ix.avgLen)
		scores[p.sec] += weight * idf * tf * (bm25K1 + 1) / (tf + norm)
	}
}

// has reports whether the unit contains term t.
func (u *iunit) has(t string) bool {
	_, ok := u.terms[t]
	return ok
}
