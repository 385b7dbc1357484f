package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// benchConversations is how many conversations BenchCommitRecords spreads
// its records over: record i of a batch appends to conversation i.
const benchConversations = 32

// BenchCommitRecords measures CommitRecords on s with batches of 1 and of
// 32 records, each record appending two messages (a question and its
// answer) to an existing conversation and one audit event, as the record
// stage of a request does. It reports records/s.
func BenchCommitRecords(b *testing.B, s store.Store) {
	ctx := b.Context()
	for i := range benchConversations {
		if err := s.CreateConversation(ctx, newConversation(fmt.Sprintf("bench-%d", i), t0)); err != nil {
			b.Fatalf("CreateConversation: %v", err)
		}
	}
	payload := []byte(`{"attachments":[],"entities":[{"type":"ClientCapabilities"}]}`)
	data := []byte(`{"conversation_id":"bench-0","channel":"openai","prompt_chars":38,"answer_chars":120,"model":"echo","finish_reason":"stop","usage":{"prompt_tokens":12,"completion_tokens":40}}`)
	seq := 0
	for _, size := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			recs := make([]store.Record, size)
			for b.Loop() {
				now := time.Now()
				for i := range recs {
					seq++
					conv := fmt.Sprintf("bench-%d", i%benchConversations)
					id := fmt.Sprintf("r%d", seq)
					q := store.Message{ConversationID: conv, ID: id + "-q", Role: "user", From: "alice",
						Text: "How many days of leave do I have left?", CreatedAt: now}
					a := store.Message{ConversationID: conv, ID: id + "-a", Role: "assistant", From: "hr-helpdesk",
						Text:    "You have 12 days of leave left this year, and 3 days carried over from last year.",
						Payload: payload, CreatedAt: now}
					ev := newAuditEvent(id, now)
					ev.Type = "chat.completion"
					ev.Data = data
					recs[i] = store.Record{Messages: []store.Message{q, a}, Events: []store.AuditEvent{ev}}
				}
				if _, err := s.CommitRecords(ctx, recs); err != nil {
					b.Fatalf("CommitRecords: %v", err)
				}
			}
			if secs := b.Elapsed().Seconds(); secs > 0 {
				b.ReportMetric(float64(b.N*size)/secs, "records/s")
			}
		})
	}
}
