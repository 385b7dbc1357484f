package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Ensure a tool call carries the caller's trace context (W3C traceparent,
// with the tool's client span as parent), and the client span names the
// tool and the status but never the arguments, the result or the API key;
// a failing call fails the span with its code.
func TestCallPropagatesTraceContext(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Traceparent"))
		if strings.HasSuffix(r.URL.Path, "/fail") {
			http.Error(w, "no", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"balance":"RESULT-VALUE"}`))
	}))
	defer srv.Close()
	e := newExec(t, nil,
		Tool{Name: "ping", URL: srv.URL + "/ping", Parameters: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`), APIKey: &APIKeyAuth{Header: "X-API-Key", Value: staticSecret(testAPIKey)}},
		Tool{Name: "fail", URL: srv.URL + "/fail"})
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx, parent := tp.Tracer("test").Start(context.Background(), "tool_call")

	if _, err := e.Call(ctx, "ping", json.RawMessage(`{"q":"ARG-VALUE"}`), alice); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Call(ctx, "fail", nil, alice); err == nil {
		t.Fatal("the failing tool succeeded")
	}
	parent.End()
	spans := rec.Ended()
	var ping, fail sdktrace.ReadOnlySpan
	for _, s := range spans {
		switch s.Name() {
		case "tool ping":
			ping = s
		case "tool fail":
			fail = s
		}
	}
	if ping == nil || fail == nil {
		t.Fatalf("spans %v", spans)
	}
	if ping.SpanKind() != trace.SpanKindClient || ping.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("ping span kind %v parent %v", ping.SpanKind(), ping.Parent())
	}
	want := "00-" + parent.SpanContext().TraceID().String() + "-" + ping.SpanContext().SpanID().String() + "-01"
	if len(got) != 2 || got[0] != want {
		t.Errorf("traceparent %q, want %q", got, want)
	}
	if fail.Status().Code != codes.Error || fail.Status().Description != "tool_downstream_error" {
		t.Errorf("failed call's span status %v", fail.Status())
	}
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			v := kv.Value.Emit()
			if strings.Contains(v, "ARG-VALUE") || strings.Contains(v, "RESULT-VALUE") || strings.Contains(v, testAPIKey) || strings.Contains(v, "alice") {
				t.Errorf("span %s attribute %s = %q", s.Name(), kv.Key, v)
			}
		}
	}
}
