package pii

import (
	"math/rand/v2"
	"testing"
)

// TestFilterHoldsI checks the shortcut of the scan loop that sends "I" to
// word through the given-name filter instead of a test of its own: the
// filter must hold the hash of "I" for a capital first byte, and the
// detector must still find the name after "I am".
func TestFilterHoldsI(t *testing.T) {
	h := triggerHash("I")
	if nameBits[h>>6][1]&capitalMask[class['I']]&(1<<(h&63)) == 0 {
		t.Fatal(`the given-name filter does not hold "I"`)
	}
	for _, text := range []string{"I am Jane Doe.", "Hello. I am Jane Doe and I live here", "x I am Jane Doe"} {
		found := false
		for _, f := range New(Options{Types: []string{TypePerson}}).Detect(nil, text) {
			found = found || text[f.Start:f.End] == "Jane Doe"
		}
		if !found {
			t.Fatalf("%q: no person after \"I am\"", text)
		}
	}
}

// TestReadWindowShortcuts checks readWindow's shortcuts against what they
// restate on random words: hasZero is non-zero exactly when zeroBits is
// (no '#' is missed), and lowBytes keeps the bytes a shift pair kept.
func TestReadWindowShortcuts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < rounds(200000); n++ {
		v := rng.Uint64()
		for k := rng.IntN(3); k > 0; k-- {
			v &^= 0xff << (8 * uint(rng.IntN(8)))
		}
		if (hasZero(v) != 0) != (zeroBits(v) != 0) {
			t.Fatalf("hasZero(%#x) = %#x, zeroBits %#x", v, hasZero(v), zeroBits(v))
		}
		l := 1 + rng.IntN(maxCueWord)
		sh := (64 - 8*min(l, 8)) & 63
		if v&lowBytes[l] != v<<sh>>sh {
			t.Fatalf("lowBytes[%d] = %#x", l, lowBytes[l])
		}
	}
}
