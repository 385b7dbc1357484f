package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkChatCompletion measures one non-streaming chat completion
// through the whole pipeline (identify, decide, guard, an instant agent,
// and the durable record on SQLite) in process, without network.
func BenchmarkChatCompletion(b *testing.B) {
	e := newTestEnv(b)
	h := e.gw.Handler()
	body := chatBody("echo", "How many days of annual leave do I get?", false)
	b.ReportAllocs()
	b.SetParallelism(16) // many requests in flight, as behind a load balancer
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+webSecret)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
