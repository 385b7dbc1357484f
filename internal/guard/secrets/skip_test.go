package secrets

import (
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// skipPieces are the pieces of the random texts of TestSkipMatchesFilter:
// the fuzz seeds (every rule's keywords), prose, and bytes of every kind.
var skipPieces = append(fuzzSeeds(),
	"Thanks for the update on the quarterly review, see you on Monday. ", "password", "pass", "=", ": ", "-----BEGIN", "ghp_",
	"AKIA", "xoxb-", "eyJ", "://", "@", "\n", "\t", "é", "\xff", "0123456789abcdef", "secret", "token", "key", "_", "/", "-")

func skipDetectors() (fast, ref *Detector) {
	fast, ref = New(Options{}), New(Options{})
	ref.m.noSkip = true
	return fast, ref
}

// TestSkipMatchesFilter checks the AVX-512 skip loop against the filter
// alone: the same findings on random texts and on the e-mail sample.
func TestSkipMatchesFilter(t *testing.T) {
	if !haveSkip {
		t.Skip("no AVX-512 VBMI here")
	}
	fast, ref := skipDetectors()
	found := 0
	check := func(text string) {
		got, want := fast.Detect(nil, text), ref.Detect(nil, text)
		if !slices.Equal(got, want) {
			t.Fatalf("%q:\nskip loop: %+v\nfilter:    %+v", text, got, want)
		}
		found += len(got)
	}
	data, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		t.Fatal(err)
	}
	check(string(data))
	for _, para := range strings.Split(string(data), "\n\n") {
		check(para)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	n := 20000
	if testing.Short() || raceEnabled {
		n = 2000
	}
	for range n {
		var b strings.Builder
		for range 1 + rng.IntN(40) {
			b.WriteString(skipPieces[rng.IntN(len(skipPieces))])
		}
		check(b.String())
	}
	if found == 0 {
		t.Fatal("no findings: the test sees nothing")
	}
	t.Logf("%d findings", found)
}

// FuzzSkipMatchesFilter is TestSkipMatchesFilter on any input.
func FuzzSkipMatchesFilter(f *testing.F) {
	for _, s := range skipPieces {
		f.Add(strings.Repeat("Thanks for the update, see you soon. ", 3) + s + " and more text after it to fill a block")
	}
	fast, ref := skipDetectors()
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := fast.Detect(nil, text), ref.Detect(nil, text); !slices.Equal(got, want) {
			t.Fatalf("%q:\nskip loop: %+v\nfilter:    %+v", text, got, want)
		}
	})
}

// TestSkipStops checks where skip64 stops against the filter: at the
// block of sixteen the filter finds first, or, with fewer than 64 bytes
// left, not past it.
func TestSkipStops(t *testing.T) {
	if !haveSkip {
		t.Skip("no AVX-512 VBMI here")
	}
	m := newMatcher(func(handler) bool { return true })
	data, err := os.ReadFile("../detect/testdata/prose.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	stops := 0
	for i := 16; i < len(text); i += 16 {
		j := skip64(unsafe.StringData(text), len(text), i, &m.class)
		g, h0, h1, _ := m.filter(text, i, uint64(m.class[text[i-1]]>>4))
		switch {
		case j < i || (j-i)%16 != 0:
			t.Fatalf("from %d: skip64 returned %d", i, j)
		case j+64 <= len(text) && (h0|h1 == 0 || g != j):
			t.Fatalf("from %d: skip64 stopped at %d, the filter at %d (%v)", i, j, g, h0|h1 != 0)
		case j+64 > len(text) && h0|h1 != 0 && g < j:
			t.Fatalf("from %d: skip64 passed %d, where the filter stops", i, g)
		}
		if j+64 <= len(text) && j > i {
			stops++
		}
	}
	if stops == 0 {
		t.Fatal("skip64 never passed a block")
	}
}

// TestSetAssembly checks that SetAssembly turns skip64 off and on again,
// where the processor has it.
func TestSetAssembly(t *testing.T) {
	m := New(Options{}).m
	defer SetAssembly(true)
	SetAssembly(false)
	if m.useSkip() {
		t.Fatal("skip64 runs after SetAssembly(false)")
	}
	SetAssembly(true)
	if m.useSkip() != haveSkip {
		t.Fatalf("after SetAssembly(true) skip64 runs: %v, want %v", m.useSkip(), haveSkip)
	}
}
