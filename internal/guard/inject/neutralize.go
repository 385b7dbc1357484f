package inject

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// Marker replaces an instruction that Neutralize removed. It is visible on
// purpose: the model (and anyone reading the transcript) sees that the
// content carried an instruction, without receiving the instruction.
const Marker = "[untrusted instruction removed]"

// Sanitize removes the characters used to hide text while keeping the
// visible message: Unicode tag characters (except inside an emoji
// subdivision flag), zero-width space, word joiner and byte order mark,
// bidirectional embedding, override and isolate controls, and zero-width
// joiners and non-joiners next to an ASCII character or the text's edge
// (between two non-ASCII characters they shape emoji and scripts such as
// Persian, and are kept). Text without such characters is returned as is,
// without copying.
func Sanitize(text string) string {
	first := -1
	for i := 0; i < len(text); i++ {
		if c := text[i]; c == 0xE2 || c == 0xEF || c == 0xF3 {
			if hiddenAt(text, i) > 0 {
				first = i
				break
			}
		}
	}
	if first < 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	b.WriteString(text[:first])
	for i := first; i < len(text); {
		if l := hiddenAt(text, i); l > 0 {
			i += l
			continue
		}
		_, l := utf8.DecodeRuneInString(text[i:])
		b.WriteString(text[i : i+l])
		i += l
	}
	return b.String()
}

// hiddenAt returns the length of the hidden character at text[i] that
// Sanitize removes, or 0.
func hiddenAt(text string, i int) int {
	if text[i] < 0x80 {
		return 0
	}
	k, l := classifyHigh(text, i)
	switch k {
	case hkBidi:
		return l
	case hkTag:
		if inEmojiFlag(text, i) {
			return 0
		}
		return l
	case hkZeroWidth:
		if text[i] == 0xE2 && text[i+1] == 0x80 && (text[i+2] == 0x8C || text[i+2] == 0x8D) {
			// ZWNJ, ZWJ: kept between two visible non-ASCII characters.
			if visibleBefore(text, i) >= 0x80 && visibleAfter(text, i+l) >= 0x80 {
				return 0
			}
		}
		return l
	}
	return 0
}

// maxInvisibleRun bounds how far visibleBefore and visibleAfter look past
// invisible characters, so that Sanitize stays linear.
const maxInvisibleRun = 16

// invisible reports whether the rune at i is a zero-width, bidi or tag
// character, and its length.
func invisible(text string, i int) (bool, int) {
	if text[i] < 0x80 {
		return false, 1
	}
	k, l := classifyHigh(text, i)
	return k == hkZeroWidth || k == hkBidi || k == hkTag, l
}

// visibleBefore returns the last byte of the nearest visible rune before
// i, or 0 at the start of text or after too many invisible runes.
func visibleBefore(text string, i int) byte {
	for n := 0; i > 0 && n <= maxInvisibleRun; n++ {
		j := i - 1
		for j > 0 && i-j < 4 && !utf8.RuneStart(text[j]) {
			j--
		}
		if inv, l := invisible(text, j); !inv || j+l != i {
			return text[i-1]
		}
		i = j
	}
	return 0
}

// visibleAfter returns the first byte of the nearest visible rune at or
// after i, or 0 at the end of text or after too many invisible runes.
func visibleAfter(text string, i int) byte {
	for n := 0; i < len(text) && n <= maxInvisibleRun; n++ {
		inv, l := invisible(text, i)
		if !inv {
			return text[i]
		}
		i += l
	}
	return 0
}

// inEmojiFlag reports whether the tag character at i belongs to an emoji
// subdivision flag: U+1F3F4, tag letters or digits, U+E007F.
func inEmojiFlag(text string, i int) bool {
	s := i
	for n := 0; s >= 4 && text[s-4] == 0xF3 && text[s-3] == 0xA0 && (text[s-2] == 0x80 || text[s-2] == 0x81); n++ {
		if n >= 8 {
			return false // longer than any flag
		}
		s -= 4
	}
	if !hasSuffixAt(text, s, "\U0001F3F4") {
		return false
	}
	n := 0
	for j := s; j+4 <= len(text) && n <= 8; j += 4 {
		k, _ := classifyHigh(text, j)
		if k != hkTag {
			return false
		}
		n++
		cp := decode4(text, j) - 0xE0000
		if cp == 0x7F {
			return n >= 3
		}
		if !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z')) {
			return false
		}
	}
	return false
}

// Neutralize makes the instructions found in text inert, for content that
// is passed on to a model (Content mode). Each instruction finding
// (override, jailbreak, extraction, encoded, indirect) is widened to the
// sentence that holds it, and to a fenced code block that directly
// follows it, and that span is replaced by Marker: the rest of the
// document keeps its information, the instruction and its payload are
// gone, and the model is told something was removed. Hidden-text findings
// have their invisible characters removed (see Sanitize); an instruction
// that lies wholly inside hidden text (tag characters) is replaced by Marker
// where it is; visible homoglyph words are left as they are. Findings with spans outside text
// are ignored. Text without findings is returned unchanged.
func Neutralize(text string, findings []detect.Finding) string {
	valid := func(f detect.Finding) bool { return f.Start >= 0 && f.End <= len(text) && f.Start < f.End }
	hidden := mergeSpans(text, findings, func(f detect.Finding) (int, int, bool) {
		if f.Type != TypeHiddenText || !valid(f) {
			return 0, 0, false
		}
		s, e := runeAlign(text, f.Start, f.End)
		return s, e, true
	})
	instr := mergeSpans(text, findings, func(f detect.Finding) (int, int, bool) {
		if f.Type == TypeHiddenText || !valid(f) {
			return 0, 0, false
		}
		// An instruction written in hidden characters (tag text) is
		// replaced where it is: its sentence is the invisible run itself.
		if within(hidden, f.Start, f.End) {
			s, e := runeAlign(text, f.Start, f.End)
			return s, e, true
		}
		s, e := sentenceAround(text, f.Start, f.End)
		return s, e, true
	})
	if len(hidden) == 0 && len(instr) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	pos, h := 0, 0
	// copyTo writes text[pos:end], sanitising the parts inside hidden spans.
	copyTo := func(end int) {
		for pos < end {
			for h < len(hidden) && hidden[h][1] <= pos {
				h++
			}
			if h == len(hidden) || hidden[h][0] >= end {
				b.WriteString(text[pos:end])
				pos = end
				return
			}
			hs, he := max(hidden[h][0], pos), min(hidden[h][1], end)
			b.WriteString(text[pos:hs])
			b.WriteString(Sanitize(text[hs:he]))
			pos = he
		}
	}
	for _, sp := range instr {
		copyTo(sp[0])
		b.WriteString(Marker)
		pos = sp[1]
	}
	copyTo(len(text))
	return b.String()
}

// mergeSpans collects the spans span picks from findings, sorted and with
// overlapping spans merged.
func mergeSpans(text string, findings []detect.Finding, span func(detect.Finding) (int, int, bool)) [][2]int {
	var out [][2]int
	for _, f := range findings {
		if s, e, ok := span(f); ok && s < e && e <= len(text) {
			out = append(out, [2]int{s, e})
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	merged := out[:0]
	for _, sp := range out {
		if n := len(merged); n > 0 && sp[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// within reports whether [s, e) lies inside one of the sorted, merged spans.
func within(spans [][2]int, s, e int) bool {
	i, _ := slices.BinarySearchFunc(spans, s, func(sp [2]int, s int) int {
		if sp[0] <= s {
			return -1
		}
		return 1
	})
	return i > 0 && spans[i-1][0] <= s && e <= spans[i-1][1]
}

// sentenceAround widens [s, e) to the sentence that holds it (at most 400
// bytes either way) and to a fenced code block that follows within 200
// bytes. The result lies on rune boundaries.
func sentenceAround(text string, s, e int) (int, int) {
	lo := max(0, s-400)
	for s > lo {
		c := text[s-1]
		if c == '\n' {
			break
		}
		if s >= 2 && (c == ' ' || c == '\t') && strings.IndexByte(".!?", text[s-2]) >= 0 {
			break
		}
		s--
	}
	hi := min(len(text), e+400)
	for e < hi {
		c := text[e]
		if c == '\n' {
			break
		}
		e++
		if strings.IndexByte(".!?", c) >= 0 && (e >= len(text) || text[e] == ' ' || text[e] == '\n') {
			break
		}
	}
	// A code block the sentence introduces.
	j := e
	for j < len(text) && j-e < 200 && (text[j] == ' ' || text[j] == '\n' || text[j] == '\r' || text[j] == '\t') {
		j++
	}
	if strings.HasPrefix(text[j:], "```") {
		if k := strings.Index(text[j+3:min(len(text), j+4096)], "```"); k >= 0 {
			e = j + 3 + k + 3
		}
	}
	return runeAlign(text, s, e)
}

// runeAlign widens [s, e) to whole runes.
func runeAlign(text string, s, e int) (int, int) {
	for k := 0; k < 3 && s > 0 && s < len(text) && !utf8.RuneStart(text[s]); k++ {
		s--
	}
	for k := 0; k < 3 && e < len(text) && !utf8.RuneStart(text[e]); k++ {
		e++
	}
	return s, e
}
