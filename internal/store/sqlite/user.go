package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/palisade-gw/palisade/internal/store"
)

const userColumns = `username, display_name, email, group_names, password_hash, totp_secret,
	totp_last_step, disabled, failed_attempts, locked_until, created_at, updated_at, passkeys`

// CreateUser stores u. Returns store.ErrAlreadyExists if u.Username is
// taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Username == "" {
		return fmt.Errorf("sqlite: create user: empty username")
	}
	groups, err := encodeGroups(u.Groups)
	if err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Username, err)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.DisplayName, u.Email, groups, u.PasswordHash, u.TOTPSecret,
		u.TOTPLastStep, u.Disabled, u.FailedAttempts, nullMicros(u.LockedUntil),
		micros(u.CreatedAt), micros(u.UpdatedAt), u.Passkeys); err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Username, mapErr(err))
	}
	return nil
}

// GetUser returns the user. Returns store.ErrNotFound if absent.
func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: get user %q: %w", username, mapErr(err))
	}
	return u, nil
}

// ListUsers returns every user, ordered by Username.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", mapErr(err))
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", mapErr(err))
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", mapErr(err))
	}
	return us, nil
}

// UpdateUser applies fn to the stored user inside one write transaction
// and stores the result. fn must not change the Username, and must not
// call the store: the single write connection is held while it runs.
// Returns store.ErrNotFound if absent, or fn's error unchanged.
func (s *Store) UpdateUser(ctx context.Context, username string, fn func(store.User) (store.User, error)) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: update user %q: %w", username, mapErr(err))
	}
	defer tx.Rollback()

	old, err := scanUser(tx.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if err != nil {
		return fmt.Errorf("sqlite: update user %q: %w", username, mapErr(err))
	}
	u, err := fn(old)
	if err != nil {
		return err
	}
	if u.Username != username {
		return fmt.Errorf("sqlite: update user %q: the username cannot change (got %q)", username, u.Username)
	}
	groups, err := encodeGroups(u.Groups)
	if err != nil {
		return fmt.Errorf("sqlite: update user %q: %w", username, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET
		display_name = ?, email = ?, group_names = ?, password_hash = ?, totp_secret = ?,
		totp_last_step = ?, disabled = ?, failed_attempts = ?, locked_until = ?,
		created_at = ?, updated_at = ?, passkeys = ?
		WHERE username = ?`,
		u.DisplayName, u.Email, groups, u.PasswordHash, u.TOTPSecret,
		u.TOTPLastStep, u.Disabled, u.FailedAttempts, nullMicros(u.LockedUntil),
		micros(u.CreatedAt), micros(u.UpdatedAt), u.Passkeys, username); err != nil {
		return fmt.Errorf("sqlite: update user %q: %w", username, mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: update user %q: %w", username, mapErr(err))
	}
	return nil
}

// DeleteUser removes the user. Returns store.ErrNotFound if absent.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM users WHERE username = ?`, username)
	if err != nil {
		return fmt.Errorf("sqlite: delete user %q: %w", username, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete user %q: %w", username, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete user %q: %w", username, store.ErrNotFound)
	}
	return nil
}

// encodeGroups stores groups as a JSON array; nil and empty are both "[]".
func encodeGroups(groups []string) (string, error) {
	if len(groups) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(groups)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func scanUser(row scanner) (store.User, error) {
	var u store.User
	var groups string
	var locked sql.NullInt64
	var created, updated int64
	if err := row.Scan(&u.Username, &u.DisplayName, &u.Email, &groups, &u.PasswordHash, &u.TOTPSecret,
		&u.TOTPLastStep, &u.Disabled, &u.FailedAttempts, &locked, &created, &updated, &u.Passkeys); err != nil {
		return store.User{}, err
	}
	if err := json.Unmarshal([]byte(groups), &u.Groups); err != nil {
		return store.User{}, fmt.Errorf("groups of %q: %w", u.Username, err)
	}
	if len(u.Groups) == 0 {
		u.Groups = nil
	}
	u.LockedUntil = fromNullMicros(locked)
	u.CreatedAt = fromMicros(created)
	u.UpdatedAt = fromMicros(updated)
	return u, nil
}
