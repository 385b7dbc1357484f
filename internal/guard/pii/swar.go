package pii

import "math/bits"

// The scan loop finds the end of a word eight bytes at a time with integer
// arithmetic (SIMD within a register): one load and a handful of
// operations instead of a table look-up and a branch per byte. A mask has
// bit 7 of a byte set when the byte has the property.

const msb = 0x8080808080808080

// load8 returns the eight bytes of s at i, the first in the lowest byte.
// The compiler turns it into a single load.
func load8(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// letterBits marks the bytes of x of class cWord: ASCII letters and every
// byte of a non-ASCII character.
func letterBits(x uint64) uint64 {
	// For y = c|0x20 with c below 0x80, 'a' <= y <= 'z' holds for the
	// ASCII letters only, and the additions never carry out of a byte.
	y := x&^msb | caseBits
	return (x | (y+0x1f1f1f1f1f1f1f1f)&^(y+0x0505050505050505)) & msb
}

// firstMark returns the index of the lowest marked byte of a non-zero
// mask.
func firstMark(m uint64) int { return bits.TrailingZeros64(m) >> 3 }

// tokenEnd returns the end of the token at p, at most max bytes long:
// bytes for which isAlnum holds and, after the first, '-' and '\”. It is
// the loop
//
//	q := p
//	for q < len(text) && q-p < max && (isAlnum(text[q]) || (text[q] == '-' || text[q] == '\'') && q > p) {
//		q++
//	}
//
// eight bytes at a time.
func tokenEnd(text string, p, max int) int {
	if p >= len(text) || max <= 0 || !isAlnum(text[p]) {
		return p
	}
	q := p + 1
	for q <= len(text)-8 && q >= 0 && q-p < max {
		x := load8(text, q)
		if m := ^(alnumBits(x) | zeroBits(x^'-'*lsb) | zeroBits(x^'\''*lsb)) & msb; m != 0 {
			return min(q+firstMark(m), p+max)
		}
		q += 8
	}
	for q < len(text) && q-p < max && (isAlnum(text[q]) || text[q] == '-' || text[q] == '\'') {
		q++
	}
	return min(q, p+max)
}

const lsb = 0x0101010101010101

// alnumBits marks the bytes of x for which isAlnum holds: ASCII letters
// and digits, and every byte of a non-ASCII character.
func alnumBits(x uint64) uint64 {
	x7 := x &^ msb
	y := x7 | caseBits
	letter := (y + 0x1f1f1f1f1f1f1f1f) &^ (y + 0x0505050505050505)
	digit := (x7 + 0x5050505050505050) &^ (x7 + 0x4646464646464646)
	return (x | letter | digit) & msb
}

// zeroBits marks the zero bytes of v, exactly: the sum of the low seven
// bits of a byte and 0x7f never carries into the next byte.
func zeroBits(v uint64) uint64 {
	return ^((v&^msb + 0x7f7f7f7f7f7f7f7f) | v) & msb
}

// hasZero is non-zero when v has a zero byte: it marks the lowest one
// exactly and may mark bytes above it, so it answers "any" and not
// "which" (see zeroBits).
func hasZero(v uint64) uint64 {
	return (v - lsb) &^ v & msb
}
