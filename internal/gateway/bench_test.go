package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/guard"
	"github.com/palisade-gw/palisade/internal/store"
)

// BenchmarkChatCompletion measures one non-streaming chat completion
// through the whole pipeline (identify, decide, guard, an instant agent,
// and the durable record on SQLite) in process, without network.
func BenchmarkChatCompletion(b *testing.B) {
	benchChat(b, newTestEnv(b), "How many days of annual leave do I get?")
}

// BenchmarkChatCompletionGuarded is BenchmarkChatCompletion with the
// built-in guard under the default policy, on a question of about 1 KB
// with an e-mail address (redacted on the way in, restored in the answer
// the echo agent gives).
func BenchmarkChatCompletionGuarded(b *testing.B) {
	engine := guard.NewEngine(guard.Builtin(nil, nil))
	e := newTestEnv(b, func(o *Options) { o.Guard = engine.ForAgent(nil, "You are the HR helpdesk.") })
	benchChat(b, e, guardBenchPrompt)
}

// BenchmarkChatCompletionUnguarded is BenchmarkChatCompletionGuarded's
// baseline: the same 1 KB question through a pass-through guard.
func BenchmarkChatCompletionUnguarded(b *testing.B) {
	benchChat(b, newTestEnv(b), guardBenchPrompt)
}

// guardBenchPrompt is about 1 KB of an employee's questions.
var guardBenchPrompt = strings.Repeat("I am planning two weeks of annual leave in August; how many days do I have left, "+
	"do unused days carry over, and how much notice does my manager need? ", 6) + "Reply to jordan.miles@example.com."

// benchChat posts question to the echo agent in parallel.
func benchChat(b *testing.B, e *testEnv, question string) {
	h := e.gw.Handler()
	body := chatBody("echo", question, false)
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

// nullRecorder records nothing: the baseline that shows what the record
// stage (audit event and transcript, durable, group-committed) costs.
type nullRecorder struct{}

func (nullRecorder) Record(context.Context, audit.Event) (string, error) { return audit.NewID(), nil }
func (nullRecorder) RecordWith(_ context.Context, _ audit.Event, rec store.Record) (string, store.Record, error) {
	for i := range rec.Messages {
		rec.Messages[i].Seq = int64(i + 1)
	}
	return audit.NewID(), rec, nil
}

// BenchmarkChatCompletionNoRecord is BenchmarkChatCompletion with a
// recorder that writes nothing: not a configuration Palisade offers (it
// never answers without its record), only the measure of the record stage.
func BenchmarkChatCompletionNoRecord(b *testing.B) {
	benchChat(b, newTestEnv(b, func(o *Options) { o.Recorder = nullRecorder{} }), "How many days of annual leave do I get?")
}
