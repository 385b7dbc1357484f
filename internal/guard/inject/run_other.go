//go:build !amd64 || purego

package inject

// haveplainRun says whether this architecture has the assembly loop.
const haveplainRun = false

// plainRun is the assembly loop of amd64; elsewhere the main pass does
// all the work and this is never called.
func plainRun(text *byte, n, i int, st *scanState, tab *runTables) (next, ws, cand int) {
	return i, i, 0
}
