package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// LoadOrCreateKey returns the key stored under name, storing value first if
// there is none. The insert (ON CONFLICT DO NOTHING, which waits for a
// concurrent insert of the same name to commit or roll back) and the read
// run as two statements of one READ COMMITTED transaction, so the read
// sees whichever value was committed first. name and value must not be
// empty.
func (s *Store) LoadOrCreateKey(ctx context.Context, name string, value []byte) ([]byte, error) {
	if name == "" {
		return nil, errors.New("postgres: load or create key: empty name")
	}
	if len(value) == 0 {
		return nil, fmt.Errorf("postgres: load or create key %q: empty value", name)
	}
	var stored []byte
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO keys (name, value, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, value, s.now()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM keys WHERE name = $1`, name).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: load or create key %q: %w", name, mapErr(err))
	}
	return stored, nil
}
