package output

import (
	"unicode"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// TypeSystemPromptLeak is the finding type (and detector name) of
// LeakGuard: an answer repeating a long verbatim span of the agent's
// instructions.
const TypeSystemPromptLeak = "system_prompt_leak"

// DefaultLeakMinWords is LeakOptions.MinWords when it is zero.
const DefaultLeakMinWords = 12

// maxShingle is the number of words hashed together; runs of matching
// shingles make up a leaked span.
const maxShingle = 8

// Rolling-hash base for shingles (any odd 64-bit constant works).
const rollBase = 0x9e3779b97f4a7c15

// LeakOptions tunes a LeakGuard.
type LeakOptions struct {
	// MinWords is the shortest run of consecutive instruction words, after
	// normalisation, that counts as a leak. Zero means DefaultLeakMinWords.
	// Instructions with fewer words never trigger.
	MinWords int
}

// LeakGuard reports answers that repeat a long verbatim span of an
// agent's instructions. It implements detect.Detector; it is immutable and
// safe for concurrent use.
//
// Text is read as words: maximal runs of letters, digits and combining
// marks, lower-cased; white space, punctuation and symbols only separate
// words, so re-flowed lines, changed capitals or quotes do not hide a
// copy. Every window of k consecutive instruction words (k = 8, or
// MinWords if smaller) is hashed into a set. Detect hashes the answer's
// windows with a rolling hash and reports each run of matching windows
// covering at least MinWords words. A run may have one gap of up to k
// missing windows, which is what one changed, added or dropped word
// costs, so a small edit does not split a leak in two. A paraphrase
// rarely keeps k words in a row and is not reported.
//
// Detect is linear in the answer and does not allocate unless it reports.
// For an answer that streams, NewStream returns a scanner that reads only
// what was added since its last call.
type LeakGuard struct {
	minWords int
	k        int
	baseK    uint64 // rollBase^k
	set      shingleSet
}

var (
	_ detect.Detector = (*LeakGuard)(nil)
	_ detect.Detector = (*LeakStream)(nil)
)

// NewLeakGuard returns a guard for an agent with the given instructions.
func NewLeakGuard(instructions string, opts LeakOptions) *LeakGuard {
	m := opts.MinWords
	if m <= 0 {
		m = DefaultLeakMinWords
	}
	g := &LeakGuard{minWords: m, k: min(maxShingle, m)}
	g.baseK = 1
	for range g.k {
		g.baseK *= rollBase
	}
	var hashes []uint64
	var st leakState
	words := 0
	for i := 0; ; {
		start, end, h := nextWord(instructions, i)
		if start < 0 {
			break
		}
		i = end
		words++
		if g.push(&st, start, h) {
			hashes = append(hashes, st.roll)
		}
	}
	if words >= m {
		g.set = newShingleSet(hashes)
	}
	return g
}

// Name returns "system_prompt_leak".
func (g *LeakGuard) Name() string { return TypeSystemPromptLeak }

// Detect appends a finding for every span of text that repeats at least
// MinWords consecutive words of the instructions.
func (g *LeakGuard) Detect(dst []detect.Finding, text string) []detect.Finding {
	if g.set.empty() {
		return dst
	}
	var st leakState
	g.feed(&st, text, 0, len(text), true, &dst)
	g.finish(&st, &dst)
	return dst
}

// NewStream returns a scanner for one streamed answer. Its Detect is
// called with the text accumulated so far and reads only the part added
// since the previous call, so checking after every piece costs time linear
// in the whole answer, not quadratic.
func (g *LeakGuard) NewStream() *LeakStream { return &LeakStream{g: g} }

// LeakStream is a LeakGuard scanner for one streamed answer. It is not
// safe for concurrent use.
type LeakStream struct {
	g      *LeakGuard
	st     leakState
	done   int              // bytes of the text read for good
	closed []detect.Finding // runs that can no longer grow
	tail   [32]byte         // the bytes just before done, to spot a new text
	tailN  int
}

// Name returns "system_prompt_leak".
func (s *LeakStream) Name() string { return TypeSystemPromptLeak }

// Detect returns the same findings as LeakGuard.Detect on text. text is
// expected to extend the text of the previous call; if it does not (its
// bytes before the point read up to differ, or it is shorter), the scanner
// starts again from the beginning.
func (s *LeakStream) Detect(dst []detect.Finding, text string) []detect.Finding {
	g := s.g
	if g.set.empty() {
		return dst
	}
	if len(text) < s.done || text[s.done-s.tailN:s.done] != string(s.tail[:s.tailN]) {
		*s = LeakStream{g: g}
	}
	// Read up to the last complete word; a word touching the end (or a
	// rune cut in two) may still grow.
	safe := len(text)
	for back := 1; back <= utf8.UTFMax && back <= len(text); back++ {
		if c := text[len(text)-back]; c < 0x80 || c >= 0xC0 {
			if c >= 0xC0 && !utf8.FullRuneInString(text[len(text)-back:]) {
				safe = len(text) - back
			}
			break
		}
	}
	s.done = g.feed(&s.st, text, s.done, safe, false, &s.closed)
	s.tailN = copy(s.tail[:], text[max(0, s.done-len(s.tail)):s.done])
	dst = append(dst, s.closed...)
	st := s.st
	g.feed(&st, text, s.done, len(text), true, &dst)
	g.finish(&st, &dst)
	return dst
}

// leakState is the scan state: the last k words and the current run.
type leakState struct {
	t      int // words read
	ring   [maxShingle]uint64
	starts [maxShingle]int // byte offset of each word in ring
	roll   uint64          // hash of the last k words

	active      bool
	first, last int  // shingle indices (index of the first word) of the run
	gap         bool // the run has used its gap
	start, end  int  // byte span of the run
}

// push adds a word and reports whether st.roll now hashes a full window.
func (g *LeakGuard) push(st *leakState, start int, h uint64) bool {
	st.roll = st.roll*rollBase + h
	if st.t >= g.k {
		st.roll -= st.ring[(st.t-g.k)%maxShingle] * g.baseK
	}
	st.ring[st.t%maxShingle] = h
	st.starts[st.t%maxShingle] = start
	st.t++
	return st.t >= g.k
}

// feed reads the words of text[from:to]. Unless final, a word ending at
// to is left unread. It returns where reading stopped.
func (g *LeakGuard) feed(st *leakState, text string, from, to int, final bool, out *[]detect.Finding) int {
	for i := from; ; {
		start, end, h := nextWord(text[:to], i)
		if start < 0 {
			return to
		}
		if end == to && !final {
			return start
		}
		i = end
		if !g.push(st, start, h) {
			continue
		}
		s := st.t - g.k // shingle index
		if g.set.has(st.roll) {
			switch gap := s - st.last - 1; {
			case !st.active:
				st.active, st.first, st.gap, st.start = true, s, false, st.starts[s%maxShingle]
			case gap == 0:
			case gap <= g.k && !st.gap:
				st.gap = true
			default:
				g.emit(st, out)
				st.active, st.first, st.gap, st.start = true, s, false, st.starts[s%maxShingle]
			}
			st.last, st.end = s, end
		} else if st.active && (st.gap || s-st.last > g.k) {
			g.emit(st, out)
			st.active = false
		}
	}
}

// finish reports the run still open at the end of the text.
func (g *LeakGuard) finish(st *leakState, out *[]detect.Finding) {
	if st.active {
		g.emit(st, out)
		st.active = false
	}
}

func (g *LeakGuard) emit(st *leakState, out *[]detect.Finding) {
	if st.last-st.first+g.k < g.minWords {
		return
	}
	conf := 0.95
	if st.gap {
		conf = 0.85
	}
	*out = append(*out, detect.Finding{
		Type: TypeSystemPromptLeak, Category: detect.Output,
		Start: st.start, End: st.end, Confidence: conf,
	})
}

// wordByte holds, for each ASCII byte, its lower-case form if it belongs
// to a word and 0 if it separates words. Bytes from 0x80 are decoded.
var wordByte = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	return t
}()

// nextWord returns the byte span and hash of the first word at or after
// i, or start -1. A word is a run of letters, digits and marks; invalid
// UTF-8 separates words.
func nextWord(text string, i int) (start, end int, h uint64) {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	start = -1
	h = offset
	for i < len(text) {
		c := text[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			if wordByte[c] == 0 {
				if start >= 0 {
					break
				}
				i++
				continue
			}
			r = rune(wordByte[c])
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
				if start >= 0 {
					break
				}
				i += size
				continue
			}
			r = unicode.ToLower(r)
		}
		if start < 0 {
			start = i
		}
		h = (h ^ uint64(r)) * prime
		i += size
	}
	if start < 0 {
		return -1, -1, 0
	}
	return start, i, mix64(h)
}

// mix64 is the splitmix64 finaliser: it spreads a hash's bits.
func mix64(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// shingleSet is an open-addressing set of 64-bit hashes (0 marks an empty
// slot, so 0 is stored as 1).
type shingleSet struct {
	slots []uint64
	mask  uint64
}

func newShingleSet(hashes []uint64) shingleSet {
	size := 16
	for size < 2*len(hashes) {
		size *= 2
	}
	s := shingleSet{slots: make([]uint64, size), mask: uint64(size - 1)}
	for _, h := range hashes {
		if h == 0 {
			h = 1
		}
		i := mix64(h) & s.mask
		for s.slots[i] != 0 && s.slots[i] != h {
			i = (i + 1) & s.mask
		}
		s.slots[i] = h
	}
	return s
}

func (s shingleSet) empty() bool { return s.slots == nil }

func (s shingleSet) has(h uint64) bool {
	if h == 0 {
		h = 1
	}
	for i := mix64(h) & s.mask; ; i = (i + 1) & s.mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}
