package tlog

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ErrProof means a proof does not verify: the leaf is not in the
// checkpoint's tree, or the older tree is not a prefix of the newer one.
var ErrProof = errors.New("tlog: proof does not verify")

// emptyRoot is the root of the tree with no leaves: SHA-256 of nothing.
var emptyRoot = func() Hash {
	h, err := tlog.TreeHash(0, nil)
	if err != nil {
		panic(err)
	}
	return h
}()

// CheckInclusion verifies that leaf is the hash of leaf index (0-based,
// Seq − 1) of the tree c signs. c must come from Open, so that its root is
// one the log's key signed.
func CheckInclusion(proof InclusionProof, leaf Hash, index int64, c Checkpoint) error {
	if index < 0 || index >= c.Size {
		return fmt.Errorf("%w: leaf %d is outside a tree of %d", ErrProof, index, c.Size)
	}
	if err := tlog.CheckRecord(proof, c.Size, c.Hash, index, leaf); err != nil {
		return fmt.Errorf("%w: leaf %d in tree of %d: %w", ErrProof, index, c.Size, err)
	}
	return nil
}

// CheckConsistency verifies that the tree old signs is a prefix of the tree
// newer signs, so that everything old committed to is still in newer,
// unchanged. Kept outside the database, an old checkpoint with this proof
// shows the database was not rewritten since.
func CheckConsistency(proof ConsistencyProof, old, newer Checkpoint) error {
	if old.Origin != newer.Origin {
		return fmt.Errorf("%w: origins %q and %q", ErrWrongOrigin, old.Origin, newer.Origin)
	}
	switch {
	case old.Size < 0 || old.Size > newer.Size:
		return fmt.Errorf("%w: a tree of %d cannot be a prefix of a tree of %d", ErrProof, old.Size, newer.Size)
	case old.Size == 0:
		if old.Hash != emptyRoot || len(proof) != 0 {
			return fmt.Errorf("%w: empty tree with a root or proof", ErrProof)
		}
		return nil
	case old.Size == newer.Size:
		if old.Hash != newer.Hash || len(proof) != 0 {
			return fmt.Errorf("%w: two trees of %d with different roots", ErrProof, old.Size)
		}
		return nil
	}
	if err := tlog.CheckTree(proof, newer.Size, newer.Hash, old.Size, old.Hash); err != nil {
		return fmt.Errorf("%w: tree of %d extends tree of %d: %w", ErrProof, newer.Size, old.Size, err)
	}
	return nil
}
