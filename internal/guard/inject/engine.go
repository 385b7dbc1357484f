package inject

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// engine is the compiled form of the phrase tables. It is built once and
// shared, read-only, by every Detector.
type engine struct {
	vocab   *vocabulary
	pats    []*pattern
	anchors map[string][]anchorEntry // key: first 3 lower-case bytes of the anchor
	asciiP  anchorFilter             // anchors of Prompt mode that start with ASCII bytes
	asciiC  anchorFilter             // anchors of Content mode that start with ASCII bytes
	all     anchorFilter             // every anchor
	opens   [1 << 15 / 64]uint64     // anchorKey of sentence openings (Content mode)
	conj    setID                    // set id of "conj"
	ids     map[string]setID         // named set ids, for checks
}

// anchorFilter holds the pre-filters of a set of anchors. ASCII words are
// checked against the anchors that start like them only: the keys of
// non-ASCII anchors would otherwise collide with common English words.
type anchorFilter struct {
	bitmap  [1 << 15 / 64]uint64 // anchorKey of every anchor
	prefTri [1 << 15 / 64]uint64 // anchorKey of every prefix anchor
	pref4   [1 << 16 / 64]uint64 // wordHash of the first four bytes of prefix anchors of four bytes or more
	lenKey  [1 << 15 / 64]uint64 // lengthKey of every whole-word anchor
	exact   [1 << 16 / 64]uint64 // wordHash of every whole-word anchor
	short   bool                 // some prefix anchor is shorter than four bytes
}

func (f *anchorFilter) add(w string, prefix bool) {
	k := anchorKey(w[0], w[1], third(w))
	f.bitmap[k>>6] |= 1 << (k & 63)
	if prefix {
		f.prefTri[k>>6] |= 1 << (k & 63)
		if len(w) >= 4 {
			h := wordHash([]byte(w[:4]))
			f.pref4[h>>6] |= 1 << (h & 63)
		} else {
			f.short = true
		}
	} else {
		h := wordHash([]byte(w))
		f.exact[h>>6] |= 1 << (h & 63)
		l := lengthKey(k, len(w))
		f.lenKey[l>>6] |= 1 << (l & 63)
	}
}

// lengthKey mixes a word's length into its anchorKey: many common words
// share their first three letters with some anchor, far fewer their
// length too.
func lengthKey(k uint32, n int) uint32 {
	return (k ^ lengthMix[n&15]) & (1<<15 - 1)
}

// lengthMix spreads word lengths over the 15 key bits.
var lengthMix = [16]uint32{0x0000, 0x5a3c, 0x2d91, 0x71e6, 0x1b4f, 0x66d2, 0x3f08, 0x4ca7,
	0x0e5b, 0x53f4, 0x2879, 0x7b1e, 0x16c3, 0x6d6a, 0x3ab5, 0x4710}

// anchorEntry lists the patterns anchored on one word (or word prefix).
type anchorEntry struct {
	word   string
	prefix bool
	pats   []int32
	rot13  bool // a ROT13-encoded anchor: decode the window and rescan
}

var lowerTab [256]byte

func init() {
	for i := range lowerTab {
		c := byte(i)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lowerTab[i] = c
	}
}

// third returns the third byte of a word, or 0 for a two-byte word.
func third[S ~string | ~[]byte](w S) byte {
	if len(w) < 3 {
		return 0
	}
	return w[2]
}

// anchorKey hashes the first three bytes of a lower-case word into 15 bits.
func anchorKey(a, b, c byte) uint32 {
	return uint32(a&31)<<10 | uint32(b&31)<<5 | uint32(c&31)
}

// rot13Anchors are ROT13 forms of the words that start override and
// extraction phrases ("vtaber" is "ignore").
var rot13Anchors = []string{"vtaber", "qvfertneq", "sbetrg", "erirny", "cevag", "ercrng", "bhgchg"}

var theEngine = mustBuild()

func mustBuild() *engine {
	e, err := build()
	if err != nil {
		panic(fmt.Errorf("inject: building phrase tables: %w", err))
	}
	return e
}

func build() (*engine, error) {
	v := newVocabulary()
	// Named sets first, "fill" before the others so patterns can use it.
	names := make([]string, 0, len(wordSets))
	for n := range wordSets {
		names = append(names, n)
	}
	sort.Strings(names)
	for n := range langWords {
		if _, ok := wordSets[n]; !ok {
			return nil, fmt.Errorf("language words for unknown set %q", n)
		}
	}
	for _, n := range names {
		v.named[n] = v.addSet(append(strings.Fields(wordSets[n]), strings.Fields(langWords[n])...))
	}
	e := &engine{vocab: v, anchors: map[string][]anchorEntry{}, conj: v.named["conj"], ids: v.named}
	for _, specs := range [][]phraseSpec{phraseSpecs, familySpecs, langSpecs} {
		for _, ps := range specs {
			p, err := v.compile(ps.typ, ps.conf, ps.spec, ps.check)
			if err != nil {
				return nil, err
			}
			e.pats = append(e.pats, p)
		}
	}
	for _, ps := range indirectSpecs {
		p, err := v.compile(ps.typ, ps.conf, ps.spec, ps.check)
		if err != nil {
			return nil, err
		}
		e.pats = append(e.pats, p)
	}
	v.finalize()
	for pi, p := range e.pats {
		for _, w := range v.words[p.steps[p.anchor].set] {
			if strings.HasPrefix(w, "*") {
				continue // a suffix is matched, never looked for
			}
			prefix := strings.HasSuffix(w, "*")
			w = strings.TrimSuffix(w, "*")
			if err := e.addAnchor(w, prefix, int32(pi), false); err != nil {
				return nil, fmt.Errorf("pattern %q: %w", p.spec, err)
			}
		}
	}
	for _, set := range []string{"wh", "taskverb"} {
		for _, w := range v.words[v.named[set]] {
			k := anchorKey(w[0], w[1], w[min(2, len(w)-1)])
			e.opens[k>>6] |= 1 << (k & 63)
		}
	}
	for _, w := range rot13Anchors {
		if err := e.addAnchor(w, false, -1, true); err != nil {
			return nil, err
		}
	}
	e.buildFilters()
	return e, nil
}

func (e *engine) addAnchor(w string, prefix bool, pat int32, rot13 bool) error {
	if len(w) < 2 || (len(w) == 2 && prefix) {
		return fmt.Errorf("anchor %q too short", w)
	}
	key := w[:min(3, len(w))]
	list := e.anchors[key]
	for i := range list {
		if list[i].word == w && list[i].prefix == prefix && list[i].rot13 == rot13 {
			if pat >= 0 && !slices.Contains(list[i].pats, pat) {
				list[i].pats = append(list[i].pats, pat)
			}
			return nil
		}
	}
	ent := anchorEntry{word: w, prefix: prefix, rot13: rot13}
	if pat >= 0 {
		ent.pats = []int32{pat}
	}
	e.anchors[key] = append(list, ent)
	return nil
}

// buildFilters fills the pre-filters from the anchors.
func (e *engine) buildFilters() {
	for key, list := range e.anchors {
		asciiKey := true
		for i := 0; i < len(key); i++ {
			if key[i] >= 0x80 {
				asciiKey = false
			}
		}
		for _, ent := range list {
			e.all.add(ent.word, ent.prefix)
			if !asciiKey {
				continue
			}
			e.asciiC.add(ent.word, ent.prefix)
			prompt := ent.rot13
			for _, pi := range ent.pats {
				if e.pats[pi].typ != TypeIndirectInstruction {
					prompt = true
				}
			}
			if prompt {
				e.asciiP.add(ent.word, ent.prefix)
			}
		}
	}
}

// wordFilter merges the first pre-filters the main pass applies to every
// ASCII word of two bytes or more: may it be an anchor (of each mode), may
// it be a trigger of the scoring layer (lexicon.go)? Keyed by the word's
// first three bytes (anchorKey, for prefixes) and by those and its length
// (lengthKey, for whole words), the bits of the three filters lie side by
// side, so that a word costs two cache lines, not six. It answers what
// mayAnchorLen of each filter would.
type wordFilter struct {
	tri [1 << 15 / 64][4]uint64 // anchorKey: Prompt anchors, Content anchors, triggers
	len [1 << 15 / 64][4]uint64 // lengthKey: the same
}

// Indexes of the filters in a wordFilter.
const (
	wfPrompt = iota
	wfContent
	wfTrigger
)

var theWordFilter = buildWordFilter(theEngine, theLexicon)

func buildWordFilter(e *engine, l *lexicon) *wordFilter {
	wf := new(wordFilter)
	for i := range wf.tri {
		wf.tri[i] = [4]uint64{e.asciiP.prefTri[i], e.asciiC.prefTri[i], l.triggers.prefTri[i]}
		wf.len[i] = [4]uint64{e.asciiP.lenKey[i], e.asciiC.lenKey[i], l.triggers.lenKey[i]}
	}
	return wf
}

// wordHash hashes a lower-case word into 16 bits (FNV-1a, folded).
func wordHash(w []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range w {
		h ^= uint32(c)
		h *= 16777619
	}
	return (h ^ h>>16) & 0xFFFF
}

// mayBeAnchor is the second pre-filter, on the whole lower-case word: is
// it a whole-word anchor, or does its first three bytes start a prefix
// anchor?
func (f *anchorFilter) mayBeAnchor(lw []byte) bool {
	k := anchorKey(lw[0], lw[1], third(lw))
	if f.prefTri[k>>6]&(1<<(k&63)) != 0 {
		if f.short || len(lw) < 4 {
			return true
		}
		if h := wordHash(lw[:4]); f.pref4[h>>6]&(1<<(h&63)) != 0 {
			return true
		}
	}
	h := wordHash(lw)
	return f.exact[h>>6]&(1<<(h&63)) != 0
}

// mayOpen is the pre-filter for sentence openings: a, b, c are the first
// three lower-case bytes of a word (the last byte repeated for a
// two-byte word).
func (e *engine) mayOpen(a, b, c byte) bool {
	k := anchorKey(a, b, c)
	return e.opens[k>>6]&(1<<(k&63)) != 0
}

// mayAnchor is the cheap pre-filter: can a word starting with these three
// lower-case bytes be an anchor?
func (f *anchorFilter) mayAnchor(a, b, c byte) bool {
	k := anchorKey(a, b, c)
	return f.bitmap[k>>6]&(1<<(k&63)) != 0
}

// mayAnchorLen is the cheap pre-filter for an ASCII word of n bytes (c is
// 0 for a two-byte word): can it start a prefix anchor, or be a
// whole-word anchor of its length?
func (f *anchorFilter) mayAnchorLen(a, b, c byte, n int) bool {
	k := anchorKey(a, b, c)
	l := lengthKey(k, n)
	return f.prefTri[k>>6]&(1<<(k&63)) != 0 || f.lenKey[l>>6]&(1<<(l&63)) != 0
}
