package sqlite

import (
	"context"
	"errors"
	"fmt"
)

// LoadOrCreateKey returns the key stored under name, storing value first if
// there is none. The insert and the read share one write transaction, so
// concurrent callers all get the value that was stored first. name and
// value must not be empty.
func (s *Store) LoadOrCreateKey(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" {
		return nil, errors.New("sqlite: load or create key: empty name")
	}
	if len(value) == 0 {
		return nil, fmt.Errorf("sqlite: load or create key %q: empty value", name)
	}
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("sqlite: load or create key %q: %w", name, mapErr(err))
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `INSERT INTO keys (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, value, micros(s.now())); err != nil {
		return fail(err)
	}
	var stored []byte
	if err := tx.QueryRowContext(ctx, `SELECT value FROM keys WHERE name = ?`, name).Scan(&stored); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return stored, nil
}
