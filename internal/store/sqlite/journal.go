package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/palisade-gw/palisade/internal/store"
)

// The statements of the write path, prepared once on the write connection
// by Open and bound to each transaction with Tx.StmtContext, which reuses
// the connection's prepared statement.
const (
	insertConversationSQL = `INSERT INTO conversations (` + conversationColumns + `, last_message_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertMessageSQL = `INSERT INTO messages
		(conversation_id, seq, id, role, sender, text, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	insertAuditEventSQL = `INSERT INTO audit_events (` + auditColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	advanceMessageSeqSQL = `UPDATE conversations SET last_message_seq = last_message_seq + ?
		WHERE id = ? RETURNING last_message_seq`
	advanceAuditSeqSQL = `UPDATE audit_seq SET last_seq = last_seq + ? WHERE id = 1 RETURNING last_seq`
)

// writeStmts are the prepared statements of the write path.
type writeStmts struct {
	insertConversation, insertMessage, insertAuditEvent *sql.Stmt
	advanceMessageSeq, advanceAuditSeq                  *sql.Stmt
}

// prepareWriteStmts prepares the write path's statements on the write pool.
func (s *Store) prepareWriteStmts(ctx context.Context) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.stmts.insertConversation, insertConversationSQL},
		{&s.stmts.insertMessage, insertMessageSQL},
		{&s.stmts.insertAuditEvent, insertAuditEventSQL},
		{&s.stmts.advanceMessageSeq, advanceMessageSeqSQL},
		{&s.stmts.advanceAuditSeq, advanceAuditSeqSQL},
	} {
		stmt, err := s.write.PrepareContext(ctx, p.sql)
		if err != nil {
			return mapErr(err)
		}
		*p.stmt = stmt
	}
	return nil
}

// closeWriteStmts closes the statements prepareWriteStmts prepared.
func (s *Store) closeWriteStmts() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{s.stmts.insertConversation, s.stmts.insertMessage,
		s.stmts.insertAuditEvent, s.stmts.advanceMessageSeq, s.stmts.advanceAuditSeq} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// CommitRecords durably stores recs in order in one write transaction (one
// fsync) and returns copies with every Seq set. Each Seq counter the batch
// touches is read and advanced by a single statement, by the number of
// entries the batch appends to it, so a batch costs one statement per row
// plus one per counter. If a record fails nothing is stored, no Seq is
// consumed, and the error is a *store.RecordError naming it.
func (s *Store) CommitRecords(ctx context.Context, recs []store.Record) ([]store.Record, error) {
	out, f := s.commitRecords(ctx, recs)
	if f != nil {
		return nil, &store.RecordError{Index: f.index, Err: fmt.Errorf("sqlite: %w", f.err)}
	}
	return out, nil
}

// failure is why a batch failed: the first failing record, and its error,
// which says which part of the record failed and wraps the store's errors.
type failure struct {
	index int
	err   error
}

// commitRecords is the one write path of conversations, messages and audit
// events: CommitRecords and the single-item methods all call it.
func (s *Store) commitRecords(ctx context.Context, recs []store.Record) ([]store.Record, *failure) {
	if len(recs) == 0 {
		return []store.Record{}, nil
	}
	p := newPlan(recs)
	if p.n == 0 {
		return nil, &failure{0, p.invalid}
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, &failure{0, fmt.Errorf("begin transaction: %w", mapErr(err))}
	}
	defer tx.Rollback()

	w := &txWriter{ctx: ctx, tx: tx, s: s, plan: &p, lastSeq: make(map[string]int64)}
	out := make([]store.Record, len(recs))
	for i, rec := range recs[:p.n] {
		stored, err := w.writeRecord(i, rec)
		if err != nil {
			return nil, &failure{i, err}
		}
		out[i] = stored
	}
	if p.n < len(recs) {
		return nil, &failure{p.n, p.invalid}
	}
	if err := tx.Commit(); err != nil {
		return nil, &failure{0, fmt.Errorf("commit transaction: %w", mapErr(err))}
	}
	return out, nil
}

// txWriter writes records inside one write transaction. It advances each
// Seq counter once, on first use, by what the plan says the batch appends
// to it, and hands out the Seqs in between itself.
type txWriter struct {
	ctx  context.Context
	tx   *sql.Tx
	s    *Store
	plan *plan
	// stmts caches the Store's prepared statements bound to tx.
	stmts map[*sql.Stmt]*sql.Stmt
	// nextAudit is the Seq of the next audit event; 0 until the audit
	// counter has been advanced.
	nextAudit int64
	// lastSeq is, per conversation written to, the last Seq handed out.
	lastSeq map[string]int64
}

// stmt returns st bound to the transaction.
func (w *txWriter) stmt(st *sql.Stmt) *sql.Stmt {
	if w.stmts == nil {
		w.stmts = make(map[*sql.Stmt]*sql.Stmt, 5)
	}
	if b, ok := w.stmts[st]; ok {
		return b
	}
	b := w.tx.StmtContext(w.ctx, st)
	w.stmts[st] = b
	return b
}

// writeRecord writes record i and returns it as stored.
func (w *txWriter) writeRecord(i int, rec store.Record) (store.Record, error) {
	var out store.Record
	if rec.Conversation != nil {
		c, err := w.createConversation(*rec.Conversation, w.plan.created[i])
		if err != nil {
			return store.Record{}, err
		}
		out.Conversation = &c
	}
	if rec.Messages != nil {
		out.Messages = make([]store.Message, len(rec.Messages))
		for j, m := range rec.Messages {
			stored, err := w.appendMessage(m)
			if err != nil {
				return store.Record{}, err
			}
			out.Messages[j] = stored
		}
	}
	if rec.Events != nil {
		out.Events = make([]store.AuditEvent, len(rec.Events))
		for j, ev := range rec.Events {
			stored, err := w.appendAuditEvent(ev)
			if err != nil {
				return store.Record{}, err
			}
			out.Events[j] = stored
		}
	}
	return out, nil
}

// createConversation inserts c with its message counter already advanced
// by the messages the batch appends to it, and returns c as stored.
func (w *txWriter) createConversation(c store.Conversation, messages int64) (store.Conversation, error) {
	if _, err := w.stmt(w.s.stmts.insertConversation).ExecContext(w.ctx,
		c.ID, c.Environment, c.Region, c.Agent, c.App, c.User, c.Channel,
		micros(c.CreatedAt), micros(c.UpdatedAt), nullMicros(c.ExpiresAt), messages); err != nil {
		return store.Conversation{}, fmt.Errorf("create conversation %q: %w", c.ID, mapErr(err))
	}
	w.lastSeq[c.ID] = 0
	c.CreatedAt = fromMicros(micros(c.CreatedAt))
	c.UpdatedAt = fromMicros(micros(c.UpdatedAt))
	c.ExpiresAt = fromNullMicros(nullMicros(c.ExpiresAt))
	return c, nil
}

// appendMessage inserts m with the next Seq of its conversation and
// returns it as stored. The first message to a conversation the batch
// did not create advances its counter for the whole batch, which also
// checks that it exists.
func (w *txWriter) appendMessage(m store.Message) (store.Message, error) {
	fail := func(err error) (store.Message, error) {
		return store.Message{}, fmt.Errorf("append message %q to conversation %q: %w", m.ID, m.ConversationID, mapErr(err))
	}
	last, ok := w.lastSeq[m.ConversationID]
	if !ok {
		n := w.plan.existing[m.ConversationID]
		if err := w.stmt(w.s.stmts.advanceMessageSeq).QueryRowContext(w.ctx, n, m.ConversationID).Scan(&last); err != nil {
			return fail(err)
		}
		last -= n
	}
	m.Seq = last + 1
	m.Payload = blob(m.Payload)
	if _, err := w.stmt(w.s.stmts.insertMessage).ExecContext(w.ctx,
		m.ConversationID, m.Seq, m.ID, m.Role, m.From, m.Text, m.Payload, micros(m.CreatedAt)); err != nil {
		return fail(err)
	}
	w.lastSeq[m.ConversationID] = m.Seq
	m.CreatedAt = fromMicros(micros(m.CreatedAt))
	return m, nil
}

// appendAuditEvent inserts ev with the next audit Seq and returns it as
// stored. The first event of the batch advances the counter for all.
func (w *txWriter) appendAuditEvent(ev store.AuditEvent) (store.AuditEvent, error) {
	fail := func(err error) (store.AuditEvent, error) {
		return store.AuditEvent{}, fmt.Errorf("append audit event %q: %w", ev.ID, mapErr(err))
	}
	if w.nextAudit == 0 {
		var last int64
		if err := w.stmt(w.s.stmts.advanceAuditSeq).QueryRowContext(w.ctx, w.plan.events).Scan(&last); err != nil {
			return fail(err)
		}
		w.nextAudit = last - w.plan.events + 1
	}
	ev.Seq = w.nextAudit
	ev.Data = blob(ev.Data)
	if _, err := w.stmt(w.s.stmts.insertAuditEvent).ExecContext(w.ctx, ev.Seq, ev.ID, micros(ev.Time), ev.Type,
		ev.RequestID, ev.Outcome, ev.Actor, ev.App, ev.Agent, ev.Data); err != nil {
		return fail(err)
	}
	w.nextAudit++
	ev.Time = fromMicros(micros(ev.Time))
	return ev, nil
}

// plan is what a batch must know before it is written, so that each Seq
// counter is read and advanced once per transaction: how many events it
// appends, and how many messages it appends to each conversation.
type plan struct {
	// n is how many leading records are well-formed. When n < len(recs),
	// invalid says what is wrong with record n; the records before it are
	// still written (and rolled back) to find out whether one of them
	// fails first.
	n       int
	invalid error
	// events counts the audit events of the first n records.
	events int64
	// existing counts the messages appended to each conversation the
	// batch has not created before them, which must therefore exist.
	existing map[string]int64
	// created counts, per record creating a conversation, the messages
	// the batch appends to it after creating it.
	created map[int]int64
}

func newPlan(recs []store.Record) plan {
	p := plan{n: len(recs), existing: make(map[string]int64)}
	var creator map[string]int // conversation ID → the last record creating it so far
	for i, rec := range recs {
		if err := validateRecord(rec); err != nil {
			p.n, p.invalid = i, err
			break
		}
		if c := rec.Conversation; c != nil {
			if creator == nil {
				creator = make(map[string]int)
				p.created = make(map[int]int64)
			}
			creator[c.ID] = i
			p.created[i] = 0
		}
		for _, m := range rec.Messages {
			if k, ok := creator[m.ConversationID]; ok {
				p.created[k]++
				continue
			}
			p.existing[m.ConversationID]++
		}
		p.events += int64(len(rec.Events))
	}
	return p
}

// validateRecord refuses what the schema would store but the store must
// not: empty identities.
func validateRecord(rec store.Record) error {
	if rec.Conversation != nil && rec.Conversation.ID == "" {
		return errors.New("create conversation: empty ID")
	}
	for _, m := range rec.Messages {
		if m.ID == "" {
			return fmt.Errorf("append message to conversation %q: empty ID", m.ConversationID)
		}
	}
	for _, ev := range rec.Events {
		if ev.ID == "" {
			return errors.New("append audit event: empty ID")
		}
	}
	return nil
}
