package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

const spColumns = `name, description, secret_hashes, public_keys, federation, disabled, created_at, updated_at`

// spArgs encodes the array and JSON columns of sp.
func spArgs(sp store.ServicePrincipal) (hashes []string, fed []byte, err error) {
	hashes = sp.SecretHashes
	if hashes == nil {
		hashes = []string{}
	}
	f := sp.Federation
	if f == nil {
		f = []store.FederatedIdentity{}
	}
	fed, err = json.Marshal(f)
	return hashes, fed, err
}

// CreateServicePrincipal stores sp. Returns store.ErrAlreadyExists if
// sp.Name is taken.
func (s *Store) CreateServicePrincipal(ctx context.Context, sp store.ServicePrincipal) error {
	if sp.Name == "" {
		return errors.New("postgres: create service principal: empty name")
	}
	hashes, fed, err := spArgs(sp)
	if err != nil {
		return fmt.Errorf("postgres: create service principal %q: %w", sp.Name, err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO service_principals (`+spColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sp.Name, sp.Description, hashes, blob(sp.PublicKeys), string(fed), sp.Disabled,
		sp.CreatedAt, sp.UpdatedAt); err != nil {
		return fmt.Errorf("postgres: create service principal %q: %w", sp.Name, mapErr(err))
	}
	return nil
}

// GetServicePrincipal returns the service principal. Returns
// store.ErrNotFound if absent.
func (s *Store) GetServicePrincipal(ctx context.Context, name string) (store.ServicePrincipal, error) {
	sp, err := scanServicePrincipal(s.pool.QueryRow(ctx,
		`SELECT `+spColumns+` FROM service_principals WHERE name = $1`, name))
	if err != nil {
		return store.ServicePrincipal{}, fmt.Errorf("postgres: get service principal %q: %w", name, mapErr(err))
	}
	return sp, nil
}

// ListServicePrincipals returns every service principal, ordered by name
// (byte order, as SQLite's BINARY collation).
func (s *Store) ListServicePrincipals(ctx context.Context) ([]store.ServicePrincipal, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+spColumns+` FROM service_principals ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list service principals: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.ServicePrincipal
	for rows.Next() {
		sp, err := scanServicePrincipal(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list service principals: %w", mapErr(err))
		}
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list service principals: %w", mapErr(err))
	}
	return out, nil
}

// UpdateServicePrincipal replaces the record named sp.Name if its
// updated_at is still prevUpdatedAt, in one conditional UPDATE. Returns
// store.ErrNotFound if absent, store.ErrConflict if it changed meanwhile.
func (s *Store) UpdateServicePrincipal(ctx context.Context, sp store.ServicePrincipal, prevUpdatedAt time.Time) error {
	fail := func(err error) error {
		return fmt.Errorf("postgres: update service principal %q: %w", sp.Name, err)
	}
	hashes, fed, err := spArgs(sp)
	if err != nil {
		return fail(err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE service_principals SET
		description = $2, secret_hashes = $3, public_keys = $4, federation = $5, disabled = $6,
		created_at = $7, updated_at = $8
		WHERE name = $1 AND updated_at = $9`,
		sp.Name, sp.Description, hashes, blob(sp.PublicKeys), string(fed), sp.Disabled,
		sp.CreatedAt, sp.UpdatedAt, truncate(prevUpdatedAt))
	if err != nil {
		return fail(mapErr(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM service_principals WHERE name = $1)`, sp.Name).Scan(&exists); err != nil {
		return fail(mapErr(err))
	}
	if !exists {
		return fail(store.ErrNotFound)
	}
	return fail(fmt.Errorf("%w: it was changed meanwhile", store.ErrConflict))
}

// DeleteServicePrincipal removes the service principal. Returns
// store.ErrNotFound if absent.
func (s *Store) DeleteServicePrincipal(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM service_principals WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("postgres: delete service principal %q: %w", name, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete service principal %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// UseAssertionID records a client assertion ID until expires: an insert
// that takes over an expired row of the same ID and does nothing for an
// unexpired one (then store.ErrAlreadyExists). Concurrent callers with one
// ID wait on each other's row lock, so exactly one succeeds. Other expired
// IDs are purged afterwards.
func (s *Store) UseAssertionID(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("postgres: use assertion id: empty id")
	}
	now := s.now()
	tag, err := s.pool.Exec(ctx, `INSERT INTO assertion_ids (id, expires_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at
		WHERE assertion_ids.expires_at <= $3`, id, expires, now)
	if err != nil {
		return fmt.Errorf("postgres: use assertion id: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: use assertion id: %w", store.ErrAlreadyExists)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM assertion_ids WHERE expires_at <= $1`, now); err != nil {
		return fmt.Errorf("postgres: purge assertion ids: %w", mapErr(err))
	}
	return nil
}

func scanServicePrincipal(row pgx.Row) (store.ServicePrincipal, error) {
	var sp store.ServicePrincipal
	var fed []byte
	if err := row.Scan(&sp.Name, &sp.Description, &sp.SecretHashes, &sp.PublicKeys, &fed, &sp.Disabled,
		&sp.CreatedAt, &sp.UpdatedAt); err != nil {
		return store.ServicePrincipal{}, err
	}
	if err := json.Unmarshal(fed, &sp.Federation); err != nil {
		return store.ServicePrincipal{}, fmt.Errorf("federation of %q: %w", sp.Name, err)
	}
	if len(sp.SecretHashes) == 0 {
		sp.SecretHashes = nil
	}
	if len(sp.Federation) == 0 {
		sp.Federation = nil
	}
	if len(sp.PublicKeys) == 0 {
		sp.PublicKeys = nil
	}
	sp.CreatedAt, sp.UpdatedAt = sp.CreatedAt.UTC(), sp.UpdatedAt.UTC()
	return sp, nil
}
