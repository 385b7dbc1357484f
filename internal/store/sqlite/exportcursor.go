package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// GetExportCursor returns the Seq of the last audit event delivered to
// sink, or 0 when no cursor is stored.
func (s *Store) GetExportCursor(ctx context.Context, sink string) (int64, error) {
	if sink == "" {
		return 0, fmt.Errorf("sqlite: get export cursor: empty sink name: %w", store.ErrInvalid)
	}
	var seq int64
	err := s.read.QueryRowContext(ctx, `SELECT seq FROM export_cursors WHERE sink = ?`, sink).Scan(&seq)
	if err != nil {
		if err = mapErr(err); errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		return 0, fmt.Errorf("sqlite: get export cursor %q: %w", sink, err)
	}
	return seq, nil
}

// SetExportCursor moves sink's cursor to seq, delivered at at. One upsert
// whose update only applies to a larger (or equal) seq, so the cursor
// never moves backwards, even when replicas race.
func (s *Store) SetExportCursor(ctx context.Context, sink string, seq int64, at time.Time) error {
	if sink == "" {
		return fmt.Errorf("sqlite: set export cursor: empty sink name: %w", store.ErrInvalid)
	}
	if seq < 0 {
		return fmt.Errorf("sqlite: set export cursor %q: negative seq %d: %w", sink, seq, store.ErrInvalid)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO export_cursors (sink, seq, delivered_at) VALUES (?, ?, ?)
		ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, delivered_at = excluded.delivered_at
		WHERE excluded.seq >= export_cursors.seq`, sink, seq, micros(at)); err != nil {
		return fmt.Errorf("sqlite: set export cursor %q: %w", sink, mapErr(err))
	}
	return nil
}
