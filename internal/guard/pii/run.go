package pii

import "sync/atomic"

// The plain-word loop. Most words of a text are no trigger, no given name
// and not followed by a colon: the scan passes them with nothing noted. On
// amd64 an assembly loop (run_amd64.s) passes a whole run of them and of
// the bytes between them, and stops at the first byte the scan loop must
// look at: a word a filter lets through, a digit, '@', '<', a long word,
// the last bytes of the text. It notes nothing, so the scan loop takes
// over at that byte as if it had come there itself;
// TestPlainRunMatchesScanLoop and FuzzPlainRunMatchesScanLoop compare
// the two.
//
// The loop classifies 32 bytes at a time with SSE2, or AVX2 where the
// processor has it (letters and non-ASCII bytes, which make words;
// digits, '@' and '<', which stop it), and takes the words of those
// bytes from the masks, so that finding the next word never waits for
// the previous one.

// runTables are the constants and tables the assembly loop reads.
type runTables struct {
	c20, ca, c25, c0, c9, cat, clt [16]byte // the bytes 0x20, 'a', 25, '0', 9, '@', '<'
	class                          [256]uint8
	low                            [16]uint64 // low[l]: the low l bytes of a word (all eight from 8 on)
	caseBits, mul, zero            uint64
	names                          *[1 << 16 / 64][2]uint64
	avx2                           bool // classify with AVX2 (set where the processor has it)
}

// Constants the assembly reads (go_asm.h).
const (
	runCapital = cUpper | cHigh
	runUpper   = cUpper
)

var theRunTables = func() *runTables {
	t := &runTables{class: class, caseBits: caseBits, mul: hashMul, names: &nameBits}
	for k := range 16 {
		t.c20[k], t.ca[k], t.c25[k], t.c0[k], t.c9[k], t.cat[k], t.clt[k] = 0x20, 'a', 25, '0', 9, '@', '<'
	}
	for l := range t.low {
		t.low[l] = ^uint64(0)
		if l < 8 {
			t.low[l] = 1<<(8*l) - 1
		}
	}
	return t
}()

// asmOff turns the assembly loop off (SetAssembly).
var asmOff atomic.Bool

// SetAssembly turns the assembly plain-word loop on (the default, where
// the architecture has one) or off, for everything scanned afterwards.
// The findings are the same either way; benchmarks use it to measure
// what the assembly gains in one process.
func SetAssembly(on bool) { asmOff.Store(!on) }

// usePlainRun says whether d's scans hand runs of plain words to
// plainRun: where the architecture has it, unless it is turned off.
func (d *Detector) usePlainRun() bool { return havePlainRun && !d.noPlainRun && !asmOff.Load() }
