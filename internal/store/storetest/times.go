package storetest

import (
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

var timeTests = []subTest{
	{"UTC", testTimesUTC},
	{"SubMicrosecond", testTimesSubMicrosecond},
	{"Zero", testTimesZero},
	{"Range", testTimesRange},
}

// checkTime reports a time that is not the same instant as want, or not
// in UTC.
func checkTime(t *testing.T, what string, want, got time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

// roundTrip stores a conversation, a message and an audit event carrying
// at, reads them back and returns every time that came back, by name.
func roundTrip(t *testing.T, s store.Store, at time.Time) map[string]time.Time {
	t.Helper()
	ctx := testContext(t)
	c := newConversation("conv-1", at)
	c.ExpiresAt = at
	mustCreateConversation(t, s, c)
	gotC, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	listedC, err := s.ListConversations(ctx, store.ConversationFilter{})
	if err != nil || len(listedC) != 1 {
		t.Fatalf("ListConversations = %d, %v; want 1 conversation", len(listedC), err)
	}
	m := mustAppendMessage(t, s, newMessage("conv-1", "msg-1", at))
	ms := mustListMessages(t, s, "conv-1", 0, 0)
	evs := mustAppendAuditEvents(t, s, newAuditEvent("ev-1", at))
	ev, err := s.GetAuditEvent(ctx, "ev-1")
	if err != nil {
		t.Fatalf("GetAuditEvent: %v", err)
	}
	listedEv := mustListAuditEvents(t, s, 0, 0)
	return map[string]time.Time{
		"Conversation.CreatedAt":        gotC.CreatedAt,
		"Conversation.UpdatedAt":        gotC.UpdatedAt,
		"Conversation.ExpiresAt":        gotC.ExpiresAt,
		"listed Conversation.CreatedAt": listedC[0].CreatedAt,
		"listed Conversation.ExpiresAt": listedC[0].ExpiresAt,
		"appended Message.CreatedAt":    m.CreatedAt,
		"listed Message.CreatedAt":      ms[0].CreatedAt,
		"appended AuditEvent.Time":      evs[0].Time,
		"AuditEvent.Time":               ev.Time,
		"listed AuditEvent.Time":        listedEv[0].Time,
	}
}

// Ensure times given in any zone come back as the same instant in UTC.
func testTimesUTC(t *testing.T, s store.Store) {
	at := t0.In(time.FixedZone("UTC+5:30", 5*3600+1800))
	for what, got := range roundTrip(t, s, at) {
		checkTime(t, what, at, got)
	}
}

// Ensure times keep at least their microseconds: stores may drop what
// lies below, as PostgreSQL does.
func testTimesSubMicrosecond(t *testing.T, s store.Store) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.FixedZone("UTC-8", -8*3600))
	for what, got := range roundTrip(t, s, at) {
		if d := got.Sub(at); d <= -time.Microsecond || d >= time.Microsecond {
			t.Errorf("%s = %v, want %v to the microsecond", what, got, at)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s is in %v, want UTC", what, got.Location())
		}
	}
}

// Ensure zero times are stored and come back zero.
func testTimesZero(t *testing.T, s store.Store) {
	for what, got := range roundTrip(t, s, time.Time{}) {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", what, got)
		}
	}
}

// Ensure times well before the Unix epoch and far in the future survive.
func testTimesRange(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for _, at := range []time.Time{
		time.Date(1901, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC), // past the int64-nanosecond range
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	} {
		ev := newAuditEvent(at.Format("ev-20060102"), at)
		mustAppendAuditEvents(t, s, ev)
		got, err := s.GetAuditEvent(ctx, ev.ID)
		if err != nil {
			t.Fatalf("GetAuditEvent: %v", err)
		}
		checkTime(t, "AuditEvent.Time", at, got.Time)

		c := newConversation(ev.ID, at)
		c.ExpiresAt = at
		mustCreateConversation(t, s, c)
		gotC, err := s.GetConversation(ctx, c.ID)
		if err != nil {
			t.Fatalf("GetConversation: %v", err)
		}
		checkTime(t, "Conversation.CreatedAt", at, gotC.CreatedAt)
		checkTime(t, "Conversation.ExpiresAt", at, gotC.ExpiresAt)
	}
}
