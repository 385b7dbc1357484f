package tlog

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// Ensure the right-edge tree gives the same root as the full tree at every
// size, while holding at most one hash per set bit of its size.
func TestFrontierMatchesTree(t *testing.T) {
	var full Tree
	var f Frontier
	for n := int64(1); n <= 1100; n++ {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(n))
		leaf := Hash(sha256.Sum256(b[:]))
		if _, err := full.Append(leaf); err != nil {
			t.Fatal(err)
		}
		if err := f.Append(leaf); err != nil {
			t.Fatal(err)
		}
		got, err := f.Root()
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		if want := full.Root(); got != want {
			t.Fatalf("size %d: frontier root %s, tree root %s", n, got, want)
		}
		if len(f.hashes) > 64 || len(f.hashes) != popcount(n) {
			t.Fatalf("size %d: frontier holds %d hashes", n, len(f.hashes))
		}
	}
}

func popcount(n int64) int {
	c := 0
	for ; n > 0; n &= n - 1 {
		c++
	}
	return c
}
