package tlog

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/palisade-gw/palisade/internal/store"
)

// ErrIndex means a hash, leaf or tree size asked of a tree is out of range.
var ErrIndex = errors.New("tlog: index out of range")

// InclusionProof proves that a leaf is in a tree: RFC 6962's audit path.
type InclusionProof = tlog.RecordProof

// ConsistencyProof proves that a smaller tree is a prefix of a larger one:
// RFC 6962's consistency proof.
type ConsistencyProof = tlog.TreeProof

// HashesToStore returns the hashes to store when appending the leaf with
// hash leaf at index (0-based): the leaf hash followed by the hashes of the
// subtrees it completes. They go at stored hash indexes
// tlog.StoredHashIndex(0, index) onwards. r must return the hashes stored
// for the earlier leaves; it is asked for at most log₂(index) of them.
//
// This is how a store that keeps the tree next to the events (so that
// proofs and roots need no rehashing) computes what to write, in the same
// transaction as the event.
func HashesToStore(index int64, leaf Hash, r HashReader) ([]Hash, error) {
	hs, err := tlog.StoredHashesForRecordHash(index, leaf, r)
	if err != nil {
		return nil, fmt.Errorf("tlog: hashes for leaf %d: %w", index, err)
	}
	return hs, nil
}

// TreeHash returns the root of the tree of the first size leaves, read from
// the stored hashes r.
func TreeHash(size int64, r HashReader) (Hash, error) {
	if size < 0 {
		return Hash{}, fmt.Errorf("%w: tree size %d", ErrIndex, size)
	}
	h, err := tlog.TreeHash(size, r)
	if err != nil {
		return Hash{}, fmt.Errorf("tlog: root of %d leaves: %w", size, err)
	}
	return h, nil
}

// ProveInclusion returns the proof that leaf index is in the tree of the
// first size leaves, read from the stored hashes r.
func ProveInclusion(r HashReader, index, size int64) (InclusionProof, error) {
	if index < 0 || index >= size {
		return nil, fmt.Errorf("%w: leaf %d of a tree of %d", ErrIndex, index, size)
	}
	p, err := tlog.ProveRecord(size, index, r)
	if err != nil {
		return nil, fmt.Errorf("tlog: prove leaf %d in tree of %d: %w", index, size, err)
	}
	return p, nil
}

// ProveConsistency returns the proof that the tree of the first oldSize
// leaves is a prefix of the tree of the first newSize, read from the stored
// hashes r. Any tree extends the empty one, and a tree extends itself, with
// an empty proof.
func ProveConsistency(r HashReader, oldSize, newSize int64) (ConsistencyProof, error) {
	if oldSize < 0 || oldSize > newSize {
		return nil, fmt.Errorf("%w: tree of %d cannot be a prefix of a tree of %d", ErrIndex, oldSize, newSize)
	}
	if oldSize == 0 || oldSize == newSize {
		return ConsistencyProof{}, nil
	}
	p, err := tlog.ProveTree(newSize, oldSize, r)
	if err != nil {
		return nil, fmt.Errorf("tlog: prove tree of %d extends tree of %d: %w", newSize, oldSize, err)
	}
	return p, nil
}

// Tree is an append-only Merkle tree kept in memory: every stored hash of
// the tree, about two per leaf, in stored hash index order. It implements
// HashReader, so roots and proofs at any earlier size are cheap. It is the
// reference for what a store keeps, and serves tests and tools that load a
// whole log. Safe for concurrent use.
type Tree struct {
	mu     sync.RWMutex
	hashes []Hash
	size   int64
}

// Append adds a leaf hash and returns its index.
func (t *Tree) Append(leaf Hash) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	hs, err := HashesToStore(t.size, leaf, tlog.HashReaderFunc(t.readLocked))
	if err != nil {
		return 0, err
	}
	t.hashes = append(t.hashes, hs...)
	t.size++
	return t.size - 1, nil
}

// AppendEvent adds ev's leaf hash and returns its index. The caller keeps
// the events in Seq order; the tree does not check Seq.
func (t *Tree) AppendEvent(ev store.AuditEvent) (int64, error) {
	h, err := EventHash(ev)
	if err != nil {
		return 0, err
	}
	return t.Append(h)
}

// Size returns the number of leaves.
func (t *Tree) Size() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size
}

// Root returns the root of the whole tree.
func (t *Tree) Root() Hash {
	t.mu.RLock()
	defer t.mu.RUnlock()
	h, err := tlog.TreeHash(t.size, tlog.HashReaderFunc(t.readLocked))
	if err != nil {
		panic("tlog: in-memory tree lost a hash: " + err.Error()) // cannot happen: every hash is in memory
	}
	return h
}

// RootAt returns the root of the tree of the first size leaves.
func (t *Tree) RootAt(size int64) (Hash, error) {
	if err := t.checkSize(size); err != nil {
		return Hash{}, err
	}
	return TreeHash(size, t)
}

// Leaf returns the hash of leaf index.
func (t *Tree) Leaf(index int64) (Hash, error) {
	if index < 0 || index >= t.Size() {
		return Hash{}, fmt.Errorf("%w: leaf %d of %d", ErrIndex, index, t.Size())
	}
	hs, err := t.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
	if err != nil {
		return Hash{}, err
	}
	return hs[0], nil
}

// ProveInclusion returns the proof that leaf index is in the tree of the
// first size leaves.
func (t *Tree) ProveInclusion(index, size int64) (InclusionProof, error) {
	if err := t.checkSize(size); err != nil {
		return nil, err
	}
	return ProveInclusion(t, index, size)
}

// ProveConsistency returns the proof that the tree of the first oldSize
// leaves is a prefix of the tree of the first newSize.
func (t *Tree) ProveConsistency(oldSize, newSize int64) (ConsistencyProof, error) {
	if err := t.checkSize(newSize); err != nil {
		return nil, err
	}
	return ProveConsistency(t, oldSize, newSize)
}

// ReadHashes returns the stored hashes at the given stored hash indexes.
func (t *Tree) ReadHashes(indexes []int64) ([]Hash, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.readLocked(indexes)
}

func (t *Tree) readLocked(indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("%w: stored hash %d of %d", ErrIndex, x, len(t.hashes))
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

func (t *Tree) checkSize(size int64) error {
	if n := t.Size(); size < 0 || size > n {
		return fmt.Errorf("%w: tree size %d, have %d leaves", ErrIndex, size, n)
	}
	return nil
}
