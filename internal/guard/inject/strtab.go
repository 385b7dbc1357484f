package inject

import "encoding/binary"

// strTab is a read-only hash table from lower-case words to their word
// sets, built once from the vocabulary's maps. classify looks words up in
// it on the hot path of the phrase patterns: a word of up to eight bytes
// is hashed with one multiplication, with no call to the runtime's map
// code.
type strTab struct {
	slots []strSlot
	mask  uint64
}

type strSlot struct {
	h   uint64
	key string
	m   *setMask // nil: an empty slot
}

// strHash hashes w eight bytes at a time.
func strHash(w []byte) uint64 {
	n := len(w)
	h := uint64(n) * 0x9E3779B97F4A7C15
	i := 0
	for ; i+8 <= n; i += 8 {
		h = (h ^ binary.LittleEndian.Uint64(w[i:])) * 0xBF58476D1CE4E5B9
		h ^= h >> 31
	}
	var t uint64
	for k := n - 1; k >= i; k-- {
		t = t<<8 | uint64(w[k])
	}
	h = (h ^ t) * 0x94D049BB133111EB
	return h ^ h>>29
}

// newStrTab builds the table of m, at most half full.
func newStrTab(m map[string]*setMask) strTab {
	size := 16
	for size < 2*len(m) {
		size *= 2
	}
	t := strTab{slots: make([]strSlot, size), mask: uint64(size - 1)}
	for k, v := range m {
		h := strHash([]byte(k))
		i := h & t.mask
		for t.slots[i].m != nil {
			i = (i + 1) & t.mask
		}
		t.slots[i] = strSlot{h: h, key: k, m: v}
	}
	return t
}

// get returns the sets of w, or nil and false.
func (t *strTab) get(w []byte) (*setMask, bool) {
	h := strHash(w)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.m == nil {
			return nil, false
		}
		if s.h == h && s.key == string(w) {
			return s.m, true
		}
	}
}
