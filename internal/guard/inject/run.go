package inject

import "sync/atomic"

// The plain-word loop. Most of a text is short words of letters between
// spaces and commas that no pre-filter lets through: the main pass only
// notes them (the sentence they start, the end of the last word, runs of
// one-letter words, in Content mode the words of a sentence). On amd64 an
// assembly loop (run_amd64.s) does that work for a whole run of such words
// and numbers, and for sentence breaks without a trigger and bullets
// (U+2022, which break a sentence like a line break). It stops at the
// first byte that needs the main pass — a word with a digit after its
// letters, a word of sixteen letters or more, or of twelve or more next to
// a base64 character, any other non-ASCII byte, '<', the end of a
// sentence that holds a trigger, a sentence cut at maxUnitBytes, a run of
// one-letter words that may spell a word out, in Content mode a sentence's
// first word and its breaks, the last 16 bytes of the text — and changes
// no state before it stops, so that the main pass takes over at that byte
// as if it had come there itself. A word that passes the pre-filters of
// anchors or triggers it notes and hands back to be looked up.
// TestSWARMatchesByteLoop and FuzzFastPathsMatchByteLoop compare the two
// on random text, the corpora and arbitrary bytes.

// runTables are the tables the plain-word loop reads: the main pass's byte
// classes and the Prompt mode's word filter (wordFilter).
type runTables struct {
	class   [256]uint8
	wordEnd [256]uint8
	notable [256]uint8 // 1 for the bytes of notable
	mix     [48]uint8  // wfMix
	spread  [64]uint16 // wfSpread
	wf      *[1 << 15 / 64]wfEntry
	// The second pre-filters of the triggers and of the Prompt mode's
	// anchors (mayBePacked), and packedHash's multipliers.
	trig, anch       *anchorFilter
	mulA, mulB, mul4 uint64
	// content is 1 in the tables of Content mode: there the loop also
	// counts the words of the sentence (indirectState.word) and leaves
	// sentence breaks and sentences' first words to the main pass.
	content uint8
}

// Byte classes the assembly tests, by value.
const (
	runCWord    = cWord
	runCLetter  = cLetter
	runCUnit    = cUnit
	runCSent    = cSent
	runCB64     = cB64
	runMaxUnit  = maxUnitBytes
	runNoUnit   = 1<<31 - 1 // in place of a sentence's end when none is open
	runMaxText  = 1 << 30   // longer texts are the main pass's: offsets stay below runNoUnit
	runMinSpace = minSpaced
	runMaxWord  = 2*minSpaced - 1 // longer words may start an encoded or spelt-out run
)

// The loop passes words of letters of up to fifteen bytes, and takes
// their look for a run of base64 (encoded) as ending at once where no
// byte next to them belongs to one: such a run is shorter than
// minEncoded. This fails to compile if minEncoded drops below sixteen.
const _ = uint(minEncoded - 16)

// theRunTables are the plain-word loop's tables for Prompt and Content
// mode, by wfPrompt and wfContent.
var theRunTables = [2]*runTables{newRunTables(wfPrompt), newRunTables(wfContent)}

func newRunTables(mode int) *runTables {
	t := &runTables{class: class, wordEnd: wordEnd, mix: wfMix, spread: wfSpread, wf: &theWordFilter.ent[mode],
		trig: &theLexicon.triggers, anch: &theEngine.asciiP, mulA: packedMulA, mulB: packedMulB, mul4: packedHashLen(4)}
	if mode == wfContent {
		t.anch, t.content = &theEngine.asciiC, 1
	}
	for c, v := range notable {
		if v {
			t.notable[c] = 1
		}
	}
	return t
}

// usePlainRun says whether the main pass of st may hand runs of plain
// words to plainRun: the engine the tables were built from, with the
// pre-filters and the eight-byte path on (the reference settings of the
// tests turn them off).
func (st *scanState) usePlainRun() bool {
	return haveplainRun && st.e == theEngine && !st.e.exhaustive && !st.e.noSWAR && !asmOff.Load()
}

// asmOff turns the assembly loop off (SetAssembly).
var asmOff atomic.Bool

// SetAssembly turns the assembly fast path of the main pass on (the
// default, where the architecture has one) or off, for everything
// scanned afterwards. The findings are the same either way; benchmarks
// use it to measure what the assembly gains in one process.
func SetAssembly(on bool) { asmOff.Store(!on) }

// packedHashLen is what packedHash mixes into a word of n bytes.
func packedHashLen(n int) uint64 { return uint64(n) * packedMulA }
