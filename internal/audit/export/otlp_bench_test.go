package export

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/palisade-gw/palisade/internal/store"
)

// BenchmarkOTLPExport measures OTLP export throughput: b.N stored events
// delivered to a loopback OTLP/HTTP receiver in batches of 500 (one
// ExportLogsServiceRequest each; the receiver reads the body and answers
// 200 with an empty ExportLogsServiceResponse), with the cursor stored
// after each batch on a SQLite file with synchronous=FULL, gzipped (the
// default) and uncompressed. It is BenchmarkWebhookExport's setup, for
// comparison.
func BenchmarkOTLPExport(b *testing.B) {
	for _, compression := range []string{CompressionGzip, CompressionNone} {
		b.Run(compression, func(b *testing.B) {
			st := openStore(b, b.TempDir())
			const chunk = 1000
			for i := 0; i < b.N; i += chunk {
				evs := make([]store.AuditEvent, min(chunk, b.N-i))
				for k := range evs {
					n := i + k
					evs[k] = store.AuditEvent{ID: fmt.Sprintf("ev_%016x", n), Time: time.Now(), Type: "chat.completion",
						RequestID: fmt.Sprintf("req_%d", n), Outcome: "success", Actor: "alice@example.com", App: "web-chat",
						Agent: "hr-helpdesk", Data: []byte(`{"model":"gpt-4o","prompt_tokens":812,"completion_tokens":240,"findings":[],"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`)}
				}
				if _, err := st.AppendAuditEvents(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
			}
			var wire atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n, _ := io.Copy(io.Discard, r.Body)
				wire.Add(n)
				w.Header().Set("Content-Type", "application/x-protobuf")
			}))
			defer srv.Close()
			sink, err := NewOTLP(OTLPOptions{Name: "bench", Endpoint: srv.URL, Client: srv.Client(), Compression: compression})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			e, err := New(st, sink, Options{Batch: 500, Poll: time.Millisecond})
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
			b.ReportMetric(float64(wire.Load())/float64(b.N), "wire-B/event")
		})
	}
}

// BenchmarkOTLPEncode measures the sink's own work per event, without the
// store or the network: a batch of 500 events turned into an
// ExportLogsServiceRequest and marshalled (the body JSON, the attributes,
// the trace id from the data), and, for comparison, the webhook's JSON
// batch of the same events.
func BenchmarkOTLPEncode(b *testing.B) {
	evs := make([]Event, 500)
	for i := range evs {
		evs[i] = FromStore(store.AuditEvent{Seq: int64(i + 1), ID: fmt.Sprintf("ev_%016x", i), Time: time.Now(), Type: "chat.completion",
			RequestID: fmt.Sprintf("req_%d", i), Outcome: "success", Actor: "alice@example.com", App: "web-chat",
			Agent: "hr-helpdesk", Data: []byte(`{"model":"gpt-4o","prompt_tokens":812,"completion_tokens":240,"findings":[],"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`)})
	}
	b.Run("otlp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := proto.Marshal(OTLPRequest(evs, nil, nil)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
	})
	b.Run("webhook-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeBatch(evs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
	})
}
