package inject

import (
	"math/bits"
	"strings"
)

// lexShort holds the lexicon's entries for its ASCII words and prefixes
// of up to eight bytes, keyed by the packed word (pack8; a prefix's key is
// marked with prefixMark). For an ASCII word of up to eight bytes,
// lookupPacked answers what lexicon.lookup does with a multiplication per
// probe rather than a loop over the word's bytes per hash.
type lexShort struct {
	slots [lexShortSlots]lexShortSlot
	pre   [1 << 15]uint8 // by anchorKey: a bit per ASCII prefix length 3..8 (bit l-3)
}

type lexShortSlot struct {
	key uint64
	ent lexEntry
	n   uint8 // the key's length; 0 for an empty slot
}

const lexShortSlots = 4096

var theLexShort = buildLexShort(theLexicon)

// lexShortIndex is the first slot probed for key k.
func lexShortIndex(k uint64) uint64 {
	return k * 0x9E3779B97F4A7C15 >> (64 - 12)
}

// buildLexShort copies the short ASCII entries of l.
func buildLexShort(l *lexicon) *lexShort {
	t := new(lexShort)
	n := 0
	for _, w := range l.words {
		p, prefix := strings.CutSuffix(w, "*")
		if len(p) > 8 || !ascii(p) {
			continue
		}
		h := uint64(lexSeed)
		for i := 0; i < len(p); i++ {
			h = (h ^ uint64(p[i])) * lexPrime
		}
		k := pack8(p)
		if prefix {
			h ^= prefixTag
			k ^= prefixMark
			ak := anchorKey(p[0], p[1], p[2])
			t.pre[ak] |= 1 << (len(p) - 3)
		}
		ent, ok := l.probe(h, []byte(p))
		if !ok {
			panic("inject: a lexicon word not found: " + w)
		}
		i := lexShortIndex(k)
		for t.slots[i].n != 0 {
			i = (i + 1) & (lexShortSlots - 1)
		}
		t.slots[i] = lexShortSlot{key: k, ent: ent, n: uint8(len(p))}
		n++
	}
	if 2*n > lexShortSlots {
		panic("inject: the short lexicon table is too full")
	}
	return t
}

// get returns the entry of key k of n bytes.
func (t *lexShort) get(k uint64, n int) (lexEntry, bool) {
	for i := lexShortIndex(k); ; i = (i + 1) & (lexShortSlots - 1) {
		sl := &t.slots[i]
		if sl.n == 0 {
			return lexEntry{}, false
		}
		if sl.key == k && int(sl.n) == n {
			return sl.ent, true
		}
	}
}

// lookupPacked is lexicon.lookup for the lower-case ASCII word of n bytes,
// 1 <= n <= 8, packed in x (pack8): its own entry, or that of its longest
// listed prefix.
func (t *lexShort) lookupPacked(x uint64, n int) (lexEntry, bool) {
	if ent, ok := t.get(x, n); ok {
		return ent, true
	}
	if n < 3 {
		return lexEntry{}, false
	}
	lens := uint32(t.pre[anchorKey(byte(x), byte(x>>8), byte(x>>16))]) & (1<<(n-2) - 1) // no longer than the word
	for lens != 0 {
		p := 31 - bits.LeadingZeros32(lens) + 3 // the longest first
		lens &^= 1 << (p - 3)
		if ent, ok := t.get(x&(1<<(8*p)-1)^prefixMark, p); ok {
			return ent, true
		}
	}
	return lexEntry{}, false
}
