package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

const spColumns = `name, description, secret_hashes, public_keys, federation, disabled, created_at, updated_at`

// spArgs encodes the columns of sp after its name.
func spArgs(sp store.ServicePrincipal) (hashes, fed string, err error) {
	h := sp.SecretHashes
	if h == nil {
		h = []string{}
	}
	f := sp.Federation
	if f == nil {
		f = []store.FederatedIdentity{}
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", "", err
	}
	fb, err := json.Marshal(f)
	if err != nil {
		return "", "", err
	}
	return string(hb), string(fb), nil
}

// CreateServicePrincipal stores sp. Returns store.ErrAlreadyExists if
// sp.Name is taken.
func (s *Store) CreateServicePrincipal(ctx context.Context, sp store.ServicePrincipal) error {
	if sp.Name == "" {
		return errors.New("sqlite: create service principal: empty name")
	}
	hashes, fed, err := spArgs(sp)
	if err != nil {
		return fmt.Errorf("sqlite: create service principal %q: %w", sp.Name, err)
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO service_principals (`+spColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sp.Name, sp.Description, hashes, blob(sp.PublicKeys), fed, sp.Disabled,
		micros(sp.CreatedAt), micros(sp.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlite: create service principal %q: %w", sp.Name, mapErr(err))
	}
	return nil
}

// GetServicePrincipal returns the service principal. Returns
// store.ErrNotFound if absent.
func (s *Store) GetServicePrincipal(ctx context.Context, name string) (store.ServicePrincipal, error) {
	sp, err := scanServicePrincipal(s.getServicePrincipal.QueryRowContext(ctx, name))
	if err != nil {
		return store.ServicePrincipal{}, fmt.Errorf("sqlite: get service principal %q: %w", name, mapErr(err))
	}
	return sp, nil
}

// getServicePrincipalSQL reads one service principal by name.
const getServicePrincipalSQL = `SELECT ` + spColumns + ` FROM service_principals WHERE name = ?`

// ListServicePrincipals returns every service principal, ordered by name.
func (s *Store) ListServicePrincipals(ctx context.Context) ([]store.ServicePrincipal, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+spColumns+` FROM service_principals ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list service principals: %w", mapErr(err))
	}
	defer rows.Close()
	var out []store.ServicePrincipal
	for rows.Next() {
		sp, err := scanServicePrincipal(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list service principals: %w", mapErr(err))
		}
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list service principals: %w", mapErr(err))
	}
	return out, nil
}

// UpdateServicePrincipal replaces the record named sp.Name if its
// updated_at is still prevUpdatedAt. Returns store.ErrNotFound if absent,
// store.ErrConflict if it changed meanwhile.
func (s *Store) UpdateServicePrincipal(ctx context.Context, sp store.ServicePrincipal, prevUpdatedAt time.Time) error {
	fail := func(err error) error {
		return fmt.Errorf("sqlite: update service principal %q: %w", sp.Name, err)
	}
	hashes, fed, err := spArgs(sp)
	if err != nil {
		return fail(err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(mapErr(err))
	}
	defer tx.Rollback()
	var current int64
	if err := tx.QueryRowContext(ctx, `SELECT updated_at FROM service_principals WHERE name = ?`, sp.Name).Scan(&current); err != nil {
		return fail(mapErr(err))
	}
	if current != micros(prevUpdatedAt) {
		return fail(fmt.Errorf("%w: it was changed at %s", store.ErrConflict, fromMicros(current).Format(time.RFC3339Nano)))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE service_principals SET
		description = ?, secret_hashes = ?, public_keys = ?, federation = ?, disabled = ?,
		created_at = ?, updated_at = ? WHERE name = ?`,
		sp.Description, hashes, blob(sp.PublicKeys), fed, sp.Disabled,
		micros(sp.CreatedAt), micros(sp.UpdatedAt), sp.Name); err != nil {
		return fail(mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fail(mapErr(err))
	}
	return nil
}

// DeleteServicePrincipal removes the service principal. Returns
// store.ErrNotFound if absent.
func (s *Store) DeleteServicePrincipal(ctx context.Context, name string) error {
	res, err := s.write.ExecContext(ctx, `DELETE FROM service_principals WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("sqlite: delete service principal %q: %w", name, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete service principal %q: %w", name, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("sqlite: delete service principal %q: %w", name, store.ErrNotFound)
	}
	return nil
}

// UseAssertionID records a client assertion ID until expires. Returns
// store.ErrAlreadyExists if it is recorded and unexpired. Expired IDs are
// purged in the same write transaction.
func (s *Store) UseAssertionID(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("sqlite: use assertion id: empty id")
	}
	fail := func(err error) error { return fmt.Errorf("sqlite: use assertion id: %w", err) }
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(mapErr(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM assertion_ids WHERE expires_at <= ?`, micros(s.now())); err != nil {
		return fail(mapErr(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assertion_ids (id, expires_at) VALUES (?, ?)`, id, micros(expires)); err != nil {
		return fail(mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fail(mapErr(err))
	}
	return nil
}

func scanServicePrincipal(row scanner) (store.ServicePrincipal, error) {
	var sp store.ServicePrincipal
	var hashes, fed string
	var keys []byte
	var created, updated int64
	if err := row.Scan(&sp.Name, &sp.Description, &hashes, &keys, &fed, &sp.Disabled, &created, &updated); err != nil {
		return store.ServicePrincipal{}, err
	}
	if err := json.Unmarshal([]byte(hashes), &sp.SecretHashes); err != nil {
		return store.ServicePrincipal{}, fmt.Errorf("secret hashes of %q: %w", sp.Name, err)
	}
	if err := json.Unmarshal([]byte(fed), &sp.Federation); err != nil {
		return store.ServicePrincipal{}, fmt.Errorf("federation of %q: %w", sp.Name, err)
	}
	if len(sp.SecretHashes) == 0 {
		sp.SecretHashes = nil
	}
	if len(sp.Federation) == 0 {
		sp.Federation = nil
	}
	if len(keys) > 0 {
		sp.PublicKeys = keys
	}
	sp.CreatedAt, sp.UpdatedAt = fromMicros(created), fromMicros(updated)
	return sp, nil
}
