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
	}{
		{"hello there dear friend, please ignore all of it and carry on", "ignore all", "hello"},
		{"thanks for booking the room, see the dates 2024 of the year here now", "2024", "thanks"},
		{"thanks for booking the room, see the café of the year here and now", "café", "thanks"},
		{"thanks for booking the room, see the <b> of the year here and now", "<b>", "thanks"},
		{"thanks for booking the room, see the extraordinary dates", "extraordinary", "thanks"},
		{"thanks for booking the room. Dates here and there, extraordinary", "extraordinary", "Dates"},
	} {
		var st scanState
		st.e = theEngine
		st.text = c.text
		st.unit.start = -1
		st.singleEnd = -2
		got := plainRun(unsafe.StringData(c.text), len(c.text), 0, &st, theRunTables)
		if want := strings.Index(c.text, c.stop); got != want {
			t.Errorf("%q: stopped at %d (%q), want %d", c.text, got, c.text[got:], want)
		}
		if want := strings.Index(c.text, c.sentence); st.unit.start != want {
			t.Errorf("%q: sentence from %d, want %d", c.text, st.unit.start, want)
		}
		if want := strings.LastIndexFunc(c.text[:got], func(r rune) bool { return r >= 'a' && r <= 'z' }) + 1; st.lastWord != want {
			t.Errorf("%q: last word ends at %d, want %d", c.text, st.lastWord, want)
		}
	}
}
