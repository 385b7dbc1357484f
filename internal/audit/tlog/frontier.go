package tlog

import (
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/palisade-gw/palisade/internal/store"
)

// Frontier is an append-only Merkle tree that keeps only its right edge:
// the roots of the complete subtrees the leaves so far make up, one per set
// bit of the size, so at most 64 hashes whatever the size. It gives the
// root of the whole tree after each append, which is all a checkpoint
// writer needs, in constant memory. Proofs and roots at earlier sizes need
// a Tree or stored hashes instead. Not safe for concurrent use.
type Frontier struct {
	size   int64
	hashes map[int64]Hash // stored hash index -> hash, for the right edge only
}

// Size returns the number of leaves.
func (f *Frontier) Size() int64 { return f.size }

// Append adds a leaf hash.
func (f *Frontier) Append(leaf Hash) error {
	if f.hashes == nil {
		f.hashes = make(map[int64]Hash, 64)
	}
	hs, err := tlog.StoredHashesForRecordHash(f.size, leaf, tlog.HashReaderFunc(f.read))
	if err != nil {
		return fmt.Errorf("tlog: append leaf %d: %w", f.size, err)
	}
	// hs[i] is the node at level i that the new leaf completes: index
	// size>>i at that level.
	for i, h := range hs {
		f.hashes[tlog.StoredHashIndex(i, f.size>>uint(i))] = h
	}
	f.size++
	f.prune()
	return nil
}

// AppendEvent adds ev's leaf hash.
func (f *Frontier) AppendEvent(ev store.AuditEvent) error {
	h, err := EventHash(ev)
	if err != nil {
		return err
	}
	return f.Append(h)
}

// Root returns the root of the tree of all leaves so far.
func (f *Frontier) Root() (Hash, error) {
	return TreeHash(f.size, tlog.HashReaderFunc(f.read))
}

// prune keeps the hashes of the right edge of the current size: for each
// set bit L of the size, the complete subtree of 2^L leaves that ends
// where the next smaller subtree begins.
func (f *Frontier) prune() {
	keep := make(map[int64]bool, bits.OnesCount64(uint64(f.size)))
	for l := 0; l < 63; l++ {
		if f.size>>uint(l)&1 == 1 {
			keep[tlog.StoredHashIndex(l, f.size>>uint(l)-1)] = true
		}
	}
	for idx := range f.hashes {
		if !keep[idx] {
			delete(f.hashes, idx)
		}
	}
}

func (f *Frontier) read(indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := f.hashes[idx]
		if !ok {
			return nil, fmt.Errorf("%w: hash %d is not on the right edge of a tree of %d", ErrIndex, idx, f.size)
		}
		out[i] = h
	}
	return out, nil
}
