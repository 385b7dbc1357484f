package pii

import (
	"math/bits"
	"strings"
	"unsafe"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// The scanner makes one pass over the text. Most bytes cost a table lookup:
// only a digit, an '@', a "<<" or a word that passes a two-letter prefix
// filter leads to more work, and that work is bounded to a small window, so
// the scan is linear in the length of the text and allocates nothing when
// nothing is found.

// Byte classes.
const (
	cDigit = 1 << iota
	cUpper
	cLower
	cHigh // a byte of a multi-byte UTF-8 sequence (or an invalid byte)
	cSpecial
)

const cWord = cUpper | cLower | cHigh

var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = cUpper
		t[c+'a'-'A'] = cLower
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = cHigh
	}
	t['@'] = cSpecial
	t['<'] = cSpecial
	return t
}()

func isDigit(c byte) bool { return c-'0' < 10 }
func isAlpha(c byte) bool { return class[c]&(cUpper|cLower) != 0 }
func isUpper(c byte) bool { return c-'A' < 26 }

// isAlnum reports whether c can be part of a word: an ASCII letter or
// digit, or any byte of a non-ASCII character.
func isAlnum(c byte) bool { return class[c]&(cWord|cDigit) != 0 }

func upper(c byte) byte {
	if c-'a' < 26 {
		return c - 'a' + 'A'
	}
	return c
}

func lower(c byte) byte {
	if c-'A' < 26 {
		return c + 'a' - 'A'
	}
	return c
}

// scanner holds the state of one Detect call.
type scanner struct {
	d    *Detector
	text string
	out  []detect.Finding
	cw   ctxWindow // the words before the last candidate looked at
}

func (s *scanner) run() {
	text := s.text
	n := len(text)
	run := s.d.usePlainRun() && n > 0
	for i := 0; i < n; {
		if run {
			// Runs of plain words (run.go); the byte it stops at is
			// looked at below.
			if i = plainRun(unsafe.StringData(text), n, i, theRunTables); i >= n {
				break
			}
		}
		k := class[text[i]]
		if k == 0 {
			i++
			continue
		}
		if k&cWord != 0 && i <= n-8 && i >= 0 {
			// Most words end within the eight bytes at their start: one
			// load and a handful of operations find the end, the byte
			// after it and triggerHash, without a branch per byte.
			x := load8(text, i)
			var v uint64 // the word's first bytes, as hashWord takes them
			var c byte   // the byte after the word
			var l int
			if m := ^letterBits(x) & msb; m != 0 {
				sh := uint(bits.TrailingZeros64(m)) &^ 7 // 8 × the length
				c = byte(x >> (sh & 63))
				// m&-m is bit 7 of the byte after the word.
				v = (x | caseBits) & (1<<(sh&63) - 1)
				l = int(sh >> 3)
			} else if i <= n-16 {
				// Eight letters and more: the next eight bytes.
				y := load8(text, i+8)
				m := ^letterBits(y) & msb
				if m == 0 {
					i = s.longWord(i, i+16, k)
					continue
				}
				sh := uint(bits.TrailingZeros64(m)) &^ 7
				c = byte(y >> (sh & 63))
				v = x | caseBits
				l = 8 + int(sh>>3)
			} else {
				i = s.longWord(i, i+8, k)
				continue
			}
			if !isDigit(c) {
				j := i + l
				h := hashWord(v, l)
				bit := uint64(1) << (h & 63)
				nb := &nameBits[h>>6&(uint32(len(nameBits))-1)]
				switch {
				case (nb[0]|nb[1]&capitalMask[k])&bit != 0:
					// The filter of given names holds "I" (see words.go).
					i = s.word(i, j, h)
				case c == ' ':
					if l == 2 && isUpper(byte(x)) && isUpper(byte(x>>8)) || j+1 < n && text[j+1] == ':' {
						i = s.word(i, j, h) // "AB 12 34 56 C", "Salarié :"
					} else {
						i = j + 1 // the space after a word needs no look
					}
				case c == ':': // "Name:", "By:"
					i = s.word(i, j, h)
				default:
					// Past a byte of no interest (a comma, a full stop)
					// at once, not past '@' or '<'.
					i = j
					if class[c] == 0 {
						i++
					}
				}
				continue
			}
		}
		switch {
		case k&cDigit != 0:
			i = s.number(i)
		case k&cWord != 0:
			i = s.longWord(i, i+1, k)
		case text[i] == '@':
			i = s.email(i)
		default: // '<'
			i = s.mrz(i)
		}
	}
}

// capitalMask is all ones for the classes of a byte that starts a
// capitalised word, else zero: the filter of given names applies to those
// words only.
var capitalMask = func() (t [256]uint64) {
	for k := range t {
		if k&(cUpper|cHigh) != 0 {
			t[k] = ^uint64(0)
		}
	}
	return t
}()

// longWord handles the word or alphanumeric token starting at i (of class
// k) that the fast path of run does not: eight bytes or longer, near the
// end of the text, or with a digit. The bytes before j are known to be of
// class cWord. It returns where the scan resumes.
func (s *scanner) longWord(i, j int, k uint8) int {
	text := s.text
	n := len(text)
	for j <= n-8 && j >= 0 {
		if m := ^letterBits(load8(text, j)) & msb; m != 0 {
			j += bits.TrailingZeros64(m) >> 3
			break
		}
		j += 8
	}
	for j < n && class[text[j]]&cWord != 0 {
		j++
	}
	if j < n && isDigit(text[j]) {
		// A token of letters and digits.
		for j < n && isAlnum(text[j]) {
			j++
		}
		return s.alnum(i, j)
	}
	l := j - i
	if l > maxTrigger {
		return j
	}
	var h uint32
	if l >= 8 {
		h = hashWord(load8(text, i)|caseBits, l)
	} else {
		h = triggerHash(text[i:j])
	}
	bit := uint64(1) << (h & 63)
	nb := &nameBits[h>>6&(uint32(len(nameBits))-1)]
	switch {
	case (nb[0]|nb[1]&capitalMask[k])&bit != 0:
		return s.word(i, j, h)
	case j >= n:
		return j
	case text[j] == ' ':
		if l == 2 && isUpper(text[i]) && isUpper(text[i+1]) || j+1 < n && text[j+1] == ':' {
			return s.word(i, j, h) // "AB 12 34 56 C", "Salarié :"
		}
		return j + 1
	case text[j] == ':': // "Name:", "By:"
		return s.word(i, j, h)
	}
	return j
}

// cueSet maps lower-case context words (and two-word phrases joined by one
// space) to their weight: positive raises confidence, negative lowers it.
// A small bit filter in front of the map keeps the look-ups cheap.
type cueSet struct {
	m       map[string]int8
	t       *wordTable[int8]
	bits    [64]uint64 // single words, by triggerHash
	pairs   [64]uint64 // two-word phrases, by pairHash
	first   [64]uint64 // bits, and the first words of the phrases
	hashNeg bool       // '#' is a negative cue
	anyPair bool       // some cues are two words
}

func newCues(m map[string]int8) *cueSet {
	cs := &cueSet{m: m, t: newWordTable(m), hashNeg: m["#"] < 0}
	for w := range m {
		h := triggerHash(w) & 4095
		cs.bits[h>>6] |= 1 << (h & 63)
		cs.first[h>>6] |= 1 << (h & 63)
		if sp := strings.IndexByte(w, ' '); sp >= 0 {
			f := triggerHash(w[:sp]) & 4095
			cs.first[f>>6] |= 1 << (f & 63)
			h := pairHash(w) & 4095
			cs.pairs[h>>6] |= 1 << (h & 63)
			cs.anyPair = true
		}
	}
	return cs
}

// maybePair reports whether the two words a and b, joined by a space, may
// be a cue, without joining them.
func (cs *cueSet) maybePair(a, b string) bool {
	h := pairBit(a, b)
	return cs.pairs[h>>6]&(1<<(h&63)) != 0
}

// pairBit returns the bit of the pair filter (pairHash modulo 4096) of the
// two words a and b joined by a space, without joining them.
func pairBit(a, b string) uint32 {
	l := len(a) + 1 + len(b)
	mid := l >> 1
	m := byte(' ')
	switch {
	case mid < len(a):
		m = a[mid]
	case mid > len(a):
		m = b[mid-len(a)-1]
	}
	h := uint32(a[0]) | uint32(m)<<8 | uint32(b[len(b)-1])<<16 | uint32(l)<<24
	return (((h | 0x202020) * 0x9E3779B1) >> 16) & 4095
}

// get returns the weight of the word w, ignoring ASCII case.
func (cs *cueSet) get(w string) (int8, bool) {
	h := triggerHash(w)
	if b := h & 4095; cs.bits[b>>6]&(1<<(b&63)) == 0 {
		return 0, false
	}
	return cs.t.getHashed(w, h)
}

// getPair returns the weight of the two words a and b joined by a space.
func (cs *cueSet) getPair(a, b string) (int8, bool) {
	var buf [2*maxCueWord + 1]byte
	n := copy(buf[:], a)
	buf[n] = ' '
	n += 1 + copy(buf[n+1:], b)
	return cs.t.getBytes(buf[:n])
}

// maxCueWord is the longest word looked up as a cue.
const maxCueWord = 24

// Cue weights.
const (
	cueNeg    int8 = -1
	cueWeak   int8 = 1
	cueStrong int8 = 2
)

// cueWindow is how far before a candidate context words are looked for.
const cueWindow = 48

// beforeWithin returns the strongest positive cue in the window bytes
// before start, and whether a negative cue is among the last near words
// there. scanner.before answers the same for a window of cueWindow bytes.
func (cs *cueSet) beforeWithin(text string, start, near, window int) (pos int8, neg bool) {
	lo := max(start-window, 0)
	for lo > 0 && lo < start && isAlnum(text[lo]) && isAlnum(text[lo-1]) {
		lo++ // do not start inside a word
	}
	return cs.look(text[lo:start], near)
}

// look scans the words of w from the end, returning the strongest positive
// cue and whether a negative cue occurs among the last near words.
func (cs *cueSet) look(w string, near int) (pos int8, neg bool) {
	next, idx := "", 0
	// A '#' right before a number is a negative cue ("Order #123") unless
	// the word before it is a positive one ("card # 4111...").
	hash := false
	i := len(w)
	for i > 0 {
		for i > 0 && !isAlnum(w[i-1]) {
			if w[i-1] == '#' && idx < near && cs.hashNeg {
				hash = true
			}
			i--
		}
		j := i
		for i > 0 && isAlnum(w[i-1]) {
			i--
		}
		if i == j {
			break
		}
		word := w[i:j]
		if len(word) > maxCueWord {
			next = ""
			idx++
			continue
		}
		v, _ := cs.get(word)
		if cs.anyPair && next != "" && cs.maybePair(word, next) {
			if v2, ok := cs.getPair(word, next); ok && (v2 > v || v2 < 0) {
				v = v2
			}
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
		next = word
		idx++
	}
	return pos, neg || hash
}

// after returns the cue weight of the first word after end when it follows
// within a couple of separator bytes ("555-0143 office", "-Fax").
func (cs *cueSet) after(text string, end int) int8 {
	i := end
	for k := 0; k < 2 && i < len(text) && (text[i] == ' ' || text[i] == '-' || text[i] == '(' || text[i] == ','); k++ {
		i++
	}
	if i == end || i >= len(text) {
		return 0
	}
	j := i
	for j < len(text) && j-i < 12 && isAlpha(text[j]) {
		j++
	}
	if j == i || j-i >= 12 || (j < len(text) && isAlnum(text[j])) {
		return 0
	}
	v, _ := cs.get(text[i:j])
	return v
}

// boost turns a cue into a confidence change.
func boost(pos int8) float64 {
	switch pos {
	case cueStrong:
		return 0.35
	case cueWeak:
		return 0.2
	}
	return 0
}

// hasPrefixFold reports whether text[i:] starts with the lower-case ASCII
// string p, ignoring ASCII case.
func hasPrefixFold(text string, i int, p string) bool {
	if len(text)-i < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		if lower(text[i+k]) != p[k] {
			return false
		}
	}
	return true
}
