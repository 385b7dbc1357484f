package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/palisade-gw/palisade/internal/store"
)

// The statements of the write path. pgx prepares each once per connection
// and caches it, so a batch sends only Bind and Execute per row.
const (
	// beginSQL starts the transaction in READ COMMITTED, which the Seq
	// counters rely on (see inTx).
	beginSQL = `BEGIN ISOLATION LEVEL READ COMMITTED`
	// advanceAuditSeqSQL takes the audit_seq row lock, held to the commit,
	// and advances the counter by the batch's events in one statement.
	advanceAuditSeqSQL = `UPDATE audit_seq SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq`
	// lockAuditSeqSQL takes the same lock for a batch without events that
	// needs more than one row lock (see CommitRecords).
	lockAuditSeqSQL = `SELECT last_seq FROM audit_seq WHERE id = 1 FOR UPDATE`
	// advanceMessageSeqsSQL locks and advances the message counters of
	// several conversations at once, each by its own count, and returns
	// the new values of those that exist.
	advanceMessageSeqsSQL = `UPDATE conversations AS c SET last_message_seq = c.last_message_seq + v.n
		FROM unnest($1::text[], $2::bigint[]) AS v (id, n)
		WHERE c.id = v.id
		RETURNING c.id, c.last_message_seq`
	insertConversationSQL = `INSERT INTO conversations (` + conversationColumns + `, last_message_seq)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	insertMessageSQL = `INSERT INTO messages
		(conversation_id, seq, id, role, sender, text, payload, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	insertAuditEventSQL = `INSERT INTO audit_events (` + auditColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	// insertMessagesSQL and insertAuditEventsSQL insert many rows from
	// one array per column, in array order.
	insertMessagesSQL = `INSERT INTO messages
		(conversation_id, seq, id, role, sender, text, payload, created_at)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
			$6::text[], $7::bytea[], $8::timestamptz[])`
	insertAuditEventsSQL = `INSERT INTO audit_events (` + auditColumns + `)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
			$6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[])`
)

// rollbackTimeout bounds the ROLLBACK sent after a failed batch.
const rollbackTimeout = 5 * time.Second

// CommitRecords durably stores recs in order in one transaction (one WAL
// flush) and returns copies with every Seq set. It costs two round trips,
// both pipelined: the first begins the transaction and locks and advances
// each Seq counter the batch touches once, by the number of entries the
// batch appends to it; the second sends the inserts followed by the
// COMMIT. A batch of several rows inserts its messages with one statement
// and its events with another.
//
// A batch that appends audit events, or that takes more than one row
// lock (several conversations), takes the audit_seq row lock first, so
// such batches take their locks one batch at a time and cannot deadlock
// one another; a batch of one conversation's messages takes only that
// conversation's lock, as AppendMessage always did.
//
// If a record fails nothing is stored, no Seq is consumed, and the error
// is a *store.RecordError naming it.
func (s *Store) CommitRecords(ctx context.Context, recs []store.Record) ([]store.Record, error) {
	out, f := s.commitRecords(ctx, recs)
	if f != nil {
		return nil, &store.RecordError{Index: f.index, Err: fmt.Errorf("postgres: %w", f.err)}
	}
	return out, nil
}

// failure is why a batch failed: the first failing record, and its error,
// which says which part of the record failed and wraps the store's errors.
type failure struct {
	index int
	err   error
}

// stmtRef says which part of which record a queued statement writes, to
// name it if it fails.
type stmtRef struct {
	record int
	kind   byte // 'c'onversation, 'm'essage or 'e'vent; 'M' or 'E' for all of them
	item   int  // index in the record's Messages or Events
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
	// A statement inserting many rows cannot say which of them failed: if
	// one fails other than for the database being unavailable, the batch
	// is written again row by row, which names the first failing record
	// (or succeeds, if what made it fail has gone meanwhile).
	if p.messages+int(p.events) > 1 {
		if out, f, done := s.writeRecords(ctx, recs, &p, true); done {
			return out, f
		}
	}
	out, f, _ := s.writeRecords(ctx, recs, &p, false)
	return out, f
}

// writeRecords writes recs in one transaction as p plans, with one insert
// per row or, if bulk, one per table for messages and events. It returns
// the stored records, or why they were not stored; done is false if a
// bulk insert failed and the batch should be written row by row to find
// out why.
func (s *Store) writeRecords(ctx context.Context, recs []store.Record, p *plan, bulk bool) (out []store.Record, f *failure, done bool) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, &failure{0, fmt.Errorf("begin transaction: %w", mapErr(err))}, true
	}
	defer pc.Release() // discards the connection if the transaction is still open
	conn := pc.Conn()
	begun, committed := false, false
	defer func() {
		if begun && !committed && !conn.IsClosed() && conn.PgConn().TxStatus() != 'I' {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			defer cancel()
			conn.Exec(rctx, `ROLLBACK`) // on failure the pool drops the connection
		}
	}()

	// Round trip 1: begin, and lock and advance the counters.
	limit, limitErr := p.n, p.invalid // the records to write, and why the next one fails
	var nextAudit int64
	var base map[string]int64 // per conversation of p.existing, its last Seq before the batch
	lockAudit := p.events > 0 || len(p.existing)+p.creates > 1
	if lockAudit || len(p.existing) > 0 {
		var b pgx.Batch
		b.Queue(beginSQL)
		if p.events > 0 {
			b.Queue(advanceAuditSeqSQL, p.events)
		} else if lockAudit {
			b.Queue(lockAuditSeqSQL)
		}
		var ids []string
		if len(p.existing) > 0 {
			ids = make([]string, 0, len(p.existing))
			for id := range p.existing {
				ids = append(ids, id)
			}
			slices.Sort(ids) // a deterministic lock order
			ns := make([]int64, len(ids))
			for i, id := range ids {
				ns[i] = p.existing[id]
			}
			b.Queue(advanceMessageSeqsSQL, ids, ns)
		}
		begun = true
		br := conn.SendBatch(ctx, &b)
		err := func() error {
			if _, err := br.Exec(); err != nil {
				return err
			}
			if lockAudit {
				var last int64
				if err := br.QueryRow().Scan(&last); err != nil {
					return err
				}
				nextAudit = last - p.events + 1
			}
			if len(ids) > 0 {
				base = make(map[string]int64, len(ids))
				rows, err := br.Query()
				if err != nil {
					return err
				}
				for rows.Next() {
					var id string
					var last int64
					if err := rows.Scan(&id, &last); err != nil {
						rows.Close()
						return err
					}
					base[id] = last - p.existing[id]
				}
				if err := rows.Err(); err != nil {
					return err
				}
			}
			return nil
		}()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, &failure{0, fmt.Errorf("begin transaction: %w", mapErr(err))}, true
		}
		// The first record appending to a conversation that does not
		// exist fails, unless one before it does.
		for id, ref := range p.firstUse {
			if _, ok := base[id]; !ok && ref.record < limit {
				limit = ref.record
				limitErr = fmt.Errorf("append message %q to conversation %q: %w", ref.msgID, id, store.ErrNotFound)
			}
		}
	}
	if limit == 0 {
		return nil, &failure{0, limitErr}, true
	}

	// Round trip 2: every insert, and the commit if nothing fails.
	var b pgx.Batch
	sentBegin := !begun
	if sentBegin {
		b.Queue(beginSQL)
	}
	var refs []stmtRef
	var mc messageColumns
	var ec eventColumns
	if bulk {
		refs = make([]stmtRef, 0, p.creates+2)
		mc = newMessageColumns(p.messages)
		ec = newEventColumns(int(p.events))
	} else {
		refs = make([]stmtRef, 0, p.creates+p.messages+int(p.events))
	}
	last := make(map[string]int64, len(base)+p.creates)
	out = make([]store.Record, len(recs))
	for i, rec := range recs[:limit] {
		if c := rec.Conversation; c != nil {
			b.Queue(insertConversationSQL, c.ID, c.Environment, c.Region, c.Agent, c.App, c.User, c.Channel,
				c.CreatedAt, c.UpdatedAt, nullTime(c.ExpiresAt), p.created[i])
			refs = append(refs, stmtRef{i, 'c', 0})
			last[c.ID] = 0
			stored := *c
			stored.CreatedAt = truncate(c.CreatedAt)
			stored.UpdatedAt = truncate(c.UpdatedAt)
			stored.ExpiresAt = truncate(c.ExpiresAt)
			out[i].Conversation = &stored
		}
		if rec.Messages != nil {
			out[i].Messages = make([]store.Message, len(rec.Messages))
		}
		for j, m := range rec.Messages {
			seq, ok := last[m.ConversationID]
			if !ok {
				seq = base[m.ConversationID]
			}
			m.Seq = seq + 1
			last[m.ConversationID] = m.Seq
			m.Payload = blob(m.Payload)
			if bulk {
				mc.add(m)
			} else {
				b.Queue(insertMessageSQL, m.ConversationID, m.Seq, m.ID, m.Role, m.From, m.Text, m.Payload, m.CreatedAt)
				refs = append(refs, stmtRef{i, 'm', j})
			}
			m.CreatedAt = truncate(m.CreatedAt)
			out[i].Messages[j] = m
		}
		if rec.Events != nil {
			out[i].Events = make([]store.AuditEvent, len(rec.Events))
		}
		for j, ev := range rec.Events {
			ev.Seq = nextAudit
			nextAudit++
			ev.Data = blob(ev.Data)
			if bulk {
				ec.add(ev)
			} else {
				b.Queue(insertAuditEventSQL, ev.Seq, ev.ID, ev.Time, ev.Type, ev.RequestID, ev.Outcome,
					ev.Actor, ev.App, ev.Agent, ev.Data)
				refs = append(refs, stmtRef{i, 'e', j})
			}
			ev.Time = truncate(ev.Time)
			out[i].Events[j] = ev
		}
	}
	if len(mc.ids) > 0 {
		b.Queue(insertMessagesSQL, mc.convs, mc.seqs, mc.ids, mc.roles, mc.senders, mc.texts, mc.payloads, mc.times)
		refs = append(refs, stmtRef{0, 'M', 0})
	}
	if len(ec.ids) > 0 {
		b.Queue(insertAuditEventsSQL, ec.seqs, ec.ids, ec.times, ec.types, ec.requestIDs, ec.outcomes,
			ec.actors, ec.apps, ec.agents, ec.data)
		refs = append(refs, stmtRef{0, 'E', 0})
	}
	commit := limit == len(recs)
	if commit {
		b.Queue(`COMMIT`)
	}
	begun = true
	br := conn.SendBatch(ctx, &b)
	f, done = func() (*failure, bool) {
		if sentBegin {
			if _, err := br.Exec(); err != nil {
				return &failure{0, fmt.Errorf("begin transaction: %w", mapErr(err))}, true
			}
		}
		for _, ref := range refs {
			if _, err := br.Exec(); err != nil {
				err = mapErr(err)
				if bulk && !isUnavailableErr(err) {
					return nil, false
				}
				if bulk {
					return &failure{0, fmt.Errorf("append %d records: %w", limit, err)}, true
				}
				return &failure{ref.record, describe(recs, ref, err)}, true
			}
		}
		if commit {
			tag, err := br.Exec()
			if err == nil && tag.String() != "COMMIT" {
				err = pgx.ErrTxCommitRollback
			}
			if err != nil {
				return &failure{0, fmt.Errorf("commit transaction: %w", mapErr(err))}, true
			}
		}
		return nil, true
	}()
	if err := br.Close(); f == nil && done && err != nil {
		f = &failure{0, fmt.Errorf("commit transaction: %w", mapErr(err))}
	}
	if f != nil || !done {
		return nil, f, done
	}
	if !commit {
		return nil, &failure{limit, limitErr}, true
	}
	committed = true
	return out, nil, true
}

// isUnavailableErr reports whether a mapped error means the database could
// not be used, rather than that the batch was refused.
func isUnavailableErr(err error) bool {
	return errors.Is(err, store.ErrUnavailable) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// messageColumns are messages as the arrays insertMessagesSQL takes.
type messageColumns struct {
	convs, ids, roles, senders, texts []string
	seqs                              []int64
	payloads                          [][]byte
	times                             []time.Time
}

func newMessageColumns(n int) messageColumns {
	return messageColumns{
		convs: make([]string, 0, n), ids: make([]string, 0, n), roles: make([]string, 0, n),
		senders: make([]string, 0, n), texts: make([]string, 0, n), seqs: make([]int64, 0, n),
		payloads: make([][]byte, 0, n), times: make([]time.Time, 0, n),
	}
}

func (c *messageColumns) add(m store.Message) {
	c.convs = append(c.convs, m.ConversationID)
	c.seqs = append(c.seqs, m.Seq)
	c.ids = append(c.ids, m.ID)
	c.roles = append(c.roles, m.Role)
	c.senders = append(c.senders, m.From)
	c.texts = append(c.texts, m.Text)
	c.payloads = append(c.payloads, m.Payload)
	c.times = append(c.times, m.CreatedAt)
}

// eventColumns are audit events as the arrays insertAuditEventsSQL takes.
type eventColumns struct {
	seqs                                                   []int64
	ids, types, requestIDs, outcomes, actors, apps, agents []string
	times                                                  []time.Time
	data                                                   [][]byte
}

func newEventColumns(n int) eventColumns {
	return eventColumns{
		seqs: make([]int64, 0, n), ids: make([]string, 0, n), types: make([]string, 0, n),
		requestIDs: make([]string, 0, n), outcomes: make([]string, 0, n), actors: make([]string, 0, n),
		apps: make([]string, 0, n), agents: make([]string, 0, n), times: make([]time.Time, 0, n),
		data: make([][]byte, 0, n),
	}
}

func (c *eventColumns) add(ev store.AuditEvent) {
	c.seqs = append(c.seqs, ev.Seq)
	c.ids = append(c.ids, ev.ID)
	c.times = append(c.times, ev.Time)
	c.types = append(c.types, ev.Type)
	c.requestIDs = append(c.requestIDs, ev.RequestID)
	c.outcomes = append(c.outcomes, ev.Outcome)
	c.actors = append(c.actors, ev.Actor)
	c.apps = append(c.apps, ev.App)
	c.agents = append(c.agents, ev.Agent)
	c.data = append(c.data, ev.Data)
}

// describe wraps err with the part of the record that failed.
func describe(recs []store.Record, ref stmtRef, err error) error {
	rec := recs[ref.record]
	switch ref.kind {
	case 'M', 'E':
		return err
	case 'c':
		return fmt.Errorf("create conversation %q: %w", rec.Conversation.ID, err)
	case 'm':
		m := rec.Messages[ref.item]
		return fmt.Errorf("append message %q to conversation %q: %w", m.ID, m.ConversationID, err)
	default:
		return fmt.Errorf("append audit event %q: %w", rec.Events[ref.item].ID, err)
	}
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
	// events, messages and creates count the audit events, messages
	// and conversations of the first n records.
	events   int64
	messages int
	creates  int
	// existing counts the messages appended to each conversation the
	// batch has not created before them, which must therefore exist.
	existing map[string]int64
	// firstUse is, per key of existing, the first message appended to it.
	firstUse map[string]messageRef
	// created counts, per record creating a conversation, the messages
	// the batch appends to it after creating it.
	created map[int]int64
}

// messageRef names a message of a batch.
type messageRef struct {
	record int
	msgID  string
}

func newPlan(recs []store.Record) plan {
	p := plan{n: len(recs)}
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
			p.creates++
		}
		for _, m := range rec.Messages {
			if k, ok := creator[m.ConversationID]; ok {
				p.created[k]++
				continue
			}
			if _, ok := p.existing[m.ConversationID]; !ok {
				if p.existing == nil {
					p.existing = make(map[string]int64)
					p.firstUse = make(map[string]messageRef)
				}
				p.firstUse[m.ConversationID] = messageRef{i, m.ID}
			}
			p.existing[m.ConversationID]++
		}
		p.messages += len(rec.Messages)
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
