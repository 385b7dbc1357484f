package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

const sessionColumns = `id, issuer, subject, sid, data, sealed, token_expiry, created_at, last_seen_at, expires_at, revoked_at`

// CreateSession stores se. Returns store.ErrAlreadyExists if the ID is
// taken.
func (s *Store) CreateSession(ctx context.Context, se store.Session) error {
	if se.ID == "" || se.Issuer == "" {
		return errors.New("postgres: create session: empty id or issuer")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, sessionArgs(se)...); err != nil {
		return fmt.Errorf("postgres: create session: %w", mapErr(err))
	}
	return nil
}

func sessionArgs(se store.Session) []any {
	return []any{se.ID, se.Issuer, se.Subject, se.SID, blob(se.Data), blob(se.Sealed), nullTime(se.TokenExpiry),
		se.CreatedAt, se.LastSeenAt, se.ExpiresAt, nullTime(se.RevokedAt)}
}

// GetSession returns the session. Returns store.ErrNotFound if absent.
func (s *Store) GetSession(ctx context.Context, id string) (store.Session, error) {
	se, err := scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
	if err != nil {
		return store.Session{}, fmt.Errorf("postgres: get session: %w", mapErr(err))
	}
	return se, nil
}

// UpdateSession applies fn to the stored session inside one transaction,
// holding its row lock, and stores the result. Returns store.ErrNotFound if
// absent, or fn's error unchanged.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(store.Session) (store.Session, error)) error {
	var fnErr error
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanSession(tx.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		se, err := fn(old)
		if err != nil {
			fnErr = err
			return err
		}
		if se.ID != id {
			return errors.New("the id cannot change")
		}
		args := sessionArgs(se)
		_, err = tx.Exec(ctx, `UPDATE sessions SET issuer = $2, subject = $3, sid = $4, data = $5, sealed = $6,
			token_expiry = $7, created_at = $8, last_seen_at = $9, expires_at = $10, revoked_at = $11 WHERE id = $1`, args...)
		return err
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("postgres: update session: %w", mapErr(err))
	}
	return nil
}

// RevokeSessions marks every matching session that is not yet revoked as
// revoked at at, and returns how many.
func (s *Store) RevokeSessions(ctx context.Context, f store.SessionFilter, at time.Time) (int, error) {
	if !f.ValidFilter() {
		return 0, errors.New("postgres: revoke sessions: the filter selects no session precisely (need id, or issuer with subject or sid)")
	}
	tag, err := s.pool.Exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL
		AND ($2 = '' OR id = $2) AND ($3 = '' OR issuer = $3) AND ($4 = '' OR subject = $4) AND ($5 = '' OR sid = $5)`,
		at, f.ID, f.Issuer, f.Subject, f.SID)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke sessions: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// DeleteExpiredSessions removes sessions whose ExpiresAt is before t.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

func scanSession(row pgx.Row) (store.Session, error) {
	var se store.Session
	var tokenExpiry, revoked *time.Time
	if err := row.Scan(&se.ID, &se.Issuer, &se.Subject, &se.SID, &se.Data, &se.Sealed, &tokenExpiry,
		&se.CreatedAt, &se.LastSeenAt, &se.ExpiresAt, &revoked); err != nil {
		return store.Session{}, err
	}
	se.TokenExpiry, se.RevokedAt = fromNullTime(tokenExpiry), fromNullTime(revoked)
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt = se.CreatedAt.UTC(), se.LastSeenAt.UTC(), se.ExpiresAt.UTC()
	return se, nil
}

// PutTicket stores data under id until expires. Returns
// store.ErrAlreadyExists if id is taken.
func (s *Store) PutTicket(ctx context.Context, id string, data []byte, expires time.Time) error {
	if id == "" || len(data) == 0 {
		return errors.New("postgres: put ticket: empty id or data")
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO tickets (id, data, expires_at) VALUES ($1, $2, $3)`, id, data, expires); err != nil {
		return fmt.Errorf("postgres: put ticket: %w", mapErr(err))
	}
	return nil
}

// TakeTicket removes the ticket and returns its data, once. Returns
// store.ErrNotFound if there is none or it expired before now.
func (s *Store) TakeTicket(ctx context.Context, id string, now time.Time) ([]byte, error) {
	var data []byte
	var expires time.Time
	err := s.pool.QueryRow(ctx, `DELETE FROM tickets WHERE id = $1 RETURNING data, expires_at`, id).Scan(&data, &expires)
	if err != nil {
		return nil, fmt.Errorf("postgres: take ticket: %w", mapErr(err))
	}
	if expires.Before(now) {
		return nil, fmt.Errorf("postgres: take ticket: expired: %w", store.ErrNotFound)
	}
	return data, nil
}

// DeleteExpiredTickets removes tickets that expired before t.
func (s *Store) DeleteExpiredTickets(ctx context.Context, t time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM tickets WHERE expires_at < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired tickets: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}
