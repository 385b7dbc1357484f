package audit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/store"
)

type failingStore struct{ store.AuditEvents }

func (failingStore) AppendAuditEvents(context.Context, []store.AuditEvent) ([]store.AuditEvent, error) {
	return nil, errors.New("disk full")
}

type memStore struct {
	store.AuditEvents
	got []store.AuditEvent
}

func (m *memStore) AppendAuditEvents(_ context.Context, evs []store.AuditEvent) ([]store.AuditEvent, error) {
	m.got = append(m.got, evs...)
	return evs, nil
}

// Ensure a failure to store an event is reported as audit_unavailable so the
// caller fails closed.
func TestRecordFailsClosed(t *testing.T) {
	r := &StoreRecorder{Store: failingStore{}}
	_, err := r.Record(context.Background(), Event{Type: TypeChatCompletion})
	if !errors.Is(err, apperr.ErrAuditDown) {
		t.Fatalf("err = %v, want audit_unavailable", err)
	}
	if apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("kind = %v", apperr.KindOf(err))
	}
}

// Ensure a cancelled request context does not prevent its record.
func TestRecordDetachedFromRequest(t *testing.T) {
	m := &memStore{}
	r := &StoreRecorder{Store: m}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id, err := r.Record(ctx, Event{Type: TypeChatCompletion, Actor: "alice\nforged line", Data: map[string]any{"n": 1}})
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
