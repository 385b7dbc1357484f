package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

const sessionColumns = `id, issuer, subject, sid, data, sealed, token_expiry, created_at, last_seen_at, expires_at, revoked_at`

// CreateSession stores se. Returns store.ErrAlreadyExists if the ID is
// taken.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	if se.ID == "" || se.Issuer == "" {
		return errors.New("sqlite: create session: empty id or issuer")
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sessionArgs(se)...); err != nil {
		return fmt.Errorf("sqlite: create session: %w", mapErr(err))
	}
	return nil
}

func sessionArgs(se store.Session) []any {
	return []any{se.ID, se.Issuer, se.Subject, se.SID, blob(se.Data), blob(se.Sealed), nullMicros(se.TokenExpiry),
		micros(se.CreatedAt), micros(se.LastSeenAt), micros(se.ExpiresAt), nullMicros(se.RevokedAt)}
}

// GetSession returns the session. Returns store.ErrNotFound if absent.
func (s *Store) GetSession(ctx context.Context, id string) (store.Session, error) {
	se, err := scanSession(s.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: get session: %w", mapErr(err))
	}
	return se, nil
}

// UpdateSession applies fn to the stored session inside one write
// transaction and stores the result. fn must not call the store. Returns
// store.ErrNotFound if absent, or fn's error unchanged.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(store.Session) (store.Session, error)) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: update session: %w", mapErr(err))
	}
	defer tx.Rollback()
	old, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return fmt.Errorf("sqlite: update session: %w", mapErr(err))
	}
	se, err := fn(old)
	if err != nil {
		return err
	}
	if se.ID != id {
		return errors.New("sqlite: update session: the id cannot change")
	}
	args := sessionArgs(se)
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET issuer = ?, subject = ?, sid = ?, data = ?, sealed = ?,
		token_expiry = ?, created_at = ?, last_seen_at = ?, expires_at = ?, revoked_at = ? WHERE id = ?`,
		append(args[1:], id)...); err != nil {
		return fmt.Errorf("sqlite: update session: %w", mapErr(err))
	}
	return mapErr(tx.Commit())
}

// RevokeSessions marks every matching session that is not yet revoked as
// revoked at at, and returns how many.
func (s *Store) RevokeSessions(ctx context.Context, f store.SessionFilter, at time.Time) (int, error) {
	if !f.ValidFilter() {
		return 0, errors.New("sqlite: revoke sessions: the filter selects no session precisely (need id, or issuer with subject or sid)")
	}
	q := `UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL`
	args := []any{micros(at)}
	if f.ID != "" {
		q += ` AND id = ?`
		args = append(args, f.ID)
	}
	if f.Issuer != "" {
		q += ` AND issuer = ?`
		args = append(args, f.Issuer)
	}
	if f.Subject != "" {
		q += ` AND subject = ?`
		args = append(args, f.Subject)
	}
	if f.SID != "" {
		q += ` AND sid = ?`
		args = append(args, f.SID)
	}
	res, err := s.write.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke sessions: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke sessions: %w", mapErr(err))
	}
	return int(n), nil
}

// DeleteExpiredSessions removes sessions whose ExpiresAt is before t.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, micros(t))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", mapErr(err))
	}
	return int(n), nil
}

func scanSession(row interface{ Scan(...any) error }) (store.Session, error) {
	var se store.Session
	var tokenExpiry, revoked sql.NullInt64
	var created, seen, expires int64
	if err := row.Scan(&se.ID, &se.Issuer, &se.Subject, &se.SID, &se.Data, &se.Sealed, &tokenExpiry,
		&created, &seen, &expires, &revoked); err != nil {
		return store.Session{}, err
	}
	se.TokenExpiry = fromNullMicros(tokenExpiry)
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	se.RevokedAt = fromNullMicros(revoked)
	return se, nil
}

// PutTicket stores data under id until expires. Returns
// store.ErrAlreadyExists if id is taken.
func (s *Store) PutTicket(ctx context.Context, id string, data []byte, expires time.Time) error {
	if id == "" || len(data) == 0 {
		return errors.New("sqlite: put ticket: empty id or data")
	}
	if _, err := s.write.ExecContext(ctx, `INSERT INTO tickets (id, data, expires_at) VALUES (?, ?, ?)`,
		id, data, micros(expires)); err != nil {
		return fmt.Errorf("sqlite: put ticket: %w", mapErr(err))
	}
	return nil
}

// TakeTicket removes the ticket and returns its data, once. Returns
// store.ErrNotFound if there is none or it expired before now.
func (s *Store) TakeTicket(ctx context.Context, id string, now time.Time) ([]byte, error) {
	var data []byte
	var expires int64
	err := s.write.QueryRowContext(ctx, `DELETE FROM tickets WHERE id = ? RETURNING data, expires_at`, id).Scan(&data, &expires)
	if err != nil {
		return nil, fmt.Errorf("sqlite: take ticket: %w", mapErr(err))
	}
	if fromMicros(expires).Before(now) {
		return nil, fmt.Errorf("sqlite: take ticket: expired: %w", store.ErrNotFound)
	}
	return data, nil
}

// DeleteExpiredTickets removes tickets that expired before t.
func (s *Store) DeleteExpiredTickets(ctx context.Context, t time.Time) (int, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM tickets WHERE expires_at < ?`, micros(t))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired tickets: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired tickets: %w", mapErr(err))
	}
	return int(n), nil
}
