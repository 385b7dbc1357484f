package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var recordTests = []subTest{
	{"SingleRecord", testRecordsSingle},
	{"ManyRecords", testRecordsMany},
	{"SameConversationConsecutive", testRecordsSameConversation},
	{"AuditSeqsAcrossRecords", testRecordsAuditSeqs},
	{"EventsOnly", testRecordsEventsOnly},
	{"EmptyBatch", testRecordsEmptyBatch},
	{"EmptyRecords", testRecordsEmptyRecords},
	{"DuplicateEventAtomic", testRecordsDuplicateEvent},
	{"DuplicateEventWithinBatch", testRecordsDuplicateEventWithinBatch},
	{"MissingConversationAtomic", testRecordsMissingConversation},
	{"ConversationCreatedLater", testRecordsConversationCreatedLater},
	{"DuplicateConversation", testRecordsDuplicateConversation},
	{"DuplicateMessage", testRecordsDuplicateMessage},
	{"FirstFailingRecord", testRecordsFirstFailing},
	{"EmptyID", testRecordsEmptyID},
	{"PerItemMethods", testRecordsPerItemMethods},
	{"InputUnchanged", testRecordsInputUnchanged},
	{"Times", testRecordsTimes},
	{"Concurrent", testRecordsConcurrent},
	{"ConcurrentManyConversations", testRecordsConcurrentManyConversations},
}

func mustCommitRecords(t *testing.T, s store.Store, recs ...store.Record) []store.Record {
	t.Helper()
	got, err := s.CommitRecords(testContext(t), recs)
	if err != nil {
		t.Fatalf("CommitRecords(%d records): %v", len(recs), err)
	}
	if len(got) != len(recs) {
		t.Fatalf("CommitRecords(%d records) returned %d records", len(recs), len(got))
	}
	return got
}

// checkRecordError reports err unless it is a *store.RecordError naming
// record index and wrapping target.
func checkRecordError(t *testing.T, err error, index int, target error) {
	t.Helper()
	if err == nil {
		t.Fatalf("CommitRecords succeeded, want a *store.RecordError for record %d wrapping %v", index, target)
	}
	var re *store.RecordError
	if !errors.As(err, &re) {
		t.Fatalf("CommitRecords = %v (%T), want a *store.RecordError", err, err)
	}
	if re.Index != index {
		t.Errorf("CommitRecords failed at record %d (%v), want record %d", re.Index, err, index)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("CommitRecords = %v, want it to wrap %v", err, target)
	}
}

// snapshot is everything a store holds that the records tests write.
type snapshot struct {
	Conversations []store.Conversation
	Messages      map[string][]store.Message
	Events        []store.AuditEvent
}

func takeSnapshot(t *testing.T, s store.Store) snapshot {
	t.Helper()
	cs, err := s.ListConversations(testContext(t), store.ConversationFilter{})
	if err != nil {
		t.Fatalf("ListConversations: %v", err)
	}
	snap := snapshot{Conversations: cs, Messages: map[string][]store.Message{}}
	for _, c := range cs {
		snap.Messages[c.ID] = mustListMessages(t, s, c.ID, 0, 0)
	}
	snap.Events = mustListAuditEvents(t, s, 0, 0)
	return snap
}

// checkUnchanged reports any difference between the store and before.
func checkUnchanged(t *testing.T, s store.Store, before snapshot) {
	t.Helper()
	if diff := cmp.Diff(before, takeSnapshot(t, s), diffOpts...); diff != "" {
		t.Errorf("store changed by a refused batch (-before +after):\n%s", diff)
	}
}

// eventIDs returns the IDs of events, for compact diffs.
func eventIDs(evs []store.AuditEvent) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.ID)
	}
	return out
}

// Ensure one record creating a conversation with two messages and an
// event is stored whole, returned with Seqs set, and read back the same
// way by the per-item methods.
func testRecordsSingle(t *testing.T, s store.Store) {
	ctx := testContext(t)
	c := newConversation("conv-1", t0)
	rec := store.Record{
		Conversation: &c,
		Messages: []store.Message{
			newMessage("conv-1", "msg-1", t0),
			newMessage("conv-1", "msg-2", t0.Add(time.Second)),
		},
		Events: []store.AuditEvent{newAuditEvent("ev-1", t0)},
	}
	rec.Messages[1].Role = "assistant"
	got := mustCommitRecords(t, s, rec)

	want := store.Record{
		Conversation: &c,
		Messages:     slices.Clone(rec.Messages),
		Events:       slices.Clone(rec.Events),
	}
	want.Messages[0].Seq, want.Messages[1].Seq = 1, 2
	want.Events[0].Seq = 1
	if diff := cmp.Diff([]store.Record{want}, got); diff != "" {
		t.Errorf("CommitRecords returned (-want +got):\n%s", diff)
	}

	gotC, err := s.GetConversation(ctx, "conv-1")
	if err != nil {
		t.Fatalf("GetConversation: %v", err)
	}
	if diff := cmp.Diff(c, gotC); diff != "" {
		t.Errorf("GetConversation (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Messages, mustListMessages(t, s, "conv-1", 0, 0)); diff != "" {
		t.Errorf("ListMessages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Events, mustListAuditEvents(t, s, 0, 0)); diff != "" {
		t.Errorf("ListAuditEvents (-want +got):\n%s", diff)
	}
}

// Ensure many records in one call are written in order: new and existing
// conversations, several records appending to the same one, each getting
// the next Seqs of its conversation and of the audit log.
func testRecordsMany(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustAppendMessage(t, s, newMessage("conv-1", "old-1", t0))
	mustAppendAuditEvents(t, s, newAuditEvent("old-ev", t0))

	c2 := newConversation("conv-2", t0.Add(time.Minute))
	recs := []store.Record{
		{ // creates conv-2 and appends to it and to conv-1
			Conversation: &c2,
			Messages:     []store.Message{newMessage("conv-2", "a", t0), newMessage("conv-1", "b", t0)},
			Events:       []store.AuditEvent{newAuditEvent("ev-0", t0)},
		},
		{ // conv-1 only
			Messages: []store.Message{newMessage("conv-1", "c", t0), newMessage("conv-1", "d", t0)},
			Events:   []store.AuditEvent{newAuditEvent("ev-1a", t0), newAuditEvent("ev-1b", t0)},
		},
		{ // both, interleaved
			Messages: []store.Message{newMessage("conv-2", "e", t0), newMessage("conv-1", "f", t0), newMessage("conv-2", "g", t0)},
			Events:   []store.AuditEvent{newAuditEvent("ev-2", t0)},
		},
	}
	got := mustCommitRecords(t, s, recs...)

	wantMsgSeqs := [][]int64{{1, 2}, {3, 4}, {2, 5, 3}}
	wantEvSeqs := [][]int64{{2}, {3, 4}, {5}}
	for i := range recs {
		if diff := cmp.Diff(wantMsgSeqs[i], seqs(got[i].Messages)); diff != "" {
			t.Errorf("record %d message Seqs (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(wantEvSeqs[i], seqs(got[i].Events)); diff != "" {
			t.Errorf("record %d event Seqs (-want +got):\n%s", i, diff)
		}
		for j, m := range got[i].Messages {
			want := recs[i].Messages[j]
			want.Seq = m.Seq
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("record %d message %d (-want +got):\n%s", i, j, diff)
			}
		}
	}
	if got[0].Conversation == nil || got[0].Conversation.ID != "conv-2" {
		t.Errorf("record 0 returned conversation %+v, want conv-2", got[0].Conversation)
	}
	for _, r := range got[1:] {
		if r.Conversation != nil {
			t.Errorf("a record without a conversation returned one: %+v", r.Conversation)
		}
	}

	ms1 := mustListMessages(t, s, "conv-1", 0, 0)
	if diff := cmp.Diff([]string{"old-1", "b", "c", "d", "f"}, messageIDs(ms1)); diff != "" {
		t.Errorf("conv-1 transcript (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, 5), seqs(ms1)); diff != "" {
		t.Errorf("conv-1 Seqs (-want +got):\n%s", diff)
	}
	ms2 := mustListMessages(t, s, "conv-2", 0, 0)
	if diff := cmp.Diff([]string{"a", "e", "g"}, messageIDs(ms2)); diff != "" {
		t.Errorf("conv-2 transcript (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, 3), seqs(ms2)); diff != "" {
		t.Errorf("conv-2 Seqs (-want +got):\n%s", diff)
	}
	evs := mustListAuditEvents(t, s, 0, 0)
	if diff := cmp.Diff([]string{"old-ev", "ev-0", "ev-1a", "ev-1b", "ev-2"}, eventIDs(evs)); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, 5), seqs(evs)); diff != "" {
		t.Errorf("audit Seqs (-want +got):\n%s", diff)
	}

	// The counters carry on after the batch.
	if m := mustAppendMessage(t, s, newMessage("conv-1", "after", t0)); m.Seq != 6 {
		t.Errorf("AppendMessage after the batch: Seq %d, want 6", m.Seq)
	}
	if m := mustAppendMessage(t, s, newMessage("conv-2", "after", t0)); m.Seq != 4 {
		t.Errorf("AppendMessage to the created conversation after the batch: Seq %d, want 4", m.Seq)
	}
	if ev := mustAppendAuditEvents(t, s, newAuditEvent("after", t0)); ev[0].Seq != 6 {
		t.Errorf("AppendAuditEvents after the batch: Seq %d, want 6", ev[0].Seq)
	}
}

// messageIDs returns the IDs of messages, for compact diffs.
func messageIDs(ms []store.Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// Ensure records appending to one conversation, created by the first of
// them, get consecutive Seqs in record order.
func testRecordsSameConversation(t *testing.T, s store.Store) {
	c := newConversation("conv-1", t0)
	recs := []store.Record{{Conversation: &c}}
	const n = 10
	for i := range n {
		recs = append(recs, store.Record{
			Messages: []store.Message{
				newMessage("conv-1", fmt.Sprintf("q-%d", i), t0),
				newMessage("conv-1", fmt.Sprintf("a-%d", i), t0),
			},
			Events: []store.AuditEvent{newAuditEvent(fmt.Sprintf("ev-%d", i), t0)},
		})
	}
	got := mustCommitRecords(t, s, recs...)
	var all []int64
	for _, r := range got {
		all = append(all, seqs(r.Messages)...)
	}
	if diff := cmp.Diff(seqRange(1, 2*n), all); diff != "" {
		t.Errorf("returned Seqs (-want +got):\n%s", diff)
	}
	ms := mustListMessages(t, s, "conv-1", 0, 0)
	if diff := cmp.Diff(seqRange(1, 2*n), seqs(ms)); diff != "" {
		t.Errorf("stored Seqs (-want +got):\n%s", diff)
	}
	for i := range n {
		if ms[2*i].ID != fmt.Sprintf("q-%d", i) || ms[2*i+1].ID != fmt.Sprintf("a-%d", i) {
			t.Fatalf("transcript out of record order: %v", messageIDs(ms))
		}
	}

	// A second batch to the same, now existing, conversation follows on.
	got = mustCommitRecords(t, s,
		store.Record{Messages: []store.Message{newMessage("conv-1", "x", t0)}},
		store.Record{Messages: []store.Message{newMessage("conv-1", "y", t0), newMessage("conv-1", "z", t0)}})
	if diff := cmp.Diff([]int64{2*n + 1}, seqs(got[0].Messages)); diff != "" {
		t.Errorf("second batch, record 0 Seqs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{2*n + 2, 2*n + 3}, seqs(got[1].Messages)); diff != "" {
		t.Errorf("second batch, record 1 Seqs (-want +got):\n%s", diff)
	}
}

// Ensure audit Seqs run on without gaps across records, batches and the
// per-item method.
func testRecordsAuditSeqs(t *testing.T, s store.Store) {
	mustAppendAuditEvents(t, s, auditBatch("a", 2)...)
	got := mustCommitRecords(t, s,
		store.Record{Events: auditBatch("r0", 1)},
		store.Record{Events: auditBatch("r1", 2)},
		store.Record{Events: auditBatch("r2", 3)})
	for i, want := range [][]int64{seqRange(3, 3), seqRange(4, 5), seqRange(6, 8)} {
		if diff := cmp.Diff(want, seqs(got[i].Events)); diff != "" {
			t.Errorf("record %d event Seqs (-want +got):\n%s", i, diff)
		}
	}
	mustAppendAuditEvents(t, s, auditBatch("b", 1)...)
	got = mustCommitRecords(t, s, store.Record{Events: auditBatch("r3", 2)})
	if diff := cmp.Diff(seqRange(10, 11), seqs(got[0].Events)); diff != "" {
		t.Errorf("next batch event Seqs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, 11), seqs(mustListAuditEvents(t, s, 0, 0))); diff != "" {
		t.Errorf("stored Seqs (-want +got):\n%s", diff)
	}
}

// Ensure a record of events alone is stored, and what comes back is what
// is read back.
func testRecordsEventsOnly(t *testing.T, s store.Store) {
	ctx := testContext(t)
	evs := auditBatch("a", 3)
	got := mustCommitRecords(t, s, store.Record{Events: evs})
	want := slices.Clone(evs)
	for i := range want {
		want[i].Seq = int64(i + 1)
	}
	if diff := cmp.Diff(want, got[0].Events); diff != "" {
		t.Errorf("returned events (-want +got):\n%s", diff)
	}
	if got[0].Conversation != nil || len(got[0].Messages) != 0 {
		t.Errorf("returned record has a conversation or messages: %+v", got[0])
	}
	for _, w := range want {
		ev, err := s.GetAuditEvent(ctx, w.ID)
		if err != nil {
			t.Fatalf("GetAuditEvent(%s): %v", w.ID, err)
		}
		if diff := cmp.Diff(w, ev); diff != "" {
			t.Errorf("GetAuditEvent(%s) (-want +got):\n%s", w.ID, diff)
		}
	}
	if cs, err := s.ListConversations(ctx, store.ConversationFilter{}); err != nil || len(cs) != 0 {
		t.Errorf("ListConversations = %d, %v; want none", len(cs), err)
	}
}

// Ensure an empty batch is a no-op that consumes no Seq.
func testRecordsEmptyBatch(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for _, recs := range [][]store.Record{nil, {}} {
		got, err := s.CommitRecords(ctx, recs)
		if err != nil {
			t.Fatalf("CommitRecords(empty): %v", err)
		}
		if len(got) != 0 {
			t.Errorf("CommitRecords(empty) returned %d records", len(got))
		}
	}
	if got := mustAppendAuditEvents(t, s, auditBatch("a", 1)...); got[0].Seq != 1 {
		t.Errorf("Seq after empty batches = %d, want 1", got[0].Seq)
	}
}

// Ensure records with nothing in them are accepted and come back empty.
func testRecordsEmptyRecords(t *testing.T, s store.Store) {
	got := mustCommitRecords(t, s, store.Record{},
		store.Record{Events: auditBatch("a", 1)}, store.Record{})
	if got[0].Conversation != nil || len(got[0].Messages) != 0 || len(got[0].Events) != 0 {
		t.Errorf("empty record came back as %+v", got[0])
	}
	if diff := cmp.Diff([]int64{1}, seqs(got[1].Events)); diff != "" {
		t.Errorf("event Seqs (-want +got):\n%s", diff)
	}
}

// failingBatch returns four records whose third (index 2) is replaced by
// bad: the first creates conversation conv-new with a message and an
// event, the second appends to the existing conv-1, the fourth to both.
func failingBatch(bad store.Record) []store.Record {
	c := newConversation("conv-new", t0)
	return []store.Record{
		{
			Conversation: &c,
			Messages:     []store.Message{newMessage("conv-new", "m-0", t0)},
			Events:       []store.AuditEvent{newAuditEvent("ev-0", t0)},
		},
		{
			Messages: []store.Message{newMessage("conv-1", "m-1", t0)},
			Events:   []store.AuditEvent{newAuditEvent("ev-1", t0)},
		},
		bad,
		{
			Messages: []store.Message{newMessage("conv-1", "m-3", t0), newMessage("conv-new", "m-3", t0)},
			Events:   []store.AuditEvent{newAuditEvent("ev-3", t0)},
		},
	}
}

// seedFailing stores what failingBatch's records build on: conv-1 with a
// message, and an audit event "ev-old".
func seedFailing(t *testing.T, s store.Store) {
	t.Helper()
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustAppendMessage(t, s, newMessage("conv-1", "m-old", t0))
	mustAppendAuditEvents(t, s, newAuditEvent("ev-old", t0))
}

// checkRefusedThenWorks checks that the refused batch left nothing, and
// that a batch after it gets Seqs without gaps.
func checkRefusedThenWorks(t *testing.T, s store.Store, before snapshot) {
	t.Helper()
	ctx := testContext(t)
	checkUnchanged(t, s, before)
	if _, err := s.GetConversation(ctx, "conv-new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetConversation(conv-new) after a refused batch = %v, want ErrNotFound", err)
	}
	for _, id := range []string{"ev-0", "ev-1", "ev-3"} {
		if _, err := s.GetAuditEvent(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAuditEvent(%s) after a refused batch = %v, want ErrNotFound", id, err)
		}
	}
	got := mustCommitRecords(t, s, failingBatch(store.Record{
		Messages: []store.Message{newMessage("conv-1", "m-2", t0)},
		Events:   []store.AuditEvent{newAuditEvent("ev-2", t0)},
	})...)
	if diff := cmp.Diff([][]int64{{3}, {4}, {5}}, [][]int64{seqs(got[1].Events), seqs(got[2].Events), seqs(got[3].Events)}); diff != "" {
		t.Errorf("event Seqs of the next batch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, 4), seqs(mustListMessages(t, s, "conv-1", 0, 0))); diff != "" {
		t.Errorf("conv-1 Seqs after the next batch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, 2), seqs(mustListMessages(t, s, "conv-new", 0, 0))); diff != "" {
		t.Errorf("conv-new Seqs after the next batch (-want +got):\n%s", diff)
	}
}

// Ensure a batch whose third record reuses a stored event ID stores
// nothing from any record and names the third record.
func testRecordsDuplicateEvent(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	_, err := s.CommitRecords(testContext(t), failingBatch(store.Record{
		Messages: []store.Message{newMessage("conv-1", "m-2", t0)},
		Events:   []store.AuditEvent{newAuditEvent("ev-2", t0), newAuditEvent("ev-old", t0)},
	}))
	checkRecordError(t, err, 2, store.ErrAlreadyExists)
	checkRefusedThenWorks(t, s, before)
}

// Ensure a batch whose third record repeats an event ID of the first is
// refused whole.
func testRecordsDuplicateEventWithinBatch(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	_, err := s.CommitRecords(testContext(t), failingBatch(store.Record{
		Events: []store.AuditEvent{newAuditEvent("ev-0", t0)},
	}))
	checkRecordError(t, err, 2, store.ErrAlreadyExists)
	checkRefusedThenWorks(t, s, before)
}

// Ensure a batch whose third record appends to a missing conversation
// stores nothing from any record and names the third record.
func testRecordsMissingConversation(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	_, err := s.CommitRecords(testContext(t), failingBatch(store.Record{
		Messages: []store.Message{newMessage("conv-1", "m-2", t0), newMessage("nope", "m-2", t0)},
		Events:   []store.AuditEvent{newAuditEvent("ev-2", t0)},
	}))
	checkRecordError(t, err, 2, store.ErrNotFound)
	checkRefusedThenWorks(t, s, before)
}

// Ensure a message to a conversation that a later record of the batch
// creates fails: records are applied in order.
func testRecordsConversationCreatedLater(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	c := newConversation("conv-later", t0)
	recs := failingBatch(store.Record{
		Messages: []store.Message{newMessage("conv-later", "m-2", t0)},
	})
	recs[3].Conversation = &c
	_, err := s.CommitRecords(testContext(t), recs)
	checkRecordError(t, err, 2, store.ErrNotFound)
	checkUnchanged(t, s, before)
}

// Ensure creating a conversation whose ID is taken, in the store or
// earlier in the batch, is refused whole.
func testRecordsDuplicateConversation(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	for _, id := range []string{"conv-1", "conv-new"} {
		t.Run(id, func(t *testing.T) {
			c := newConversation(id, t0.Add(time.Hour))
			_, err := s.CommitRecords(testContext(t), failingBatch(store.Record{Conversation: &c}))
			checkRecordError(t, err, 2, store.ErrAlreadyExists)
			checkUnchanged(t, s, before)
		})
	}
	checkRefusedThenWorks(t, s, before)
}

// Ensure a message ID taken in its conversation, in the store or earlier
// in the batch, is refused whole.
func testRecordsDuplicateMessage(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	for _, m := range []store.Message{
		newMessage("conv-1", "m-old", t0),
		newMessage("conv-1", "m-1", t0),
		newMessage("conv-new", "m-0", t0),
	} {
		t.Run(m.ConversationID+"/"+m.ID, func(t *testing.T) {
			_, err := s.CommitRecords(testContext(t), failingBatch(store.Record{Messages: []store.Message{m}}))
			checkRecordError(t, err, 2, store.ErrAlreadyExists)
			checkUnchanged(t, s, before)
		})
	}
	checkRefusedThenWorks(t, s, before)
}

// Ensure that when several records would fail, the error names the
// first of them, whatever the reasons.
func testRecordsFirstFailing(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	dupEvent := store.Record{Events: []store.AuditEvent{newAuditEvent("ev-old", t0)}}
	missing := store.Record{Messages: []store.Message{newMessage("nope", "m", t0)}}
	dupConv := store.Record{Conversation: &store.Conversation{ID: "conv-1"}}
	emptyID := store.Record{Events: []store.AuditEvent{{Type: "no id"}}}
	tests := []struct {
		name   string
		recs   []store.Record
		index  int
		target error
	}{
		{"duplicate event then missing conversation", []store.Record{{}, dupEvent, missing}, 1, store.ErrAlreadyExists},
		{"missing conversation then duplicate event", []store.Record{{}, missing, dupEvent}, 1, store.ErrNotFound},
		{"duplicate conversation then missing conversation", []store.Record{dupConv, missing}, 0, store.ErrAlreadyExists},
		{"duplicate event then empty ID", []store.Record{dupEvent, emptyID}, 0, store.ErrAlreadyExists},
		{"missing conversation then empty ID", []store.Record{{}, {}, missing, emptyID}, 2, store.ErrNotFound},
		{"empty ID then missing conversation", []store.Record{{}, emptyID, missing}, 1, nil},
		{"missing conversation first", []store.Record{missing, dupEvent}, 0, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CommitRecords(testContext(t), tt.recs)
			checkRecordError(t, err, tt.index, tt.target)
			checkUnchanged(t, s, before)
		})
	}
}

// Ensure a conversation, message or event without an ID is refused with
// the whole batch.
func testRecordsEmptyID(t *testing.T, s store.Store) {
	seedFailing(t, s)
	before := takeSnapshot(t, s)
	tests := map[string]store.Record{
		"conversation": {Conversation: &store.Conversation{}},
		"message":      {Messages: []store.Message{newMessage("conv-1", "", t0)}},
		"event":        {Events: []store.AuditEvent{newAuditEvent("", t0)}},
	}
	for name, bad := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := s.CommitRecords(testContext(t), failingBatch(bad))
			checkRecordError(t, err, 2, nil)
			checkUnchanged(t, s, before)
		})
	}
}

// Ensure records and the per-item methods share the Seq counters and
// see each other's writes.
func testRecordsPerItemMethods(t *testing.T, s store.Store) {
	ctx := testContext(t)
	c := newConversation("conv-1", t0)
	got := mustCommitRecords(t, s, store.Record{
		Conversation: &c,
		Messages:     []store.Message{newMessage("conv-1", "m-1", t0)},
		Events:       []store.AuditEvent{newAuditEvent("ev-1", t0)},
	})
	m2 := mustAppendMessage(t, s, newMessage("conv-1", "m-2", t0))
	ev2 := mustAppendAuditEvents(t, s, newAuditEvent("ev-2", t0))
	got2 := mustCommitRecords(t, s, store.Record{
		Messages: []store.Message{newMessage("conv-1", "m-3", t0)},
		Events:   []store.AuditEvent{newAuditEvent("ev-3", t0)},
	})
	if m2.Seq != 2 || ev2[0].Seq != 2 || got2[0].Messages[0].Seq != 3 || got2[0].Events[0].Seq != 3 {
		t.Errorf("Seqs: AppendMessage %d, AppendAuditEvents %d, CommitRecords %d and %d; want 2, 2, 3, 3",
			m2.Seq, ev2[0].Seq, got2[0].Messages[0].Seq, got2[0].Events[0].Seq)
	}
	wantMsgs := []store.Message{got[0].Messages[0], m2, got2[0].Messages[0]}
	if diff := cmp.Diff(wantMsgs, mustListMessages(t, s, "conv-1", 0, 0)); diff != "" {
		t.Errorf("ListMessages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantMsgs[2:], mustListMessages(t, s, "conv-1", 2, 0)); diff != "" {
		t.Errorf("ListMessages after Seq 2 (-want +got):\n%s", diff)
	}
	for _, want := range []store.AuditEvent{got[0].Events[0], ev2[0], got2[0].Events[0]} {
		ev, err := s.GetAuditEvent(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetAuditEvent(%s): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Errorf("GetAuditEvent(%s) (-want +got):\n%s", want.ID, diff)
		}
	}
	// A conversation created by a record is an ordinary one.
	if err := s.UpdateConversation(ctx, "conv-1", func(c store.Conversation) (store.Conversation, error) {
		c.User = "bob"
		return c, nil
	}); err != nil {
		t.Fatalf("UpdateConversation: %v", err)
	}
	if err := s.CreateConversation(ctx, c); !errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("CreateConversation(conv-1) = %v, want ErrAlreadyExists", err)
	}
	if err := s.DeleteConversation(ctx, "conv-1"); err != nil {
		t.Fatalf("DeleteConversation: %v", err)
	}
	_, err := s.CommitRecords(ctx, []store.Record{{Messages: []store.Message{newMessage("conv-1", "m-4", t0)}}})
	checkRecordError(t, err, 0, store.ErrNotFound)
}

// Ensure the store does not write into the caller's records.
func testRecordsInputUnchanged(t *testing.T, s store.Store) {
	c := newConversation("conv-1", t0.In(time.FixedZone("UTC+1", 3600)))
	recs := []store.Record{{
		Conversation: &c,
		Messages:     []store.Message{newMessage("conv-1", "m-1", t0)},
		Events:       []store.AuditEvent{newAuditEvent("ev-1", t0)},
	}}
	origC := c
	orig := []store.Record{{
		Conversation: &origC,
		Messages:     slices.Clone(recs[0].Messages),
		Events:       slices.Clone(recs[0].Events),
	}}
	mustCommitRecords(t, s, recs...)
	if diff := cmp.Diff(orig, recs); diff != "" {
		t.Errorf("CommitRecords changed its input (-before +after):\n%s", diff)
	}
}

// Ensure times come back from CommitRecords as they are read back: the
// same instant in UTC, to the microsecond, and zero times zero.
func testRecordsTimes(t *testing.T, s store.Store) {
	ctx := testContext(t)
	for i, at := range []time.Time{
		time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.FixedZone("UTC-8", -8*3600)),
		{},
	} {
		id := fmt.Sprintf("conv-%d", i)
		c := newConversation(id, at)
		c.ExpiresAt = at
		got := mustCommitRecords(t, s, store.Record{
			Conversation: &c,
			Messages:     []store.Message{newMessage(id, "m", at)},
			Events:       []store.AuditEvent{newAuditEvent(fmt.Sprintf("ev-%d", i), at)},
		})
		gotC, err := s.GetConversation(ctx, id)
		if err != nil {
			t.Fatalf("GetConversation: %v", err)
		}
		ms := mustListMessages(t, s, id, 0, 0)
		ev, err := s.GetAuditEvent(ctx, got[0].Events[0].ID)
		if err != nil {
			t.Fatalf("GetAuditEvent: %v", err)
		}
		if diff := cmp.Diff(gotC, *got[0].Conversation); diff != "" {
			t.Errorf("%v: returned conversation (-read back +returned):\n%s", at, diff)
		}
		if diff := cmp.Diff(ms, got[0].Messages); diff != "" {
			t.Errorf("%v: returned messages (-read back +returned):\n%s", at, diff)
		}
		if diff := cmp.Diff(ev, got[0].Events[0]); diff != "" {
			t.Errorf("%v: returned event (-read back +returned):\n%s", at, diff)
		}
		for what, tm := range map[string]time.Time{
			"Conversation.CreatedAt": got[0].Conversation.CreatedAt,
			"Conversation.ExpiresAt": got[0].Conversation.ExpiresAt,
			"Message.CreatedAt":      got[0].Messages[0].CreatedAt,
			"AuditEvent.Time":        got[0].Events[0].Time,
		} {
			if at.IsZero() {
				if !tm.IsZero() {
					t.Errorf("returned %s = %v, want the zero time", what, tm)
				}
				continue
			}
			if d := tm.Sub(at); d <= -time.Microsecond || d >= time.Microsecond {
				t.Errorf("returned %s = %v, want %v to the microsecond", what, tm, at)
			}
			if tm.Location() != time.UTC {
				t.Errorf("returned %s is in %v, want UTC", what, tm.Location())
			}
		}
	}
}

// Ensure concurrent callers, each committing batches of records that
// create a conversation of their own and append to a shared one, never
// fail, and that the audit log and the shared transcript come out gapless,
// with each batch's entries consecutive and in record order.
func testRecordsConcurrent(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mustCreateConversation(t, s, newConversation("shared", t0))
	const calls, perCall = 20, 3
	type batch struct {
		evs, shared []int64
	}
	results := make([][]batch, workers)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for call := range calls {
				prefix := fmt.Sprintf("w%d-c%d", w, call)
				own := newConversation(prefix, t0)
				recs := make([]store.Record, perCall)
				for r := range recs {
					id := fmt.Sprintf("%s-r%d", prefix, r)
					recs[r] = store.Record{
						Messages: []store.Message{newMessage("shared", id, t0), newMessage(own.ID, id, t0)},
						Events:   auditBatch(id, 1+r%2),
					}
				}
				recs[0].Conversation = &own
				out, err := s.CommitRecords(ctx, recs)
				if err != nil {
					errs <- fmt.Errorf("worker %d, call %d: %w", w, call, err)
					return
				}
				var b batch
				for r, rec := range out {
					b.evs = append(b.evs, seqs(rec.Events)...)
					b.shared = append(b.shared, rec.Messages[0].Seq)
					if rec.Messages[1].Seq != int64(r+1) {
						errs <- fmt.Errorf("worker %d, call %d, record %d: Seq %d in its own conversation, want %d",
							w, call, r, rec.Messages[1].Seq, r+1)
						return
					}
				}
				results[w] = append(results[w], b)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	var allEvs, allShared []int64
	for w, bs := range results {
		for call, b := range bs {
			for i := range b.evs {
				if b.evs[i] != b.evs[0]+int64(i) {
					t.Errorf("worker %d, call %d: event Seqs %v are not consecutive", w, call, b.evs)
					break
				}
			}
			for i := range b.shared {
				if b.shared[i] != b.shared[0]+int64(i) {
					t.Errorf("worker %d, call %d: shared Seqs %v are not consecutive", w, call, b.shared)
					break
				}
			}
			allEvs = append(allEvs, b.evs...)
			allShared = append(allShared, b.shared...)
		}
	}
	slices.Sort(allEvs)
	slices.Sort(allShared)
	evsPerCall := int64(0)
	for r := range perCall {
		evsPerCall += int64(1 + r%2)
	}
	if diff := cmp.Diff(seqRange(1, workers*calls*evsPerCall), allEvs); diff != "" {
		t.Errorf("returned event Seqs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, workers*calls*evsPerCall), seqs(mustListAuditEvents(t, s, 0, 0))); diff != "" {
		t.Errorf("stored event Seqs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, workers*calls*perCall), allShared); diff != "" {
		t.Errorf("returned shared Seqs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(seqRange(1, workers*calls*perCall), seqs(mustListMessages(t, s, "shared", 0, 0))); diff != "" {
		t.Errorf("stored shared Seqs (-want +got):\n%s", diff)
	}
}

// Ensure concurrent batches that append to the same conversations in
// opposite orders, with and without audit events, alongside the per-item
// methods, neither fail nor deadlock, and leave gapless transcripts.
func testRecordsConcurrentManyConversations(t *testing.T, s store.Store) {
	ctx := testContext(t)
	convs := []string{"conv-a", "conv-b", "conv-c"}
	for _, id := range convs {
		mustCreateConversation(t, s, newConversation(id, t0))
	}
	const calls = 15
	var total [3]int64
	var mu sync.Mutex
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for call := range calls {
				id := fmt.Sprintf("w%d-c%d", w, call)
				order := []int{0, 1, 2}
				if (w+call)%2 == 1 {
					slices.Reverse(order)
				}
				var err error
				var counts [3]int64
				switch w % 4 {
				case 0, 1: // a batch over every conversation, in either order
					var recs []store.Record
					for i, ci := range order {
						rec := store.Record{Messages: []store.Message{newMessage(convs[ci], fmt.Sprintf("%s-%d", id, i), t0)}}
						if w%4 == 0 {
							rec.Events = auditBatch(fmt.Sprintf("%s-%d", id, i), 1)
						}
						recs = append(recs, rec)
						counts[ci]++
					}
					_, err = s.CommitRecords(ctx, recs)
				case 2: // single messages
					ci := order[0]
					_, err = s.AppendMessage(ctx, newMessage(convs[ci], id, t0))
					counts[ci]++
				case 3: // a new conversation and one existing one, without events
					c := newConversation(id, t0)
					ci := order[0]
					_, err = s.CommitRecords(ctx, []store.Record{
						{Conversation: &c, Messages: []store.Message{newMessage(id, id, t0)}},
						{Messages: []store.Message{newMessage(convs[ci], id, t0)}},
					})
					counts[ci]++
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d, call %d: %w", w, call, err)
					return
				}
				mu.Lock()
				for i := range total {
					total[i] += counts[i]
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for i, id := range convs {
		if diff := cmp.Diff(seqRange(1, total[i]), seqs(mustListMessages(t, s, id, 0, 0))); diff != "" {
			t.Errorf("%s Seqs (-want +got):\n%s", id, diff)
		}
	}
	evs := mustListAuditEvents(t, s, 0, 0)
	if diff := cmp.Diff(seqRange(1, int64(len(evs))), seqs(evs)); diff != "" {
		t.Errorf("audit Seqs (-want +got):\n%s", diff)
	}
}
