package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/store"
)

// memJournal is an in-memory store.Journal that counts transactions and
// can be made to fail.
type memJournal struct {
	mu  sync.Mutex
	got []store.AuditEvent
	txs int
	// largest is the most records one successful transaction held.
	largest int
	fail    atomic.Bool
	// gate, when set, holds the first transaction until it is closed.
	gate chan struct{}
	once sync.Once
	// held is how many records the held first transaction has.
	held atomic.Int64
}

func (m *memJournal) CommitRecords(_ context.Context, recs []store.Record) ([]store.Record, error) {
	if m.gate != nil {
		m.once.Do(func() { m.held.Store(int64(len(recs))); <-m.gate })
	}
	if m.fail.Load() {
		return nil, fmt.Errorf("%w: disk full", store.ErrUnavailable)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs++
	seen := map[string]bool{}
	for _, g := range m.got {
		seen[g.ID] = true
	}
	for i, r := range recs {
		for _, e := range r.Events {
			if seen[e.ID] {
				return nil, &store.RecordError{Index: i, Err: store.ErrAlreadyExists}
			}
			seen[e.ID] = true
		}
	}
	for _, r := range recs {
		m.got = append(m.got, r.Events...)
	}
	m.largest = max(m.largest, len(recs))
	return recs, nil
}

// Ensure a failure to store an event is reported as audit_unavailable so the
// caller fails closed, and that the journal recovers when the fault clears.
func TestJournalFailsClosedAndRecovers(t *testing.T) {
	m := &memJournal{}
	j := NewJournal(m, JournalOptions{})
	defer j.Close()
	m.fail.Store(true)
	_, err := j.Record(context.Background(), Event{Type: TypeChatCompletion})
	if !errors.Is(err, apperr.ErrAuditDown) || apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("err = %v, want audit_unavailable", err)
	}
	m.fail.Store(false)
	if _, err := j.Record(context.Background(), Event{Type: TypeChatCompletion}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// Ensure a cancelled request context does not prevent its record, and that
// caller-supplied fields cannot carry line breaks into the log.
func TestRecordDetachedFromRequest(t *testing.T) {
	m := &memJournal{}
	j := NewJournal(m, JournalOptions{})
	defer j.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id, err := j.Record(ctx, Event{Type: TypeChatCompletion, Actor: "alice\nforged line", Data: map[string]any{"n": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "ev_") || len(m.got) != 1 || m.got[0].ID != id {
		t.Fatalf("id %q, stored %+v", id, m.got)
	}
	if strings.ContainsAny(m.got[0].Actor, "\n\r") {
		t.Fatalf("control characters kept in actor: %q", m.got[0].Actor)
	}
}

// recordConcurrently records n events while the store holds its first
// transaction open, so that the rest queue up behind it; ids[i], when set,
// is event i's id. It returns each caller's error.
func recordConcurrently(t *testing.T, m *memJournal, n int, ids map[int]string) []error {
	t.Helper()
	m.gate = make(chan struct{})
	j := NewJournal(m, JournalOptions{})
	defer j.Close()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = j.Record(context.Background(), Event{ID: ids[i], Type: TypeChatCompletion})
		}(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for int64(len(j.queue))+m.held.Load() < int64(n) { // all queued behind the held one
		if time.Now().After(deadline) {
			t.Fatal("records did not queue up")
		}
		time.Sleep(time.Millisecond)
	}
	close(m.gate)
	wg.Wait()
	return errs
}

// Ensure records that arrive while a transaction is being written are
// committed together in the next one (group commit).
func TestJournalGroupCommit(t *testing.T) {
	m := &memJournal{}
	errs := recordConcurrently(t, m, 64, nil)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m.txs != 2 || m.largest < 2 {
		t.Fatalf("%d transactions, largest %d: want every waiting record in one", m.txs, m.largest)
	}
}

// Ensure one bad record (a duplicate id) fails alone and does not take the
// rest of its batch with it.
func TestJournalIsolatesBadRecord(t *testing.T) {
	m := &memJournal{}
	errs := recordConcurrently(t, m, 64, map[int]string{7: "ev_dup", 8: "ev_dup"})
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, store.ErrAlreadyExists) {
				t.Fatalf("the duplicate failed with %v, want ErrAlreadyExists", err)
			}
		}
	}
	if failed != 1 || len(m.got) != 63 {
		t.Fatalf("failed %d, stored %d; want 1 and 63", failed, len(m.got))
	}
}

func TestNewIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID()
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

// Ensure records batch on a single processor. There a request that hands
// its record over wakes the journal ahead of every other runnable request,
// so without care each transaction would hold one record and a busy
// process would pay a commit per request.
func TestJournalBatchesOnOneProcessor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	m := &memJournal{}
	j := NewJournal(m, JournalOptions{})
	defer j.Close()
	const callers, each = 32, 20
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < each; k++ {
				if _, err := j.Record(context.Background(), Event{Type: TypeChatCompletion}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	if avg := float64(len(m.got)) / float64(m.txs); avg < 4 {
		t.Fatalf("%d records in %d transactions (%.1f each): want records batched", len(m.got), m.txs, avg)
	}
}

// Ensure Clean replaces what could forge or disguise a log line: control
// characters, the Unicode line separators, bidirectional overrides and
// zero-width characters; and keeps ordinary text, accents and emoji.
func TestCleanUnsafeCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"alice\nseq=9 type=auth.signin": "alice\uFFFDseq=9 type=auth.signin",
		"bob\u2028forged":               "bob\uFFFDforged",
		"eve\u2029forged":               "eve\uFFFDforged",
		"admin\u202Egnp.exe":            "admin\uFFFDgnp.exe",
		"ali\u200Bce":                   "ali\uFFFDce",
		"x\u2066y\u2069":                "x\uFFFDy\uFFFD",
		"tag\U000E0041":                 "tag\uFFFD",
		"Zoë Ångström 🚀":                "Zoë Ångström 🚀",
		"bad\xffutf8":                   "bad\uFFFDutf8",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// Ensure the log never records as done a request that was refused because
// its record was late: a record whose caller gave up before its commit
// began is not written; a caller whose record is being committed waits for
// that commit's outcome instead of giving up.
func TestJournalAbandonedRecordsAreDropped(t *testing.T) {
	m := &memJournal{gate: make(chan struct{})}
	j := NewJournal(m, JournalOptions{Timeout: 100 * time.Millisecond})
	defer j.Close()

	// The first record's commit is held past its caller's timeout: the
	// caller waits for it and gets its outcome.
	first := make(chan error, 1)
	go func() {
		_, err := j.Record(context.Background(), Event{Type: "test.first"})
		first <- err
	}()
	for m.held.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Queued behind the held commit: its caller gives up before any
	// commit takes it.
	_, err := j.Record(context.Background(), Event{Type: "test.abandoned"})
	if apperr.As(err).Code != apperr.CodeAuditUnavailable {
		t.Fatalf("queued record: %v, want audit_unavailable", err)
	}
	close(m.gate)
	if err := <-first; err != nil {
		t.Fatalf("the held record's caller: %v, want the commit's success", err)
	}
	if _, err := j.Record(context.Background(), Event{Type: "test.after"}); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var types []string
	for _, e := range m.got {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "test.first,test.after" {
		t.Errorf("stored %v, want the first and the last record only", types)
	}
}
