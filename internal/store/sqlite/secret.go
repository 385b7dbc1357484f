package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// secretColumns are the columns scanSecretVersion reads, in order.
const secretColumns = `name, version, ciphertext, wrapped_key, kek_id, disabled, created_at, disabled_at, created_by`

// PutSecretVersion stores v. A zero CreatedAt is set to the store's
// clock. The primary key (name, version) makes of concurrent writers of
// one version exactly one succeed; the others get store.ErrAlreadyExists.
func (s *Store) PutSecretVersion(ctx context.Context, v store.SecretVersion) error {
	if err := checkSecretVersion(v); err != nil {
		return fmt.Errorf("sqlite: put secret version: %w", err)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.now()
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO secret_versions (`+secretColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.Name, v.Version, v.Ciphertext, v.WrappedKey, v.KEKID, v.Disabled,
		micros(v.CreatedAt), nullMicros(v.DisabledAt), v.CreatedBy); err != nil {
		return fmt.Errorf("sqlite: put secret %q version %d: %w", v.Name, v.Version, mapErr(err))
	}
	return nil
}

// GetSecretVersion returns one version of a secret, the latest when
// version is 0, or store.ErrNotFound.
func (s *Store) GetSecretVersion(ctx context.Context, name string, version int) (store.SecretVersion, error) {
	var row *sql.Row
	if version == 0 {
		row = s.read.QueryRowContext(ctx, `SELECT `+secretColumns+` FROM secret_versions
			WHERE name = ? ORDER BY version DESC LIMIT 1`, name)
	} else {
		row = s.read.QueryRowContext(ctx, `SELECT `+secretColumns+` FROM secret_versions
			WHERE name = ? AND version = ?`, name, version)
	}
	v, err := scanSecretVersion(row)
	if err != nil {
		return store.SecretVersion{}, fmt.Errorf("sqlite: get secret %q version %d: %w", name, version, mapErr(err))
	}
	return v, nil
}

// ListSecretVersions returns the versions of the named secret, or of every
// secret when name is "", ordered by name and version.
func (s *Store) ListSecretVersions(ctx context.Context, name string) ([]store.SecretVersion, error) {
	q, args := `SELECT `+secretColumns+` FROM secret_versions ORDER BY name, version`, []any(nil)
	if name != "" {
		q, args = `SELECT `+secretColumns+` FROM secret_versions WHERE name = ? ORDER BY version`, []any{name}
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list secret versions: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.SecretVersion
	for rows.Next() {
		v, err := scanSecretVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list secret versions: %w", mapErr(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list secret versions: %w", mapErr(err))
	}
	return out, nil
}

// DisableSecretVersion marks a version disabled at at; a version already
// disabled keeps its first DisabledAt. Returns store.ErrNotFound if absent.
func (s *Store) DisableSecretVersion(ctx context.Context, name string, version int, at time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE secret_versions
		SET disabled = 1, disabled_at = COALESCE(disabled_at, ?)
		WHERE name = ? AND version = ?`, micros(at), name, version)
	if err == nil {
		err = oneSecretRow(res)
	}
	if err != nil {
		return fmt.Errorf("sqlite: disable secret %q version %d: %w", name, version, mapErr(err))
	}
	return nil
}

// RewrapSecretVersion replaces the wrapped data key of a version whose
// KEKID is still oldKEKID. The update and the check share one statement;
// when it matches no row, a read in the same write transaction tells
// store.ErrNotFound from store.ErrConflict.
func (s *Store) RewrapSecretVersion(ctx context.Context, name string, version int, oldKEKID string, wrapped []byte, newKEKID string) error {
	if len(wrapped) == 0 || newKEKID == "" {
		return fmt.Errorf("sqlite: rewrap secret %q version %d: empty wrapped key or key-encryption key id: %w", name, version, store.ErrInvalid)
	}
	fail := func(err error) error {
		return fmt.Errorf("sqlite: rewrap secret %q version %d: %w", name, version, mapErr(err))
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE secret_versions SET wrapped_key = ?, kek_id = ?
		WHERE name = ? AND version = ? AND kek_id = ?`, wrapped, newKEKID, name, version, oldKEKID)
	if err != nil {
		return fail(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fail(err)
	} else if n == 0 {
		var current string
		if err := tx.QueryRowContext(ctx, `SELECT kek_id FROM secret_versions WHERE name = ? AND version = ?`,
			name, version).Scan(&current); err != nil {
			return fail(err)
		}
		return fail(fmt.Errorf("%w: wrapped by %q, not %q", store.ErrConflict, current, oldKEKID))
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// oneSecretRow returns sql.ErrNoRows when res changed no row.
func oneSecretRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// checkSecretVersion refuses a version the table cannot hold. It checks
// shape only; naming rules belong to internal/secrets.
func checkSecretVersion(v store.SecretVersion) error {
	switch {
	case v.Name == "":
		return fmt.Errorf("empty secret name: %w", store.ErrInvalid)
	case v.Version < 1:
		return fmt.Errorf("secret %q: version %d is below 1: %w", v.Name, v.Version, store.ErrInvalid)
	case len(v.Ciphertext) == 0 || len(v.WrappedKey) == 0 || v.KEKID == "":
		return fmt.Errorf("secret %q version %d: empty ciphertext, wrapped key or key-encryption key id: %w", v.Name, v.Version, store.ErrInvalid)
	}
	return nil
}

func scanSecretVersion(row scanner) (store.SecretVersion, error) {
	var v store.SecretVersion
	var created int64
	var disabledAt sql.NullInt64
	if err := row.Scan(&v.Name, &v.Version, &v.Ciphertext, &v.WrappedKey, &v.KEKID, &v.Disabled,
		&created, &disabledAt, &v.CreatedBy); err != nil {
		return store.SecretVersion{}, err
	}
	v.CreatedAt, v.DisabledAt = fromMicros(created), fromNullMicros(disabledAt)
	return v, nil
}
