package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/access/conditional"
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

// BenchmarkChatCompletionUser is BenchmarkChatCompletion for a signed-in
// user: an RS256 access token (verified, then cached), roles from its
// groups, and 20 compiled conditional access policies.
func BenchmarkChatCompletionUser(b *testing.B) {
	idp := newCorpIDP(b)
	var policies []conditional.Policy
	for i := range 20 {
		policies = append(policies, conditional.Policy{Name: fmt.Sprintf("p%d", i), Action: conditional.Deny,
			When: fmt.Sprintf(`("corp:g%d" in groups && !mfa) || (time.hour == 25) || ip_in(ip, "198.18.%d.0/24")`, i, i)})
	}
	ca, err := conditional.New(conditional.Options{Policies: policies})
	if err != nil {
		b.Fatal(err)
	}
	e := newTestEnv(b, withUsers(b, idp), func(o *Options) { o.Conditions = ca })
	h := e.gw.Handler()
	tok := idp.token(b, "alice", map[string]any{"azp": "spa-client", "groups": []string{"staff", "hr"}})
	body := chatBody("echo", "How many days of annual leave do I get?", false)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
