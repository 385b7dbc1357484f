package pii

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// plainRunPieces are the pieces the random texts of
// TestPlainRunMatchesScanLoop are made of: words the filters let through
// (titles, given names, labels before a colon), short upper-case pairs
// before digits, numbers, e-mail addresses, non-ASCII words, words of
// every length and case, and the bytes between words.
var plainRunPieces = append(slices.Clone(fuzzSeeds),
	"Mr", "Dr.", "Ms ", "Anna", "Jean-Luc", "Name:", "Attn: ", "By :", "AB 12 34 56 C", "Salarié :", "Salarié", "straße",
	"the", "and", "booking", "Thanks", "regards", "extraordinarily", "internationalisation", "ABCDEFGHIJKLMNOPQRS",
	"I", "a", "x", "ok", "2024", "11th", "4111 1111 1111 1111", "+44 20 7946 0958", "jane@example.com", "@", "<<",
	" ", "  ", ", ", ". ", "\n", "\t", ":", "-", "'", "(", ")", "é", "\xe2\x80\x99", "\xff", "0", "_")

// TestPlainRunMatchesScanLoop checks the assembly plain-word loop against
// the scan loop alone: the same findings on random texts and on the
// e-mail sample.
func TestPlainRunMatchesScanLoop(t *testing.T) {
	if !havePlainRun {
		t.Skip("no plain-word loop on this architecture")
	}
	// Both classifications where the processor has AVX2; SSE2 alone
	// elsewhere.
	for _, avx2 := range []bool{theRunTables.avx2, false} {
		t.Run(fmt.Sprintf("avx2=%v", avx2), func(t *testing.T) {
			defer func(was bool) { theRunTables.avx2 = was }(theRunTables.avx2)
			theRunTables.avx2 = avx2
			plainRunMatchesScanLoop(t)
		})
		if !avx2 {
			break
		}
	}
}

func plainRunMatchesScanLoop(t *testing.T) {
	fast, ref := New(Options{}), New(Options{})
	ref.noPlainRun = true
	check := func(text string) int {
		got, want := fast.Detect(nil, text), ref.Detect(nil, text)
		if !slices.Equal(got, want) {
			t.Fatalf("%q:\nplain-word loop: %+v\nscan loop:       %+v", text, got, want)
		}
		return len(got)
	}
	found := 0
	if data, err := os.ReadFile("../detect/testdata/prose.txt"); err == nil {
		found += check(string(data))
		for _, para := range strings.Split(string(data), "\n\n") {
			found += check(para)
		}
	} else {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range rounds(20000) {
		var b strings.Builder
		for range 1 + rng.IntN(30) {
			b.WriteString(plainRunPieces[rng.IntN(len(plainRunPieces))])
			if rng.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		found += check(b.String())
	}
	if found == 0 {
		t.Fatal("no findings: the test sees nothing")
	}
	t.Logf("%d findings", found)
}

// FuzzPlainRunMatchesScanLoop is TestPlainRunMatchesScanLoop on any input.
func FuzzPlainRunMatchesScanLoop(f *testing.F) {
	for _, s := range plainRunPieces {
		f.Add(s + " and the extraordinary booking of Anna, Mr Smith: 2024")
	}
	fast, ref := New(Options{}), New(Options{})
	ref.noPlainRun = true
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := fast.Detect(nil, text), ref.Detect(nil, text); !slices.Equal(got, want) {
			t.Fatalf("%q:\nplain-word loop: %+v\nscan loop:       %+v", text, got, want)
		}
	})
}

// TestPlainRunStops checks where the plain-word loop hands over to the
// scan loop.
func TestPlainRunStops(t *testing.T) {
	if !havePlainRun {
		t.Skip("no plain-word loop on this architecture")
	}
	for _, c := range []struct{ text, stop string }{
		{"see the booking of the room, see you there with Anna", "Anna"},
		{"see the booking of the room, please write to Mr Smith", "Mr Smith"},
		{"see the booking of the room, see the list of 12 dates", "12 dates"},
		{"see the booking of the room, the label: see you soon now", "label:"},
		{"see the booking of the room, with jane@example.com now", "@example.com now"},
		{"see the booking of the room, the extraordinarily nice room; the internationalisation", "internationalisation"},
	} {
		text := c.text + " in the room of the house over there" // not near the end
		got := plainRun(unsafe.StringData(text), len(text), 0, theRunTables)
		if want := strings.Index(text, c.stop); got != want {
			t.Errorf("%q: stopped at %d (%q), want %d (%q)", text, got, text[got:], want, c.stop)
		}
	}
}

// TestSetAssembly checks that SetAssembly turns the plain-word loop off
// and on again, where the architecture has it.
func TestSetAssembly(t *testing.T) {
	d := New(Options{})
	defer SetAssembly(true)
	SetAssembly(false)
	if d.usePlainRun() {
		t.Fatal("the plain-word loop runs after SetAssembly(false)")
	}
	SetAssembly(true)
	if d.usePlainRun() != havePlainRun {
		t.Fatalf("after SetAssembly(true) the plain-word loop runs: %v, want %v", d.usePlainRun(), havePlainRun)
	}
}
