// Package otlptest is an OTLP/HTTP traces receiver for tests: an
// httptest server that decodes what an exporter posts (protobuf, gzip or
// not) and keeps the spans and the request headers.
package otlptest

import (
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Path is the traces path the receiver is usually given (any path is
// accepted).
const Path = "/v1/traces"

// Receiver collects exported spans.
type Receiver struct {
	// Server is the HTTP server; Close it when done.
	*httptest.Server

	mu      sync.Mutex
	spans   []Span
	headers []http.Header
	errs    []string
	notify  chan struct{}
}

// Span is one received span with what is known about its origin.
type Span struct {
	*tracepb.Span
	// Resource holds the resource attributes (service.name…).
	Resource map[string]any
	// Scope is the instrumentation scope name.
	Scope string
}

// New starts a receiver on a loopback port.
func New() *Receiver {
	r := &Receiver{notify: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Endpoint is the receiver's traces URL.
func (r *Receiver) Endpoint() string { return r.URL + Path }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			r.fail(w, "gzip: "+err.Error())
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		r.fail(w, "read: "+err.Error())
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		r.fail(w, "content type "+ct)
		return
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &msg); err != nil {
		r.fail(w, "decode: "+err.Error())
		return
	}
	r.mu.Lock()
	r.headers = append(r.headers, req.Header.Clone())
	for _, rs := range msg.GetResourceSpans() {
		res := Attrs(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				r.spans = append(r.spans, Span{Span: s, Resource: res, Scope: ss.GetScope().GetName()})
			}
		}
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

func (r *Receiver) fail(w http.ResponseWriter, msg string) {
	r.mu.Lock()
	r.errs = append(r.errs, msg)
	r.mu.Unlock()
	http.Error(w, msg, http.StatusBadRequest)
}

// Spans returns the spans received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// Headers returns the headers of the export requests received so far.
func (r *Receiver) Headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// Errors returns why requests were refused (not OTLP protobuf).
func (r *Receiver) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// Received is signalled (without blocking) after each export.
func (r *Receiver) Received() <-chan struct{} { return r.notify }

// TraceID returns a span's trace id in hex.
func (s Span) TraceID() string { return hex.EncodeToString(s.GetTraceId()) }

// SpanID returns a span's id in hex.
func (s Span) SpanID() string { return hex.EncodeToString(s.GetSpanId()) }

// ParentID returns the id of a span's parent in hex, "" for a root.
func (s Span) ParentID() string { return hex.EncodeToString(s.GetParentSpanId()) }

// Attrs returns a span's attributes.
func (s Span) Attrs() map[string]any { return Attrs(s.GetAttributes()) }

// Attrs converts OTLP attributes to a map of Go values (string, bool,
// int64, float64, or []any for arrays).
func Attrs(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = value(kv.GetValue())
	}
	return m
}

func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_ArrayValue:
		var out []any
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, value(e))
		}
		return out
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	}
	return nil
}
