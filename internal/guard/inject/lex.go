package inject

import "encoding/binary"

// Byte classes for the scanners. A table lookup per byte keeps the hot loop
// free of chains of comparisons.
const (
	cLetter = 1 << iota // ASCII letter
	cDigit              // ASCII digit
	cWord               // ASCII byte that belongs to a word: letter, digit, '_'
	cB64                // base64 alphabet (standard and URL) plus '='
	cHex                // hexadecimal digit
	cSpace              // ASCII white space
	cSent               // may end a sentence or a table cell: . ! ? | newline tab
	cUnit               // ends a sentence for the scoring layer: . ! ? ; | newline
)

// The byte tables of the main pass. class holds the classes above;
// notable marks the ASCII bytes outside words that the main pass acts
// on: sentence breaks and '<'; wordEnd says, for the byte after an ASCII
// word of letters, what the main pass's eight-byte path does: 0, leave
// the word to the byte loop (the byte may continue the word, or is
// non-ASCII); 1, go on after the word (a notable byte); 2, go on after
// the byte too (a space, a comma: a byte the main pass passes over
// without a look).
var class, notable, wordEnd = byteClasses()

// byteClasses builds class, notable and wordEnd. They are variables
// initialised by a function, not in init, so that the tables built from
// them (theRunTables) are built after them.
func byteClasses() (class [256]uint8, notable [256]bool, wordEnd [256]uint8) {
	for c := 0; c < 256; c++ {
		var k uint8
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			k = cLetter | cWord | cB64
		case c >= '0' && c <= '9':
			k = cDigit | cWord | cB64 | cHex
		case c == '_':
			k = cWord | cB64
		case c == '+', c == '/', c == '-', c == '=':
			k = cB64
		case c == ' ', c == '\t', c == '\n', c == '\r', c == '\v', c == '\f':
			k = cSpace
		}
		if (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			k |= cHex
		}
		switch c {
		case '.', '!', '?', '|', '\n', '\t':
			k |= cSent
		}
		switch c {
		case '.', '!', '?', ';', '\n', '|':
			k |= cUnit
		}
		notable[c] = k&(cUnit|cSent) != 0 || c == '<'
		class[c] = k
		if c < 0x80 && k&cWord == 0 {
			wordEnd[c] = 1
			if !notable[c] {
				wordEnd[c] = 2
			}
		}
	}
	return class, notable, wordEnd
}

// highKind says what a non-ASCII sequence starting at text[i] is, and how
// many bytes it takes. The kinds the scanners care about are the invisible
// and formatting characters used to hide text, the letters that may be
// part of a word, and everything else (punctuation, symbols, emoji).
type highKind uint8

const (
	hkOther     highKind = iota // punctuation, symbols, emoji, invalid bytes
	hkLetter                    // a letter of an alphabetic script (part of a word)
	hkCJK                       // a Han, kana or Hangul character
	hkZeroWidth                 // U+200B..U+200D, U+2060, U+FEFF
	hkBidi                      // U+202A..U+202E, U+2066..U+2069
	hkTag                       // U+E0000..U+E007F
	hkApos                      // U+2018, U+2019 (typographic apostrophes)
	hkFullwidth                 // U+FF21..U+FF3A, U+FF41..U+FF5A (fullwidth Latin)
	hkMath                      // U+1D400..U+1D6A3 (mathematical alphanumerics)
	hkBreak                     // CJK and fullwidth sentence punctuation
	hkIndic                     // a letter or mark of U+0800..U+0FFF (Devanagari and others)
	hkInvisible                 // other invisible characters: soft hyphen, LRM, RLM, fillers, variation selectors
	hkSmallCap                  // U+1D00..U+1D2B, Latin small capitals (always mapped to ASCII)
)

// classifyHigh classifies the sequence at text[i] (text[i] >= 0x80) and
// returns its kind and length in bytes (at least 1). It never reads past
// the end of text.
func classifyHigh(text string, i int) (highKind, int) {
	c := text[i]
	n := len(text)
	switch {
	case c < 0xC2:
		return hkOther, 1
	case c < 0xE0:
		if i+1 >= n || text[i+1]&0xC0 != 0x80 {
			return hkOther, 1
		}
		// C2/C3 cover Latin-1: C2 is punctuation and symbols, C3 letters
		// (except × and ÷).
		if c == 0xC2 {
			if text[i+1] == 0xAD {
				return hkInvisible, 2 // soft hyphen
			}
			return hkOther, 2
		}
		if (c == 0xCD && text[i+1] == 0x8F) || (c == 0xD8 && text[i+1] == 0x9C) {
			return hkInvisible, 2 // combining grapheme joiner, Arabic letter mark
		}
		if c == 0xC3 && (text[i+1] == 0x97 || text[i+1] == 0xB7) {
			return hkOther, 2
		}
		return hkLetter, 2
	case c < 0xF0:
		if i+2 >= n || text[i+1]&0xC0 != 0x80 || text[i+2]&0xC0 != 0x80 {
			return hkOther, 1
		}
		c1, c2 := text[i+1], text[i+2]
		switch c {
		case 0xE2:
			if c1 == 0x80 {
				switch {
				case c2 >= 0x8B && c2 <= 0x8D:
					return hkZeroWidth, 3
				case c2 >= 0xAA && c2 <= 0xAE:
					return hkBidi, 3
				case c2 == 0x98 || c2 == 0x99:
					return hkApos, 3
				case c2 == 0x8E || c2 == 0x8F:
					return hkInvisible, 3 // LRM, RLM
				}
			} else if c1 == 0x81 {
				switch {
				case c2 == 0xA0:
					return hkZeroWidth, 3
				case c2 >= 0xA6 && c2 <= 0xA9:
					return hkBidi, 3
				case (c2 >= 0xA1 && c2 <= 0xA4) || (c2 >= 0xAA && c2 <= 0xAF):
					return hkInvisible, 3 // invisible operators, deprecated format controls
				}
			}
			return hkOther, 3
		case 0xE3:
			if c1 == 0x85 && c2 == 0xA4 {
				return hkInvisible, 3 // Hangul filler
			}
			if c1 == 0x80 {
				if c2 == 0x82 {
					return hkBreak, 3
				}
				return hkOther, 3
			}
			return hkCJK, 3
		case 0xEF:
			switch {
			case c1 == 0xBB && c2 == 0xBF:
				return hkZeroWidth, 3
			case c1 == 0xBC && c2 >= 0xA1 && c2 <= 0xBA:
				return hkFullwidth, 3
			case c1 == 0xBD && c2 >= 0x81 && c2 <= 0x9A:
				return hkFullwidth, 3
			case c1 == 0xBC && (c2 == 0x81 || c2 == 0x9F || c2 == 0x9B):
				return hkBreak, 3
			case c1 == 0xB8 && c2 <= 0x8F, c1 == 0xBE && c2 == 0xA0:
				return hkInvisible, 3 // variation selectors, halfwidth Hangul filler
			}
			return hkOther, 3
		}
		if c >= 0xE4 && c <= 0xED {
			return hkCJK, 3
		}
		if c == 0xE1 {
			switch {
			case c1 == 0x85 && (c2 == 0x9F || c2 == 0xA0), c1 == 0xA0 && c2 == 0x8E, c1 == 0x9E && (c2 == 0xB4 || c2 == 0xB5):
				return hkInvisible, 3 // Hangul fillers, Mongolian vowel separator, Khmer inherent vowels
			case c1 == 0xB4 && c2 <= 0xAB:
				return hkSmallCap, 3
			}
			return hkLetter, 3
		}
		if c == 0xE0 && c1 >= 0xA0 {
			// U+0800..U+0FFF: Indic, Thai, Lao, Tibetan and others. The
			// Devanagari dandas end sentences.
			if c1 == 0xA5 && (c2 == 0xA4 || c2 == 0xA5) {
				return hkBreak, 3
			}
			return hkIndic, 3
		}
		return hkOther, 3
	default:
		if i+3 >= n || text[i+1]&0xC0 != 0x80 || text[i+2]&0xC0 != 0x80 || text[i+3]&0xC0 != 0x80 {
			return hkOther, 1
		}
		if c == 0xF3 && text[i+1] == 0xA0 && (text[i+2] == 0x80 || text[i+2] == 0x81) {
			return hkTag, 4
		}
		if c == 0xF3 && text[i+1] == 0xA0 && text[i+2] >= 0x84 && text[i+2] <= 0x87 {
			return hkInvisible, 4 // variation selectors 17..256
		}
		if c == 0xF0 && text[i+1] == 0x9D {
			cp := decode4(text, i)
			if cp >= 0x1D400 && cp <= 0x1D6A3 {
				return hkMath, 4
			}
		}
		return hkOther, 4
	}
}

// decode4 decodes a 4-byte UTF-8 sequence whose shape was checked.
func decode4(text string, i int) rune {
	return rune(text[i]&0x07)<<18 | rune(text[i+1]&0x3F)<<12 | rune(text[i+2]&0x3F)<<6 | rune(text[i+3]&0x3F)
}

// isWordHigh reports whether the non-ASCII kind belongs inside a word.
func isWordHigh(k highKind) bool {
	return k == hkLetter || k == hkCJK || k == hkFullwidth || k == hkMath || k == hkIndic || k == hkSmallCap
}

// lowerAppend appends the lower-case form of the word text[s:e] to dst.
// It folds ASCII, Latin-1 letters, Cyrillic and Greek capitals, and maps
// typographic apostrophes to '\”; other bytes are copied unchanged. The
// result is used only for comparison with the phrase tables.
func lowerAppend(dst []byte, text string, s, e int) []byte {
	// ASCII, eight bytes at a time: the usual word is one or two steps.
	for e-s >= 8 {
		x := load8(text, s)
		if x&swarHighs != 0 {
			break
		}
		dst = binary.LittleEndian.AppendUint64(dst, lower8(x))
		s += 8
	}
	if n := e - s; n > 0 && n < 8 && s+8 <= len(text) {
		// The rest of the word and the bytes after it in one load; only
		// the word's bytes are kept.
		x := load8(text, s)
		if x&swarHighs&(1<<(8*n)-1) == 0 {
			return binary.LittleEndian.AppendUint64(dst, lower8(x))[:len(dst)+n]
		}
	}
	for i := s; i < e; {
		c := text[i]
		if c < 0x80 {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		if i+1 < e {
			c1 := text[i+1]
			switch c {
			case 0xC3:
				if c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97 {
					c1 += 0x20
				}
				dst = append(dst, c, c1)
				i += 2
				continue
			case 0xD0:
				switch {
				case c1 >= 0x90 && c1 <= 0x9F: // А..П
					dst = append(dst, 0xD0, c1+0x20)
				case c1 >= 0xA0 && c1 <= 0xAF: // Р..Я
					dst = append(dst, 0xD1, c1-0x20)
				case c1 >= 0x80 && c1 <= 0x8F: // Ѐ..Џ
					dst = append(dst, 0xD1, c1+0x10)
				default:
					dst = append(dst, c, c1)
				}
				i += 2
				continue
			case 0xCE:
				switch {
				case c1 >= 0x91 && c1 <= 0x9F: // Α..Ο
					dst = append(dst, 0xCE, c1+0x20)
				case c1 >= 0xA0 && c1 <= 0xA9: // Π..Ω
					dst = append(dst, 0xCF, c1-0x20)
				default:
					dst = append(dst, c, c1)
				}
				i += 2
				continue
			case 0xE2:
				if i+2 < e && c1 == 0x80 && (text[i+2] == 0x98 || text[i+2] == 0x99) {
					dst = append(dst, '\'')
					i += 3
					continue
				}
			}
		}
		dst = append(dst, c)
		i++
	}
	return dst
}
