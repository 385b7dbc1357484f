package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/palisade-gw/palisade/internal/store"
)

const auditColumns = `seq, id, time, type, request_id, outcome, actor, app, agent, data`

// AppendAuditEvents durably stores evs in order in one transaction and
// returns copies with Seq set. It is a batch of one record for
// CommitRecords: the audit_seq counter row is advanced in the same
// transaction, so Seqs are consecutive and a failed batch consumes none.
// Returns store.ErrAlreadyExists if an ID is taken, also within the batch,
// and then stores none.
func (s *Store) AppendAuditEvents(ctx context.Context, evs []store.AuditEvent) ([]store.AuditEvent, error) {
	if len(evs) == 0 {
		return []store.AuditEvent{}, nil
	}
	out, f := s.commitRecords(ctx, []store.Record{{Events: evs}})
	if f != nil {
		return nil, fmt.Errorf("sqlite: append %d audit events: %w", len(evs), f.err)
	}
	return out[0].Events, nil
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

// SearchAuditEvents returns up to q.Limit events matching q, in Seq order
// (descending if q.Desc). The conditions are bound as parameters; only
// column names are written into the statement. Returns an error wrapping
// store.ErrInvalid if q.Normalize refuses q.
func (s *Store) SearchAuditEvents(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, fmt.Errorf("sqlite: search audit events: %w", err)
	}
	var where []string
	var args []any
	cond := func(c string, v any) {
		where = append(where, c)
		args = append(args, v)
	}
	if !q.Since.IsZero() {
		cond("time >= ?", micros(q.Since))
	}
	if !q.Until.IsZero() {
		cond("time < ?", micros(q.Until))
	}
	for _, f := range []struct{ col, v string }{
		{"actor", q.Actor}, {"app", q.App}, {"agent", q.Agent}, {"type", q.Type}, {"outcome", q.Outcome},
	} {
		if f.v != "" {
			cond(f.col+" = ?", f.v)
		}
	}
	if q.AfterSeq > 0 {
		cond("seq > ?", q.AfterSeq)
	}
	if q.BeforeSeq > 0 {
		cond("seq < ?", q.BeforeSeq)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if q.Desc {
		query += ` ORDER BY seq DESC LIMIT ?`
	} else {
		query += ` ORDER BY seq LIMIT ?`
	}
	args = append(args, q.Limit)
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search audit events: %w", mapErr(err))
	}
	defer rows.Close()
	evs := make([]store.AuditEvent, 0, min(q.Limit, 64))
	for rows.Next() {
		ev, err := scanAuditEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search audit events: %w", mapErr(err))
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: search audit events: %w", mapErr(err))
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
