package pii

// The parts of an address after the street: the unit ("Apt. 864", "Suite
// 245"), the military post line ("APO AE 09012") and the locality with its
// postcode ("San Francisco, CA 94105"), which extend a finding so that a
// redaction covers the whole address.

import (
	"unicode"
	"unicode/utf8"
)

// addressTail extends an address over the locality after it: after a
// comma or a gap of spaces on the same line, or on the next line or two,
// when it ends in a postcode ("San Francisco, CA 94105", "Montafia\n Italy
// 39025"). A place name without a postcode is left out: it may as well be
// a new sentence.
func addressTail(text string, end int) int {
	e, p := end, end
	for k := 0; k < 3; k++ {
		q := p
		comma := q < len(text) && text[q] == ','
		if comma {
			q++
		}
		nl, r := 0, q
		for r < len(text) && r-q < 8 && (text[r] == ' ' || text[r] == '\n' || text[r] == '\r' || text[r] == '\t' || text[r] == '>') {
			if text[r] == '\n' {
				nl++
			}
			r++
		}
		// On the same line a comma, or a wide gap of spaces, separates
		// the locality from the street.
		if r == q || nl > 1 || (nl == 0 && !comma && r-q < 2) {
			break
		}
		segEnd, code := localityAt(text, r)
		if segEnd == r {
			break
		}
		p = segEnd
		if code {
			e = segEnd
		}
	}
	return e
}

// localityAt reads a locality line at p: capitalised words, a short
// upper-case region code, and a postcode ("San Francisco, CA 94105",
// "London NW1 6XE", "10115 Berlin"), separated by spaces or commas. It
// returns where the locality ends (p when there is none) and whether it
// holds a postcode. A comma followed by anything else ends it, and so does
// a lower-case word right after a postcode, or after the town that follows
// a leading postcode ("Glasgow G12 8QQ from next month").
func localityAt(text string, p int) (end int, code bool) {
	end = p
	q, words, comma, lastCode, firstCode := p, 0, false, false, false
	for words < 6 && q < len(text) && q-p < 60 {
		e := tokenEnd(text, q, 40)
		tok := text[q:e]
		if e == q {
			break
		}
		digits := hasDigit(tok)
		r, _ := utf8.DecodeRuneInString(tok)
		prevCode := lastCode
		lastCode = false
		switch {
		case digits && allDigits(tok) && len(tok) >= 3 && len(tok) <= 7:
			code, lastCode = true, true
			firstCode = firstCode || (words == 0 && len(tok) >= 4 && len(tok) <= 5) // "10115 Berlin"
		case digits && len(tok) <= 4 && isUpper(tok[len(tok)-1]) || digits && len(tok) <= 4 && isUpper(tok[0]):
			code, lastCode = true, true // "NW1", "6XE"
		case !digits && unicode.IsUpper(r):
		default:
			// A lower-case word ends the locality after a comma, and
			// inside a sentence after a postcode ("36 Queens Gardens,
			// Glasgow G12 8QQ from next month", "10115 Berlin from").
			if comma && words > 0 || (firstCode || prevCode) && words > 1 && text[end] == ' ' && !digits && tok[0]-'a' < 26 {
				return end, code
			}
			return p, false
		}
		words++
		end = e
		q, comma = e, false
		if q < len(text) && text[q] == ',' {
			q++
			comma = true
		}
		if q >= len(text) || text[q] != ' ' {
			break
		}
		for q < len(text) && text[q] == ' ' && q-e < 4 {
			q++
		}
	}
	if words == 0 || (end < len(text) && !lineEnd(text, end)) {
		return p, false
	}
	return end, code
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// lineEnd reports whether a locality may end at i: at the end of a line,
// before a comma, or at the end of a sentence.
func lineEnd(text string, i int) bool {
	switch text[i] {
	case '\n', '\r', ',', '.', '?', '!', ';', ')':
		return true
	case ' ':
		return i+1 >= len(text) || text[i+1] == ' ' || text[i+1] == '\n' || !isAlnum(text[i+1])
	}
	return false
}

// militaryLine extends an address over a following "APO AE 09012" line.
func militaryLine(text string, end int) int {
	p := end
	if p < len(text) && text[p] == '\n' {
		p++
	}
	if p == end || len(text)-p < 12 {
		return end
	}
	switch text[p : p+4] {
	case "APO ", "FPO ", "DPO ":
	default:
		return end
	}
	switch text[p+4 : p+7] {
	case "AA ", "AE ", "AP ":
	default:
		return end
	}
	if _, e := readInt(text, p+7, 5); e == p+12 {
		return e
	}
	return end
}

// addressUnit extends an address over an apartment or suite ("Apt. 864",
// "Suite 245", "#603"), on the same line or the next.
func addressUnit(text string, end int) (int, bool) {
	p := end
	if p < len(text) && text[p] == ',' {
		p++
	}
	q := p
	for q < len(text) && q-p < 4 && (text[q] == ' ' || text[q] == '\n') {
		q++
	}
	if q == p || q >= len(text) {
		return end, false
	}
	if text[q] == '#' {
		if _, e := readInt(text, q+1, 6); e > q+1 {
			return e, true
		}
		return end, false
	}
	w, ok := readAddrWord(text, q)
	if !ok || !w.unit() {
		return end, false
	}
	n, ok := nextAddrWord(text, w.start, w.end)
	if !ok || (!n.number() && !(n.end-n.start <= 4 && isDigit(text[n.start]))) {
		return end, false
	}
	return n.end, true
}
