package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

const userColumns = `username, display_name, email, group_names, password_hash, totp_secret,
	totp_last_step, disabled, failed_attempts, locked_until, created_at, updated_at, passkeys`

// CreateUser stores u. Returns store.ErrAlreadyExists if u.Username is
// taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Username == "" {
		return errors.New("postgres: create user: empty username")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		u.Username, u.DisplayName, u.Email, groupsArg(u.Groups), u.PasswordHash, u.TOTPSecret,
		u.TOTPLastStep, u.Disabled, u.FailedAttempts, nullTime(u.LockedUntil),
		u.CreatedAt, u.UpdatedAt, u.Passkeys); err != nil {
		return fmt.Errorf("postgres: create user %q: %w", u.Username, mapErr(err))
	}
	return nil
}

// GetUser returns the user. Returns store.ErrNotFound if absent.
func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: get user %q: %w", username, mapErr(err))
	}
	return u, nil
}

// ListUsers returns every user, ordered by Username (byte order, as
// SQLite's BINARY collation, whatever the database's collation).
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY username COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", mapErr(err))
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list users: %w", mapErr(err))
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", mapErr(err))
	}
	return us, nil
}

// UpdateUser applies fn to the stored user inside one transaction, holding
// the row lock (SELECT … FOR UPDATE) so concurrent updates are serialised,
// and stores the result. fn must not change the Username. Returns
// store.ErrNotFound if absent, or fn's error unchanged.
func (s *Store) UpdateUser(ctx context.Context, username string, fn func(store.User) (store.User, error)) error {
	var fnErr error
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanUser(tx.QueryRow(ctx,
			`SELECT `+userColumns+` FROM users WHERE username = $1 FOR UPDATE`, username))
		if err != nil {
			return err
		}
		u, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		if u.Username != username {
			return fmt.Errorf("the username cannot change (got %q)", u.Username)
		}
		_, err = tx.Exec(ctx, `UPDATE users SET
			display_name = $2, email = $3, group_names = $4, password_hash = $5, totp_secret = $6,
			totp_last_step = $7, disabled = $8, failed_attempts = $9, locked_until = $10,
			created_at = $11, updated_at = $12, passkeys = $13
			WHERE username = $1`,
			username, u.DisplayName, u.Email, groupsArg(u.Groups), u.PasswordHash, u.TOTPSecret,
			u.TOTPLastStep, u.Disabled, u.FailedAttempts, nullTime(u.LockedUntil),
			u.CreatedAt, u.UpdatedAt, u.Passkeys)
		return err
	})
	if fnErr != nil {
		return fnErr // unchanged, as the interface promises
	}
	if err != nil {
		return fmt.Errorf("postgres: update user %q: %w", username, mapErr(err))
	}
	return nil
}

// DeleteUser removes the user. Returns store.ErrNotFound if absent.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM users WHERE username = $1`, username)
	if err != nil {
		return fmt.Errorf("postgres: delete user %q: %w", username, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete user %q: %w", username, store.ErrNotFound)
	}
	return nil
}

// groupsArg stores nil groups as an empty array (the column is NOT NULL).
func groupsArg(groups []string) []string {
	if groups == nil {
		return []string{}
	}
	return groups
}

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	var locked *time.Time
	if err := row.Scan(&u.Username, &u.DisplayName, &u.Email, &u.Groups, &u.PasswordHash, &u.TOTPSecret,
		&u.TOTPLastStep, &u.Disabled, &u.FailedAttempts, &locked, &u.CreatedAt, &u.UpdatedAt, &u.Passkeys); err != nil {
		return store.User{}, err
	}
	if len(u.Groups) == 0 {
		u.Groups = nil
	}
	u.LockedUntil = fromNullTime(locked)
	u.CreatedAt = u.CreatedAt.UTC()
	u.UpdatedAt = u.UpdatedAt.UTC()
	return u, nil
}
