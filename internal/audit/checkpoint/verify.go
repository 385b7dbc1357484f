package checkpoint

import (
	"context"
	"fmt"
	"iter"

	"golang.org/x/mod/sumdb/note"

	"github.com/palisade-gw/palisade/internal/audit/tlog"
	"github.com/palisade-gw/palisade/internal/store"
)

// EventLister reads the audit log: store.AuditEvents.ListAuditEvents.
type EventLister interface {
	// ListAuditEvents returns up to limit events with Seq > afterSeq in
	// Seq order.
	ListAuditEvents(ctx context.Context, afterSeq int64, limit int) ([]store.AuditEvent, error)
}

// VerifyStore is what Verify needs of the store.
type VerifyStore interface {
	EventLister
	// ListCheckpoints is store.Checkpoints.ListCheckpoints.
	ListCheckpoints(ctx context.Context) ([]store.StoredCheckpoint, error)
}

// Result is what Verify checked.
type Result struct {
	tlog.Report
	// Stored and External count the checkpoints read from the store and
	// given from outside it.
	Stored, External int
}

// Verify checks every event of st against the store's checkpoints and the
// external ones (kept outside the database, see ReadDir), with
// tlog.VerifyWith. Each stored checkpoint must open with verifiers for the
// log origin: one that does not (a bad signature, an unknown key) is an
// error, as is a stored checkpoint whose size is not the one it is stored
// under. A tampered log is a *tlog.TamperError.
func Verify(ctx context.Context, st VerifyStore, origin string, verifiers note.Verifiers, external []tlog.Checkpoint) (Result, error) {
	stored, err := st.ListCheckpoints(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("checkpoint: list stored checkpoints: %w", err)
	}
	cks := make([]tlog.Checkpoint, 0, len(stored))
	for _, sc := range stored {
		c, err := tlog.Open(sc.Note, origin, verifiers)
		if err != nil {
			return Result{}, fmt.Errorf("checkpoint: the stored checkpoint of %d events: %w", sc.Size, err)
		}
		if c.Size != sc.Size {
			return Result{}, fmt.Errorf("checkpoint: the checkpoint stored for %d events: %w: it signs %d", sc.Size, tlog.ErrMalformedCheckpoint, c.Size)
		}
		cks = append(cks, c)
	}
	rep, err := tlog.VerifyWith(Events(ctx, st, DefaultPageSize), cks, tlog.Options{External: external})
	return Result{Report: rep, Stored: len(cks), External: len(external)}, err
}

// Events returns every audit event of st in Seq order, read page by page
// (pageSize events at a time), for tlog.Verify. It stops at the first
// read error, which it yields.
func Events(ctx context.Context, st EventLister, pageSize int) iter.Seq2[store.AuditEvent, error] {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	return func(yield func(store.AuditEvent, error) bool) {
		var after int64
		for {
			evs, err := st.ListAuditEvents(ctx, after, pageSize)
			if err != nil {
				yield(store.AuditEvent{}, err)
				return
			}
			for _, ev := range evs {
				if !yield(ev, nil) {
					return
				}
			}
			if len(evs) < pageSize {
				return
			}
			after = evs[len(evs)-1].Seq
		}
	}
}
