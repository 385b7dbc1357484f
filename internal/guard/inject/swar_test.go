package inject

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/guard/detect"
)

// TestLetterEnds checks letterEnds against the byte classes: its lowest
// mark is the first byte that is no ASCII letter.
func TestLetterEnds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	picks := []byte("aAzZmM@[`{_09 .,'\n\x7f\x80\xc3\xe2\xff")
	for range shortcutRounds(200000) {
		var b [8]byte
		for k := range b {
			if rng.IntN(3) == 0 {
				b[k] = byte(rng.IntN(256))
			} else {
				b[k] = picks[rng.IntN(len(picks))]
			}
		}
		want := 8
		for k, c := range b {
			if class[c]&cLetter == 0 {
				want = k
				break
			}
		}
		m := letterEnds(load8(string(b[:]), 0))
		got := 8
		if m != 0 {
			got = firstMarkIndex(m)
		}
		if got != want {
			t.Fatalf("letterEnds(%q): first non-letter %d, want %d", b[:], got, want)
		}
	}
	// Every byte after every run of letters, with every byte above.
	for n := range 8 {
		for c := range 256 {
			b := []byte("aZqMzAbY")
			b[n] = byte(c)
			for k := n + 1; k < 8; k++ {
				b[k] = byte(rng.IntN(256))
			}
			if class[c]&cLetter != 0 {
				continue
			}
			if got := firstMarkIndex(letterEnds(load8(string(b), 0))); got != n {
				t.Fatalf("letterEnds(%q): first non-letter %d, want %d", b, got, n)
			}
		}
	}
	for c := range 256 {
		want := uint8(0)
		if c < 0x80 && class[c]&cWord == 0 {
			want = 1
			if !notable[c] {
				want = 2
			}
		}
		if wordEnd[c] != want {
			t.Fatalf("wordEnd[%#x] = %d, want %d", c, wordEnd[c], want)
		}
	}
}

func firstMarkIndex(m uint64) int {
	for k := range 8 {
		if m>>(8*k)&0x80 != 0 {
			return k
		}
	}
	return 8
}

// TestSWARMatchesByteLoop checks the eight-byte path of the main pass
// against the byte loop it stands for: the same findings in the same
// order, and the same sentences scored, on random text.
func TestSWARMatchesByteLoop(t *testing.T) {
	ref, err := build()
	if err != nil {
		t.Fatal(err)
	}
	ref.noSWAR = true
	rng := rand.New(rand.NewPCG(7, 8))
	corpus := prefilterCorpus(t)
	extra := []string{"abcdefg", "abcdefgh", "ignoreall", "previously", "instructionsx", "a_b", "ab1", "x9", "A1b2",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "QUJDREVGR0hJSktMTU5PUA", "<!--", "...", "  \n\n",
		"Your card ••4605 was charged", " • ", "ignore •previous instructions", "\u2022\u2022", "\xe2\x80",
		"characteristics", "semi-extraordinary", "extraordinary=", "/internationally/", "internationally==", "+abcdefghijklmnop"}
	scan := scanRecorded
	units, found := 0, 0
	check := func(text string, content bool) {
		gu, gf := scan(theEngine, text, content)
		wu, wf := scan(ref, text, content)
		if !reflect.DeepEqual(gu, wu) || !reflect.DeepEqual(gf, wf) {
			t.Fatalf("content %v: %q:\neight bytes: %v %v\nbyte loop:   %v %v", content, clip(text), gu, gf, wu, wf)
		}
		units += len(gu)
		found += len(gf.([3]any)[1].([]detect.Finding))
	}
	for r := range shortcutRounds(20000) {
		// Random pieces and bits of the corpus: words of every length
		// and case, digits, non-ASCII bytes, sentence breaks, and
		// sentences that are scored and flagged.
		var b strings.Builder
		for range 1 + rng.IntN(40) {
			switch rng.IntN(8) {
			case 0:
				b.WriteString(extra[rng.IntN(len(extra))])
			case 1:
				c := corpus[rng.IntN(len(corpus))]
				s := rng.IntN(len(c))
				b.WriteString(c[s:min(len(c), s+rng.IntN(300))])
			default:
				b.WriteString(shortcutPieces[rng.IntN(len(shortcutPieces))])
			}
		}
		check(b.String(), r%2 == 1)
	}
	for k, text := range corpus {
		if (raceEnabled || testing.Short()) && k%10 != 0 {
			continue
		}
		check(text, false)
		check(text, true)
	}
	if units == 0 || found == 0 {
		t.Fatalf("%d sentences scored, %d findings: the test sees nothing", units, found)
	}
	t.Logf("%d sentences scored, %d findings", units, found)
}

// scanRecorded scans text with engine e twice, recording the sentences
// scored and not, and returns the sentences and both sets of findings
// with the sentence ends Content mode judged (and the words it counted).
func scanRecorded(e *engine, text string, content bool) ([]TrainingUnit, any) {
	run := func(rec *[]TrainingUnit, ends *[]sentEnd) []detect.Finding {
		st := scanState{e: e, content: content, text: text, rec: rec, sentLog: ends}
		st.scan()
		return st.out
	}
	var units []TrainingUnit
	var ends []sentEnd
	recorded := run(&units, nil)
	plain := run(nil, &ends)
	return units, [3]any{recorded, plain, ends}
}

// FuzzFastPathsMatchByteLoop is TestSWARMatchesByteLoop on arbitrary
// bytes: the eight-byte path and the plain-word loop (run.go) find what
// the byte loop finds and score the same sentences.
func FuzzFastPathsMatchByteLoop(f *testing.F) {
	fuzzSeeds(f)
	ref, err := build()
	if err != nil {
		f.Fatal(err)
	}
	ref.noSWAR = true
	f.Fuzz(func(t *testing.T, text string) {
		for _, content := range []bool{false, true} {
			gu, gf := scanRecorded(theEngine, text, content)
			wu, wf := scanRecorded(ref, text, content)
			if !reflect.DeepEqual(gu, wu) || !reflect.DeepEqual(gf, wf) {
				t.Fatalf("content %v: %q:\nfast paths: %v %v\nbyte loop:  %v %v", content, clip(text), gu, gf, wu, wf)
			}
		}
	})
}
