package pii

// wordTable is a small open-addressing hash table from lower-case ASCII
// words to values, looked up ignoring ASCII case without copying the word.
// It is built once at start-up and only read afterwards, and is faster
// than a map for the short words of the trigger lists.
type wordTable[V any] struct {
	keys []string
	vals []V
	mask uint32
}

// newWordTable builds a table holding m, sized for a load under one half.
func newWordTable[V any](m map[string]V) *wordTable[V] {
	size := 16
	for size < 2*len(m) {
		size *= 2
	}
	t := &wordTable[V]{keys: make([]string, size), vals: make([]V, size), mask: uint32(size - 1)}
	for k, v := range m {
		h := triggerHash(k) & t.mask
		for t.keys[h] != "" {
			h = (h + 1) & t.mask
		}
		t.keys[h], t.vals[h] = k, v
	}
	return t
}

// get returns the value of w, compared ignoring ASCII case.
func (t *wordTable[V]) get(w string) (v V, ok bool) {
	return t.getHashed(w, triggerHash(w))
}

// getHashed is get for a word whose triggerHash is h.
func (t *wordTable[V]) getHashed(w string, h uint32) (v V, ok bool) {
	h &= t.mask
	for {
		k := t.keys[h]
		if k == "" {
			return v, false
		}
		if len(k) == len(w) && equalFold(k, w) {
			return t.vals[h], true
		}
		h = (h + 1) & t.mask
	}
}

// getBytes is get for a byte slice.
func (t *wordTable[V]) getBytes(w []byte) (v V, ok bool) {
	h := triggerHashBytes(w) & t.mask
	for {
		k := t.keys[h]
		if k == "" {
			return v, false
		}
		if len(k) == len(w) && equalFoldBytes(k, w) {
			return t.vals[h], true
		}
		h = (h + 1) & t.mask
	}
}

// equalFold reports whether the lower-case key equals w ignoring ASCII
// case; the lengths are equal.
func equalFold(key, w string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] != lower(w[i]) {
			return false
		}
	}
	return true
}

func equalFoldBytes(key string, w []byte) bool {
	for i := 0; i < len(key); i++ {
		if key[i] != lower(w[i]) {
			return false
		}
	}
	return true
}
