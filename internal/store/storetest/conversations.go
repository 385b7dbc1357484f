package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var conversationTests = []subTest{
	{"CreateGet", testConversationCreateGet},
	{"CreateDuplicate", testConversationCreateDuplicate},
	{"CreateEmptyID", testConversationCreateEmptyID},
	{"GetMissing", testConversationGetMissing},
	{"Update", testConversationUpdate},
	{"UpdateMissing", testConversationUpdateMissing},
	{"UpdateFnError", testConversationUpdateFnError},
	{"UpdateCannotChangeID", testConversationUpdateCannotChangeID},
	{"Delete", testConversationDelete},
	{"List", testConversationList},
	{"ListOrder", testConversationListOrder},
	{"ListExpiredBy", testConversationListExpiredBy},
	{"NoExpiry", testConversationNoExpiry},
}

// Ensure a created conversation reads back exactly as written.
func testConversationCreateGet(t *testing.T, s store.Store) {
	ctx := testContext(t)
	want := newConversation("conv-1", t0)
	mustCreateConversation(t, s, want)

	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetConversation mismatch (-want +got):\n%s", diff)
	}
}

// Ensure a second conversation with a taken ID is refused and the first
// one is left as it was.
func testConversationCreateDuplicate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	first := newConversation("conv-1", t0)
	mustCreateConversation(t, s, first)

	second := newConversation("conv-1", t0.Add(time.Hour))
	second.User = "mallory"
	if err := s.CreateConversation(ctx, second); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("CreateConversation(duplicate) = %v, want ErrAlreadyExists", err)
	}
	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("conversation changed by refused create (-want +got):\n%s", diff)
	}
}

// Ensure a conversation without an ID is refused.
func testConversationCreateEmptyID(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if err := s.CreateConversation(ctx, newConversation("", t0)); err == nil {
		t.Fatal("CreateConversation(empty ID) succeeded, want an error")
	}
	cs, err := s.ListConversations(ctx, store.ConversationFilter{})
	if err != nil {
		t.Fatalf("ListConversations: %v", err)
	}
	if len(cs) != 0 {
		t.Errorf("ListConversations = %d conversations, want none", len(cs))
	}
}

// Ensure reading an unknown conversation is ErrNotFound.
func testConversationGetMissing(t *testing.T, s store.Store) {
	if _, err := s.GetConversation(testContext(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetConversation(missing) = %v, want ErrNotFound", err)
	}
}

// Ensure fn sees the stored conversation and its result is stored.
func testConversationUpdate(t *testing.T, s store.Store) {
	ctx := testContext(t)
	orig := newConversation("conv-1", t0)
	mustCreateConversation(t, s, orig)
	mustCreateConversation(t, s, newConversation("conv-2", t0))

	want := orig
	want.Environment = "staging"
	want.Region = "us-east"
	want.Agent = "it-helpdesk"
	want.App = "teams"
	want.User = "bob"
	want.Channel = "directline"
	want.UpdatedAt = t0.Add(time.Minute)
	want.ExpiresAt = t0.Add(7 * 24 * time.Hour)
	calls := 0
	err := s.UpdateConversation(ctx, "conv-1", func(old store.Conversation) (store.Conversation, error) {
		calls++
		if diff := cmp.Diff(orig, old); diff != "" {
			t.Errorf("fn got (-want +got):\n%s", diff)
		}
		return want, nil
	})
	if err != nil {
		t.Fatalf("UpdateConversation: %v", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("updated conversation mismatch (-want +got):\n%s", diff)
	}
	other, err := s.GetConversation(ctx, "conv-2")
	if err != nil {
		t.Fatalf("GetConversation(conv-2): %v", err)
	}
	if diff := cmp.Diff(newConversation("conv-2", t0), other); diff != "" {
		t.Errorf("update touched another conversation (-want +got):\n%s", diff)
	}

	// Clearing the expiry is an update like any other.
	err = s.UpdateConversation(ctx, "conv-1", func(c store.Conversation) (store.Conversation, error) {
		c.ExpiresAt = time.Time{}
		return c, nil
	})
	if err != nil {
		t.Fatalf("UpdateConversation(clear expiry): %v", err)
	}
	got, err = s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if !got.ExpiresAt.IsZero() {
		t.Errorf("ExpiresAt = %v after clearing, want zero", got.ExpiresAt)
	}
}

// Ensure updating an unknown conversation is ErrNotFound without calling fn.
func testConversationUpdateMissing(t *testing.T, s store.Store) {
	err := s.UpdateConversation(testContext(t), "nope", func(c store.Conversation) (store.Conversation, error) {
		t.Error("fn called for a missing conversation")
		return c, nil
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateConversation(missing) = %v, want ErrNotFound", err)
	}
}

// Ensure fn's error comes back as is and nothing changes.
func testConversationUpdateFnError(t *testing.T, s store.Store) {
	ctx := testContext(t)
	orig := newConversation("conv-1", t0)
	mustCreateConversation(t, s, orig)

	errRefused := errors.New("refused by fn")
	err := s.UpdateConversation(ctx, "conv-1", func(c store.Conversation) (store.Conversation, error) {
		c.User = "mallory"
		return c, errRefused
	})
	if err != errRefused {
		t.Fatalf("UpdateConversation = %v, want fn's error unchanged", err)
	}
	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if diff := cmp.Diff(orig, got); diff != "" {
		t.Errorf("conversation changed by a failed update (-want +got):\n%s", diff)
	}
}

// Ensure fn cannot move a conversation to another ID.
func testConversationUpdateCannotChangeID(t *testing.T, s store.Store) {
	ctx := testContext(t)
	orig := newConversation("conv-1", t0)
	mustCreateConversation(t, s, orig)

	err := s.UpdateConversation(ctx, "conv-1", func(c store.Conversation) (store.Conversation, error) {
		c.ID = "conv-2"
		c.User = "mallory"
		return c, nil
	})
	if err == nil {
		t.Fatal("UpdateConversation changing the ID succeeded, want an error")
	}
	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if diff := cmp.Diff(orig, got); diff != "" {
		t.Errorf("conversation changed by a refused update (-want +got):\n%s", diff)
	}
	if _, err := s.GetConversation(ctx, "conv-2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetConversation(conv-2) = %v, want ErrNotFound", err)
	}
}

// Ensure a deleted conversation is gone, and deleting it twice is
// ErrNotFound.
func testConversationDelete(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustCreateConversation(t, s, newConversation("conv-2", t0))

	if err := s.DeleteConversation(ctx, "conv-1"); err != nil {
		t.Fatalf("DeleteConversation: %v", err)
	}
	if _, err := s.GetConversation(ctx, "conv-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetConversation(deleted) = %v, want ErrNotFound", err)
	}
	if err := s.DeleteConversation(ctx, "conv-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteConversation(deleted) = %v, want ErrNotFound", err)
	}
	if _, err := s.GetConversation(ctx, "conv-2"); err != nil {
		t.Errorf("GetConversation(conv-2) after deleting conv-1: %v", err)
	}
	// The ID is free again.
	mustCreateConversation(t, s, newConversation("conv-1", t0.Add(time.Hour)))
}

// Ensure each filter field selects what it says, and zero fields match all.
func testConversationList(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mk := func(id string, minute int, env, agent, user string) store.Conversation {
		c := newConversation(id, t0.Add(time.Duration(minute)*time.Minute))
		c.Environment, c.Agent, c.User = env, agent, user
		return c
	}
	all := []store.Conversation{
		mk("a", 0, "prod", "hr", "alice"),
		mk("b", 1, "prod", "it", "bob"),
		mk("c", 2, "staging", "hr", "alice"),
		mk("d", 3, "prod", "hr", "bob"),
		mk("e", 4, "staging", "it", "carol"),
	}
	for _, c := range all {
		mustCreateConversation(t, s, c)
	}

	tests := []struct {
		name   string
		filter store.ConversationFilter
		want   []string
	}{
		{"all", store.ConversationFilter{}, []string{"a", "b", "c", "d", "e"}},
		{"environment", store.ConversationFilter{Environment: "prod"}, []string{"a", "b", "d"}},
		{"agent", store.ConversationFilter{Agent: "hr"}, []string{"a", "c", "d"}},
		{"user", store.ConversationFilter{User: "alice"}, []string{"a", "c"}},
		{"environment and agent", store.ConversationFilter{Environment: "prod", Agent: "hr"}, []string{"a", "d"}},
		{"all three", store.ConversationFilter{Environment: "prod", Agent: "hr", User: "bob"}, []string{"d"}},
		{"no match", store.ConversationFilter{User: "dave"}, nil},
		{"limit", store.ConversationFilter{Limit: 2}, []string{"a", "b"}},
		{"limit with filter", store.ConversationFilter{Environment: "staging", Limit: 1}, []string{"c"}},
		{"limit above count", store.ConversationFilter{Limit: 100}, []string{"a", "b", "c", "d", "e"}},
		{"negative limit", store.ConversationFilter{Limit: -1}, []string{"a", "b", "c", "d", "e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := s.ListConversations(ctx, tt.filter)
			if err != nil {
				t.Fatalf("ListConversations: %v", err)
			}
			if diff := cmp.Diff(tt.want, ids(cs), diffOpts...); diff != "" {
				t.Errorf("ListConversations(%+v) IDs (-want +got):\n%s", tt.filter, diff)
			}
		})
	}

	// Listed conversations are complete records.
	cs, err := s.ListConversations(ctx, store.ConversationFilter{})
	if err != nil {
		t.Fatalf("ListConversations: %v", err)
	}
	if diff := cmp.Diff(all, cs); diff != "" {
		t.Errorf("ListConversations records (-want +got):\n%s", diff)
	}
}

// Ensure conversations are listed oldest first whatever the order of
// creation, with ties broken by ID.
func testConversationListOrder(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for _, minute := range []int{5, 1, 4, 2, 3} {
		mustCreateConversation(t, s, newConversation(fmt.Sprintf("m%d", minute), t0.Add(time.Duration(minute)*time.Minute)))
	}
	for _, id := range []string{"tie-b", "tie-a"} {
		mustCreateConversation(t, s, newConversation(id, t0.Add(10*time.Minute)))
	}
	cs, err := s.ListConversations(ctx, store.ConversationFilter{})
	if err != nil {
		t.Fatalf("ListConversations: %v", err)
	}
	want := []string{"m1", "m2", "m3", "m4", "m5", "tie-a", "tie-b"}
	if diff := cmp.Diff(want, ids(cs)); diff != "" {
		t.Errorf("ListConversations order (-want +got):\n%s", diff)
	}
}

// Ensure ExpiredBy selects conversations due at or before the instant and
// never those without a deadline.
func testConversationListExpiredBy(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mk := func(id string, minute int, expires time.Time) store.Conversation {
		c := newConversation(id, t0.Add(time.Duration(minute)*time.Minute))
		c.ExpiresAt = expires
		return c
	}
	deadline := t0.Add(24 * time.Hour)
	for _, c := range []store.Conversation{
		mk("past", 0, t0.Add(time.Hour)),
		mk("never", 1, time.Time{}),
		mk("exact", 2, deadline),
		mk("later", 3, deadline.Add(time.Microsecond)),
		mk("long-past", 4, t0.Add(-24*time.Hour)),
	} {
		mustCreateConversation(t, s, c)
	}
	tests := []struct {
		name   string
		filter store.ConversationFilter
		want   []string
	}{
		{"at deadline", store.ConversationFilter{ExpiredBy: deadline}, []string{"past", "exact", "long-past"}},
		{"before all", store.ConversationFilter{ExpiredBy: t0.Add(-48 * time.Hour)}, nil},
		{"far future", store.ConversationFilter{ExpiredBy: t0.AddDate(10, 0, 0)}, []string{"past", "exact", "later", "long-past"}},
		{"in another zone", store.ConversationFilter{ExpiredBy: deadline.In(time.FixedZone("UTC+5:30", 5*3600+1800))}, []string{"past", "exact", "long-past"}},
		{"with limit", store.ConversationFilter{ExpiredBy: deadline, Limit: 2}, []string{"past", "exact"}},
		{"with environment", store.ConversationFilter{ExpiredBy: deadline, Environment: "staging"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := s.ListConversations(ctx, tt.filter)
			if err != nil {
				t.Fatalf("ListConversations: %v", err)
			}
			if diff := cmp.Diff(tt.want, ids(cs), diffOpts...); diff != "" {
				t.Errorf("ListConversations(%+v) IDs (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

// Ensure a conversation without a retention deadline keeps a zero
// ExpiresAt.
func testConversationNoExpiry(t *testing.T, s store.Store) {
	ctx := testContext(t)
	c := newConversation("conv-1", t0)
	c.ExpiresAt = time.Time{}
	mustCreateConversation(t, s, c)
	got, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if !got.ExpiresAt.IsZero() {
		t.Errorf("ExpiresAt = %v, want zero", got.ExpiresAt)
	}
}

func ids(cs []store.Conversation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
