package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/palisade-gw/palisade/internal/store"
)

const auditColumns = `seq, id, time, type, request_id, outcome, actor, app, agent, data`

// AppendAuditEvents durably stores evs in order in one transaction and
// returns copies with Seq set. The audit_seq counter row is advanced in
// the same transaction, so Seqs are consecutive and a failed batch
// consumes none. Returns store.ErrAlreadyExists if an ID is taken, also
// within the batch, and then stores none.
func (s *Store) AppendAuditEvents(ctx context.Context, evs []store.AuditEvent) ([]store.AuditEvent, error) {
	if len(evs) == 0 {
		return []store.AuditEvent{}, nil
	}
	for _, ev := range evs {
		if ev.ID == "" {
			return nil, errors.New("sqlite: append audit events: empty ID")
		}
	}
	fail := func(err error) ([]store.AuditEvent, error) {
		return nil, fmt.Errorf("sqlite: append %d audit events: %w", len(evs), mapErr(err))
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()

	var last int64
	if err := tx.QueryRowContext(ctx, `UPDATE audit_seq SET last_seq = last_seq + ?
		WHERE id = 1 RETURNING last_seq`, len(evs)).Scan(&last); err != nil {
		return fail(err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit_events (`+auditColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fail(err)
	}
	defer stmt.Close()

	out := make([]store.AuditEvent, len(evs))
	first := last - int64(len(evs)) + 1
	for i, ev := range evs {
		ev.Seq = first + int64(i)
		ev.Data = blob(ev.Data)
		if _, err := stmt.ExecContext(ctx, ev.Seq, ev.ID, micros(ev.Time), ev.Type, ev.RequestID,
			ev.Outcome, ev.Actor, ev.App, ev.Agent, ev.Data); err != nil {
			return fail(err)
		}
		ev.Time = fromMicros(micros(ev.Time))
		out[i] = ev
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return out, nil
}

// ListAuditEvents returns up to limit events with Seq > afterSeq in Seq
// order; limit <= 0 means no limit.
func (s *Store) ListAuditEvents(ctx context.Context, afterSeq int64, limit int) ([]store.AuditEvent, error) {
	if limit <= 0 {
		limit = -1 // SQLite: a negative LIMIT means none.
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events
		WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audit events: %w", mapErr(err))
	}
	defer rows.Close()
	var evs []store.AuditEvent
	for rows.Next() {
		ev, err := scanAuditEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list audit events: %w", mapErr(err))
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list audit events: %w", mapErr(err))
	}
	return evs, nil
}

// GetAuditEvent returns the event with the given ID. Returns
// store.ErrNotFound if absent.
func (s *Store) GetAuditEvent(ctx context.Context, id string) (store.AuditEvent, error) {
	ev, err := scanAuditEvent(s.read.QueryRowContext(ctx,
		`SELECT `+auditColumns+` FROM audit_events WHERE id = ?`, id))
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("sqlite: get audit event %q: %w", id, mapErr(err))
	}
	return ev, nil
}

func scanAuditEvent(row scanner) (store.AuditEvent, error) {
	var ev store.AuditEvent
	var t int64
	if err := row.Scan(&ev.Seq, &ev.ID, &t, &ev.Type, &ev.RequestID, &ev.Outcome,
		&ev.Actor, &ev.App, &ev.Agent, &ev.Data); err != nil {
		return store.AuditEvent{}, err
	}
	ev.Time = fromMicros(t)
	ev.Data = blob(ev.Data)
	return ev, nil
}
