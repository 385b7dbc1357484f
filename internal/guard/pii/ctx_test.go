package pii

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBeforeFollowsLook checks the scanner's reading of the window before a
// candidate (scanner.before, which splits and hashes the window once for
// every cue set) against cueSet.beforeWithin, which reads it word by word,
// on random text made of cue words in any case, other words, long words,
// digits, '#' and other separators, at every offset and for every cue set
// and near count the judges use. before restates look's rules, so a change
// to one that the other misses fails here.
func TestBeforeFollowsLook(t *testing.T) {
	sets := []*cueSet{cardCues, ssnCues, sinCues, bsnCues, aadhaarCues, pnrCues, ipCues, dniCues,
		phoneCues, addressCues, ibanCues, ninoCues}
	var words []string
	for _, cs := range sets {
		for w := range cs.m {
			words = append(words, strings.Fields(w)...)
		}
	}
	words = append(words, "the", "a", "my", "is", "number", "no", "x", "Ölçü", "née", "12", "4111",
		"abcdefghijklmnopqrstuvwxyz", "internationalisation", "acknowledgements", "A1", "b2c3")
	seps := []string{" ", " ", " ", "  ", ", ", ": ", " # ", "#", "# ", ".", "\n", " - ", "(", ") ", "/", "\xe2\x80\x94"}
	rng := rand.New(rand.NewPCG(3, 4))
	checked, hits, negs := 0, 0, 0
	for n := 0; n < rounds(6000); n++ {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		for b.Len() < 20+rng.IntN(120) {
			w := []byte(words[rng.IntN(len(words))])
			for k := range w {
				if rng.IntN(3) == 0 {
					w[k] = upper(w[k])
				}
			}
			b.Write(w)
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		text := b.String()
		s := scanner{d: New(Options{}), text: text}
		for start := 0; start <= len(text); start++ {
			for _, cs := range sets {
				for _, near := range []int{0, 2, 3} {
					wp, wn := cs.beforeWithin(text, start, near, cueWindow)
					gp, gn := s.before(cs, start, near)
					if gp != wp || gn != wn {
						t.Fatalf("%q at %d, near %d: before %d %v, look %d %v", text, start, near, gp, gn, wp, wn)
					}
					checked++
					if wp > 0 {
						hits++
					}
					if wn {
						negs++
					}
				}
			}
		}
	}
	if hits < checked/10 || negs < checked/20 {
		t.Fatalf("%d windows, %d with a positive cue, %d with a negative one: the test generates too few", checked, hits, negs)
	}
}

// TestIBANCompactFollowsMod97 checks ibanCompact, which reduces the
// remainder only when it grows large, against the mod-97 check reduced at
// every character, on random IBAN-shaped strings.
func TestIBANCompactFollowsMod97(t *testing.T) {
	ref := func(b []byte) bool {
		if len(b) < 15 || ibanLen(b[0], b[1]) != len(b) || !isDigit(b[2]) || !isDigit(b[3]) {
			return false
		}
		r := 0
		for k := 4; k < len(b)+4; k++ {
			c := b[k%len(b)]
			switch {
			case isDigit(c):
				r = (r*10 + int(c-'0')) % 97
			case isAlpha(c):
				r = (r*100 + int(upper(c)-'A') + 10) % 97
			default:
				return false
			}
		}
		return r == 1
	}
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcz -\xc3"
	rng := rand.New(rand.NewPCG(5, 6))
	valid := 0
	for n := 0; n < rounds(400000); n++ {
		cc := "GBDEFRNLMTLCRU"[rng.IntN(7)*2:]
		l := ibanLen(cc[0], cc[1])
		b := []byte(cc[:2])
		for len(b) < l {
			if rng.IntN(4) > 0 {
				b = append(b, '0'+byte(rng.IntN(10)))
			} else {
				b = append(b, alphabet[rng.IntN(len(alphabet))])
			}
		}
		if rng.IntN(2) == 0 {
			// Fix the check digits so that about half of the strings pass.
			b[2], b[3] = '0', '0'
			r := 0
			for _, c := range append(b[4:len(b):len(b)], b[:4]...) {
				switch {
				case isDigit(c):
					r = (r*10 + int(c-'0')) % 97
				case isAlpha(c):
					r = (r*100 + int(upper(c)-'A') + 10) % 97
				}
			}
			d := 98 - r
			b[2], b[3] = '0'+byte(d/10), '0'+byte(d%10)
		}
		want := ref(b)
		if got := ibanCompact(b); got != want {
			t.Fatalf("ibanCompact(%q) = %v, want %v", b, got, want)
		}
		if want {
			valid++
		}
	}
	if valid < rounds(10000) {
		t.Fatalf("only %d valid IBANs: the test generates too few", valid)
	}
}
