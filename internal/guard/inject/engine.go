package inject

import (
	"fmt"
	"math/bits"
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

	// byKey indexes the anchors by the anchorKey of their first bytes,
	// for the scan: byKey[k] is 1 + the index in lists of the entries
	// whose key has anchorKey k (several keys may share it), or 0.
	byKey [1 << 15]uint16
	lists [][]anchorEntry

	// exhaustive turns the pre-filters off: every word is looked up as
	// an anchor and a trigger, and anchors are found by their exact first
	// bytes. Only tests set it, to check that the filters lose nothing.
	exhaustive bool
	// noSWAR turns off the eight-byte fast path of the main pass's
	// ASCII words; only tests set it, to check the fast path against
	// the byte loop.
	noSWAR bool
}

// anchorFilter holds the pre-filters of a set of anchors. ASCII words are
// checked against the anchors that start like them only: the keys of
// non-ASCII anchors would otherwise collide with common English words.
type anchorFilter struct {
	bitmap  [1 << 15 / 64]uint64 // anchorKey of every anchor
	prefTri [1 << 15 / 64]uint64 // anchorKey of every prefix anchor
	pref4   [1 << 16 / 64]uint64 // wordHash of the first four bytes of prefix anchors of four bytes or more
	exact   [1 << 16 / 64]uint64 // wordHash of every whole-word anchor
	short   bool                 // some prefix anchor is shorter than four bytes
	keys    []filterKey          // what was added, for the wordFilter
}

// filterKey is the anchorKey, length and last byte of a word added to
// an anchorFilter, and whether it is a prefix.
type filterKey struct {
	k      uint32
	n      int
	last   byte // the last byte of the word
	prefix bool
}

func (f *anchorFilter) add(w string, prefix bool) {
	k := anchorKey(w[0], w[1], third(w))
	f.bitmap[k>>6] |= 1 << (k & 63)
	f.keys = append(f.keys, filterKey{k: k, n: len(w), last: w[len(w)-1], prefix: prefix})
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
	}
}

// anchorEntry lists the patterns anchored on one word (or word prefix).
type anchorEntry struct {
	word   string
	prefix bool
	pats   []int32
	rot13  bool // a ROT13-encoded anchor: decode the window and rescan

	// Filled by buildPlans: the first eight bytes of word packed (pack8)
	// and the mask of those bytes, and the patterns of each mode
	// (wfPrompt, wfContent) with their pre-checks.
	w8, m8 uint64
	plans  [2]*patPlan
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
	e.buildPlans()
	e.buildFilters()
	e.buildIndex()
	return e, nil
}

// buildIndex fills byKey and lists from anchors. The entries of each key
// keep their order; keys that share an anchorKey are listed in sorted
// order.
func (e *engine) buildIndex() {
	keys := make([]string, 0, len(e.anchors))
	for key := range e.anchors {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		k := anchorKey(key[0], key[1], third(key))
		if e.byKey[k] == 0 {
			if len(e.lists) == 1<<16-1 {
				panic("inject: too many anchor keys")
			}
			e.lists = append(e.lists, nil)
			e.byKey[k] = uint16(len(e.lists))
		}
		li := e.byKey[k] - 1
		e.lists[li] = append(e.lists[li], e.anchors[key]...)
	}
}

// anchorsOf returns the anchor entries that may match the lower-case word
// lw (two bytes or more): those whose first bytes have its anchorKey.
func (e *engine) anchorsOf(lw []byte) []anchorEntry {
	i := e.byKey[anchorKey(lw[0], lw[1], third(lw))]
	if i == 0 {
		return nil
	}
	return e.lists[i-1]
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
// ASCII word of two bytes or more: may it be an anchor (of the mode), may
// it be a trigger of the scoring layer (lexicon.go)? A word selects one
// entry, half a cache line, by its first three bytes (wfIndex of its
// anchorKey); there the bits of the two filters lie side by side: a bit
// for the first three bytes (for prefixes), and one for the first three
// bytes, the length and the last byte (for whole words, wfLenBit). Each
// mode has a table of its own (16 KB), so that a scan keeps no more than
// that in the cache.
type wordFilter struct {
	ent [2][1 << 15 / 64]wfEntry // by wfPrompt, wfContent
}

// wfIndex returns the entry of a wordFilter for anchorKey k; k&63 is its
// bit there. Each entry holds 64 keys (one for each value of k&63), and
// the keys of words that start alike (the same two letters) are spread
// over many entries.
func wfIndex(k uint32) uint32 { return k>>6 ^ uint32(wfSpread[k&63]) }

// wfSpread scatters the keys of one entry of the anchorKey space.
var wfSpread = func() (t [64]uint16) {
	for i := range t {
		t[i] = uint16(uint32(i)*0x9E3779B1>>23) & (1<<9 - 1)
	}
	return t
}()

// wfLenBit returns the bit in its entry of a whole word of n bytes with
// anchorKey k and last byte last (upper or lower case alike).
func wfLenBit(k uint32, n int, last byte) uint32 {
	return (k ^ uint32(wfMix[n&15]) ^ uint32(wfMix[16+last&31])) & 63
}

// wfMix spreads word lengths and last bytes over six bits.
var wfMix = func() (t [48]uint8) {
	for i := range t {
		t[i] = uint8(uint32(i+1) * 0x2545F491 >> 26)
	}
	return t
}()

// wfEntry is one entry of a wordFilter: the anchorKey bits of the
// mode's anchors and of the triggers, then their whole-word bits.
type wfEntry [4]uint64

// The modes of a wordFilter, and the indexes of the filters in a wfEntry.
const (
	wfPrompt  = 0
	wfContent = 1

	wfAnchor    = 0 // anchorKey bits of the anchors
	wfAnchorLen = 1 // whole-word bits of the anchors
	wfTrigger   = 2 // anchorKey bits of the triggers
	wfTrigLen   = 3 // whole-word bits of the triggers
)

var theWordFilter = buildWordFilter(theEngine, theLexicon)

func buildWordFilter(e *engine, l *lexicon) *wordFilter {
	wf := new(wordFilter)
	add := func(tab *[1 << 15 / 64]wfEntry, f *anchorFilter, tri, whole int) {
		for _, fk := range f.keys {
			ent := &tab[wfIndex(fk.k)]
			if fk.prefix {
				ent[tri] |= 1 << (fk.k & 63)
			} else {
				ent[whole] |= 1 << wfLenBit(fk.k, fk.n, fk.last)
			}
		}
	}
	for mode, f := range []*anchorFilter{wfPrompt: &e.asciiP, wfContent: &e.asciiC} {
		add(&wf.ent[mode], f, wfAnchor, wfAnchorLen)
		add(&wf.ent[mode], &l.triggers, wfTrigger, wfTrigLen)
	}
	return wf
}

// wordHash hashes a lower-case word into 16 bits: its bytes read as
// little-endian 64-bit numbers (packed, the first eight and the last
// eight of a longer word), mixed with its length (packedHash).
func wordHash(w []byte) uint32 {
	if len(w) <= 8 {
		return packedHash(pack8(string(w)), len(w))
	}
	return packedHash(pack8(string(w[:8]))^bits.RotateLeft64(pack8(string(w[len(w)-8:])), 29), len(w))
}

// packedHash is wordHash of the word of n bytes packed in x.
func packedHash(x uint64, n int) uint32 {
	x ^= uint64(n) * packedMulA
	return uint32((x * packedMulB) >> 48)
}

// packedHash's multipliers.
const (
	packedMulA = 0x9E3779B97F4A7C15
	packedMulB = 0xD6E8FEB86659FD93
)

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

// mayBePacked is mayBeAnchor for a word of at most eight bytes, also
// packed in x (pack8).
func (f *anchorFilter) mayBePacked(lw []byte, x uint64) bool {
	k := anchorKey(lw[0], lw[1], third(lw))
	if f.prefTri[k>>6]&(1<<(k&63)) != 0 {
		if f.short || len(lw) < 4 {
			return true
		}
		if h := packedHash(x&0xFFFFFFFF, 4); f.pref4[h>>6]&(1<<(h&63)) != 0 {
			return true
		}
	}
	h := packedHash(x, len(lw))
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
