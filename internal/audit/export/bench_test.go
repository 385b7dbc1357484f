package export

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/store"
)

// BenchmarkWebhookExport measures export throughput: b.N stored events
// delivered to a loopback webhook in batches of 500 (the receiver reads
// each body and answers 200), with the cursor stored after each batch on
// a SQLite file with synchronous=FULL.
func BenchmarkWebhookExport(b *testing.B) {
	st := openStore(b, b.TempDir())
	const chunk = 1000
	for i := 0; i < b.N; i += chunk {
		evs := make([]store.AuditEvent, min(chunk, b.N-i))
		for k := range evs {
			n := i + k
			evs[k] = store.AuditEvent{ID: fmt.Sprintf("ev_%016x", n), Time: time.Now(), Type: "chat.completion",
				RequestID: fmt.Sprintf("req_%d", n), Outcome: "success", Actor: "alice@example.com", App: "web-chat",
				Agent: "hr-helpdesk", Data: []byte(`{"model":"gpt-4o","prompt_tokens":812,"completion_tokens":240,"findings":[]}`)}
		}
		if _, err := st.AppendAuditEvents(context.Background(), evs); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	w, err := NewWebhook(WebhookOptions{Name: "bench", URL: srv.URL, Secret: testSecret, Client: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	e, err := New(st, w, Options{Batch: 500, Poll: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	for e.Stats().Cursor < int64(b.N) {
		time.Sleep(200 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	e.Close()
	if s := e.Stats(); s.Failures != 0 {
		b.Fatalf("stats %+v", s)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
