package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

// secretColumns are the columns scanSecretVersion reads, in order.
const secretColumns = `name, version, ciphertext, wrapped_key, kek_id, disabled, created_at, disabled_at, created_by`

// PutSecretVersion stores v. A zero CreatedAt is set to the store's
// clock. The primary key (name, version) makes of concurrent writers of
// one version exactly one succeed; the others get store.ErrAlreadyExists.
func (s *Store) PutSecretVersion(ctx context.Context, v store.SecretVersion) error {
	if err := checkSecretVersion(v); err != nil {
		return fmt.Errorf("postgres: put secret version: %w", err)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.now()
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO secret_versions (`+secretColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		v.Name, v.Version, v.Ciphertext, v.WrappedKey, v.KEKID, v.Disabled,
		v.CreatedAt, nullTime(v.DisabledAt), v.CreatedBy); err != nil {
		return fmt.Errorf("postgres: put secret %q version %d: %w", v.Name, v.Version, mapErr(err))
	}
	return nil
}

// GetSecretVersion returns one version of a secret, the latest when
// version is 0, or store.ErrNotFound.
func (s *Store) GetSecretVersion(ctx context.Context, name string, version int) (store.SecretVersion, error) {
	var row pgx.Row
	if version == 0 {
		row = s.pool.QueryRow(ctx, `SELECT `+secretColumns+` FROM secret_versions
			WHERE name = $1 ORDER BY version DESC LIMIT 1`, name)
	} else {
		row = s.pool.QueryRow(ctx, `SELECT `+secretColumns+` FROM secret_versions
			WHERE name = $1 AND version = $2`, name, version)
	}
	v, err := scanSecretVersion(row)
	if err != nil {
		return store.SecretVersion{}, fmt.Errorf("postgres: get secret %q version %d: %w", name, version, mapErr(err))
	}
	return v, nil
}

// ListSecretVersions returns the versions of the named secret, or of every
// secret when name is "", ordered by name and version.
func (s *Store) ListSecretVersions(ctx context.Context, name string) ([]store.SecretVersion, error) {
	q, args := `SELECT `+secretColumns+` FROM secret_versions ORDER BY name COLLATE "C", version`, []any(nil)
	if name != "" {
		q, args = `SELECT `+secretColumns+` FROM secret_versions WHERE name = $1 ORDER BY version`, []any{name}
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list secret versions: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.SecretVersion
	for rows.Next() {
		v, err := scanSecretVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list secret versions: %w", mapErr(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list secret versions: %w", mapErr(err))
	}
	return out, nil
}

// DisableSecretVersion marks a version disabled at at; a version already
// disabled keeps its first DisabledAt. Returns store.ErrNotFound if absent.
func (s *Store) DisableSecretVersion(ctx context.Context, name string, version int, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE secret_versions
		SET disabled = TRUE, disabled_at = COALESCE(disabled_at, $1)
		WHERE name = $2 AND version = $3`, at, name, version)
	if err != nil {
		return fmt.Errorf("postgres: disable secret %q version %d: %w", name, version, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: disable secret %q version %d: %w", name, version, store.ErrNotFound)
	}
	return nil
}

// RewrapSecretVersion replaces the wrapped data key of a version whose
// KEKID is still oldKEKID. The conditional UPDATE takes the row lock, so
// of concurrent re-wraps from one KEKID exactly one applies; when it
// matches no row, a read tells store.ErrNotFound from store.ErrConflict.
func (s *Store) RewrapSecretVersion(ctx context.Context, name string, version int, oldKEKID string, wrapped []byte, newKEKID string) error {
	if len(wrapped) == 0 || newKEKID == "" {
		return fmt.Errorf("postgres: rewrap secret %q version %d: empty wrapped key or key-encryption key id: %w", name, version, store.ErrInvalid)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE secret_versions SET wrapped_key = $1, kek_id = $2
		WHERE name = $3 AND version = $4 AND kek_id = $5`, wrapped, newKEKID, name, version, oldKEKID)
	if err != nil {
		return fmt.Errorf("postgres: rewrap secret %q version %d: %w", name, version, mapErr(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var current string
	if err := s.pool.QueryRow(ctx, `SELECT kek_id FROM secret_versions WHERE name = $1 AND version = $2`,
		name, version).Scan(&current); err != nil {
		return fmt.Errorf("postgres: rewrap secret %q version %d: %w", name, version, mapErr(err))
	}
	return fmt.Errorf("postgres: rewrap secret %q version %d: %w: wrapped by %q, not %q", name, version, store.ErrConflict, current, oldKEKID)
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

func scanSecretVersion(row pgx.Row) (store.SecretVersion, error) {
	var v store.SecretVersion
	var disabledAt *time.Time
	if err := row.Scan(&v.Name, &v.Version, &v.Ciphertext, &v.WrappedKey, &v.KEKID, &v.Disabled,
		&v.CreatedAt, &disabledAt, &v.CreatedBy); err != nil {
		return store.SecretVersion{}, err
	}
	v.CreatedAt, v.DisabledAt = v.CreatedAt.UTC(), fromNullTime(disabledAt)
	return v, nil
}
