package store

import (
	"context"
	"time"
)

// StoredCheckpoint is a signed checkpoint of the audit log as the store
// keeps it: the signed note, byte for byte, and the tree size it signs.
// The store does not parse or verify notes; internal/audit/tlog does.
type StoredCheckpoint struct {
	// Size is the number of audit events the checkpoint signs.
	Size int64
	// Note is the signed note (a C2SP tlog-checkpoint with its signatures).
	Note []byte
	// CreatedAt is when the checkpoint was first stored.
	CreatedAt time.Time
}

// Checkpoints stores the signed checkpoints of the audit log, at most one
// per tree size. Every replica may sign and add the checkpoint of a size:
// signatures are deterministic, so they all add the same bytes.
type Checkpoints interface {
	// AddCheckpoint stores the signed note for a tree of size events. Adding
	// the same bytes again for a size is a no-op; a different note for a
	// size already stored returns ErrAlreadyExists (the log would have two
	// histories) and changes nothing. size must not be negative and note
	// not empty.
	AddCheckpoint(ctx context.Context, size int64, note []byte) error
	// ListCheckpoints returns every stored checkpoint, ordered by Size.
	ListCheckpoints(ctx context.Context) ([]StoredCheckpoint, error)
	// LatestCheckpoint returns the checkpoint of the largest Size. Returns
	// ErrNotFound when there is none.
	LatestCheckpoint(ctx context.Context) (StoredCheckpoint, error)
}
