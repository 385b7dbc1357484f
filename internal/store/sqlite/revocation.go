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

// NoteCountry records that user signed in from country at at.
func (s *Store) NoteCountry(ctx context.Context, user, country string, at time.Time) error {
	if user == "" || country == "" {
		return errors.New("sqlite: note country: empty user or country")
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO user_countries (user_name, country, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_name, country) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
		user, country, micros(at), micros(at)); err != nil {
		return fmt.Errorf("sqlite: note country: %w", mapErr(err))
	}
	return nil
}

// KnownCountries returns the countries user has signed in from, sorted.
func (s *Store) KnownCountries(ctx context.Context, user string) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT country FROM user_countries WHERE user_name = ? ORDER BY country`, user)
	if err != nil {
		return nil, fmt.Errorf("sqlite: known countries: %w", mapErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("sqlite: known countries: %w", mapErr(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: known countries: %w", mapErr(err))
	}
	return out, nil
}
