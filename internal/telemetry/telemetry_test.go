package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/palisade-gw/palisade/internal/telemetry/otlptest"
)

// secretValue stands for a credential that must never appear in a span.
const secretValue = "otlp-token-VALUE-never-in-a-span"

// Ensure a configured exporter sends the spans over OTLP/HTTP protobuf
// with the resource (service.name palisade, the version), parent and
// child linked, the static and per-export headers sent, and no header
// value in any attribute.
func TestExportOverOTLP(t *testing.T) {
	rcv := otlptest.New()
	defer rcv.Close()
	tr, err := New(Options{
		Endpoint: rcv.Endpoint(), Client: rcv.Client(), SampleRatio: 1, Version: "1.2.3",
		Headers: map[string]string{"X-Scope-OrgID": "palisade"},
		HeaderFunc: func(context.Context) (http.Header, error) {
			return http.Header{"Authorization": {"Bearer " + secretValue}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Exporting() {
		t.Fatal("Exporting() = false with an endpoint")
	}
	tracer := tr.TracerProvider().Tracer("test")
	ctx, parent := tracer.Start(context.Background(), "POST /v1/chat/completions", trace.WithSpanKind(trace.SpanKindServer))
	parent.SetAttributes(AttrHTTPRoute.String("/v1/chat/completions"))
	cctx, child := Tracer(ctx, "child").Start(ctx, "decide")
	Fail(child, "permission_denied")
	child.End()
	parent.End()
	h := http.Header{}
	Inject(cctx, h)
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans := rcv.Spans()
	if len(spans) != 2 {
		t.Fatalf("received %d spans, want 2 (errors %v)", len(spans), rcv.Errors())
	}
	byName := map[string]otlptest.Span{}
	for _, s := range spans {
		byName[s.GetName()] = s
		if s.Resource["service.name"] != "palisade" || s.Resource["service.version"] != "1.2.3" {
			t.Errorf("%s: resource %v", s.GetName(), s.Resource)
		}
		for k, v := range s.Attrs() {
			if strings.Contains(fmt.Sprint(v), secretValue) {
				t.Errorf("%s: attribute %s holds the header value", s.GetName(), k)
			}
		}
	}
	p, c := byName["POST /v1/chat/completions"], byName["decide"]
	if p.Span == nil || c.Span == nil {
		t.Fatalf("spans %v", byName)
	}
	if c.TraceID() != p.TraceID() || c.ParentID() != p.SpanID() || p.ParentID() != "" {
		t.Errorf("child %s/%s parent %s, want trace %s parent %s", c.TraceID(), c.SpanID(), c.ParentID(), p.TraceID(), p.SpanID())
	}
	if c.GetStatus().GetMessage() != "permission_denied" || c.Attrs()["palisade.error.code"] != "permission_denied" {
		t.Errorf("failed span: status %v, attributes %v", c.GetStatus(), c.Attrs())
	}
	if want := "00-" + p.TraceID() + "-" + c.SpanID() + "-01"; h.Get("Traceparent") != want {
		t.Errorf("traceparent %q, want %q", h.Get("Traceparent"), want)
	}
	hs := rcv.Headers()
	if len(hs) == 0 || hs[0].Get("Authorization") != "Bearer "+secretValue || hs[0].Get("X-Scope-OrgID") != "palisade" {
		t.Errorf("export headers %v", hs)
	}
}

// Ensure that without an endpoint nothing is recorded, yet every span has
// real ids that reach the logs and the traceparent (not sampled).
func TestIDsWithoutExport(t *testing.T) {
	tr, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())
	if tr.Exporting() {
		t.Fatal("Exporting() = true without an endpoint")
	}
	for name, tp := range map[string]trace.TracerProvider{"New": tr.TracerProvider(), "IDsOnly": IDsOnly()} {
		ctx, span := tp.Tracer("test").Start(context.Background(), "GET")
		if span.IsRecording() {
			t.Errorf("%s: span is recording", name)
		}
		id := TraceID(ctx)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
			t.Errorf("%s: trace id %q", name, id)
		}
		h := http.Header{}
		Inject(ctx, h)
		if tp := h.Get("Traceparent"); !strings.HasPrefix(tp, "00-"+id+"-") || !strings.HasSuffix(tp, "-00") {
			t.Errorf("%s: traceparent %q", name, tp)
		}
		span.End()
	}
	if id := TraceID(context.Background()); id != "" {
		t.Errorf("TraceID without a span = %q", id)
	}
}

// Ensure a sample ratio of 0 records no new trace, and a ratio outside
// 0..1 is refused.
func TestSampleRatio(t *testing.T) {
	rcv := otlptest.New()
	defer rcv.Close()
	tr, err := New(Options{Endpoint: rcv.Endpoint(), Client: rcv.Client(), SampleRatio: 0})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "GET")
	if span.IsRecording() || !span.SpanContext().IsValid() {
		t.Errorf("recording %v, valid %v; want false, true", span.IsRecording(), span.SpanContext().IsValid())
	}
	span.End()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rcv.Spans()); n != 0 {
		t.Errorf("%d spans exported at ratio 0", n)
	}
	for _, r := range []float64{-0.1, 1.5} {
		if _, err := New(Options{SampleRatio: r}); err == nil {
			t.Errorf("ratio %v accepted", r)
		}
	}
	if _, err := New(Options{Endpoint: "https://otel.example.com/v1/traces"}); err == nil {
		t.Error("an endpoint without a client was accepted")
	}
}

// Ensure Shutdown gives up on a collector that does not answer within
// the shutdown timeout, and a failing export is logged without its
// headers.
func TestShutdownBounded(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hung.Close()
	defer close(release)
	var logs lockedBuffer
	tr, err := New(Options{
		Endpoint: hung.URL + otlptest.Path, Client: hung.Client(), SampleRatio: 1,
		Headers:         map[string]string{"Authorization": "Bearer " + secretValue},
		ShutdownTimeout: 300 * time.Millisecond,
		Log:             slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "GET")
	span.End()
	start := time.Now()
	err = tr.Shutdown(context.Background())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	if err == nil {
		t.Error("Shutdown reported no error for a collector that never answered")
	}
	if strings.Contains(logs.String(), secretValue) {
		t.Errorf("log holds a header value:\n%s", logs.String())
	}
	if again := tr.Shutdown(context.Background()); again != err {
		t.Errorf("second Shutdown = %v, want %v", again, err)
	}
}

// Ensure a failing HeaderFunc fails the export (nothing is sent without
// its credential) and is logged once.
func TestHeaderFuncFailure(t *testing.T) {
	rcv := otlptest.New()
	defer rcv.Close()
	var logs lockedBuffer
	tr, err := New(Options{
		Endpoint: rcv.Endpoint(), Client: rcv.Client(), SampleRatio: 1,
		HeaderFunc: func(context.Context) (http.Header, error) { return nil, errors.New("the secret store is sealed") },
		Log:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "GET")
		span.End()
	}
	_ = tr.Shutdown(context.Background())
	if n := len(rcv.Headers()); n != 0 {
		t.Errorf("%d exports reached the collector without their headers", n)
	}
	if n := strings.Count(logs.String(), "trace export failed"); n != 1 || !strings.Contains(logs.String(), "sealed") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// lockedBuffer is a buffer that exporters may write logs to while a test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Ensure the log handler adds request_id and trace_id from the context,
// once, and leaves records without them alone.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	h := NewLogHandler(slog.NewJSONHandler(&buf, nil))
	if NewLogHandler(h) != h {
		t.Error("wrapping twice made a second wrapper")
	}
	log := slog.New(h)
	ctx, span := IDsOnly().Tracer("test").Start(WithRequestID(context.Background(), "req_1"), "GET")
	defer span.End()
	tid := TraceID(ctx)

	lines := func() []map[string]any {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			out = append(out, m)
		}
		buf.Reset()
		return out
	}
	log.InfoContext(ctx, "in a request", "code", "ok")
	log.InfoContext(ctx, "explicit", "request_id", "req_1")
	log.With("trace_id", tid).InfoContext(ctx, "with")
	log.WithGroup("g").InfoContext(ctx, "grouped", "k", "v")
	log.Info("no context")
	got := lines()
	if len(got) != 5 {
		t.Fatalf("%d lines", len(got))
	}
	for i, m := range got[:3] {
		if m["request_id"] != "req_1" || m["trace_id"] != tid {
			t.Errorf("line %d: %v", i, m)
		}
	}
	if raw := buf.String(); strings.Count(raw, "request_id") > 0 {
		t.Errorf("buffer not drained: %s", raw)
	}
	if g, _ := got[3]["g"].(map[string]any); g["request_id"] != "req_1" || g["trace_id"] != tid {
		t.Errorf("grouped line: %v", got[3])
	}
	if _, ok := got[4]["request_id"]; ok {
		t.Errorf("line without a request: %v", got[4])
	}
	// The JSON handler writes duplicate keys as given: count them.
	log.InfoContext(ctx, "explicit", "request_id", "req_1")
	log.With("trace_id", tid).InfoContext(ctx, "with")
	raw := buf.String()
	if n := strings.Count(raw, `"request_id"`); n != 2 {
		t.Errorf("request_id %d times in:\n%s", n, raw)
	}
	if n := strings.Count(raw, `"trace_id"`); n != 2 {
		t.Errorf("trace_id %d times in:\n%s", n, raw)
	}
}
