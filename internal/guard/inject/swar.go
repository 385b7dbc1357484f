package inject

import "encoding/binary"

// Eight bytes at a time ("SWAR"): a word of up to eight bytes is read
// in one 64-bit load, lower-cased in a few instructions, and looked up as
// one number (gateTable), without a copy.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// inRange returns, for x holding bytes below 0x80, the high bit of each
// byte set when the byte lies in [lo, hi].
func inRange(x uint64, lo, hi byte) uint64 {
	ge := x + swarOnes*uint64(0x80-lo) // high bit: x >= lo
	gt := x + swarOnes*uint64(0x7F-hi) // high bit: x > hi
	return ge &^ gt & swarHighs
}

// load8 reads text[i:i+8] as a little-endian word; i+8 <= len(text).
// The compiler makes one load of it.
func load8(text string, i int) uint64 {
	t := text[i : i+8]
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

// lower8 lower-cases the ASCII letters of x.
func lower8(x uint64) uint64 {
	return x | inRange(x&^swarHighs, 'A', 'Z')>>2&^(x&swarHighs>>2)
}

// gateTable maps the ASCII words and prefixes of up to eight bytes,
// packed little-endian into a uint64 (pack8), to a value (1 for a
// trigger). A slot holds a 32-bit fingerprint of the key and the value: a
// word that shares slot and fingerprint with a listed one (about one in
// 2^32) is taken for it, which costs the main pass a sentence read for
// nothing, never a wrong score (the gate and the scorer look words up
// exactly).
type gateTable struct {
	slots [gateSlots]uint64
	pref3 [1 << 15 / 64]uint64 // anchorKey of the first three bytes of every prefix
	pre   [1 << 15]uint8       // by anchorKey: a bit per prefix length 3..8 (bit l-3)
}

const gateSlots = 2048

// prefixMark is mixed into the key of a prefix.
const prefixMark = 0x5bd1e9955bd1e995

func gateHash(k uint64) (idx uint64, fp uint64) {
	h := k * 0x9E3779B97F4A7C15
	return h >> 53, (h>>21)&0xFFFFFFFF | 1
}

// put adds key k (already marked when a prefix) with the classes m.
func (t *gateTable) put(k uint64, m uint32) {
	i, fp := gateHash(k)
	for t.slots[i] != 0 {
		i = (i + 1) & (gateSlots - 1)
	}
	t.slots[i] = fp<<32 | uint64(m)
}

// get returns the classes of key k and whether it is listed.
func (t *gateTable) get(k uint64) (uint32, bool) {
	i, fp := gateHash(k)
	for {
		v := t.slots[i]
		if v>>32 == fp {
			return uint32(v), true
		}
		if v == 0 {
			return 0, false
		}
		i = (i + 1) & (gateSlots - 1)
	}
}

// pack8 packs the (lower-case ASCII) string w of up to eight bytes.
func pack8(w string) uint64 {
	var b [8]byte
	copy(b[:], w)
	return binary.LittleEndian.Uint64(b[:])
}

// letterEnds marks (bit 7 of a byte) the bytes of x that are no ASCII
// letter. The lowest mark is exact; the marks above it may be wrong, as
// an addition may carry into the byte above a non-ASCII one. With y the
// byte or 0x20, y+0x1F has bit 7 set for 'a' <= y <= 0xE0 and y+0x05
// for 'z' < y <= 0xFA: a byte of 0x80 and more is marked by one or the
// other (above 0xFA both carry out, and the first is clear).
func letterEnds(x uint64) uint64 {
	y := x | 0x2020202020202020 // the letters in lower case
	return (^(y + swarOnes*(0x80-'a')) | (y + swarOnes*(0x7F-'z'))) & swarHighs
}
