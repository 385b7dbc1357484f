package postgres

import (
	"bytes"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

// AddCheckpoint stores the signed note of the audit tree of size events.
// The insert (ON CONFLICT DO NOTHING, which waits for a concurrent insert
// of the same size to commit or roll back) and the read of the stored note
// run in one READ COMMITTED transaction: the same bytes are a no-op,
// different ones store.ErrAlreadyExists.
func (s *Store) AddCheckpoint(ctx context.Context, size int64, note []byte) error {
	if size < 0 {
		return fmt.Errorf("postgres: add checkpoint: negative size %d", size)
	}
	if len(note) == 0 {
		return fmt.Errorf("postgres: add checkpoint of size %d: empty note", size)
	}
	var stored []byte
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, note, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (size) DO NOTHING`, size, note, s.now()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT note FROM audit_checkpoints WHERE size = $1`, size).Scan(&stored)
	})
	if err != nil {
		return fmt.Errorf("postgres: add checkpoint of size %d: %w", size, mapErr(err))
	}
	if !bytes.Equal(stored, note) {
		return fmt.Errorf("postgres: add checkpoint of size %d: %w: another note is stored for this size", size, store.ErrAlreadyExists)
	}
	return nil
}

// ListCheckpoints returns every stored checkpoint, ordered by size.
func (s *Store) ListCheckpoints(ctx context.Context) ([]store.StoredCheckpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT size, note, created_at FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list checkpoints: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.StoredCheckpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list checkpoints: %w", mapErr(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list checkpoints: %w", mapErr(err))
	}
	return out, nil
}

// LatestCheckpoint returns the checkpoint of the largest size, or
// store.ErrNotFound when there is none.
func (s *Store) LatestCheckpoint(ctx context.Context) (store.StoredCheckpoint, error) {
	c, err := scanCheckpoint(s.pool.QueryRow(ctx,
		`SELECT size, note, created_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1`))
	if err != nil {
		return store.StoredCheckpoint{}, fmt.Errorf("postgres: latest checkpoint: %w", mapErr(err))
	}
	return c, nil
}

func scanCheckpoint(row pgx.Row) (store.StoredCheckpoint, error) {
	var c store.StoredCheckpoint
	if err := row.Scan(&c.Size, &c.Note, &c.CreatedAt); err != nil {
		return store.StoredCheckpoint{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}
