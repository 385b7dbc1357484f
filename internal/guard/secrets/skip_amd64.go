//go:build !purego

package secrets

import "golang.org/x/sys/cpu"

// haveSkip says whether skip64 may run here.
var haveSkip = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI

// skip64 returns the first offset i + 16k, i >= 1, whose sixteen bytes
// hold a candidate of the filter for the class table class (a byte whose
// anchor bits meet the neighbour bits of the byte before it), or the
// first one from which fewer than 64 bytes are left.
//
//go:noescape
func skip64(text *byte, n, i int, class *[256]uint8) int
