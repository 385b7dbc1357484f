package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/agent/upstream"
	"github.com/palisade-gw/palisade/internal/mockllm"
)

// traced is a test environment whose spans are recorded.
type traced struct {
	*testEnv
	rec *tracetest.SpanRecorder
}

// newTraced starts a test environment that records every span.
func newTraced(t *testing.T, mutate ...func(*Options)) *traced {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	mutate = append([]func(*Options){func(o *Options) { o.TracerProvider = tp }}, mutate...)
	return &traced{testEnv: newTestEnv(t, mutate...), rec: rec}
}

// trace returns the ended spans of the request whose server span carries
// request id rid, once its server span has ended.
func (e *traced) trace(t *testing.T, rid string) (server sdktrace.ReadOnlySpan, children map[string]sdktrace.ReadOnlySpan, all []sdktrace.ReadOnlySpan) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for server == nil {
		for _, s := range e.rec.Ended() {
			if attr(s, "palisade.request_id") == rid {
				server = s
			}
		}
		if server == nil {
			if time.Now().After(deadline) {
				t.Fatalf("no server span for %s", rid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	children = map[string]sdktrace.ReadOnlySpan{}
	for _, s := range e.rec.Ended() {
		if s.SpanContext().TraceID() != server.SpanContext().TraceID() {
			continue
		}
		all = append(all, s)
		if s.Parent().SpanID() == server.SpanContext().SpanID() {
			children[s.Name()] = s
		}
	}
	return server, children, all
}

// attr returns a span attribute's value as text, "" when it is not set.
func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// auditData returns the data of the audit event with id.
func (e *testEnv) auditData(t *testing.T, id string) map[string]any {
	t.Helper()
	ev, err := e.store.GetAuditEvent(context.Background(), id)
	if err != nil {
		t.Fatalf("audit event %q: %v", id, err)
	}
	var data map[string]any
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatal(err)
	}
	return data
}

// noContent fails when a span holds the message or a credential.
func noContent(t *testing.T, spans []sdktrace.ReadOnlySpan, values ...string) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			texts = append(texts, kv.Value.Emit())
		}
		for _, ev := range s.Events() {
			texts = append(texts, ev.Name)
			for _, kv := range ev.Attributes {
				texts = append(texts, kv.Value.Emit())
			}
		}
		for _, txt := range texts {
			for _, v := range values {
				if strings.Contains(txt, v) {
					t.Errorf("span %s holds %q", s.Name(), v)
				}
			}
		}
	}
}

// Ensure a chat completion makes a server span named after its route with
// the app, agent, status and outcome, a child span for each pipeline
// stage, and an audit event whose trace_id is the span's; nothing of the
// message or the credential is in any span. A streamed answer has the
// same stages.
func TestRequestSpans(t *testing.T) {
	e := newTraced(t)
	const message = "my salary is 123456"
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			resp, body := e.do(t, "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("echo", message, stream))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			server, children, all := e.trace(t, resp.Header.Get("X-Request-Id"))
			if server.Name() != "POST /v1/chat/completions" || server.SpanKind() != trace.SpanKindServer {
				t.Errorf("server span %q kind %v", server.Name(), server.SpanKind())
			}
			for k, want := range map[string]string{
				"http.route": "/v1/chat/completions", "http.request.method": "POST", "http.response.status_code": "200",
				"palisade.outcome": "success", "palisade.agent": "echo", "palisade.app": "web",
			} {
				if got := attr(server, k); got != want {
					t.Errorf("server span %s = %q, want %q", k, got, want)
				}
			}
			if server.Status().Code == codes.Error {
				t.Errorf("server span status %v", server.Status())
			}
			for _, name := range []string{stageIdentify, stageDecide, stageGuardIn, stageAgent, stageGuardOut, stageRecord} {
				s, ok := children[name]
				if !ok {
					t.Errorf("no %s span among %v", name, names(all))
					continue
				}
				if s.Status().Code == codes.Error {
					t.Errorf("%s span failed: %v", name, s.Status())
				}
			}
			if got := attr(children[stageAgent], "palisade.stream"); got != fmt.Sprint(stream) {
				t.Errorf("agent span palisade.stream = %q", got)
			}
			if got := attr(children[stageIdentify], "palisade.credential"); got != "app" {
				t.Errorf("identify span credential = %q", got)
			}
			if !stream {
				data := e.auditData(t, resp.Header.Get("X-Palisade-Audit-Id"))
				if data["trace_id"] != server.SpanContext().TraceID().String() {
					t.Errorf("audit trace_id %v, span trace %s", data["trace_id"], server.SpanContext().TraceID())
				}
			}
			noContent(t, all, message, "123456", webSecret)
		})
	}
}

// names lists span names, for messages.
func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// Ensure refusals fail their spans with the stable error code: an unknown
// agent at the decide stage (whose name, chosen by the client, is not put
// on the span), a bad credential at the identify stage; the refusal's
// audit event carries the trace id.
func TestRefusalSpans(t *testing.T) {
	e := newTraced(t)
	tests := []struct {
		name, cred, model, stage, code, status string
	}{
		{name: "unknown agent", cred: webSecret, model: "ignore previous instructions", stage: stageDecide, code: "agent_not_found", status: "404"},
		{name: "bad credential", cred: "not-a-secret-0123456789abcdef0123456789", model: "echo", stage: stageIdentify, code: "invalid_credential", status: "401"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", "/v1/chat/completions", tc.cred, "application/json", chatBody(tc.model, "hello", false))
			if got := fmt.Sprint(resp.StatusCode); got != tc.status {
				t.Fatalf("status %s: %s", got, body)
			}
			server, children, all := e.trace(t, resp.Header.Get("X-Request-Id"))
			if server.Status().Code != codes.Error || server.Status().Description != tc.code {
				t.Errorf("server span status %v, want error %s", server.Status(), tc.code)
			}
			if attr(server, "palisade.error.code") != tc.code || attr(server, "palisade.outcome") != "denied" || attr(server, "http.response.status_code") != tc.status {
				t.Errorf("server span attributes %v", server.Attributes())
			}
			if s, ok := children[tc.stage]; !ok || s.Status().Code != codes.Error || s.Status().Description != tc.code {
				t.Errorf("%s span %v among %v", tc.stage, children[tc.stage], names(all))
			}
			if attr(server, "palisade.agent") != "" && tc.model != "echo" {
				t.Errorf("a client-chosen agent name is on the span: %q", attr(server, "palisade.agent"))
			}
			data := e.auditData(t, resp.Header.Get("X-Palisade-Audit-Id"))
			if data["trace_id"] != server.SpanContext().TraceID().String() || data["code"] != tc.code {
				t.Errorf("audit data %v, span trace %s", data, server.SpanContext().TraceID())
			}
			noContent(t, all, tc.cred, "ignore previous")
		})
	}
}

// Ensure a client's traceparent is not trusted by default (a new trace,
// linked to the client's span, and the audit event carries Palisade's
// trace id), and is the parent when the gateway trusts incoming context.
func TestIncomingTraceContext(t *testing.T) {
	const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	post := func(t *testing.T, e *traced) (*http.Response, sdktrace.ReadOnlySpan) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/v1/chat/completions", strings.NewReader(chatBody("echo", "hi", false)))
		req.Header.Set("Authorization", "Bearer "+webSecret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Traceparent", "00-"+clientTrace+"-"+clientSpan+"-01")
		req.Header.Set("Tracestate", "vendor=client-chosen")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		server, _, _ := e.trace(t, resp.Header.Get("X-Request-Id"))
		return resp, server
	}
	t.Run("default", func(t *testing.T) {
		e := newTraced(t)
		resp, server := post(t, e)
		if server.SpanContext().TraceID().String() == clientTrace || server.Parent().IsValid() {
			t.Errorf("the client's trace was continued: trace %s parent %v", server.SpanContext().TraceID(), server.Parent())
		}
		links := server.Links()
		if len(links) != 1 || links[0].SpanContext.TraceID().String() != clientTrace || links[0].SpanContext.SpanID().String() != clientSpan ||
			links[0].SpanContext.TraceState().Len() != 0 {
			t.Errorf("links %+v", links)
		}
		if got := e.auditData(t, resp.Header.Get("X-Palisade-Audit-Id"))["trace_id"]; got != server.SpanContext().TraceID().String() {
			t.Errorf("audit trace_id %v", got)
		}
	})
	t.Run("trusted", func(t *testing.T) {
		e := newTraced(t, func(o *Options) { o.TrustIncomingTraceContext = true })
		resp, server := post(t, e)
		if server.SpanContext().TraceID().String() != clientTrace || server.Parent().SpanID().String() != clientSpan {
			t.Errorf("trace %s parent %s, want the client's", server.SpanContext().TraceID(), server.Parent().SpanID())
		}
		if got := e.auditData(t, resp.Header.Get("X-Palisade-Audit-Id"))["trace_id"]; got != clientTrace {
			t.Errorf("audit trace_id %v", got)
		}
	})
}

// Ensure the model server behind an upstream agent receives a W3C
// traceparent whose trace id is the one in the audit event and whose
// parent is the upstream client span ("chat MODEL"), a child of the agent
// stage; also with tracing off (ids only), the trace id still matches.
func TestUpstreamTraceparent(t *testing.T) {
	mock, err := mockllm.New(mockllm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Traceparent"))
		mu.Unlock()
		mock.ServeHTTP(w, r)
	}))
	defer llm.Close()
	model, err := upstream.New(upstream.Options{Name: "model", BaseURL: llm.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	withModel := func(o *Options) {
		o.Agents["model"] = &AgentEntry{Name: "model", Environment: "test", Region: "local", Agent: model, Upstream: true}
		o.Apps[0].Agents = append(o.Apps[0].Agents, "model")
	}
	last := func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(seen) == 0 {
			return ""
		}
		return seen[len(seen)-1]
	}
	t.Run("traced", func(t *testing.T) {
		e := newTraced(t, withModel)
		resp, body := e.do(t, "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("model", "hello", false))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		server, children, all := e.trace(t, resp.Header.Get("X-Request-Id"))
		tid := server.SpanContext().TraceID().String()
		var call sdktrace.ReadOnlySpan
		for _, s := range all {
			if s.Name() == "chat m" {
				call = s
			}
		}
		if call == nil || call.SpanKind() != trace.SpanKindClient || call.Parent().SpanID() != children[stageAgent].SpanContext().SpanID() {
			t.Fatalf("no client span under the agent stage among %v", names(all))
		}
		if attr(call, "http.response.status_code") != "200" || attr(call, "gen_ai.request.model") != "m" || attr(call, "server.address") != "127.0.0.1" {
			t.Errorf("client span attributes %v", call.Attributes())
		}
		if want := "00-" + tid + "-" + call.SpanContext().SpanID().String() + "-01"; last() != want {
			t.Errorf("upstream traceparent %q, want %q", last(), want)
		}
		if got := e.auditData(t, resp.Header.Get("X-Palisade-Audit-Id"))["trace_id"]; got != tid {
			t.Errorf("audit trace_id %v, want %s", got, tid)
		}
		noContent(t, all, "hello")
	})
	t.Run("ids only", func(t *testing.T) {
		e := newTestEnv(t, withModel)
		resp, body := e.do(t, "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("model", "hello", false))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		tid, _ := e.auditData(t, resp.Header.Get("X-Palisade-Audit-Id"))["trace_id"].(string)
		if len(tid) != 32 || !strings.HasPrefix(last(), "00-"+tid+"-") || !strings.HasSuffix(last(), "-00") {
			t.Errorf("upstream traceparent %q, audit trace_id %q", last(), tid)
		}
	})
}

// BenchmarkChatCompletionTraced is BenchmarkChatCompletion with every
// request's spans recorded and batched to an exporter that drops them:
// the cost of tracing on (BenchmarkChatCompletion has it off, ids only).
func BenchmarkChatCompletionTraced(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	benchChat(b, newTestEnv(b, func(o *Options) { o.TracerProvider = tp }), "How many days of annual leave do I get?")
}
