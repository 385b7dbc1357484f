package guard

import (
	"github.com/palisade-gw/palisade/internal/guard/inject"
	"github.com/palisade-gw/palisade/internal/guard/pii"
	"github.com/palisade-gw/palisade/internal/guard/secrets"
)

// SetAssembly turns the detectors' assembly fast paths on (the default,
// where the processor has them) or off, for everything scanned afterwards
// in this process (see docs/architecture.md). The findings are the same
// either way; BenchmarkAssemblyGain uses it to measure what the assembly
// gains without leaving the process, where a busy machine's drift would
// swamp the difference.
func SetAssembly(on bool) {
	inject.SetAssembly(on)
	pii.SetAssembly(on)
	secrets.SetAssembly(on)
}
