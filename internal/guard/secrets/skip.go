package secrets

import "sync/atomic"

// The filter of the scan (matcher.filter) looks at sixteen bytes at a
// time with a table look-up per byte. Where the processor has AVX-512
// with byte permutes (VBMI), skip64 (skip_amd64.s) looks the 64 bytes of
// a register up at once, in four permutes of the class table, and passes
// over every 64 bytes that hold no candidate; the filter takes over at
// the sixteen bytes that hold the first one. It changes what is found in
// nothing: TestSkipMatchesFilter and FuzzSkipMatchesFilter compare the
// two.

// asmOff turns skip64 off (SetAssembly).
var asmOff atomic.Bool

// SetAssembly turns the AVX-512 skip loop on (the default, where the
// processor has it) or off, for everything scanned afterwards. The
// findings are the same either way; benchmarks use it to measure what
// the assembly gains in one process.
func SetAssembly(on bool) { asmOff.Store(!on) }

// useSkip says whether m's scans use skip64: where the processor has
// it, unless it is turned off.
func (m *matcher) useSkip() bool { return haveSkip && !m.noSkip && !asmOff.Load() }
