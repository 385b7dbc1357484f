package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/postgres"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// benchDurableAppends records audit events from many goroutines at once
// through the journal into st, each Record returning only once its event
// is durable (group commit), and reports events/s.
func benchDurableAppends(b *testing.B, st store.Journal) {
	j := NewJournal(st, JournalOptions{})
	defer j.Close()
	data := map[string]any{"conversation_id": "conv_bench", "channel": "openai", "prompt_chars": 38, "answer_chars": 120,
		"model": "hr-helpdesk", "finish_reason": "stop"}
	b.SetParallelism(32) // 32 × GOMAXPROCS concurrent requests
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := j.Record(context.Background(), Event{Type: TypeChatCompletion, Outcome: OutcomeSuccess,
				Actor: "local:alice", App: "portal", Agent: "hr-helpdesk", Data: data}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if secs := b.Elapsed().Seconds(); secs > 0 {
		b.ReportMetric(float64(b.N)/secs, "events/s")
	}
}

// BenchmarkDurableAppends measures durable audit appends per second on
// SQLite (a file, synchronous=FULL) and, when PALISADE_TEST_POSTGRES_DSN
// is set, on PostgreSQL (synchronous_commit=on).
func BenchmarkDurableAppends(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "palisade.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchDurableAppends(b, st)
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := os.Getenv("PALISADE_TEST_POSTGRES_DSN")
		if dsn == "" {
			b.Skip("PALISADE_TEST_POSTGRES_DSN is not set")
		}
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchDurableAppends(b, st)
	})
}
