package audit

import (
	"context"
	"errors"
	"fmt"
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
	delay   time.Duration
}

func (m *memJournal) CommitRecords(_ context.Context, recs []store.Record) ([]store.Record, error) {
	if m.delay > 0 {
		time.Sleep(m.delay)
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

// Ensure concurrent records are group-committed (fewer transactions than
// records) and that one bad record does not fail the others in its batch.
func TestJournalGroupCommit(t *testing.T) {
	m := &memJournal{delay: 2 * time.Millisecond}
	j := NewJournal(m, JournalOptions{})
	defer j.Close()
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ev := Event{Type: TypeChatCompletion}
			if i == 7 {
				ev.ID = "ev_dup"
			}
			if i == 8 {
				ev.ID = "ev_dup"
			}
			_, errs[i] = j.Record(context.Background(), ev)
		}(i)
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed != 1 || len(m.got) != n-1 {
		t.Fatalf("failed %d, stored %d; want 1 and %d", failed, len(m.got), n-1)
	}
	if m.largest < 2 {
		t.Fatalf("no transaction held more than one record: no group commit (%d transactions)", m.txs)
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
