package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RevokeTokens records that tokens for key issued before before are
// refused until expires, keeping the later times of an existing record.
func (s *Store) RevokeTokens(ctx context.Context, key string, before, expires time.Time) error {
	if key == "" {
		return errors.New("postgres: revoke tokens: empty key")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO token_revocations (key, revoked_before, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET revoked_before = GREATEST(token_revocations.revoked_before, excluded.revoked_before),
			expires_at = GREATEST(token_revocations.expires_at, excluded.expires_at)`, key, before, expires); err != nil {
		return fmt.Errorf("postgres: revoke tokens: %w", mapErr(err))
	}
	return nil
}

// TokensRevokedBefore returns the latest revocation time among keys, or
// the zero time.
func (s *Store) TokensRevokedBefore(ctx context.Context, keys ...string) (time.Time, error) {
	if len(keys) == 0 {
		return time.Time{}, nil
	}
	var v *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT max(revoked_before) FROM token_revocations WHERE key = ANY($1)`, keys).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("postgres: tokens revoked before: %w", mapErr(err))
	}
	return fromNullTime(v), nil
}

// DeleteExpiredRevocations removes records that expired before t.
func (s *Store) DeleteExpiredRevocations(ctx context.Context, t time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM token_revocations WHERE expires_at < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired revocations: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// NoteCountry records that user signed in from country at at.
func (s *Store) NoteCountry(ctx context.Context, user, country string, at time.Time) error {
	if user == "" || country == "" {
		return errors.New("postgres: note country: empty user or country")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO user_countries (user_name, country, first_seen, last_seen) VALUES ($1, $2, $3, $3)
		ON CONFLICT (user_name, country) DO UPDATE SET last_seen = GREATEST(user_countries.last_seen, excluded.last_seen)`,
		user, country, at); err != nil {
		return fmt.Errorf("postgres: note country: %w", mapErr(err))
	}
	return nil
}

// KnownCountries returns the countries user has signed in from, sorted.
func (s *Store) KnownCountries(ctx context.Context, user string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT country FROM user_countries WHERE user_name = $1 ORDER BY country COLLATE "C"`, user)
	if err != nil {
		return nil, fmt.Errorf("postgres: known countries: %w", mapErr(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("postgres: known countries: %w", mapErr(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: known countries: %w", mapErr(err))
	}
	return out, nil
}
