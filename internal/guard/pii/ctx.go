package pii

import "math/bits"

// The numeric judges of one candidate (card, SSN, SIN, BSN, phone...) each
// look for context words in the same cueWindow bytes before it. The scanner
// splits that window into words and hashes them once (ctxWindow), and each
// cue set then costs a bit test per word: the same answers as cueSet.look
// over the window, without reading its bytes again for every type.

// maxCtxWords bounds the words of a window of cueWindow bytes: a word and
// the byte that separates it from the next take two bytes at least.
const maxCtxWords = cueWindow/2 + 1

// ctxWord is one word of the window before a candidate.
type ctxWord struct {
	start int32
	l     uint8  // length in bytes, at most maxCueWord unless ctxLong
	flags uint8  // ctxLong, ctxHash
	h     uint16 // triggerHash of the word
}

// ctxWord flags.
const (
	ctxLong = 1 << iota // longer than maxCueWord: never a cue
	ctxHash             // a '#' is among the bytes between it and the word after it
)

// ctxWindow holds the words of text[lo:start] for the beforeWithin window
// of a candidate at start, the last word first, as cueSet.look reads them.
type ctxWindow struct {
	key   int  // start+1, or 0 when the window is empty
	n     int  // words
	lead  bool // a '#' is among the bytes before the first word
	words [maxCtxWords]ctxWord
}

// before returns what cs.beforeWithin(s.text, start, near, cueWindow)
// returns: the strongest positive cue of cs in the cueWindow bytes before
// start, and whether a negative one is among the last near words there.
func (s *scanner) before(cs *cueSet, start, near int) (pos int8, neg bool) {
	cw := &s.cw
	if cw.key != start+1 {
		s.readWindow(start)
	}
	hash := false
	n := cw.n
	for idx := 0; idx < n; idx++ {
		if pos == cueStrong && idx >= near && !hash {
			// No later word can raise pos (no weight is above cueStrong)
			// or set neg (only the near words can).
			return pos, neg
		}
		w := &cw.words[idx]
		if w.flags != 0 {
			if w.flags&ctxHash != 0 && idx < near && cs.hashNeg {
				hash = true
			}
			if w.flags&ctxLong != 0 {
				continue
			}
		}
		var v int8
		if b := w.h & 4095; cs.first[b>>6]&(1<<(b&63)) != 0 {
			v = cs.weigh(s.text, cw, idx)
		}
		if hash {
			neg = neg || v <= 0
			hash = false
		}
		switch {
		case v < 0 && idx < near:
			neg = true
		case v > pos:
			pos = v
		}
	}
	if cw.lead && n < near && cs.hashNeg {
		hash = true
	}
	return pos, neg || hash
}

// weigh returns the weight look gives the word idx of cw: its own, or that
// of the two-word phrase it starts when that is stronger or negative.
func (cs *cueSet) weigh(text string, cw *ctxWindow, idx int) int8 {
	w := &cw.words[idx]
	word := text[w.start : int(w.start)+int(w.l)]
	var v int8
	if b := w.h & 4095; cs.bits[b>>6]&(1<<(b&63)) != 0 {
		v, _ = cs.t.getHashed(word, uint32(w.h))
	}
	if cs.anyPair && idx > 0 && cw.words[idx-1].flags&ctxLong == 0 {
		nw := &cw.words[idx-1]
		next := text[nw.start : int(nw.start)+int(nw.l)]
		if cs.maybePair(word, next) {
			if v2, ok := cs.getPair(word, next); ok && (v2 > v || v2 < 0) {
				v = v2
			}
		}
	}
	return v
}

// readWindow fills s.cw with the words before start, reading them from the
// end as cueSet.beforeWithin and cueSet.look do for a window of cueWindow
// bytes. Bit b of the masks stands for the byte text[start-64+b].
func (s *scanner) readWindow(start int) {
	text := s.text
	cw := &s.cw
	l := min(start, cueWindow)
	var word, hash uint64 // isAlnum bytes, '#' bytes
	if start >= cueWindow {
		var anyHash uint64
		for c := 0; c < cueWindow/8; c++ {
			x := load8(text, start-8*(c+1))
			word |= packMarks(alnumBits(x)) << uint(56-8*c)
			anyHash |= hasZero(x ^ '#'*lsb)
		}
		if anyHash != 0 { // rare: mark the '#' bytes
			for c := 0; c < cueWindow/8; c++ {
				x := load8(text, start-8*(c+1))
				hash |= packMarks(zeroBits(x^'#'*lsb)) << uint(56-8*c)
			}
		}
	} else {
		for b := 64 - l; b < 64; b++ {
			switch c := text[start-64+b]; {
			case isAlnum(c):
				word |= 1 << b
			case c == '#':
				hash |= 1 << b
			}
		}
	}
	if l > 0 && start-l > 0 && isAlnum(text[start-l-1]) {
		// Do not start inside a word: drop the run of word bytes at the
		// start of the window.
		low := uint(64-l) & 63
		r := word >> low
		word = (r & (r + 1)) << low
	}
	n := 0
	base := start - 64
	for rest := word; rest != 0; n++ {
		lz := uint(bits.LeadingZeros64(rest)) // the word ends at bit 64-lz
		l := uint(bits.LeadingZeros64(^word << (lz & 63)))
		keep := ^uint64(0) >> ((lz + l) & 63) // the bits before the word
		rest &= keep
		p := base + int(64-lz-l)
		var f uint8
		if hash > ^uint64(0)>>(lz&63) {
			f = ctxHash
		}
		hash &= keep
		if l > maxCueWord {
			cw.words[n] = ctxWord{start: int32(p), flags: f | ctxLong}
			continue
		}
		var h uint32
		if p <= len(text)-8 && p >= 0 {
			h = hashWord((load8(text, p)|caseBits)&lowBytes[l&31], int(l))
		} else {
			h = triggerHash(text[p : p+int(l)])
		}
		// One store of the whole word.
		cw.words[n] = ctxWord{start: int32(p), l: uint8(l), flags: f, h: uint16(h)}
	}
	cw.lead = hash != 0
	cw.n = n
	cw.key = start + 1
}

// lowBytes[l] keeps the first min(l, 8) bytes of a word of l bytes.
var lowBytes = func() (t [32]uint64) {
	for l := range t {
		t[l] = 1<<(8*min(l, 8)&63) - 1
		if l >= 8 {
			t[l] = ^uint64(0)
		}
	}
	return t
}()

// packMarks gathers the marks of a mask, bit 7 of each byte, into its low
// eight bits: the mark of byte k in bit k.
func packMarks(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}
