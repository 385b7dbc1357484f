package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

const auditColumns = `seq, id, time, type, request_id, outcome, actor, app, agent, data`

// AppendAuditEvents durably stores evs in order in one transaction and
// returns copies with Seq set. The audit_seq counter row is advanced first
// in the same transaction, and its row lock is held to the commit, so
// batches commit in Seq order, Seqs are consecutive, and a failed batch
// consumes none. Returns store.ErrAlreadyExists if an ID is taken, also
// within the batch, and then stores none.
func (s *Store) AppendAuditEvents(ctx context.Context, evs []store.AuditEvent) ([]store.AuditEvent, error) {
	if len(evs) == 0 {
		return []store.AuditEvent{}, nil
	}
	for _, ev := range evs {
		if ev.ID == "" {
			return nil, errors.New("postgres: append audit events: empty ID")
		}
	}
	out := make([]store.AuditEvent, len(evs))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var last int64
		if err := tx.QueryRow(ctx, `UPDATE audit_seq SET last_seq = last_seq + $1
			WHERE id = 1 RETURNING last_seq`, len(evs)).Scan(&last); err != nil {
			return err
		}
		first := last - int64(len(evs)) + 1
		var batch pgx.Batch
		for i, ev := range evs {
			ev.Seq = first + int64(i)
			ev.Data = blob(ev.Data)
			batch.Queue(`INSERT INTO audit_events (`+auditColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				ev.Seq, ev.ID, ev.Time, ev.Type, ev.RequestID, ev.Outcome, ev.Actor, ev.App, ev.Agent, ev.Data)
			ev.Time = truncate(ev.Time)
			out[i] = ev
		}
		return tx.SendBatch(ctx, &batch).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: append %d audit events: %w", len(evs), mapErr(err))
	}
	return out, nil
}

// ListAuditEvents returns up to limit events with Seq > afterSeq in Seq
// order; limit <= 0 means no limit.
func (s *Store) ListAuditEvents(ctx context.Context, afterSeq int64, limit int) ([]store.AuditEvent, error) {
	var lim *int // NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_events
		WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit events: %w", mapErr(err))
	}
	defer rows.Close()
	var evs []store.AuditEvent
	for rows.Next() {
		ev, err := scanAuditEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list audit events: %w", mapErr(err))
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list audit events: %w", mapErr(err))
	}
	return evs, nil
}

// GetAuditEvent returns the event with the given ID. Returns
// store.ErrNotFound if absent.
func (s *Store) GetAuditEvent(ctx context.Context, id string) (store.AuditEvent, error) {
	ev, err := scanAuditEvent(s.pool.QueryRow(ctx,
		`SELECT `+auditColumns+` FROM audit_events WHERE id = $1`, id))
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("postgres: get audit event %q: %w", id, mapErr(err))
	}
	return ev, nil
}

func scanAuditEvent(row pgx.Row) (store.AuditEvent, error) {
	var ev store.AuditEvent
	if err := row.Scan(&ev.Seq, &ev.ID, &ev.Time, &ev.Type, &ev.RequestID, &ev.Outcome,
		&ev.Actor, &ev.App, &ev.Agent, &ev.Data); err != nil {
		return store.AuditEvent{}, err
	}
	ev.Time = ev.Time.UTC()
	ev.Data = blob(ev.Data)
	return ev, nil
}
