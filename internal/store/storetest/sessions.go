package storetest

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var sessionTests = []subTest{
	{"CreateGet", testSessionCreateGet},
	{"Update", testSessionUpdate},
	{"Revoke", testSessionRevoke},
	{"DeleteExpired", testSessionDeleteExpired},
	{"TicketOnce", testTicketOnce},
	{"TicketExpiry", testTicketExpiry},
	{"Revocations", testRevocations},
	{"UserCountries", testUserCountries},
}

// sessionStore is what the session tests need: a store that also keeps
// sessions and tickets.
type sessionStore interface {
	store.Sessions
	store.Tickets
}

func sessionsOf(t *testing.T, s store.Store) sessionStore {
	t.Helper()
	ss, ok := s.(sessionStore)
	if !ok {
		t.Fatalf("%T does not store sessions and tickets", s)
	}
	return ss
}

func newSession(id, sub, sid string, at time.Time) store.Session {
	return store.Session{
		ID: id, Issuer: "corp", Subject: sub, SID: sid,
		Data: []byte(`{"name":"Alice"}`), Sealed: []byte{0, 1, 2, 0xff},
		TokenExpiry: at.Add(10 * time.Minute), CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(12 * time.Hour),
	}
}

// Ensure a session reads back as written, a taken ID is refused and an
// unknown one is not found.
func testSessionCreateGet(t *testing.T, s store.Store) {
	ctx := testContext(t)
	ss := sessionsOf(t, s)
	at := t0
	want := newSession("s1", "alice", "idp-sid-1", at)
	if err := ss.CreateSession(ctx, want); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := ss.GetSession(ctx, "s1")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetSession (-want +got):\n%s", diff)
	}
	if err := ss.CreateSession(ctx, want); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("CreateSession(same id) = %v, want ErrAlreadyExists", err)
	}
	if _, err := ss.GetSession(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSession(unknown) = %v, want ErrNotFound", err)
	}
}

// Ensure updates apply, fn's error stores nothing, and concurrent updates
// do not lose each other.
func testSessionUpdate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	ss := sessionsOf(t, s)
	at := t0
	if err := ss.CreateSession(ctx, newSession("s1", "alice", "", at)); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := ss.UpdateSession(ctx, "s1", func(se store.Session) (store.Session, error) {
		se.Sealed = []byte("changed")
		return se, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("UpdateSession(fn error) = %v, want fn's error", err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ss.UpdateSession(ctx, "s1", func(se store.Session) (store.Session, error) {
				se.LastSeenAt = se.LastSeenAt.Add(time.Second)
				se.Sealed = append(se.Sealed, 'x')
				return se, nil
			}); err != nil {
				t.Errorf("UpdateSession: %v", err)
			}
		}()
	}
	wg.Wait()
	got, err := ss.GetSession(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastSeenAt.Equal(at.Add(8*time.Second)) || !bytes.Equal(got.Sealed, append([]byte{0, 1, 2, 0xff}, "xxxxxxxx"...)) {
		t.Errorf("after 8 concurrent updates: last seen %v sealed %q", got.LastSeenAt, got.Sealed)
	}
	if err := ss.UpdateSession(ctx, "nope", func(se store.Session) (store.Session, error) { return se, nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateSession(unknown) = %v, want ErrNotFound", err)
	}
	if err := ss.UpdateSession(ctx, "s1", func(se store.Session) (store.Session, error) { se.ID = "other"; return se, nil }); err == nil {
		t.Error("UpdateSession changing the id succeeded")
	}
}

// Ensure revocation by id, by subject and by provider session id selects
// exactly the matching sessions, counts only newly revoked ones, and an
// imprecise filter is refused.
func testSessionRevoke(t *testing.T, s store.Store) {
	ctx := testContext(t)
	ss := sessionsOf(t, s)
	at := t0
	for _, se := range []store.Session{
		newSession("a1", "alice", "sid-a", at), newSession("a2", "alice", "sid-b", at),
		newSession("b1", "bob", "sid-a", at), newSession("c1", "carol", "", at),
	} {
		if err := ss.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	other := newSession("x1", "alice", "sid-a", at)
	other.Issuer = "google"
	if err := ss.CreateSession(ctx, other); err != nil {
		t.Fatal(err)
	}
	revokedAt := at.Add(time.Hour)
	steps := []struct {
		f    store.SessionFilter
		want int
	}{
		{store.SessionFilter{Issuer: "corp", Subject: "alice", SID: "sid-a"}, 1},
		{store.SessionFilter{Issuer: "corp", Subject: "alice"}, 1}, // a1 already revoked
		{store.SessionFilter{Issuer: "corp", SID: "sid-a"}, 1},     // b1
		{store.SessionFilter{ID: "c1"}, 1},
		{store.SessionFilter{ID: "c1"}, 0},
	}
	for _, st := range steps {
		n, err := ss.RevokeSessions(ctx, st.f, revokedAt)
		if err != nil || n != st.want {
			t.Errorf("RevokeSessions(%+v) = %d, %v; want %d", st.f, n, err, st.want)
		}
	}
	for id, revoked := range map[string]bool{"a1": true, "a2": true, "b1": true, "c1": true, "x1": false} {
		se, err := ss.GetSession(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := !se.RevokedAt.IsZero(); got != revoked {
			t.Errorf("session %s revoked = %v, want %v", id, got, revoked)
		} else if revoked && !se.RevokedAt.Equal(revokedAt) {
			t.Errorf("session %s revoked at %v, want %v", id, se.RevokedAt, revokedAt)
		}
	}
	for _, f := range []store.SessionFilter{{}, {Issuer: "corp"}, {Subject: "alice"}, {SID: "sid-a"}} {
		if _, err := ss.RevokeSessions(ctx, f, revokedAt); err == nil {
			t.Errorf("RevokeSessions(%+v) succeeded; an imprecise filter must be refused", f)
		}
	}
}

// Ensure only sessions past their absolute expiry are deleted.
func testSessionDeleteExpired(t *testing.T, s store.Store) {
	ctx := testContext(t)
	ss := sessionsOf(t, s)
	at := t0
	old := newSession("old", "alice", "", at.Add(-24*time.Hour))
	if err := ss.CreateSession(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := ss.CreateSession(ctx, newSession("new", "alice", "", at)); err != nil {
		t.Fatal(err)
	}
	n, err := ss.DeleteExpiredSessions(ctx, at)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, err := ss.GetSession(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session still there: %v", err)
	}
	if _, err := ss.GetSession(ctx, "new"); err != nil {
		t.Errorf("live session gone: %v", err)
	}
}

// Ensure a ticket is taken exactly once, even by concurrent takers.
func testTicketOnce(t *testing.T, s store.Store) {
	ctx := testContext(t)
	ss := sessionsOf(t, s)
	at := t0
	if err := ss.PutTicket(ctx, "login:abc", []byte("state"), at.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := ss.PutTicket(ctx, "login:abc", []byte("again"), at.Add(10*time.Minute)); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("PutTicket(same id) = %v, want ErrAlreadyExists", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, err := ss.TakeTicket(ctx, "login:abc", at)
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
				if string(data) != "state" {
					t.Errorf("TakeTicket = %q", data)
				}
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("TakeTicket: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("ticket taken %d times, want exactly once", wins)
	}
	if err := ss.PutTicket(ctx, "", []byte("x"), at); err == nil {
		t.Error("PutTicket(empty id) succeeded")
	}
}

// Ensure an expired ticket is not returned, and expired tickets are
// purged.
func testTicketExpiry(t *testing.T, s store.Store) {
	ctx := testContext(t)
	ss := sessionsOf(t, s)
	at := t0
	if err := ss.PutTicket(ctx, "t1", []byte("a"), at); err != nil {
		t.Fatal(err)
	}
	if _, err := ss.TakeTicket(ctx, "t1", at.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TakeTicket(expired) = %v, want ErrNotFound", err)
	}
	for _, id := range []string{"t2", "t3"} {
		if err := ss.PutTicket(ctx, id, []byte("a"), at); err != nil {
			t.Fatal(err)
		}
	}
	if err := ss.PutTicket(ctx, "t4", []byte("a"), at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := ss.DeleteExpiredTickets(ctx, at.Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("DeleteExpiredTickets = %d, %v; want 2", n, err)
	}
	if _, err := ss.TakeTicket(ctx, "t4", at); err != nil {
		t.Errorf("live ticket: %v", err)
	}
}

// Ensure token revocations keep the latest time per key, answer the latest
// among several keys, and are purged once expired.
func testRevocations(t *testing.T, s store.Store) {
	ctx := testContext(t)
	at := t0
	if got, err := s.TokensRevokedBefore(ctx, "directline:web:alice"); err != nil || !got.IsZero() {
		t.Fatalf("nothing revoked: %v, %v", got, err)
	}
	if err := s.RevokeTokens(ctx, "directline:web:alice", at, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeTokens(ctx, "directline:web:alice", at.Add(-time.Minute), at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeTokens(ctx, "conversation:c1", at.Add(time.Second), at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokensRevokedBefore(ctx, "directline:web:alice")
	if err != nil || !got.Equal(at) {
		t.Errorf("revoked before %v, %v; want %v (an earlier call must not move it back)", got, err, at)
	}
	got, err = s.TokensRevokedBefore(ctx, "directline:web:alice", "conversation:c1", "conversation:other")
	if err != nil || !got.Equal(at.Add(time.Second)) {
		t.Errorf("latest of several keys = %v, %v", got, err)
	}
	if n, err := s.DeleteExpiredRevocations(ctx, at.Add(30*time.Minute)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredRevocations = %d, %v; want 1", n, err)
	}
	if got, _ := s.TokensRevokedBefore(ctx, "conversation:c1"); !got.IsZero() {
		t.Errorf("an expired revocation is still answered: %v", got)
	}
	if err := s.RevokeTokens(ctx, "", at, at); err == nil {
		t.Error("RevokeTokens(empty key) succeeded")
	}
}

// Ensure the countries a user signed in from are remembered once each,
// sorted, and kept apart per user.
func testUserCountries(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if got, err := s.KnownCountries(ctx, "local:alice"); err != nil || len(got) != 0 {
		t.Fatalf("no history: %v, %v", got, err)
	}
	for i, c := range []string{"GB", "DE", "GB"} {
		if err := s.NoteCountry(ctx, "local:alice", c, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.NoteCountry(ctx, "corp:bob", "FR", t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.KnownCountries(ctx, "local:alice")
	if err != nil || strings.Join(got, ",") != "DE,GB" {
		t.Errorf("alice's countries = %v, %v; want [DE GB]", got, err)
	}
	if err := s.NoteCountry(ctx, "", "GB", t0); err == nil {
		t.Error("NoteCountry(empty user) succeeded")
	}
}
