package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/store"
)

// Journal is the durable writer behind the record stage. Concurrent
// requests hand it their records (an audit event, with the transcript
// entries it describes); it writes whatever is waiting in one transaction
// (group commit), so throughput grows with concurrency while every record
// is still durable before its caller returns.
//
// A record that cannot be written fails its caller with audit_unavailable;
// the request must then be refused. The journal keeps running and the next
// record is tried afresh, so service resumes on its own when the fault
// clears.
type Journal struct {
	store    store.Journal
	now      func() time.Time
	timeout  time.Duration
	maxBatch int
	obs      JournalObserver

	queue   chan *pending
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
}

// JournalOptions tune a Journal.
type JournalOptions struct {
	// Timeout bounds how long a caller waits for its record (default 5s).
	Timeout time.Duration
	// MaxBatch bounds the records written in one transaction (default 256).
	MaxBatch int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Observer is told about every transaction, for metrics; nil means
	// none.
	Observer JournalObserver
}

// JournalObserver is told how the journal's writes go, for monitoring. It
// is called from the journal's writer, between transactions, so it must
// not block.
type JournalObserver interface {
	// ObserveCommit is called after every transaction with how long it
	// took, how many records it held and its error (nil when it was
	// committed). When a batch fails, each of its records is then tried
	// in a transaction of its own, and each try is observed too.
	ObserveCommit(d time.Duration, batch int, err error)
}

type pending struct {
	rec  store.Record
	done chan result
	// state settles who decides the record's fate once its caller stops
	// waiting: the journal claims it before a commit (pendingClaimed), or
	// the caller gives up first (pendingAbandoned) and the record is
	// never written, so the log never shows an answer that was refused.
	state atomic.Int32
}

// States of a pending record.
const (
	pendingQueued int32 = iota
	pendingClaimed
	pendingAbandoned
)

type result struct {
	rec store.Record
	err error
}

// NewJournal starts a journal writing to st. Close stops it.
func NewJournal(st store.Journal, opts JournalOptions) *Journal {
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	j := &Journal{
		store: st, now: opts.Now, timeout: opts.Timeout, maxBatch: opts.MaxBatch, obs: opts.Observer,
		queue: make(chan *pending, opts.MaxBatch), closing: make(chan struct{}), done: make(chan struct{}),
	}
	go j.run()
	return j
}

// Close stops the journal after writing what is already queued.
func (j *Journal) Close() {
	j.once.Do(func() { close(j.closing) })
	<-j.done
}

// QueueDepth returns how many records are waiting to be taken into a
// transaction (not counting the batch being written).
func (j *Journal) QueueDepth() int { return len(j.queue) }

// Record stores ev on its own and returns its id.
func (j *Journal) Record(ctx context.Context, ev Event) (string, error) {
	id, _, err := j.RecordWith(ctx, ev, store.Record{})
	return id, err
}

// RecordWith stores ev atomically with the conversation and transcript
// entries in rec, and returns the event id and rec as stored (Seqs set).
// It waits on a context detached from the request, so a client hanging up
// cannot cancel the record of what it did.
func (j *Journal) RecordWith(ctx context.Context, ev Event, rec store.Record) (string, store.Record, error) {
	se, err := j.encode(ev)
	if err != nil {
		return "", rec, err
	}
	rec.Events = append(rec.Events, se)
	p := &pending{rec: rec, done: make(chan result, 1)}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.timeout)
	defer cancel()
	select {
	case j.queue <- p:
	case <-j.closing:
		return "", rec, unavailable(errors.New("journal closed"))
	case <-wctx.Done():
		return "", rec, unavailable(fmt.Errorf("queue full: %w", wctx.Err()))
	}
	select {
	case r := <-p.done:
		if r.err != nil {
			return "", rec, r.err
		}
		return se.ID, r.rec, nil
	case <-wctx.Done():
		if p.state.CompareAndSwap(pendingQueued, pendingAbandoned) {
			// Not yet taken for a commit: it never will be, and the
			// request is refused.
			return "", rec, unavailable(fmt.Errorf("waiting for commit: %w", wctx.Err()))
		}
		// A commit holding the record is under way: its outcome, bounded
		// by the commit timeout, decides, so the log and the answer
		// agree.
		r := <-p.done
		if r.err != nil {
			return "", rec, r.err
		}
		return se.ID, r.rec, nil
	}
}

// encode turns an event into its stored form.
func (j *Journal) encode(ev Event) (store.AuditEvent, error) {
	if ev.ID == "" {
		ev.ID = NewID()
	}
	if ev.Time.IsZero() {
		ev.Time = j.now()
	}
	return ev.stored()
}

func (j *Journal) run() {
	defer close(j.done)
	batch := make([]*pending, 0, j.maxBatch)
	for {
		select {
		case p := <-j.queue:
			batch = append(batch[:0], p)
		case <-j.closing:
			// Write what is queued, then stop.
			for {
				select {
				case p := <-j.queue:
					j.commit([]*pending{p})
				default:
					return
				}
			}
		}
		// Yield once before filling the batch. A request that hands its
		// record over wakes this goroutine ahead of every other runnable
		// one, so without the yield a busy process on few cores commits
		// one record per transaction; after it, the requests that were
		// ready to run have queued theirs too. An idle process loses
		// nothing: with no one else runnable, Gosched returns at once.
		runtime.Gosched()
	fill:
		for len(batch) < j.maxBatch {
			select {
			case p := <-j.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		j.commit(batch)
	}
}

// commit writes a batch in one transaction. If the batch fails, each
// record is retried on its own, so that one bad record (a duplicate id)
// does not fail the others.
func (j *Journal) commit(batch []*pending) {
	// Claim the records whose callers still wait; drop the abandoned.
	live := batch[:0:0]
	for _, p := range batch {
		if p.state.CompareAndSwap(pendingQueued, pendingClaimed) || p.state.Load() == pendingClaimed {
			live = append(live, p)
		}
	}
	batch = live
	if len(batch) == 0 {
		return
	}
	recs := make([]store.Record, len(batch))
	for i, p := range batch {
		recs[i] = p.rec
	}
	ctx, cancel := context.WithTimeout(context.Background(), j.timeout)
	start := time.Now()
	out, err := j.store.CommitRecords(ctx, recs)
	if j.obs != nil {
		j.obs.ObserveCommit(time.Since(start), len(recs), err)
	}
	cancel()
	if err == nil {
		for i, p := range batch {
			p.done <- result{rec: out[i]}
		}
		return
	}
	if len(batch) == 1 {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyExists) {
			// The record itself is at fault (its conversation is gone, an
			// id is taken), not the log: the caller maps it.
			batch[0].done <- result{err: fmt.Errorf("audit journal: %w", err)}
			return
		}
		batch[0].done <- result{err: unavailable(err)}
		return
	}
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		// The log cannot be written (the database is down, full or too
		// slow): every record of the batch fails now, rather than each
		// waiting out a timeout of its own while its caller waits.
		for _, p := range batch {
			p.done <- result{err: unavailable(err)}
		}
		return
	}
	for _, p := range batch {
		j.commit([]*pending{p})
	}
}

func unavailable(err error) error {
	return &apperr.Error{Kind: apperr.KindUnavailable, Code: apperr.CodeAuditUnavailable,
		Message: apperr.ErrAuditDown.Message, Err: fmt.Errorf("audit journal: %w", err)}
}
