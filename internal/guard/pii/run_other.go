//go:build !amd64 || purego

package pii

// havePlainRun says whether this architecture has the assembly loop.
const havePlainRun = false

// plainRun is the assembly loop of amd64; elsewhere the scan loop does
// all the work and this is never called.
func plainRun(text *byte, n, i int, tab *runTables) int { return i }
