package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RevokeTokens records that tokens for key issued before before are
// refused until expires, keeping the later times of an existing record.
func (s *Store) RevokeTokens(ctx context.Context, key string, before, expires time.Time) error {
	if key == "" {
		return errors.New("sqlite: revoke tokens: empty key")
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO token_revocations (key, revoked_before, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET revoked_before = max(revoked_before, excluded.revoked_before),
			expires_at = max(expires_at, excluded.expires_at)`, key, micros(before), micros(expires)); err != nil {
		return fmt.Errorf("sqlite: revoke tokens: %w", mapErr(err))
	}
	return nil
}

// TokensRevokedBefore returns the latest revocation time among keys, or
// the zero time.
func (s *Store) TokensRevokedBefore(ctx context.Context, keys ...string) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	var v sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT max(revoked_before) FROM token_revocations WHERE key IN (?`+
		strings.Repeat(", ?", len(keys)-1)+`)`, args...).Scan(&v)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: tokens revoked before: %w", mapErr(err))
	}
	return fromNullMicros(v), nil
}

// DeleteExpiredRevocations removes records that expired before t.
func (s *Store) DeleteExpiredRevocations(ctx context.Context, t time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM token_revocations WHERE expires_at < ?`, micros(t))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired revocations: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired revocations: %w", mapErr(err))
	}
	return int(n), nil
}
