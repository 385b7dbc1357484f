package inject

import (
	"slices"
	"strings"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// Hidden text: characters a reader does not see but a model reads.
//
//   - Unicode tag characters (U+E0000..U+E007F) mirror ASCII and render as
//     nothing: a whole instruction can ride along invisibly. They are
//     reported, decoded and the decoded text is scanned. The one legitimate
//     use, emoji subdivision flags (U+1F3F4 followed by tags and a cancel
//     tag), is left alone.
//   - Zero-width characters inside a word split a keyword so that a filter
//     misses it ("ig\u200bnore"). Reported when they sit between two letters
//     of the Latin, Greek or Cyrillic scripts, or in runs of three or more
//     (a common way to encode bits); ZWJ between emoji and ZWNJ in Persian
//     or Indic words are left alone. Other invisible characters (direction
//     marks, the grapheme joiner, invisible operators, fillers) are treated
//     alike, except that a single soft hyphen or variation selector, which
//     have everyday uses (hyphenation hints, emoji), is looked through
//     without being reported. A run of variation selectors can encode
//     bytes; runs of four or more are decoded like tag characters.
//   - Bidirectional controls reorder what is displayed. Overrides (LRO,
//     RLO) are the trick behind reversed-text attacks and score higher;
//     embeddings and isolates score lower, lower still in right-to-left text.
//   - Homoglyph words mix Latin letters with Cyrillic, Greek or Armenian
//     look-alikes ("іgnore" with a Cyrillic і), or are written in Latin
//     small capitals ("ɪɢɴᴏʀᴇ").
//
// After any of these, the text is normalised (invisible characters removed,
// tags decoded, look-alikes, fullwidth and mathematical letters mapped to
// ASCII) and scanned again; findings are mapped back to the original bytes.

// zeroWidth handles a run of zero-width characters starting at i and
// returns the offset after it.
func (st *scanState) zeroWidth(i int) int {
	t := st.text
	j, count := i, 0
	quiet := true // only soft hyphens and variation selectors, which have everyday uses
	for j < len(t) {
		k, l := classifyHigh(t, j)
		if k != hkZeroWidth && k != hkInvisible {
			break
		}
		if k == hkZeroWidth || !(t[j] == 0xC2 || t[j] == 0xEF || t[j] == 0xF3) {
			quiet = false
		}
		j += l
		count++
	}
	if i == 0 && count == 1 && strings.HasPrefix(t, "\uFEFF") {
		return j // byte order mark
	}
	inside := st.lastWord == i && latinBefore(t, i) && latinAt(t, j)
	if inside && quiet && count < 3 {
		// A soft hyphen inside a word is a hyphenation hint: look at the
		// word without it, but report nothing by itself.
		st.flags |= fNormalize
		return j
	}
	if inside || count >= 3 {
		conf := 0.6
		if count >= 3 {
			conf = 0.8
		}
		st.emit(TypeHiddenText, i, j, conf)
		st.flags |= fNormalize
	}
	return j
}

// latinBefore reports whether the rune ending at i is a letter of the
// Latin, Greek or Cyrillic scripts.
func latinBefore(t string, i int) bool {
	if i == 0 {
		return false
	}
	c := t[i-1]
	if c < 0x80 {
		return class[c]&cLetter != 0
	}
	return i >= 2 && isLatinLead(t[i-2]) && c&0xC0 == 0x80
}

// latinAt reports whether the rune at i is such a letter.
func latinAt(t string, i int) bool {
	if i >= len(t) {
		return false
	}
	c := t[i]
	if c < 0x80 {
		return class[c]&cLetter != 0
	}
	return isLatinLead(c)
}

// isLatinLead reports whether c leads a two-byte Latin, Greek or Cyrillic letter.
func isLatinLead(c byte) bool { return (c >= 0xC3 && c <= 0xC9) || (c >= 0xCE && c <= 0xD4) }

// bidi handles a run of bidirectional controls starting at i.
func (st *scanState) bidi(i int) int {
	t := st.text
	j := i
	override, rtl := false, false
	for j < len(t) {
		k, l := classifyHigh(t, j)
		if k != hkBidi {
			break
		}
		if t[j+1] == 0x80 && (t[j+2] == 0xAD || t[j+2] == 0xAE) {
			override = true
			rtl = rtl || t[j+2] == 0xAE // U+202E RIGHT-TO-LEFT OVERRIDE
		}
		j += l
	}
	conf := 0.5
	if override {
		conf = 0.8
	}
	if st.hasRTL() {
		conf -= 0.15
	}
	st.emit(TypeHiddenText, i, j, conf)
	st.flags |= fNormalize
	if rtl && st.depth < maxDepth {
		st.reversed(j)
	}
	return j
}

// maxReversed bounds the text read right to left after one override.
const maxReversed = 4096

// reversed scans the text an override control puts right to left, from
// t[i] to the closing control (U+202C) or the end of the line, with its
// characters in the order a reader sees them: "\u202eselur ruoy erongi"
// shows, and to a model that reverses it reads, as "ignore your rules".
// What it finds is reported over that span.
func (st *scanState) reversed(i int) {
	if i < st.rtlUntil {
		return // inside a span already read
	}
	t := st.text
	end, limit := i, min(len(t), i+maxReversed)
	for end < limit && t[end] != '\n' && !strings.HasPrefix(t[end:], "\u202c") {
		end++
	}
	st.rtlUntil = end
	if end-i < 8 {
		return
	}
	rs := []rune(t[i:end])
	rs = slices.DeleteFunc(rs, func(r rune) bool { // the controls are no text
		return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
	})
	slices.Reverse(rs)
	for _, f := range st.nested(string(rs), st.content) {
		if f.Type != TypeHiddenText {
			st.emit(f.Type, i, end, f.Confidence)
		}
	}
}

// hasRTL reports whether the text contains Hebrew or Arabic letters.
func (st *scanState) hasRTL() bool {
	if st.flags&fRTL == 0 {
		st.flags |= fRTL
		t := st.text
		for i := 0; i+1 < len(t); i++ {
			if c := t[i]; c >= 0xD6 && c <= 0xDD && t[i+1]&0xC0 == 0x80 {
				st.flags |= fHasRTL
				break
			}
		}
	}
	return st.flags&fHasRTL != 0
}

// tags handles a run of tag characters starting at i.
func (st *scanState) tags(i int) int {
	t := st.text
	j, count := i, 0
	flagLike := true
	for j+4 <= len(t) {
		k, l := classifyHigh(t, j)
		if k != hkTag {
			break
		}
		cp := decode4(t, j) - 0xE0000
		if !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || cp == 0x7F) {
			flagLike = false
		}
		j += l
		count++
	}
	// Emoji subdivision flag: U+1F3F4, 2..7 tag letters, U+E007F.
	if flagLike && count <= 8 && hasSuffixAt(t, i, "\U0001F3F4") && t[j-4:j] == "\U000E007F" {
		return j
	}
	st.emit(TypeHiddenText, i, j, 0.9)
	st.flags |= fNormalize
	return j
}

// rescanNormalized scans the normalised text and maps its findings back.
func (st *scanState) rescanNormalized() {
	norm, starts, ends, homo := normalize(st.text)
	for _, h := range homo {
		st.emit(TypeHiddenText, h[0], h[1], 0.6)
	}
	if norm == st.text {
		return
	}
	sub := st.nested(norm, st.content)
	revealed := false
	base := len(st.out)
	for _, f := range sub {
		if f.Type == TypeHiddenText || f.Start >= len(starts) || f.End > len(ends) || f.Start >= f.End {
			continue
		}
		s, e := int(starts[f.Start]), int(ends[f.End-1])
		// Revealed: found only once normalised, or spanning the hidden
		// characters themselves.
		if !overlapsType(st.out[:base], f.Type, s, e) || overlapsType(st.out[:base], TypeHiddenText, s, e) {
			revealed = true
		}
		st.emit(f.Type, s, e, f.Confidence)
	}
	if revealed {
		for k := range st.out[:base] {
			if st.out[k].Type == TypeHiddenText && st.out[k].Confidence < 0.95 {
				st.out[k].Confidence = 0.95
			}
		}
	}
}

func overlapsType(fs []detect.Finding, typ string, s, e int) bool {
	for _, f := range fs {
		if f.Type == typ && f.Start < e && s < f.End {
			return true
		}
	}
	return false
}

// normalize removes invisible characters, decodes tag characters and maps
// fullwidth, mathematical and (inside mixed-script words) Cyrillic and
// Greek look-alike letters to ASCII. starts[k] and ends[k] give the span of
// the original character that produced byte k of the result. homo lists
// the mixed-script words.
func normalize(t string) (norm string, starts, ends []int32, homo [][2]int) {
	out := make([]byte, 0, len(t))
	starts = make([]int32, 0, len(t))
	ends = make([]int32, 0, len(t))
	put := func(b byte, s, e int) {
		out = append(out, b)
		starts = append(starts, int32(s))
		ends = append(ends, int32(e))
	}
	mapWord := false // inside a mixed-script word
	wordEnd := -1
	inTags := false
	for i := 0; i < len(t); {
		if i >= wordEnd {
			mapWord = false
			if we, mixed := mixedWord(t, i); mixed {
				mapWord = true
				wordEnd = we
				homo = append(homo, [2]int{i, we})
			} else {
				wordEnd = we
			}
		}
		c := t[i]
		if c < 0x80 {
			if inTags {
				put(' ', i, i)
				inTags = false
			}
			put(c, i, i+1)
			i++
			continue
		}
		k, l := classifyHigh(t, i)
		if k != hkTag && inTags {
			put(' ', i, i)
			inTags = false
		}
		switch k {
		case hkZeroWidth, hkBidi:
		case hkInvisible:
			// A run of variation selectors can carry bytes (U+FE00..FE0F
			// are 0..15, U+E0100..E01EF are 16..255): decode runs of four
			// or more.
			if n := vsRun(t, i); n >= 4 {
				put(' ', i, i)
				for q := 0; q < n; q++ {
					v, vl := vsValue(t, i)
					if v >= 0x20 {
						put(byte(v), i, i+vl)
					}
					i += vl
				}
				put(' ', i, i)
				continue
			}
		case hkSmallCap:
			if b := smallCap(t, i); b != 0 {
				put(b, i, i+l)
			} else {
				for q := i; q < i+l; q++ {
					put(t[q], i, i+l)
				}
			}
		case hkTag:
			cp := decode4(t, i) - 0xE0000
			if !inTags {
				put(' ', i, i+l)
				inTags = true
			}
			if cp >= 0x20 && cp < 0x7F {
				put(byte(cp), i, i+l)
			}
		case hkFullwidth:
			cp := rune(t[i]&0x0F)<<12 | rune(t[i+1]&0x3F)<<6 | rune(t[i+2]&0x3F)
			put(byte(cp-0xFEE0), i, i+l)
		case hkMath:
			off := int(decode4(t, i) - 0x1D400)
			if idx := off % 52; idx < 26 {
				put(byte('A'+idx), i, i+l)
			} else {
				put(byte('a'+idx-26), i, i+l)
			}
		default:
			if mapWord && l == 2 {
				if b := confusable(t, i); b != 0 {
					put(b, i, i+l)
					break
				}
			}
			for q := i; q < i+l; q++ {
				put(t[q], i, i+l)
			}
		}
		i += l
	}
	return string(out), starts, ends, homo
}

// mixedWord finds the extent of the word starting at i (letters, with
// invisible characters counted as part of it) and reports whether it mixes
// ASCII letters with Cyrillic or Greek look-alikes. When i does not start
// a word it returns i+1.
func mixedWord(t string, i int) (end int, mixed bool) {
	var ascii, look bool
	j := i
	for j < len(t) {
		c := t[j]
		if c < 0x80 {
			if class[c]&cLetter == 0 {
				break
			}
			ascii = true
			j++
			continue
		}
		k, l := classifyHigh(t, j)
		switch k {
		case hkLetter:
			if l == 2 && confusable(t, j) != 0 {
				look = true
				if t[j] == 0xC9 || t[j] == 0xCA {
					ascii = true // IPA and small capitals are Latin themselves
				}
			}
		case hkZeroWidth, hkBidi, hkInvisible, hkFullwidth, hkMath, hkSmallCap:
			if k == hkFullwidth || k == hkMath || k == hkSmallCap {
				ascii = true
			}
		default:
			if j == i {
				return i + l, false
			}
			return j, ascii && look
		}
		j += l
	}
	if j == i {
		return i + 1, false
	}
	return j, ascii && look
}

// confusable returns the ASCII letter the two-byte letter at t[i] looks
// like, or 0.
func confusable(t string, i int) byte {
	r := rune(t[i]&0x1F)<<6 | rune(t[i+1]&0x3F)
	if r < 0x100 || r >= 0x100+rune(len(confusables)) {
		return 0
	}
	return confusables[r-0x100]
}

// confusables maps U+0100..U+058F to the ASCII letter each resembles.
var confusables [0x490]byte

func init() {
	pairs := map[rune]byte{
		// Latin look-alikes outside ASCII.
		'ı': 'i', 'ɡ': 'g', 'ɑ': 'a', 'ɩ': 'i', 'ʏ': 'y', 'ǀ': 'l',
		// Cyrillic.
		'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x',
		'ѕ': 's', 'і': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h',
		'ӏ': 'l', 'к': 'k', 'ү': 'y', 'ɢ': 'g',
		'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
		'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'Ѕ': 'S', 'І': 'I',
		'Ј': 'J', 'Ү': 'Y', 'Һ': 'H', 'Ӏ': 'I', 'Ԛ': 'Q', 'Ԝ': 'W',
		// Greek.
		'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'τ': 't', 'υ': 'u', 'ι': 'i',
		'κ': 'k', 'χ': 'x', 'ε': 'e', 'γ': 'y', 'ϲ': 'c', 'ϳ': 'j',
		'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K',
		'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
		// IPA small capitals.
		'ɪ': 'i', 'ʀ': 'r', 'ɴ': 'n', 'ʜ': 'h', 'ʟ': 'l', 'ʙ': 'b', 'ɛ': 'e', 'ɔ': 'o',
		// Armenian.
		'օ': 'o', 'ս': 'u', 'ց': 'g', 'հ': 'h', 'ո': 'n', 'զ': 'q', 'ա': 'w',
		'Տ': 'S', 'Օ': 'O', 'Ս': 'U', 'Լ': 'L',
	}
	for r, b := range pairs {
		if r >= 0x100 && r < 0x100+rune(len(confusables)) {
			confusables[r-0x100] = b
		}
	}
}

// smallCap returns the ASCII letter a Latin small capital (U+1D00..U+1D2B,
// at t[i], three bytes) stands for, or 0.
func smallCap(t string, i int) byte {
	return smallCaps[t[i+2]-0x80]
}

var smallCaps = [0x2C]byte{
	0x00: 'a', 0x03: 'b', 0x04: 'c', 0x05: 'd', 0x07: 'e', 0x0A: 'j', 0x0B: 'k',
	0x0C: 'l', 0x0D: 'm', 0x0E: 'n', 0x0F: 'o', 0x18: 'p', 0x19: 'r', 0x1B: 't',
	0x1C: 'u', 0x20: 'v', 0x21: 'w', 0x22: 'z',
}

// vsValue returns the byte a variation selector at t[i] encodes and its
// length, or -1.
func vsValue(t string, i int) (int, int) {
	if i+2 < len(t) && t[i] == 0xEF && t[i+1] == 0xB8 && t[i+2] <= 0x8F {
		return int(t[i+2] - 0x80), 3
	}
	if i+3 < len(t) && t[i] == 0xF3 && t[i+1] == 0xA0 && t[i+2] >= 0x84 && t[i+2] <= 0x87 {
		return 16 + int(t[i+2]-0x84)<<6 + int(t[i+3]&0x3F), 4
	}
	return -1, 1
}

// vsRun counts the variation selectors that start at t[i] (at most 4096).
func vsRun(t string, i int) int {
	n := 0
	for i < len(t) && n < 4096 {
		v, l := vsValue(t, i)
		if v < 0 {
			break
		}
		i += l
		n++
	}
	return n
}
