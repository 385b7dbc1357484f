package guard

import (
	"slices"
	"testing"
)

// TestSetAssemblySameFindings checks that the engine finds the same with
// the detectors' assembly on and off, on the e-mail sample and the 1 KB
// prompt (each package compares its loops in depth).
func TestSetAssemblySameFindings(t *testing.T) {
	e := NewEngine(Builtin(nil, nil))
	data, err := corpusSample("detect/testdata/prose.txt", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer SetAssembly(true)
	for _, text := range []string{data, prompt1K} {
		for _, src := range []Source{FromUser, FromContent} {
			SetAssembly(true)
			on := e.Detect(src, text)
			SetAssembly(false)
			off := e.Detect(src, text)
			if !slices.Equal(on, off) || len(on) == 0 {
				t.Fatalf("%s, %d bytes: %d findings with the assembly, %d without", src, len(text), len(on), len(off))
			}
		}
	}
}
