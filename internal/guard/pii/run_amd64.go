//go:build !purego

package pii

import "golang.org/x/sys/cpu"

// havePlainRun says whether this architecture has the assembly loop.
const havePlainRun = true

// plainRun passes over the plain words and bytes of text[i:n] the way the
// scan loop would (see run.go) and returns the offset of the first byte
// it leaves to the scan loop.
//
//go:noescape
func plainRun(text *byte, n, i int, tab *runTables) int

func init() { theRunTables.avx2 = cpu.X86.HasAVX2 }
