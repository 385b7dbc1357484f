package inject

import (
	"strings"
	"testing"
	"unsafe"
)

// TestPlainRunStops checks where the plain-word loop hands over to the
// main pass, and that it notes the words it passes: the sentence they
// are in and the end of the last one (the equivalence with the byte loop
// as a whole is TestSWARMatchesByteLoop's and FuzzFastPathsMatchByteLoop's).
func TestPlainRunStops(t *testing.T) {
	if !haveplainRun {
		t.Skip("no plain-word loop on this architecture")
	}
	for _, c := range []struct {
		text, stop, sentence string
		candidate            bool
	}{
		{"hello there dear friend, please ignore all of it and carry on", "ignore all", "hello", true},
		{"thanks for booking the room, see the dates 2024abcdefghijk of the year here now", "2024abcdefghijk", "thanks", false},
		{"thanks for booking the room, see the café of the year here and now", "café", "thanks", false},
		{"thanks for booking the room, see the <b> of the year here and now", "<b>", "thanks", false},
		{"thanks for booking the room, see the extraordinary dates", "extraordinary", "thanks", false},
		{"thanks for booking the room on 12 May 2024, the extraordinary dates", "extraordinary", "thanks", false},
		{"thanks for booking the room. Dates here and there, extraordinary", "extraordinary", "Dates", false},
	} {
		text := c.text + " in the room of the house over there and here" // not near the end
		var st scanState
		st.e = theEngine
		st.text = text
		st.unit.start = -1
		st.singleEnd = -2
		next, ws, cand := plainRun(unsafe.StringData(text), len(text), 0, &st, theRunTables[wfPrompt])
		got := next
		if cand != 0 {
			got = ws // a candidate word, already noted
		}
		if want := strings.Index(text, c.stop); got != want || (cand != 0) != c.candidate {
			t.Errorf("%q: stopped at %d (%q), candidate %d; want %d, %v", text, got, text[got:], cand, want, c.candidate)
		}
		if want := strings.Index(text, c.sentence); st.unit.start != want {
			t.Errorf("%q: sentence from %d, want %d", text, st.unit.start, want)
		}
		end := got
		if cand != 0 {
			end = next
		}
		if want := strings.LastIndexFunc(text[:end], func(r rune) bool { return r >= 'a' && r <= 'z' }) + 1; st.lastWord != want {
			t.Errorf("%q: last word ends at %d, want %d", text, st.lastWord, want)
		}
	}
}

// TestSetAssembly checks that SetAssembly turns the plain-word loop off
// and on again, where the architecture has it.
func TestSetAssembly(t *testing.T) {
	st := scanState{e: theEngine}
	defer SetAssembly(true)
	SetAssembly(false)
	if st.usePlainRun() {
		t.Fatal("the plain-word loop runs after SetAssembly(false)")
	}
	SetAssembly(true)
	if st.usePlainRun() != haveplainRun {
		t.Fatalf("after SetAssembly(true) the plain-word loop runs: %v, want %v", st.usePlainRun(), haveplainRun)
	}
}
