package pii

// The plain-word loop. Most words of a text are no trigger, no given name
// and not followed by a colon: the scan passes them with nothing noted. On
// amd64 an assembly loop (run_amd64.s) passes a whole run of them and of
// the bytes between them, and stops at the first byte the scan loop must
// look at: a word a filter lets through, a digit, '@', '<', a long word,
// a word near the end of the text. It notes nothing, so the scan loop
// takes over at that byte as if it had come there itself;
// TestPlainRunMatchesScanLoop and FuzzPlainRunMatchesScanLoop compare
// the two.

// Constants the assembly reads (go_asm.h).
const (
	runCWord    = cWord
	runCapital  = cUpper | cHigh
	runCaseBits = caseBits
)
