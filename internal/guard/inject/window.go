package inject

// A window is the neighbourhood of an anchor word, split into words on
// demand. Phrase patterns are checked against its words, never against
// the whole text, so the cost of a check is bounded by the window size.

const (
	maxFwdTokens = 20  // words examined after the anchor
	maxFwdBytes  = 200 // bytes examined after the anchor
	maxBackToks  = 10  // words examined before the anchor
	maxBackBytes = 120 // bytes examined before the anchor
	maxWordBytes = 64  // a longer word is no phrase word and matches nothing
	memoSize     = 128 // word classifications remembered across windows
)

// token is one word of a window.
type token struct {
	s, e  int  // byte span in the text
	brk   bool // a sentence break lies between the previous word and this one
	masks bool // mask is computed
	mask  *setMask
}

// window holds the words around one anchor. It lives on the stack of the
// scanning call and is reset for every anchor.
type window struct {
	text string
	// Forward words: fwd[0] is the anchor itself.
	fwd  [maxFwdTokens + 1]token
	nf   int
	fpos int  // where forward tokenizing continues
	fend bool // no more forward words
	// Backward words, nearest first: back[0] is the word right before the
	// anchor. They are read lazily, right to left.
	back   [maxBackToks]token
	nb     int
	bpos   int  // backward reading continues left of this offset
	blimit int  // backward byte limit
	bdone  bool // no more backward words
	limitF int  // forward byte limit
	// The word sets of words classified in earlier windows of the same
	// text, by start offset: neighbouring anchors share most of their
	// words, which are then lowered and looked up once.
	memo [memoSize]memoEntry
}

// memoEntry is one remembered classification: the word text[s-1:e].
type memoEntry struct {
	s1, e int // s1 is the start plus one; 0 for an empty entry
	m     *setMask
}

// reset prepares the window for the anchor word text[s:e].
func (w *window) reset(text string, s, e int) {
	w.text = text
	w.nf, w.nb = 0, 0
	w.fend, w.bdone = false, false
	w.fpos = e
	w.bpos = s
	w.blimit = max(0, s-maxBackBytes)
	w.limitF = e + maxFwdBytes
	if w.limitF > len(text) {
		w.limitF = len(text)
	}
	w.fwd[0] = w.mkToken(s, e, false)
	w.nf = 1
}

// mkToken records the word text[s:e].
func (w *window) mkToken(s, e int, brk bool) token {
	return token{s: s, e: e, brk: brk}
}

// classify returns the word sets of the word text[s:e] (see
// vocabulary.classify), remembered for the windows that follow; a word
// longer than maxWordBytes belongs to none.
func (w *window) classify(v *vocabulary, s, e int) *setMask {
	if e-s > maxWordBytes {
		return v.classify(nil)
	}
	me := &w.memo[uint32(s)*0x9E3779B1>>25&(memoSize-1)]
	if me.s1 == s+1 && me.e == e {
		return me.m
	}
	var buf [2 * maxWordBytes]byte
	m := v.classify(lowerAppend(buf[:0], w.text, s, e))
	*me = memoEntry{s1: s + 1, e: e, m: m}
	return m
}

// fwdTok returns the i-th word after the anchor (1-based; 0 is the anchor),
// or nil when the window has no more words.
func (w *window) fwdTok(i int) *token {
	for i >= w.nf && !w.fend {
		w.scanForward()
	}
	if i < w.nf {
		return &w.fwd[i]
	}
	return nil
}

// scanForward reads the next word after fpos.
func (w *window) scanForward() {
	if w.nf > maxFwdTokens {
		w.fend = true
		return
	}
	s, e, brk, ok := asciiWord(w.text, w.fpos, w.limitF)
	if !ok {
		w.fend = true
		return
	}
	w.fwd[w.nf] = w.mkToken(s, e, brk)
	w.nf++
	w.fpos = e
}

// backTok returns the i-th word before the anchor (1 is the nearest), or
// nil. The word after it is read too, so t.brk is settled for the result.
func (w *window) backTok(i int) *token {
	for w.nb < i+1 && !w.bdone {
		w.scanBack()
	}
	if i >= 1 && i <= w.nb {
		return &w.back[i-1]
	}
	return nil
}

// sentenceStart reports whether the anchor begins a sentence: no word
// precedes it, or a sentence break lies between it and the word before.
func (w *window) sentenceStart() bool {
	if w.nb == 0 && !w.bdone {
		w.scanBack()
	}
	return w.fwd[0].brk
}

// scanBack reads one more word to the left. The gap it crosses settles
// the brk flag of the word (or anchor) to its right.
func (w *window) scanBack() {
	t := w.text
	i := w.bpos
	brk := false
	for i > w.blimit {
		if t[i-1] == ' ' {
			i-- // the usual gap, inline
			continue
		}
		j, word, b := runeBefore(t, i)
		if word {
			break
		}
		brk = brk || b
		i = j
	}
	right := &w.fwd[0]
	if w.nb > 0 {
		right = &w.back[w.nb-1]
	}
	if i <= w.blimit || w.nb >= maxBackToks {
		w.bdone = true
		right.brk = brk || i == 0 || w.nb == 0
		return
	}
	right.brk = brk
	e := i
	lo := max(0, e-64) // at most 64 bytes of the word are read
	for i > lo {
		for i > lo && class[t[i-1]]&cWord != 0 {
			i-- // an ASCII letter or digit, inline
		}
		if i <= lo {
			break
		}
		j, word, _ := runeBefore(t, i)
		if !word {
			break
		}
		i = j
	}
	w.back[w.nb] = w.mkToken(i, e, false)
	w.nb++
	w.bpos = i
}

// runeBefore steps back over the rune ending at i. It reports where that
// rune starts, whether it belongs to a word, and whether it is a sentence
// break.
func runeBefore(t string, i int) (start int, word, brk bool) {
	c := t[i-1]
	if c < 0x80 {
		switch {
		case class[c]&cWord != 0:
			return i - 1, true, false
		case c == '\'' || c == '-':
			inner := i >= 2 && class[t[i-2]]&cWord != 0 && i < len(t) && class[t[i]]&cLetter != 0
			return i - 1, inner, false
		case c == '\n' || c == '!' || c == '?' || c == ';' || c == ':':
			return i - 1, false, true
		case c == '.':
			return i - 1, false, i >= len(t) || class[t[i]]&cWord == 0
		}
		return i - 1, false, false
	}
	j := i - 1
	for j > 0 && i-j < 4 && t[j]&0xC0 == 0x80 {
		j--
	}
	k, l := classifyHigh(t, j)
	if j+l != i {
		return i - 1, false, false
	}
	switch {
	case isWordHigh(k):
		return j, true, false
	case k == hkApos:
		inner := j >= 1 && class[t[j-1]]&cLetter != 0 && i < len(t) && class[t[i]]&cLetter != 0
		return j, inner, false
	case k == hkBreak:
		return j, false, true
	}
	return j, false, false
}

// nextWord finds the next word in text[pos:limit]. A word is a run of
// ASCII letters, digits and '_', non-ASCII letters, and apostrophes or
// hyphens between letters. brk reports a sentence break (. ! ? ; : or a
// newline) between pos and the word.
func nextWord(text string, pos, limit int) (s, e int, brk, ok bool) {
	i := pos
	for i < limit {
		c := text[i]
		if c < 0x80 {
			if class[c]&cWord != 0 {
				break
			}
			switch c {
			case '\n', '!', '?', ';', ':':
				brk = true
			case '.':
				if i+1 >= len(text) || class[text[i+1]]&cWord == 0 {
					brk = true
				}
			}
			i++
			continue
		}
		k, l := classifyHigh(text, i)
		if isWordHigh(k) {
			break
		}
		if k == hkBreak {
			brk = true
		}
		i += l
	}
	if i >= limit {
		return 0, 0, brk, false
	}
	s = i
	for i < limit {
		c := text[i]
		if c < 0x80 {
			if class[c]&cWord != 0 {
				i++
				continue
			}
			if (c == '\'' || c == '-') && i+1 < limit && i > s && class[text[i+1]]&cLetter != 0 {
				i++
				continue
			}
			break
		}
		k, l := classifyHigh(text, i)
		if isWordHigh(k) {
			i += l
			continue
		}
		if k == hkApos && i+l < limit && text[i+l] < 0x80 && class[text[i+l]]&cLetter != 0 {
			i += l
			continue
		}
		break
	}
	// A word may end a few bytes past limit: runes are never split.
	return s, i, brk, true
}
