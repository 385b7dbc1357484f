package inject

import (
	"fmt"
	"sort"
	"strings"
)

// engine is the compiled form of the phrase tables. It is built once and
// shared, read-only, by every Detector.
type engine struct {
	vocab   *vocabulary
	pats    []*pattern
	anchors map[string][]anchorEntry // key: first 3 lower-case bytes of the anchor
	bitmap  [1 << 15 / 64]uint64     // anchorKey of every anchor
	prefTri [1 << 15 / 64]uint64     // anchorKey of every prefix anchor
	exact   [1 << 16 / 64]uint64     // wordHash of every whole-word anchor
	opens   [1 << 15 / 64]uint64     // anchorKey of sentence openings (Content mode)
	conj    uint8                    // set id of "conj"
	ids     map[string]uint8         // named set ids, for checks
}

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
	for _, n := range names {
		v.named[n] = v.addSet(strings.Fields(wordSets[n]))
	}
	e := &engine{vocab: v, anchors: map[string][]anchorEntry{}, conj: v.named["conj"], ids: v.named}
	for _, ps := range phraseSpecs {
		p, err := v.compile(ps.typ, ps.conf, ps.spec, ps.check)
		if err != nil {
			return nil, err
		}
		e.pats = append(e.pats, p)
	}
	for _, ps := range indirectSpecs {
		p, err := v.compile(ps.typ, ps.conf, ps.spec, ps.check)
		if err != nil {
			return nil, err
		}
		e.pats = append(e.pats, p)
	}
	for pi, p := range e.pats {
		for _, w := range v.words[p.steps[p.anchor].set] {
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
			if pat >= 0 {
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
	k := anchorKey(w[0], w[1], third(w))
	e.bitmap[k>>6] |= 1 << (k & 63)
	if prefix {
		e.prefTri[k>>6] |= 1 << (k & 63)
	} else {
		h := wordHash([]byte(w))
		e.exact[h>>6] |= 1 << (h & 63)
	}
	return nil
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
func (e *engine) mayBeAnchor(lw []byte) bool {
	k := anchorKey(lw[0], lw[1], third(lw))
	if e.prefTri[k>>6]&(1<<(k&63)) != 0 {
		return true
	}
	h := wordHash(lw)
	return e.exact[h>>6]&(1<<(h&63)) != 0
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
func (e *engine) mayAnchor(a, b, c byte) bool {
	k := anchorKey(a, b, c)
	return e.bitmap[k>>6]&(1<<(k&63)) != 0
}
