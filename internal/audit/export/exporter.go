package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/store"
)

// Sink receives batches of exported events: a SIEM's webhook, a syslog
// server. Send must return once ctx ends (the exporter bounds every
// attempt by Options.Timeout) and return nil only when the receiver has
// accepted the whole batch: the exporter then moves its cursor past it.
// A batch Send failed is sent again, possibly with more events after it.
// Sends of one sink are never concurrent.
type Sink interface {
	// Name identifies the sink; it is the key of its export cursor, so
	// renaming a sink starts its export afresh.
	Name() string
	// Send delivers the events, in order.
	Send(ctx context.Context, events []Event) error
}

// ErrRejected marks a delivery the receiver refused as invalid (an HTTP
// 4xx other than 408 and 429), as opposed to a transient failure. The
// exporter retries it all the same, since events must not be skipped, but
// counts and logs it apart: it needs someone to fix the receiver or the
// configuration.
var ErrRejected = errors.New("export: the receiver rejected the batch")

// RetryAfterError is a failed delivery whose receiver said how long to
// wait before the next attempt (an HTTP Retry-After on 429 or 503). The
// exporter then waits Wait, kept within Options.MinBackoff and
// Options.MaxBackoff, instead of its own exponential backoff.
type RetryAfterError struct {
	// Wait is the delay the receiver asked for.
	Wait time.Duration
	// Err is the failure.
	Err error
}

// Error returns the failure's text.
func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the failure.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Store is what an Exporter needs of the store: the audit log, read in
// Seq order, and the export cursors.
type Store interface {
	SearchAuditEvents(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error)
	store.ExportCursors
}

// The defaults of Options.
const (
	// DefaultBatch is the default of Options.Batch.
	DefaultBatch = 500
	// DefaultPoll is the default of Options.Poll.
	DefaultPoll = time.Second
	// DefaultTimeout is the default of Options.Timeout.
	DefaultTimeout = 30 * time.Second
	// DefaultMinBackoff is the default of Options.MinBackoff.
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff is the default of Options.MaxBackoff.
	DefaultMaxBackoff = 5 * time.Minute
)

// minStoreTimeout is the least time a store call is given, whatever the
// delivery timeout: a short delivery timeout must not make a busy
// database look unavailable.
const minStoreTimeout = 10 * time.Second

// storeTimeout bounds one store call.
func (e *Exporter) storeTimeout() time.Duration { return max(e.opts.Timeout, minStoreTimeout) }

// abandonGrace is how long past its timeout a Send is waited for before
// the exporter gives up on it, so that a sink that ignores its context
// cannot stall the export (or Close) for ever.
const abandonGrace = time.Second

// Options tune an Exporter. The zero value is the defaults.
type Options struct {
	// Batch is the most events one delivery carries (default 500, at most
	// store.MaxAuditQueryLimit).
	Batch int
	// Poll is how often the store is read for new events when the export
	// has caught up (default one second). Notify wakes the exporter
	// earlier.
	Poll time.Duration
	// Timeout bounds each delivery attempt (default 30 seconds), and each
	// store call (at least 10 seconds).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failure: it starts
	// at MinBackoff and doubles with every consecutive failure up to
	// MaxBackoff (defaults one second and five minutes), with jitter. A
	// failure that carries the receiver's own delay (RetryAfterError)
	// waits that long instead, within the same bounds.
	MinBackoff, MaxBackoff time.Duration
	// StartAtEnd makes a sink without a stored cursor start after the
	// newest event, rather than export the whole existing log.
	StartAtEnd bool
	// Log receives failures (each distinct one once) and recoveries
	// (default: discarded).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Stats describe an exporter's progress since it started, for status
// pages and metrics.
type Stats struct {
	// Sink is the sink's name.
	Sink string
	// Cursor is the Seq of the last event the sink acknowledged (0 before
	// the stored cursor has been read).
	Cursor int64
	// Delivered counts the events acknowledged, Batches the deliveries.
	Delivered, Batches int64
	// Failures counts failed attempts: reads of the store, deliveries
	// and cursor writes. Rejected counts the deliveries among them that
	// the receiver refused as invalid (ErrRejected).
	Failures, Rejected int64
	// ConsecutiveFailures is how many attempts in a row failed; 0 when
	// the last one succeeded.
	ConsecutiveFailures int
	// LastError is the text of the last failure (never a secret: sinks
	// leave out credentials, signatures and URL queries) and LastErrorAt
	// its time; they stay after a recovery.
	LastError   string
	LastErrorAt time.Time
	// LastDelivery is when the sink last acknowledged a batch.
	LastDelivery time.Time
}

// Exporter delivers the audit log to one Sink, in Seq order, at least
// once. New starts it; Close stops it. Its methods are safe for concurrent
// use.
//
// Several replicas may export to the same sink: the cursor never moves
// backwards, so the export stays complete, but the replicas then send
// every event more than once. Run the export on one replica where
// duplicates matter.
type Exporter struct {
	st   Store
	sink Sink
	opts Options

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	// Owned by the run goroutine.
	loaded    bool
	persisted int64
	// inflight, when not nil, closes when an abandoned Send returns.
	inflight chan struct{}

	mu      sync.Mutex
	stats   Stats
	lastLog string
}

// New starts exporting st's audit log to sink. It returns an error only
// for invalid options; the stored cursor is read by the export itself,
// which retries while the store is unavailable.
func New(st Store, sink Sink, opts Options) (*Exporter, error) {
	if st == nil || sink == nil {
		return nil, errors.New("export: a store and a sink are required")
	}
	if sink.Name() == "" {
		return nil, errors.New("export: the sink has no name")
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Batch > store.MaxAuditQueryLimit {
		return nil, fmt.Errorf("export: batch %d is above %d", opts.Batch, store.MaxAuditQueryLimit)
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.MinBackoff)
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Exporter{
		st: st, sink: sink, opts: opts, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}),
		stats: Stats{Sink: sink.Name()},
	}
	go e.run(ctx)
	return e, nil
}

// Notify wakes the exporter to read new events now rather than at the next
// poll; the audit journal calls it after a commit. It never blocks, and
// does not cut short the wait after a failure.
func (e *Exporter) Notify() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close stops the export: a delivery in flight is cancelled, and its batch
// sent again when an exporter of the same sink next runs. It waits for the
// exporter to stop.
func (e *Exporter) Close() {
	e.once.Do(e.cancel)
	<-e.done
}

// Stats returns the exporter's progress.
func (e *Exporter) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Lag returns how far the export is behind the audit log: the number of
// events stored after the last one delivered (the newest Seq in the store
// minus the cursor), and the age of the oldest of them (0 when none).
func (e *Exporter) Lag(ctx context.Context) (events int64, oldest time.Duration, err error) {
	e.mu.Lock()
	cursor, loaded := e.stats.Cursor, e.loaded
	e.mu.Unlock()
	if !loaded {
		if cursor, err = e.st.GetExportCursor(ctx, e.sink.Name()); err != nil {
			return 0, 0, fmt.Errorf("export %q: lag: %w", e.sink.Name(), err)
		}
	}
	latest, err := e.st.SearchAuditEvents(ctx, store.AuditQuery{Desc: true, Limit: 1})
	if err != nil {
		return 0, 0, fmt.Errorf("export %q: lag: %w", e.sink.Name(), err)
	}
	if len(latest) == 0 || latest[0].Seq <= cursor {
		return 0, 0, nil
	}
	first, err := e.st.SearchAuditEvents(ctx, store.AuditQuery{AfterSeq: cursor, Limit: 1})
	if err != nil {
		return 0, 0, fmt.Errorf("export %q: lag: %w", e.sink.Name(), err)
	}
	if len(first) > 0 {
		oldest = max(e.opts.Now().Sub(first[0].Time), 0)
	}
	return latest[0].Seq - cursor, oldest, nil
}

// run exports until ctx ends.
func (e *Exporter) run(ctx context.Context) {
	defer close(e.done)
	failures := 0
	for {
		more, err := e.step(ctx)
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		wake := e.wake
		if err != nil {
			failures++
			wait = e.backoff(failures)
			if ra, ok := errors.AsType[*RetryAfterError](err); ok {
				wait = min(max(ra.Wait, e.opts.MinBackoff), e.opts.MaxBackoff)
			}
			wake = nil // a failure is not retried early
			e.failed(err, wait)
		} else {
			if failures > 0 {
				e.recovered(failures)
			}
			failures = 0
			if more {
				continue
			}
			wait = e.opts.Poll
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}

// backoff returns the wait after n consecutive failures: MinBackoff
// doubled n-1 times, capped at MaxBackoff, then drawn at random from its
// upper half, so that exporters failing together do not retry together.
func (e *Exporter) backoff(n int) time.Duration {
	d := e.opts.MinBackoff
	for i := 1; i < n && d < e.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.opts.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// step delivers the next batch, if any. more reports that a full batch was
// delivered, so more events may be waiting.
func (e *Exporter) step(ctx context.Context) (more bool, err error) {
	name := e.sink.Name()
	if !e.loaded {
		if err := e.load(ctx); err != nil {
			return false, err
		}
	}
	cursor := e.Stats().Cursor
	if e.persisted < cursor {
		// A batch was acknowledged but its cursor not stored: store it
		// before sending more.
		if err := e.saveCursor(ctx, cursor); err != nil {
			return false, err
		}
	}
	sctx, cancel := context.WithTimeout(ctx, e.storeTimeout())
	evs, err := e.st.SearchAuditEvents(sctx, store.AuditQuery{AfterSeq: cursor, Limit: e.opts.Batch})
	cancel()
	if err != nil {
		return false, fmt.Errorf("export %q: read audit events after %d: %w", name, cursor, err)
	}
	if len(evs) == 0 {
		return false, nil
	}
	out := make([]Event, len(evs))
	for i, ev := range evs {
		out[i] = FromStore(ev)
	}
	if err := e.send(ctx, out); err != nil {
		return false, err
	}
	last := evs[len(evs)-1].Seq
	e.mu.Lock()
	e.stats.Cursor = last
	e.stats.Delivered += int64(len(evs))
	e.stats.Batches++
	e.stats.LastDelivery = e.opts.Now()
	e.stats.ConsecutiveFailures = 0
	e.mu.Unlock()
	if err := e.saveCursor(ctx, last); err != nil {
		return false, err
	}
	return len(evs) == e.opts.Batch, nil
}

// load reads the stored cursor (or, with StartAtEnd and none stored,
// starts after the newest event).
func (e *Exporter) load(ctx context.Context) error {
	name := e.sink.Name()
	sctx, cancel := context.WithTimeout(ctx, e.storeTimeout())
	defer cancel()
	cursor, err := e.st.GetExportCursor(sctx, name)
	if err != nil {
		return fmt.Errorf("export %q: read cursor: %w", name, err)
	}
	e.persisted = cursor
	if cursor == 0 && e.opts.StartAtEnd {
		latest, err := e.st.SearchAuditEvents(sctx, store.AuditQuery{Desc: true, Limit: 1})
		if err != nil {
			return fmt.Errorf("export %q: read the newest audit event: %w", name, err)
		}
		if len(latest) > 0 {
			cursor = latest[0].Seq
		}
	}
	e.mu.Lock()
	e.stats.Cursor = cursor
	e.loaded = true
	e.mu.Unlock()
	return nil
}

// saveCursor stores seq as the sink's cursor.
func (e *Exporter) saveCursor(ctx context.Context, seq int64) error {
	sctx, cancel := context.WithTimeout(ctx, e.storeTimeout())
	defer cancel()
	if err := e.st.SetExportCursor(sctx, e.sink.Name(), seq, e.opts.Now()); err != nil {
		return fmt.Errorf("export %q: store cursor %d: %w", e.sink.Name(), seq, err)
	}
	e.persisted = seq
	return nil
}

// send calls the sink with a timeout. A Send still running abandonGrace
// after its timeout is abandoned (counted as failed); the next send waits
// for it to return first, so Sends of a sink never overlap.
func (e *Exporter) send(ctx context.Context, evs []Event) error {
	name := e.sink.Name()
	if e.inflight != nil {
		select {
		case <-e.inflight:
			e.inflight = nil
		default:
			return fmt.Errorf("export %q: the previous delivery, abandoned after its timeout, has not returned yet", name)
		}
	}
	sctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.sink.Send(sctx, evs) }()
	select {
	case err := <-done:
		return e.sendErr(sctx, err)
	case <-sctx.Done():
	}
	grace := time.NewTimer(abandonGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		return e.sendErr(sctx, err)
	case <-grace.C:
		ch := make(chan struct{})
		e.inflight = ch
		go func() { <-done; close(ch) }()
		return fmt.Errorf("export %q: delivery of %d events did not return within %v", name, len(evs), e.opts.Timeout)
	}
}

// sendErr words a Send's error; nil stays nil (an acknowledgement that
// arrived at the deadline is still one).
func (e *Exporter) sendErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("export %q: delivery timed out after %v: %w", e.sink.Name(), e.opts.Timeout, err)
	}
	return fmt.Errorf("export %q: %w", e.sink.Name(), err)
}

// failed records a failure and logs it if it differs from the last one
// logged.
func (e *Exporter) failed(err error, retry time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	msg := err.Error()
	e.stats.Failures++
	e.stats.ConsecutiveFailures++
	e.stats.LastError, e.stats.LastErrorAt = msg, e.opts.Now()
	rejected := errors.Is(err, ErrRejected)
	if rejected {
		e.stats.Rejected++
	}
	if msg == e.lastLog {
		return
	}
	e.lastLog = msg
	if rejected {
		e.opts.Log.Error("audit export: the receiver rejected the batch; retrying, but it needs fixing",
			"sink", e.stats.Sink, "err", msg, "retry_in", retry)
		return
	}
	e.opts.Log.Warn("audit export failed; retrying", "sink", e.stats.Sink, "err", msg, "retry_in", retry)
}

// recovered records and logs a success after n failures.
func (e *Exporter) recovered(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.Log.Info("audit export resumed", "sink", e.stats.Sink, "after_failures", n)
	e.stats.ConsecutiveFailures = 0
	e.lastLog = ""
}

// CommitNotifier is an audit.JournalObserver that wakes exporters after
// every successful commit of the audit journal, so events leave within
// milliseconds instead of at the next poll, and passes every observation
// on to Next (the metrics observer, say). Set it as the journal's
// JournalOptions.Observer; it never blocks.
type CommitNotifier struct {
	// Next, if set, is told every commit too.
	Next audit.JournalObserver
	// Exporters are woken after each successful commit.
	Exporters []*Exporter
}

var _ audit.JournalObserver = CommitNotifier{}

// ObserveCommit passes the commit on to Next and, if it succeeded, wakes
// the exporters.
func (c CommitNotifier) ObserveCommit(d time.Duration, batch int, err error) {
	if c.Next != nil {
		c.Next.ObserveCommit(d, batch, err)
	}
	if err != nil {
		return
	}
	for _, e := range c.Exporters {
		e.Notify()
	}
}
