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
		{"thanks for booking the room, see the extraordinarinesses dates", "extraordinarinesses", "thanks", false},
		{"thanks for booking the room on 12 May 2024, the extraordinarinesses dates", "extraordinarinesses", "thanks", false},
		{"thanks for booking the room. Dates here and there, extraordinarinesses", "extraordinarinesses", "Dates", false},
		// Twelve to fifteen letters next to a base64 character: the main
		// pass looks for a base64 run around them.
		{"thanks for booking the room, see the semi-extraordinary dates", "extraordinary", "thanks", false},
		{"thanks for booking the room, see the extraordinary/ dates", "extraordinary", "thanks", false},
		{"thanks for booking the room, see the extraordinary= dates", "extraordinary", "thanks", false},
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

// TestPlainRunLongWords checks that the plain-word loop passes words of
// twelve to fifteen letters with no base64 character next to them, and
// ends their look for a base64 run at their end as the main pass does.
func TestPlainRunLongWords(t *testing.T) {
	if !haveplainRun {
		t.Skip("no plain-word loop on this architecture")
	}
	text := "thanks for booking the room, see the extraordinary dates, characteristics of it and the room of the house over there"
	for _, c := range []struct {
		from    int
		b64     int
		wantB64 int
	}{
		{0, 0, strings.Index(text, " of it")}, // both looked at: the last one's end
		{0, 200, 200},                         // looked at before: unchanged
		{0, strings.Index(text, "characteristics"), strings.Index(text, " of it")}, // the first lies inside an earlier look
	} {
		var st scanState
		st.e = theEngine
		st.text = text
		st.unit.start = -1
		st.singleEnd = -2
		st.b64Until = c.b64
		next, _, cand := plainRun(unsafe.StringData(text), len(text), c.from, &st, theRunTables[wfPrompt])
		for cand != 0 && next < strings.Index(text, "over") {
			next, _, cand = plainRun(unsafe.StringData(text), len(text), next, &st, theRunTables[wfPrompt])
		}
		if next < strings.Index(text, " of it") {
			t.Fatalf("b64Until %d: stopped at %q", c.b64, text[next:])
		}
		if st.b64Until != c.wantB64 {
			t.Errorf("b64Until %d: now %d, want %d", c.b64, st.b64Until, c.wantB64)
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
