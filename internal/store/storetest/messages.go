package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/store"
)

var messageTests = []subTest{
	{"AppendAssignsSeq", testMessageAppendAssignsSeq},
	{"SeqPerConversation", testMessageSeqPerConversation},
	{"List", testMessageList},
	{"UnknownConversation", testMessageUnknownConversation},
	{"DuplicateID", testMessageDuplicateID},
	{"SameIDOtherConversation", testMessageSameIDOtherConversation},
	{"EmptyID", testMessageEmptyID},
	{"DeleteConversationRemovesTranscript", testMessageDeleteConversation},
	{"Payload", testMessagePayload},
	{"Text", testMessageText},
}

// Ensure Seqs start at 1 and follow on, and what AppendMessage returns is
// what ListMessages reads back.
func testMessageAppendAssignsSeq(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	var appended []store.Message
	for i := range 3 {
		m := newMessage("conv-1", fmt.Sprintf("msg-%d", i), t0.Add(time.Duration(i)*time.Second))
		m.Seq = 42 // ignored: the store assigns Seq
		got := mustAppendMessage(t, s, m)
		want := m
		want.Seq = int64(i + 1)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AppendMessage #%d returned (-want +got):\n%s", i, diff)
		}
		appended = append(appended, got)
	}
	listed := mustListMessages(t, s, "conv-1", 0, 0)
	if diff := cmp.Diff(appended, listed); diff != "" {
		t.Errorf("ListMessages (-appended +listed):\n%s", diff)
	}
}

// Ensure every conversation numbers its own messages from 1.
func testMessageSeqPerConversation(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustCreateConversation(t, s, newConversation("conv-2", t0))
	for i := range 3 {
		for _, conv := range []string{"conv-1", "conv-2"} {
			got := mustAppendMessage(t, s, newMessage(conv, fmt.Sprintf("msg-%d", i), t0))
			if got.Seq != int64(i+1) {
				t.Errorf("AppendMessage(%s, msg-%d).Seq = %d, want %d", conv, i, got.Seq, i+1)
			}
		}
	}
	for _, conv := range []string{"conv-1", "conv-2"} {
		ms := mustListMessages(t, s, conv, 0, 0)
		if diff := cmp.Diff(seqRange(1, 3), seqs(ms)); diff != "" {
			t.Errorf("ListMessages(%s) Seqs (-want +got):\n%s", conv, diff)
		}
		for _, m := range ms {
			if m.ConversationID != conv {
				t.Errorf("ListMessages(%s) returned a message of %s", conv, m.ConversationID)
			}
		}
	}
}

// Ensure afterSeq and limit page through a transcript (the Direct Line
// watermark).
func testMessageList(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustCreateConversation(t, s, newConversation("empty", t0))
	for i := range 10 {
		mustAppendMessage(t, s, newMessage("conv-1", fmt.Sprintf("msg-%d", i), t0))
	}
	tests := []struct {
		name     string
		conv     string
		afterSeq int64
		limit    int
		want     []int64
	}{
		{"all", "conv-1", 0, 0, seqRange(1, 10)},
		{"negative limit", "conv-1", 0, -1, seqRange(1, 10)},
		{"negative afterSeq", "conv-1", -5, 0, seqRange(1, 10)},
		{"after", "conv-1", 7, 0, seqRange(8, 10)},
		{"limit", "conv-1", 0, 3, seqRange(1, 3)},
		{"after and limit", "conv-1", 3, 2, seqRange(4, 5)},
		{"limit past end", "conv-1", 8, 5, seqRange(9, 10)},
		{"after last", "conv-1", 10, 0, nil},
		{"far after last", "conv-1", 1000, 10, nil},
		{"empty transcript", "empty", 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := mustListMessages(t, s, tt.conv, tt.afterSeq, tt.limit)
			if diff := cmp.Diff(tt.want, seqs(ms), diffOpts...); diff != "" {
				t.Errorf("ListMessages(%s, %d, %d) Seqs (-want +got):\n%s", tt.conv, tt.afterSeq, tt.limit, diff)
			}
		})
	}

	// Paging with the last Seq seen as the watermark visits every message once.
	var paged []int64
	for after := int64(0); ; {
		ms := mustListMessages(t, s, "conv-1", after, 4)
		if len(ms) == 0 {
			break
		}
		paged = append(paged, seqs(ms)...)
		after = ms[len(ms)-1].Seq
	}
	if diff := cmp.Diff(seqRange(1, 10), paged); diff != "" {
		t.Errorf("paged Seqs (-want +got):\n%s", diff)
	}
}

// Ensure a transcript of an unknown conversation is ErrNotFound both ways.
func testMessageUnknownConversation(t *testing.T, s store.Store) {
	ctx := testContext(t)
	if _, err := s.AppendMessage(ctx, newMessage("nope", "msg-1", t0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppendMessage(unknown conversation) = %v, want ErrNotFound", err)
	}
	if _, err := s.ListMessages(ctx, "nope", 0, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ListMessages(unknown conversation) = %v, want ErrNotFound", err)
	}
}

// Ensure a taken message ID is refused, and the refusal consumes no Seq.
func testMessageDuplicateID(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	first := mustAppendMessage(t, s, newMessage("conv-1", "msg-1", t0))

	dup := newMessage("conv-1", "msg-1", t0.Add(time.Second))
	dup.Text = "a replay"
	if _, err := s.AppendMessage(ctx, dup); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("AppendMessage(duplicate ID) = %v, want ErrAlreadyExists", err)
	}
	next := mustAppendMessage(t, s, newMessage("conv-1", "msg-2", t0))
	if next.Seq != 2 {
		t.Errorf("Seq after a refused append = %d, want 2 (no gap)", next.Seq)
	}
	ms := mustListMessages(t, s, "conv-1", 0, 0)
	if diff := cmp.Diff([]store.Message{first, next}, ms); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

// Ensure message IDs are scoped to their conversation.
func testMessageSameIDOtherConversation(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustCreateConversation(t, s, newConversation("conv-2", t0))
	mustAppendMessage(t, s, newMessage("conv-1", "msg-1", t0))
	if got := mustAppendMessage(t, s, newMessage("conv-2", "msg-1", t0)); got.Seq != 1 {
		t.Errorf("Seq = %d, want 1", got.Seq)
	}
}

// Ensure a message without an ID is refused and stores nothing.
func testMessageEmptyID(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	if _, err := s.AppendMessage(testContext(t), newMessage("conv-1", "", t0)); err == nil {
		t.Fatal("AppendMessage(empty ID) succeeded, want an error")
	}
	if ms := mustListMessages(t, s, "conv-1", 0, 0); len(ms) != 0 {
		t.Errorf("ListMessages = %d messages, want none", len(ms))
	}
}

// Ensure deleting a conversation deletes its transcript, so that a new
// conversation with the same ID starts empty from Seq 1.
func testMessageDeleteConversation(t *testing.T, s store.Store) {
	ctx := testContext(t)
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	mustCreateConversation(t, s, newConversation("conv-2", t0))
	for i := range 3 {
		mustAppendMessage(t, s, newMessage("conv-1", fmt.Sprintf("msg-%d", i), t0))
		mustAppendMessage(t, s, newMessage("conv-2", fmt.Sprintf("msg-%d", i), t0))
	}
	if err := s.DeleteConversation(ctx, "conv-1"); err != nil {
		t.Fatalf("DeleteConversation: %v", err)
	}
	if _, err := s.ListMessages(ctx, "conv-1", 0, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ListMessages(deleted conversation) = %v, want ErrNotFound", err)
	}
	if _, err := s.AppendMessage(ctx, newMessage("conv-1", "msg-9", t0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AppendMessage(deleted conversation) = %v, want ErrNotFound", err)
	}
	if ms := mustListMessages(t, s, "conv-2", 0, 0); len(ms) != 3 {
		t.Errorf("other transcript has %d messages, want 3", len(ms))
	}

	mustCreateConversation(t, s, newConversation("conv-1", t0.Add(time.Hour)))
	if ms := mustListMessages(t, s, "conv-1", 0, 0); len(ms) != 0 {
		t.Errorf("recreated conversation has %d messages, want none", len(ms))
	}
	if got := mustAppendMessage(t, s, newMessage("conv-1", "msg-0", t0)); got.Seq != 1 {
		t.Errorf("first Seq of the recreated conversation = %d, want 1", got.Seq)
	}
}

// Ensure payloads come back byte for byte, whatever the bytes, and that a
// nil or empty payload is accepted and comes back empty.
func testMessagePayload(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name    string
		payload []byte
	}{
		{"json", []byte(`{"attachments":[{"contentType":"text/plain","content":"hi"}]}`)},
		{"binary", binary},
		{"invalid utf-8", []byte{0xff, 0xfe, 0x00, 0xc3, 0x28}},
		{"nul only", []byte{0}},
		{"large", make([]byte, 1<<20)},
		{"nil", nil},
		{"empty", []byte{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMessage("conv-1", fmt.Sprintf("msg-%d", i), t0)
			m.Payload = tt.payload
			got := mustAppendMessage(t, s, m)
			if !bytes.Equal(tt.payload, got.Payload) {
				t.Errorf("returned Payload = %d bytes %.16x…, want %d bytes %.16x…", len(got.Payload), got.Payload, len(tt.payload), tt.payload)
			}
			ms := mustListMessages(t, s, "conv-1", got.Seq-1, 1)
			if len(ms) != 1 {
				t.Fatalf("ListMessages = %d messages, want 1", len(ms))
			}
			if !bytes.Equal(tt.payload, ms[0].Payload) {
				t.Errorf("stored Payload = %d bytes %.16x…, want %d bytes %.16x…", len(ms[0].Payload), ms[0].Payload, len(tt.payload), tt.payload)
			}
		})
	}
}

// Ensure every field of a message survives, including text that is not
// ASCII.
func testMessageText(t *testing.T, s store.Store) {
	mustCreateConversation(t, s, newConversation("conv-1", t0))
	m := store.Message{
		ConversationID: "conv-1",
		ID:             "activity/0000001",
		Role:           "assistant",
		From:           "hr-helpdesk",
		Text:           "Grüße — 休暇は残り12日です 🌴\n\tquote ' and \" and \\ and %_",
		CreatedAt:      t0,
	}
	got := mustAppendMessage(t, s, m)
	ms := mustListMessages(t, s, "conv-1", 0, 0)
	want := m
	want.Seq = 1
	if diff := cmp.Diff([]store.Message{want}, ms, diffOpts...); diff != "" {
		t.Errorf("ListMessages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got, diffOpts...); diff != "" {
		t.Errorf("AppendMessage returned (-want +got):\n%s", diff)
	}
}
