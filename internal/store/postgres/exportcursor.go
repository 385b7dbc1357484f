package postgres

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
		return 0, fmt.Errorf("postgres: get export cursor: empty sink name: %w", store.ErrInvalid)
	}
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT seq FROM export_cursors WHERE sink = $1`, sink).Scan(&seq)
	if err != nil {
		if err = mapErr(err); errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		return 0, fmt.Errorf("postgres: get export cursor %q: %w", sink, err)
	}
	return seq, nil
}

// SetExportCursor moves sink's cursor to seq, delivered at at. One upsert
// whose update only applies to a larger (or equal) seq; it takes the row
// lock, so of replicas racing the largest seq stays.
func (s *Store) SetExportCursor(ctx context.Context, sink string, seq int64, at time.Time) error {
	if sink == "" {
		return fmt.Errorf("postgres: set export cursor: empty sink name: %w", store.ErrInvalid)
	}
	if seq < 0 {
		return fmt.Errorf("postgres: set export cursor %q: negative seq %d: %w", sink, seq, store.ErrInvalid)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO export_cursors (sink, seq, delivered_at) VALUES ($1, $2, $3)
		ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, delivered_at = excluded.delivered_at
		WHERE excluded.seq >= export_cursors.seq`, sink, seq, truncate(at)); err != nil {
		return fmt.Errorf("postgres: set export cursor %q: %w", sink, mapErr(err))
	}
	return nil
}
