package inject

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// minConfidence is the lowest confidence a finding is reported with.
const minConfidence = 0.3

// maxDepth bounds nested scans: text revealed by normalising hidden
// characters or decoding a payload is scanned once more, not recursively.
const maxDepth = 2

// Flags set during the main pass.
const (
	fNormalize = 1 << iota // hidden characters, homoglyphs or fullwidth letters seen
	fCJK                   // Han, kana or Hangul seen
	fRTL                   // checked for right-to-left letters
	fHasRTL                // the text has right-to-left letters
	fIndic                 // Devanagari (or another script of U+0800..U+0FFF) seen
	fSpaced                // a word spelt out letter by letter ("i-g-n-o-r-e") seen
)

// scanState is the state of one scan. It lives on the caller's stack.
type scanState struct {
	e           *engine
	filter      *anchorFilter // the ASCII pre-filter of the mode
	content     bool
	text        string
	out         []detect.Finding
	base        int // out[:base] belongs to the caller
	depth       int
	flags       uint8
	b64Until    int // base64 candidates before this offset were examined
	rot13Until  int // ROT13 windows before this offset were examined
	markupUntil int // hidden markup before this offset was examined
	rtlUntil    int // text before this offset was read right to left
	lastWord    int // end of the last word seen
	singleEnd   int // end of the last one-letter word
	singles     int // one-letter words in a row, one byte apart
	ind         indirectState
	lw          [64]byte
	w           window
	unit        unitState       // the current sentence, for the scoring layer
	rec         *[]TrainingUnit // when set, scored sentences are recorded here instead
	sentLog     *[]sentEnd      // when set, Content mode's sentence ends are recorded here
}

// sentEnd is a sentence end as the indirect-instruction check sees it:
// the sentence's first word, the end, and the words counted between.
type sentEnd struct{ start, end, words int }

// scan runs the main pass over st.text and the follow-up passes its
// flags ask for. Findings are appended to st.out unsorted.
func (st *scanState) scan() {
	text := st.text
	n := len(text)
	st.lastWord = -1
	st.singleEnd = -2
	st.filter = &st.e.asciiP
	mode := wfPrompt
	if st.content {
		st.filter = &st.e.asciiC
		mode = wfContent
	}
	if st.content {
		st.ind.begin()
	}
	st.unit = unitState{start: -1}
	wf := &theWordFilter.ent[mode]
	force := uint64(0) // 1: every word passes the first pre-filters
	if st.e.exhaustive {
		force = 1
	}
	swar := !st.e.noSWAR
	run := st.usePlainRun() && n > 0 && n < runMaxText
	tabs := theRunTables[mode]
	i := 0
	for i < n {
		if run {
			// Runs of plain words (run.go). A word a filter lets
			// through comes back noted, to be looked up; any other
			// byte it stops at is handled below.
			next, ws, cand := plainRun(unsafe.StringData(text), n, i, st, tabs)
			i = next
			if cand != 0 {
				if cand&1 != 0 {
					st.unitCore(ws, st.lastWord, false)
				}
				if cand&2 != 0 {
					st.fastWord(ws, st.lastWord)
				}
				continue
			}
			if i >= n {
				break
			}
		}
		c := text[i]
		if c < 0x80 {
			if class[c]&cWord == 0 {
				if !notable[c] { // a space, a comma ...: the common case
					i++
					continue
				}
				if class[c]&cUnit != 0 && st.unit.start >= 0 && (c != '.' || i+1 >= n || class[text[i+1]]&cWord == 0 || gluedSentence(text, i)) {
					st.unitEnd()
				}
				if st.content && class[c]&cSent != 0 {
					st.onByte(i, c)
				} else if c == '<' {
					st.markup(i)
				}
				i++
				continue
			}
			if i <= n-8 && i >= 0 && swar {
				// Most words are letters and end within the eight bytes
				// at their start: one load and a handful of operations
				// give the end, the byte after it, the anchorKey and the
				// last byte, without a branch per byte. This is the
				// byte loop below for such words (letters only: leet is
				// zero; seven bytes at most: no encoded look), and the
				// byte after the word is passed at once when the loop
				// would pass it without a look (wordEnd).
				x := load8(text, i)
				if m := letterEnds(x); m != 0 {
					sh := uint(bits.TrailingZeros64(m)) &^ 7 // 8 × the length
					if e := wordEnd[byte(x>>(sh&63))]; e != 0 {
						j := i + int(sh>>3)
						if st.content {
							st.ind.word(st, i, j)
						}
						if st.unit.start < 0 {
							st.unit.start = i
						} else if j-st.unit.start > maxUnitBytes {
							st.unitWord(i, j)
						}
						st.lastWord = j
						if sh < 16 {
							st.single(i)
						} else {
							xm := x & (1<<(sh&63) - 1)
							k := anchorKey(byte(xm), byte(xm>>8), byte(xm>>16))
							t := &wf[wfIndex(k)]
							kb, lb := k&63, wfLenBit(k, j-i, byte(x>>((sh-8)&63)))
							trig := (t[wfTrigger]>>kb|t[wfTrigLen]>>lb)&1 | force
							anch := (t[wfAnchor]>>kb|t[wfAnchorLen]>>lb)&1 | force
							if trig|anch != 0 {
								if trig != 0 {
									st.unitCore(i, j, false)
								}
								if anch != 0 {
									st.fastWord(i, j)
								}
							}
						}
						i = j + int(e) - 1
						continue
					}
				}
			}
			j := i + 1
			wc := class[c]
			for j < n && class[text[j]]&cWord != 0 {
				wc |= class[text[j]]
				j++
			}
			if j < n && text[j] >= 0x80 {
				if k, _ := classifyHigh(text, j); isWordHigh(k) || k == hkApos {
					_, e, _, _ := nextWord(text, i, n)
					if e > j {
						st.slowWord(i, e)
						i = e
						continue
					}
				}
			}
			// The common case, inlined: most words are no anchor.
			if st.content {
				st.ind.word(st, i, j)
			}
			if st.unit.start < 0 {
				st.unit.start = i
			} else if j-st.unit.start > maxUnitBytes {
				st.unitWord(i, j)
			}
			st.lastWord = j
			if j-i < 2 {
				if class[c]&cLetter != 0 {
					st.single(i)
				}
			} else {
				// The first pre-filters (wordFilter), inlined: may the
				// word be an anchor, may it be a trigger?
				// anchorKey keeps five bits of each byte, which upper and
				// lower case share: no need to lower the word first.
				var k uint32
				if j-i >= 3 {
					if j-i >= 2*minSpaced-1 {
						if j-i >= 12 && i >= st.b64Until {
							st.encoded(i, j)
						}
						if text[i+1] == '_' && underscored(text, i, j) {
							st.flags |= fSpaced
						}
					}
					k = anchorKey(c, text[i+1], text[i+2])
				} else {
					k = anchorKey(c, text[i+1], 0)
				}
				t := &wf[wfIndex(k)]
				kb, lb := k&63, wfLenBit(k, j-i, text[j-1])
				// A letter first and a digit later: "ign0re" (cDigit is
				// cLetter<<1). Computed without a branch, and one test
				// for the common case, a word that passes no filter.
				leet := uint64(class[c]&cLetter) << 1 & uint64(wc) & cDigit
				trig := (t[wfTrigger]>>kb|t[wfTrigLen]>>lb)&1 | leet | force
				anch := (t[wfAnchor]>>kb|t[wfAnchorLen]>>lb)&1 | force
				if trig|anch != 0 {
					if trig != 0 && j-i <= len(st.lw) {
						st.unitCore(i, j, leet != 0)
					}
					if anch != 0 {
						st.fastWord(i, j)
					}
				}
			}
			i = j
			continue
		}
		k, l := classifyHigh(text, i)
		switch k {
		case hkLetter, hkMath, hkFullwidth, hkSmallCap:
			_, e, _, _ := nextWord(text, i, n)
			if e <= i {
				e = i + l
			}
			if k != hkLetter {
				st.flags |= fNormalize
			}
			st.slowWord(i, e)
			i = e
			continue
		case hkCJK:
			st.flags |= fCJK
			if c >= 0xEA && c <= 0xED {
				// Hangul: Korean separates its words with spaces, so the
				// scoring layer can read them.
				_, e, _, _ := nextWord(text, i, n)
				if e > i {
					st.hangulWord(i, e)
					i = e
					continue
				}
			}
		case hkIndic:
			st.flags |= fIndic
			_, e, _, _ := nextWord(text, i, n)
			if e <= i {
				e = i + l
			}
			st.slowWord(i, e)
			i = e
			continue
		case hkZeroWidth, hkInvisible:
			i = st.zeroWidth(i)
			continue
		case hkBidi:
			i = st.bidi(i)
			continue
		case hkTag:
			i = st.tags(i)
			continue
		case hkOther:
			if l == 3 && text[i] == 0xE2 && text[i+1] == 0x80 && text[i+2] == 0xA2 {
				st.unitBreak() // a bullet
			}
		case hkBreak:
			st.unitBreak()
			if st.content {
				st.onByte(i, '.')
			}
		}
		i += l
	}
	st.unitBreak()
	if st.flags&(fCJK|fIndic) != 0 {
		st.scanCJK()
	}
	if st.content {
		st.ind.end(st)
	}
	if st.flags&fNormalize != 0 && st.depth < maxDepth {
		st.rescanNormalized()
	}
	if st.flags&fSpaced != 0 && st.depth < maxDepth {
		st.rescanSpaced()
	}
}

// single counts the one-letter word at text[i]: minSpaced of them in a
// row, each one byte after the last, may spell a word out.
func (st *scanState) single(i int) {
	if i == st.singleEnd+1 {
		st.singles++
		if st.singles >= minSpaced {
			st.flags |= fSpaced
		}
	} else {
		st.singles = 1
	}
	st.singleEnd = i + 1
}

// fastWord checks the ASCII word text[s:e], at least 2 bytes long, whose
// first bytes, length and last byte passed the anchor pre-filter
// (wordFilter).
func (st *scanState) fastWord(s, e int) {
	t := st.text
	l := e - s
	if l > len(st.lw) {
		return
	}
	if l <= 8 && s+8 <= len(t) {
		// The usual word: lower-cased and hashed eight bytes at a time.
		x := lower8(load8(t, s))
		binary.LittleEndian.PutUint64(st.lw[:8], x)
		if l < 8 {
			x &= 1<<(8*l) - 1
		}
		if !st.filter.mayBePacked(st.lw[:l], x) && !st.e.exhaustive {
			return
		}
	} else {
		for k := s; k < e; k++ {
			st.lw[k-s] = lowerTab[t[k]]
		}
		if !st.filter.mayBeAnchor(st.lw[:l]) && !st.e.exhaustive {
			return
		}
	}
	st.anchor(s, e, st.lw[:l])
}

// slowWord handles a word with non-ASCII letters, text[s:e].
func (st *scanState) slowWord(s, e int) {
	if st.content {
		st.ind.word(st, s, e)
	}
	st.unitWord(s, e)
	st.lastWord = e
	t := st.text
	var ascii, cyrGreek bool
	for k := s; k < e; k++ {
		c := t[k]
		switch {
		case c < 0x80:
			if class[c]&cLetter != 0 {
				ascii = true
			}
		case c >= 0xC9 && c <= 0xD6 && c != 0xCC && c != 0xCD:
			// IPA, Greek, Cyrillic, Armenian: look-alikes of Latin letters.
			cyrGreek = true
		case c == 0xE1 && k+1 < e && t[k+1] == 0xB4:
			st.flags |= fNormalize // Latin small capitals
		case c >= 0xE3 && c <= 0xED:
			st.flags |= fCJK
		case c == 0xE0:
			st.flags |= fIndic
		}
	}
	if ascii && cyrGreek {
		st.flags |= fNormalize
	}
	if e-s > 48 {
		return
	}
	lw := lowerAppend(st.lw[:0], t, s, e)
	if len(lw) >= 2 && len(lw) <= len(st.lw) {
		if ent, ok := theLexicon.lookup(lw); ok && ent.trig {
			st.unit.trig = true
		}
	}
	if len(lw) < 2 || len(lw) > len(st.lw) {
		return
	}
	if !st.e.exhaustive && (!st.e.all.mayAnchor(lw[0], lw[1], third(lw)) || !st.e.all.mayBeAnchor(lw)) {
		return
	}
	st.anchor(s, e, lw)
}

// anchor checks the patterns anchored on the word text[s:e], whose
// lower-case form is lw.
func (st *scanState) anchor(s, e int, lw []byte) {
	st.anchorPlans(s, e, lw)
}

func (st *scanState) emit(typ string, s, e int, conf float64) {
	if s < 0 || e > len(st.text) || s >= e {
		return
	}
	if conf > 1 {
		conf = 1
	}
	st.out = append(st.out, detect.Finding{Type: typ, Category: detect.Injection, Start: s, End: e, Confidence: conf})
}

// nested scans sub, a string derived from the text (normalised or
// decoded), one level deeper, and returns its findings.
func (st *scanState) nested(sub string, content bool) []detect.Finding {
	var ns scanState
	ns.e = st.e
	ns.content = content
	ns.text = sub
	ns.depth = st.depth + 1
	ns.rec = st.rec
	ns.sentLog = st.sentLog
	ns.scan()
	return ns.out
}

// finish sorts findings by position and merges overlapping findings of the
// same type, keeping the highest confidence.
func finish(fs []detect.Finding) []detect.Finding {
	if len(fs) < 2 {
		return fs
	}
	slices.SortFunc(fs, func(a, b detect.Finding) int {
		if c := cmp.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.End, b.End)
	})
	k := 0
	for i := 1; i < len(fs); i++ {
		cur := &fs[k]
		f := fs[i]
		if f.Type == cur.Type && f.Start <= cur.End {
			if f.End > cur.End {
				cur.End = f.End
			}
			if f.Confidence > cur.Confidence {
				cur.Confidence = f.Confidence
			}
			continue
		}
		k++
		fs[k] = f
	}
	fs = fs[:k+1]
	slices.SortFunc(fs, func(a, b detect.Finding) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.End, b.End); c != 0 {
			return c
		}
		return cmp.Compare(a.Type, b.Type)
	})
	return fs
}
