//go:build !purego

package inject

// haveplainRun says whether this architecture has the assembly loop.
const haveplainRun = true

// plainRun passes over the plain words and bytes of text[i:n] the way the
// main pass would (see run.go). It stops at the first byte it leaves to
// the main pass and returns its offset as next, with cand zero; or at a
// word text[ws:st.lastWord] a filter lets through, which it notes like
// the others, and returns the offset after it as next, with cand's bit 0
// set when it may be a trigger (unitCore) and bit 1 when it may be an
// anchor (fastWord). It reads and writes st.unit.start, st.lastWord,
// st.singleEnd and st.singles, and reads st.unit.trig.
//
//go:noescape
func plainRun(text *byte, n, i int, st *scanState, tab *runTables) (next, ws, cand int)
