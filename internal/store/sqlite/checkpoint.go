package sqlite

import (
	"bytes"
	"context"
	"fmt"

	"github.com/palisade-gw/palisade/internal/store"
)

// AddCheckpoint stores the signed note of the audit tree of size events.
// The insert and the comparison share one write transaction, so of two
// replicas adding a size at once, the second sees the first's note: the
// same bytes are a no-op, different ones store.ErrAlreadyExists.
func (s *Store) AddCheckpoint(ctx context.Context, size int64, note []byte) error {
	if size < 0 {
		return fmt.Errorf("sqlite: add checkpoint: negative size %d", size)
	}
	if len(note) == 0 {
		return fmt.Errorf("sqlite: add checkpoint of size %d: empty note", size)
	}
	fail := func(err error) error {
		return fmt.Errorf("sqlite: add checkpoint of size %d: %w", size, mapErr(err))
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, note, created_at) VALUES (?, ?, ?)
		ON CONFLICT (size) DO NOTHING`, size, note, micros(s.now())); err != nil {
		return fail(err)
	}
	var stored []byte
	if err := tx.QueryRowContext(ctx, `SELECT note FROM audit_checkpoints WHERE size = ?`, size).Scan(&stored); err != nil {
		return fail(err)
	}
	if !bytes.Equal(stored, note) {
		return fail(fmt.Errorf("%w: another note is stored for this size", store.ErrAlreadyExists))
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// ListCheckpoints returns every stored checkpoint, ordered by size.
func (s *Store) ListCheckpoints(ctx context.Context) ([]store.StoredCheckpoint, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT size, note, created_at FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list checkpoints: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.StoredCheckpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list checkpoints: %w", mapErr(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list checkpoints: %w", mapErr(err))
	}
	return out, nil
}

// LatestCheckpoint returns the checkpoint of the largest size, or
// store.ErrNotFound when there is none.
func (s *Store) LatestCheckpoint(ctx context.Context) (store.StoredCheckpoint, error) {
	c, err := scanCheckpoint(s.read.QueryRowContext(ctx,
		`SELECT size, note, created_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1`))
	if err != nil {
		return store.StoredCheckpoint{}, fmt.Errorf("sqlite: latest checkpoint: %w", mapErr(err))
	}
	return c, nil
}

func scanCheckpoint(row scanner) (store.StoredCheckpoint, error) {
	var c store.StoredCheckpoint
	var created int64
	if err := row.Scan(&c.Size, &c.Note, &created); err != nil {
		return store.StoredCheckpoint{}, err
	}
	c.CreatedAt = fromMicros(created)
	return c, nil
}
