package inject

// haveplainRun says whether this architecture has the assembly loop.
const haveplainRun = true

// plainRun passes over the plain words and bytes of text[i:n] the way the
// main pass would and returns the offset of the first byte it leaves to
// the main pass (see run.go). It reads and writes st.unit.start,
// st.lastWord, st.singleEnd and st.singles, and reads st.unit.trig.
//
//go:noescape
func plainRun(text *byte, n, i int, st *scanState, tab *runTables) int
