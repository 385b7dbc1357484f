package pii

import (
	"math/rand/v2"
	"testing"
)

// TestBadEndFollowsParse checks number's shortcut for clusters that are
// no identifier (badEnd) against the full parse on random clusters of
// digits, separators, letters and the bytes parse and tail look at: where
// badEnd answers, parse must find the cluster bad, attach no DNI letter,
// and end it at the same offset. badEnd restates parse's rules, so a
// change to one that the other misses fails here.
func TestBadEndFollowsParse(t *testing.T) {
	const alphabet = "0123456789 -./:,$#+()_\\=@%xXaAZk\n"
	rng := rand.New(rand.NewPCG(1, 2))
	answered := 0
	for n := 0; n < rounds(300000); n++ {
		l := 1 + rng.IntN(28)
		b := make([]byte, l)
		for k := range b {
			if rng.IntN(2) == 0 {
				b[k] = '0' + byte(rng.IntN(10))
			} else {
				b[k] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		text := string(b)
		for i := 0; i < len(text); i++ {
			if !isDigit(text[i]) || (i > 0 && isDigit(text[i-1])) {
				continue
			}
			e := i
			for e < len(text) && isDigit(text[e]) {
				e++
			}
			got := badEnd(text, i, e)
			if got == 0 {
				continue
			}
			answered++
			var c cluster
			c.parse(text, i)
			if !c.bad || c.dni > 0 || c.end != got {
				t.Fatalf("%q at %d: badEnd %d, parse bad=%v dni=%d end=%d", text, i, got, c.bad, c.dni, c.end)
			}
		}
	}
	if answered < rounds(10000) {
		t.Fatalf("badEnd answered only %d clusters: the test generates too few", answered)
	}
}

// rounds scales the size of a randomized test down under the race
// detector.
func rounds(n int) int {
	if raceEnabled {
		return n / 10
	}
	return n
}
