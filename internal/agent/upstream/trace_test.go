package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/mockllm"
)

// Ensure every request to the model server carries the caller's trace
// context as a W3C traceparent whose parent is the call's client span
// ("chat MODEL", kind client, a child of the caller's span) for
// completions, streams and tool rounds; the span holds the model, the
// server and the status, never the prompt, the answer or the key; an
// error status fails it with the refusal's code; without a span in the
// context no traceparent is sent.
func TestTraceContext(t *testing.T) {
	mock, err := mockllm.New(mockllm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Traceparent"))
		f := fail
		mu.Unlock()
		if f {
			http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusInternalServerError)
			return
		}
		mock.ServeHTTP(w, r)
	}))
	defer srv.Close()
	a := newTestAgent(t, srv.URL, nil)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, parent := tp.Tracer("test").Start(context.Background(), "agent")
	defer parent.End()
	req := func() *agent.Request {
		return &agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "PROMPT-VALUE"}}}
	}
	check := func(t *testing.T, stream bool) {
		t.Helper()
		spans := rec.Ended()
		s := spans[len(spans)-1]
		if s.Name() != "chat gpt-test" || s.SpanKind() != trace.SpanKindClient || s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Fatalf("span %q kind %v parent %v", s.Name(), s.SpanKind(), s.Parent())
		}
		mu.Lock()
		last := got[len(got)-1]
		mu.Unlock()
		if want := "00-" + parent.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"; last != want {
			t.Errorf("traceparent %q, want %q", last, want)
		}
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		for k, want := range map[string]string{"gen_ai.request.model": "gpt-test", "gen_ai.operation.name": "chat",
			"server.address": "127.0.0.1", "palisade.agent": "hr", "palisade.stream": map[bool]string{true: "true", false: "false"}[stream]} {
			if attrs[k] != want {
				t.Errorf("%s = %q, want %q", k, attrs[k], want)
			}
		}
		for k, v := range attrs {
			if strings.Contains(v, "PROMPT-VALUE") || strings.Contains(v, testKey) || strings.Contains(v, mockllm.Answer(200)[:20]) {
				t.Errorf("attribute %s = %q", k, v)
			}
		}
	}
	t.Run("complete", func(t *testing.T) {
		if _, err := a.Complete(ctx, req()); err != nil {
			t.Fatal(err)
		}
		check(t, false)
	})
	t.Run("stream", func(t *testing.T) {
		if _, err := a.Stream(ctx, req(), func(agent.Delta) error { return nil }); err != nil {
			t.Fatal(err)
		}
		check(t, true)
	})
	t.Run("tool rounds", func(t *testing.T) {
		r := req()
		r.Tools = []agent.ToolSpec{{Name: "leave_balance", Description: "Leave balance.", Parameters: []byte(`{"type":"object"}`)}}
		r.CallTool = func(ctx context.Context, call agent.ToolCall) (agent.ToolResult, error) {
			if trace.SpanContextFromContext(ctx).TraceID() != parent.SpanContext().TraceID() {
				t.Error("the tool is called outside the caller's trace")
			}
			return agent.ToolResult{Content: "{}"}, nil
		}
		r.Messages[0].Content = "What is my leave balance?"
		if _, err := a.Complete(ctx, r); err != nil {
			t.Fatal(err)
		}
		check(t, false)
	})
	t.Run("error", func(t *testing.T) {
		mu.Lock()
		fail = true
		mu.Unlock()
		defer func() { mu.Lock(); fail = false; mu.Unlock() }()
		if _, err := a.Complete(ctx, req()); err == nil {
			t.Fatal("no error")
		}
		spans := rec.Ended()
		s := spans[len(spans)-1]
		if s.Status().Code != codes.Error || s.Status().Description != "upstream_error" {
			t.Errorf("status %v", s.Status())
		}
	})
	t.Run("no span", func(t *testing.T) {
		if _, err := a.Complete(context.Background(), req()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		last := got[len(got)-1]
		mu.Unlock()
		if last != "" {
			t.Errorf("traceparent %q sent without a trace", last)
		}
	})
}
