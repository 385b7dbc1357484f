package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/store"
)

// otlpResponse is a receiver's answer to one request.
type otlpResponse struct {
	status      int
	keep        bool // the request's records count as received
	header      http.Header
	body        []byte
	contentType string
}

// otlpReceiver is an OTLP/HTTP logs receiver. Every request is checked
// (POST, path, Content-Type, Content-Encoding) and decoded with the
// official generated types; respond decides the answer to request n (from
// 1), by default 200 with an empty ExportLogsServiceResponse.
type otlpReceiver struct {
	t       testing.TB
	path    string
	respond func(n int, r *http.Request, req *collogspb.ExportLogsServiceRequest) otlpResponse

	mu       sync.Mutex
	requests []*collogspb.ExportLogsServiceRequest // every request decoded, kept or not
	headers  []http.Header
	at       []time.Time
	records  []*logspb.LogRecord // the kept records, in order
	bad      []string
}

func newOTLPReceiver(t testing.TB, respond func(n int, r *http.Request, req *collogspb.ExportLogsServiceRequest) otlpResponse) (*otlpReceiver, *httptest.Server) {
	rc := &otlpReceiver{t: t, path: OTLPLogsPath, respond: respond}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var problems []string
	if r.Method != http.MethodPost || r.URL.Path != rc.path {
		problems = append(problems, fmt.Sprintf("%s %s, want POST %s", r.Method, r.URL.Path, rc.path))
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		problems = append(problems, fmt.Sprintf("Content-Type %q", ct))
	}
	var body io.Reader = r.Body
	switch ce := r.Header.Get("Content-Encoding"); ce {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			problems = append(problems, "gzip: "+err.Error())
			break
		}
		body = zr
	default:
		problems = append(problems, fmt.Sprintf("Content-Encoding %q", ce))
	}
	raw, err := io.ReadAll(io.LimitReader(body, 20<<20))
	if err != nil {
		problems = append(problems, "read body: "+err.Error())
	}
	req := &collogspb.ExportLogsServiceRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		problems = append(problems, "decode: "+err.Error())
	}
	rc.mu.Lock()
	rc.requests = append(rc.requests, req)
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.at = append(rc.at, time.Now())
	n := len(rc.requests)
	rc.bad = append(rc.bad, problems...)
	respond := rc.respond
	rc.mu.Unlock()
	resp := otlpResponse{status: http.StatusOK, keep: true}
	if respond != nil {
		resp = respond(n, r, req)
	}
	if resp.status == http.StatusOK && resp.body == nil && resp.contentType == "" {
		resp.body, _ = proto.Marshal(&collogspb.ExportLogsServiceResponse{})
	}
	if resp.keep {
		rc.mu.Lock()
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				rc.records = append(rc.records, sl.LogRecords...)
			}
		}
		rc.mu.Unlock()
	}
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	if resp.contentType == "" {
		resp.contentType = "application/x-protobuf"
	}
	w.Header().Set("Content-Type", resp.contentType)
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// ids returns the event ids (log.record.uid) of the kept records.
func (rc *otlpReceiver) ids() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]string, len(rc.records))
	for i, r := range rc.records {
		out[i] = attr(r, AttrRecordUID).GetStringValue()
	}
	return out
}

// count returns the number of requests received.
func (rc *otlpReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.requests)
}

// check fails the test if a request was malformed.
func (rc *otlpReceiver) check() {
	rc.t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, p := range rc.bad {
		rc.t.Errorf("OTLP receiver: %s", p)
	}
}

// attr returns a record's attribute value, or nil.
func attr(r *logspb.LogRecord, key string) *commonpb.AnyValue {
	for _, kv := range r.Attributes {
		if kv.Key == key {
			return kv.Value
		}
	}
	return nil
}

// newOTLP returns an OTLP sink posting to the receiver.
func newOTLP(t testing.TB, srv *httptest.Server, mod func(*OTLPOptions)) *OTLP {
	t.Helper()
	o := OTLPOptions{Name: "otel", Endpoint: srv.URL, Client: srv.Client()}
	if mod != nil {
		mod(&o)
	}
	s, err := NewOTLP(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fastRetry are exporter options that retry at once.
var fastRetry = Options{Poll: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}

func str(v string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// Ensure every field of an event reaches an OTLP receiver where the
// documented mapping puts it: resource, scope, times, severity per
// outcome, event name, the webhook's JSON as body, the attributes, and
// trace and span ids from the data when (and only when) they are valid.
// The request is gzipped by default and decoded here with the generated
// OTLP types.
func TestOTLPMapsEveryField(t *testing.T) {
	st := openStore(t, t.TempDir())
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	const traceID, spanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	evs := []store.AuditEvent{
		{ID: "ev_1", Time: t0, Type: "chat.completion", RequestID: "req_1", Outcome: "success", Actor: "alice@example.com",
			App: "web-chat", Agent: "hr-helpdesk", Data: []byte(`{"model":"m","trace_id":"` + traceID + `","span_id":"` + spanID + `"}`)},
		{ID: "ev_2", Time: t0.Add(time.Second), Type: "request.refused", Outcome: "denied", Actor: "bob",
			Data: []byte(`{"code":"pii","trace_id":"` + traceID + `"}`)},
		{ID: "ev_3", Time: t0.Add(2 * time.Second), Type: "egress.refused", Outcome: "error", Actor: "palisade",
			Data: []byte(`{"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"` + spanID + `"}`)}, // uppercase: invalid
		{ID: "ev_4", Time: t0.Add(3 * time.Second), Type: "server.started", Outcome: "started",
			Data: []byte(`{"trace_id":"00000000000000000000000000000000"}`)}, // all zero: invalid
		{ID: "ev_5", Time: t0.Add(4 * time.Second), Type: "chat.stream", Outcome: "success",
			Data: []byte(`{"trace_id":42,"span_id":"` + spanID + `"}`)}, // not a string
		{ID: "ev_6", Time: t0.Add(5 * time.Second), Type: "chat.completion", Outcome: "success", Agent: "x\xffy",
			Data: []byte(`{"trace_id":"` + traceID + `","span_id":"short"}`)}, // invalid UTF-8, bad span
	}
	commitRaw(t, st, evs...)
	stored, err := st.ListAuditEvents(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}

	rc, srv := newOTLPReceiver(t, nil)
	sink := newOTLP(t, srv, func(o *OTLPOptions) { o.ServiceVersion, o.InstanceID = "1.2.3", "gw-1" })
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond})
	waitFor(t, "6 events delivered", func() bool { return e.Stats().Cursor == 6 })
	rc.check()

	rc.mu.Lock()
	reqs := slices.Clone(rc.requests)
	gz := rc.headers[0].Get("Content-Encoding")
	rc.mu.Unlock()
	if len(reqs) != 1 || gz != "gzip" {
		t.Fatalf("%d requests (Content-Encoding %q), want 1 gzipped", len(reqs), gz)
	}
	tid, _ := hexBytes(traceID)
	sid, _ := hexBytes(spanID)
	body := func(i int) *commonpb.AnyValue {
		b, err := FromStore(stored[i]).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return str(strings.ToValidUTF8(string(b), "\uFFFD"))
	}
	ns := func(d time.Duration) uint64 { return uint64(t0.Add(d).UnixNano()) }
	base := func(id string, seq int64, typ, outcome string) []*commonpb.KeyValue {
		return []*commonpb.KeyValue{
			kv("log.record.uid", str(id)), kv("palisade.audit.id", str(id)),
			kv("palisade.audit.seq", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: seq}}),
			kv("palisade.audit.type", str(typ)), kv("palisade.audit.outcome", str(outcome)),
		}
	}
	want := &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
			kv("service.name", str("palisade")), kv("service.version", str("1.2.3")), kv("service.instance.id", str("gw-1")),
		}},
		ScopeLogs: []*logspb.ScopeLogs{{
			Scope: &commonpb.InstrumentationScope{Name: "palisade.audit", Version: "v1"},
			LogRecords: []*logspb.LogRecord{
				{
					TimeUnixNano: ns(0), ObservedTimeUnixNano: ns(0), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
					SeverityText: "INFO", EventName: "chat.completion", Body: body(0), TraceId: tid, SpanId: sid,
					Attributes: append(base("ev_1", 1, "chat.completion", "success"),
						kv("palisade.audit.actor", str("alice@example.com")), kv("palisade.audit.app", str("web-chat")),
						kv("palisade.audit.agent", str("hr-helpdesk")), kv("palisade.audit.request_id", str("req_1"))),
				},
				{
					TimeUnixNano: ns(time.Second), ObservedTimeUnixNano: ns(time.Second), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_WARN,
					SeverityText: "WARN", EventName: "request.refused", Body: body(1), TraceId: tid,
					Attributes: append(base("ev_2", 2, "request.refused", "denied"), kv("palisade.audit.actor", str("bob"))),
				},
				{
					TimeUnixNano: ns(2 * time.Second), ObservedTimeUnixNano: ns(2 * time.Second), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR,
					SeverityText: "ERROR", EventName: "egress.refused", Body: body(2),
					Attributes: append(base("ev_3", 3, "egress.refused", "error"), kv("palisade.audit.actor", str("palisade"))),
				},
				{
					TimeUnixNano: ns(3 * time.Second), ObservedTimeUnixNano: ns(3 * time.Second), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
					SeverityText: "INFO", EventName: "server.started", Body: body(3),
					Attributes: base("ev_4", 4, "server.started", "started"),
				},
				{
					TimeUnixNano: ns(4 * time.Second), ObservedTimeUnixNano: ns(4 * time.Second), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
					SeverityText: "INFO", EventName: "chat.stream", Body: body(4),
					Attributes: base("ev_5", 5, "chat.stream", "success"),
				},
				{
					TimeUnixNano: ns(5 * time.Second), ObservedTimeUnixNano: ns(5 * time.Second), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
					SeverityText: "INFO", EventName: "chat.completion", Body: body(5), TraceId: tid,
					Attributes: append(base("ev_6", 6, "chat.completion", "success"), kv("palisade.audit.agent", str("x\uFFFDy"))),
				},
			},
		}},
	}}}
	if diff := cmp.Diff(want, reqs[0], protocmp.Transform()); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	// The body is the event as a webhook sends it, and decodes back.
	var back Event
	if err := back.UnmarshalJSON([]byte(reqs[0].ResourceLogs[0].ScopeLogs[0].LogRecords[0].Body.GetStringValue())); err != nil ||
		back.ID != "ev_1" || back.Seq != 1 || !back.Time.Equal(t0) || back.Actor != "alice@example.com" {
		t.Errorf("body decodes to %+v, %v", back, err)
	}
}

// hexBytes decodes hex.
func hexBytes(s string) ([]byte, error) { return hex.DecodeString(s) }

// Ensure compression: none sends the protobuf as it is, to a path given
// with the endpoint, with the configured and per-delivery headers.
func TestOTLPUncompressedWithHeaders(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 3)
	rc, srv := newOTLPReceiver(t, nil)
	rc.path = "/otlp/v1/logs"
	var calls atomic.Int32
	sink := newOTLP(t, srv, func(o *OTLPOptions) {
		o.Endpoint = srv.URL + "/otlp/v1/logs"
		o.Compression = CompressionNone
		o.Header = http.Header{"X-Scope-Orgid": {"tenant-1"}}
		o.HeaderFunc = func(context.Context) (http.Header, error) {
			calls.Add(1)
			return http.Header{"Authorization": {"Bearer rotated-token"}}, nil
		}
	})
	if sink.URL() != srv.URL+"/otlp/v1/logs" {
		t.Errorf("URL %q", sink.URL())
	}
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond})
	waitFor(t, "3 events delivered", func() bool { return e.Stats().Cursor == 3 })
	rc.check()
	rc.mu.Lock()
	h := rc.headers[0]
	rc.mu.Unlock()
	if h.Get("Content-Encoding") != "" || h.Get("X-Scope-OrgID") != "tenant-1" || h.Get("Authorization") != "Bearer rotated-token" ||
		h.Get("User-Agent") != "palisade-audit-export" {
		t.Errorf("request headers %v", h)
	}
	if calls.Load() != 1 {
		t.Errorf("HeaderFunc called %d times, want once per delivery", calls.Load())
	}
	if diff := cmp.Diff(storedIDs(t, st), rc.ids()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
}

// Ensure a HeaderFunc failure (a sealed secret store) fails the delivery
// before anything is sent, and the delivery succeeds once it recovers.
func TestOTLPHeaderFuncFailure(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 2)
	rc, srv := newOTLPReceiver(t, nil)
	var sealed atomic.Bool
	sealed.Store(true)
	sink := newOTLP(t, srv, func(o *OTLPOptions) {
		o.HeaderFunc = func(context.Context) (http.Header, error) {
			if sealed.Load() {
				return nil, errors.New("the secret store is sealed")
			}
			return http.Header{"Authorization": {"Bearer t"}}, nil
		}
	})
	e := newExporter(t, st, sink, fastRetry)
	waitFor(t, "failures", func() bool { return e.Stats().Failures >= 2 })
	if n := rc.count(); n != 0 || !strings.Contains(e.Stats().LastError, "sealed") {
		t.Fatalf("%d requests sent without their headers; last error %q", n, e.Stats().LastError)
	}
	sealed.Store(false)
	waitFor(t, "delivery", func() bool { return e.Stats().Cursor == 2 })
}

// Ensure 429, 502, 503 and 504 are retried, a Retry-After is honoured
// (the next attempt waits for it, beyond the exporter's own short
// backoff), and the events then arrive once.
func TestOTLPRetriesAndHonoursRetryAfter(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 20)
	rc, srv := newOTLPReceiver(t, func(n int, r *http.Request, _ *collogspb.ExportLogsServiceRequest) otlpResponse {
		switch n {
		case 1:
			return otlpResponse{status: http.StatusServiceUnavailable, header: http.Header{"Retry-After": {"1"}}}
		case 2:
			return otlpResponse{status: http.StatusTooManyRequests}
		case 3:
			return otlpResponse{status: http.StatusBadGateway}
		case 4:
			return otlpResponse{status: http.StatusGatewayTimeout}
		}
		return otlpResponse{status: http.StatusOK, keep: true}
	})
	e := newExporter(t, st, newOTLP(t, srv, nil), Options{Poll: 10 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 5 * time.Second})
	waitFor(t, "20 events delivered", func() bool { return e.Stats().Cursor == 20 })
	rc.check()
	rc.mu.Lock()
	at := slices.Clone(rc.at)
	rc.mu.Unlock()
	if len(at) != 5 {
		t.Fatalf("%d requests, want 5", len(at))
	}
	if d := at[1].Sub(at[0]); d < 950*time.Millisecond {
		t.Errorf("retried %v after a 503 with Retry-After: 1", d)
	}
	if d := at[4].Sub(at[1]); d > 900*time.Millisecond {
		t.Errorf("retries without Retry-After took %v; want the exporter's short backoff", d)
	}
	s := e.Stats()
	if s.Failures != 4 || s.Rejected != 0 || s.Delivered != 20 {
		t.Errorf("stats %+v; want 4 failures, none rejected, 20 delivered", s)
	}
	if diff := cmp.Diff(storedIDs(t, st), rc.ids()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
}

// Ensure a 400 is a rejection (the OTLP specification's permanent
// failure): counted apart, the receiver's google.rpc.Status message in
// the error without the credential it quotes, the cursor not moved; the
// exporter keeps retrying, so the batch arrives once the receiver is
// fixed. Other statuses the specification does not list as retryable
// (401, 404, 500) are rejections too.
func TestOTLPPermanentFailure(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 5)
	const token = "tok-s3cr3t-value"
	status := protowire.AppendTag(nil, 1, protowire.VarintType)
	status = protowire.AppendVarint(status, 3)
	status = protowire.AppendTag(status, 2, protowire.BytesType)
	status = protowire.AppendString(status, "invalid log record: api key "+token+" has no access\nto tenant")
	var fixed atomic.Bool
	rc, srv := newOTLPReceiver(t, func(n int, r *http.Request, _ *collogspb.ExportLogsServiceRequest) otlpResponse {
		switch {
		case fixed.Load():
			return otlpResponse{status: http.StatusOK, keep: true}
		case n == 2:
			return otlpResponse{status: http.StatusUnauthorized}
		case n == 3:
			return otlpResponse{status: http.StatusInternalServerError, contentType: "application/json", body: []byte(`{"code":13,"message":"boom"}`)}
		}
		return otlpResponse{status: http.StatusBadRequest, body: status}
	})
	sink := newOTLP(t, srv, func(o *OTLPOptions) { o.Header = http.Header{"Authorization": {"Bearer " + token}} })
	e := newExporter(t, st, sink, fastRetry)
	var errs []string
	waitFor(t, "rejections", func() bool {
		if le := e.Stats().LastError; le != "" && !slices.Contains(errs, le) {
			errs = append(errs, le)
		}
		return e.Stats().Rejected >= 4
	})
	if c := e.Stats().Cursor; c != 0 {
		t.Fatalf("cursor %d after rejections, want 0", c)
	}
	all := strings.Join(errs, "\n")
	for _, want := range []string{
		"400 Bad Request: invalid log record: api key [REDACTED] has no access to tenant",
		"401 Unauthorized", "500 Internal Server Error: boom",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no error says %q; errors:\n%s", want, all)
		}
	}
	if strings.Contains(all, token) {
		t.Errorf("an error reveals the token:\n%s", all)
	}
	fixed.Store(true)
	waitFor(t, "delivery once fixed", func() bool { return e.Stats().Cursor == 5 })
	rc.check()
	if diff := cmp.Diff(storedIDs(t, st), rc.ids()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
}

// Ensure a partial success acknowledges the batch, which is not sent
// again (the specification forbids it), and is logged as an error with
// the count, the receiver's message and the batch's ids, and counted; a
// success with only a warning is logged as a warning.
func TestOTLPPartialSuccess(t *testing.T) {
	st := openStore(t, t.TempDir())
	j := newJournal(t, st)
	record(t, j, 10)
	partial, _ := proto.Marshal(&collogspb.ExportLogsServiceResponse{PartialSuccess: &collogspb.ExportLogsPartialSuccess{
		RejectedLogRecords: 2, ErrorMessage: "2 records too old"}})
	rc, srv := newOTLPReceiver(t, func(n int, r *http.Request, _ *collogspb.ExportLogsServiceRequest) otlpResponse {
		switch n {
		case 1:
			return otlpResponse{status: http.StatusOK, keep: true, body: partial}
		case 2:
			return otlpResponse{status: http.StatusOK, keep: true, contentType: "application/json",
				body: []byte(`{"partialSuccess":{"errorMessage":"attribute limit near"}}`)}
		}
		return otlpResponse{status: http.StatusOK, keep: true}
	})
	var logs syncBuffer
	sink := newOTLP(t, srv, func(o *OTLPOptions) { o.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	e := newExporter(t, st, sink, Options{Poll: 10 * time.Millisecond})
	waitFor(t, "10 events delivered", func() bool { return e.Stats().Cursor == 10 })
	record(t, j, 1)
	waitFor(t, "11 events delivered", func() bool { return e.Stats().Cursor == 11 })
	time.Sleep(30 * time.Millisecond)
	rc.check()
	ids := storedIDs(t, st)
	if n := rc.count(); n != 2 {
		t.Errorf("%d requests, want 2: a partial success is not sent again", n)
	}
	if s := e.Stats(); s.Failures != 0 || s.Delivered != 11 {
		t.Errorf("stats %+v", s)
	}
	if sink.RejectedRecords() != 2 {
		t.Errorf("RejectedRecords() = %d, want 2", sink.RejectedRecords())
	}
	out := logs.String()
	for _, want := range []string{"level=ERROR", "rejected=2", "records=10", `message="2 records too old"`,
		"first_id=" + ids[0], "last_id=" + ids[9], "level=WARN", `message="attribute limit near"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Ensure a batch sent again after a lost acknowledgement is the same
// records, byte for byte: the same log.record.uid (the stored event id),
// the same times, so receivers can de-duplicate.
func TestOTLPResendIsIdentical(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 7)
	rc, srv := newOTLPReceiver(t, func(n int, r *http.Request, _ *collogspb.ExportLogsServiceRequest) otlpResponse {
		if n == 1 {
			return otlpResponse{status: http.StatusBadGateway, keep: true} // received, acknowledgement lost
		}
		return otlpResponse{status: http.StatusOK, keep: true}
	})
	e := newExporter(t, st, newOTLP(t, srv, nil), fastRetry)
	waitFor(t, "7 events delivered", func() bool { return e.Stats().Cursor == 7 })
	rc.check()
	ids := storedIDs(t, st)
	if diff := cmp.Diff(slices.Concat(ids, ids), rc.ids()); diff != "" {
		t.Errorf("received ids (-want +got):\n%s", diff)
	}
	rc.mu.Lock()
	first, second := rc.requests[0], rc.requests[1]
	rc.mu.Unlock()
	a, _ := proto.MarshalOptions{Deterministic: true}.Marshal(first)
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(second)
	if !bytes.Equal(a, b) {
		t.Errorf("the resent request differs:\n%s", cmp.Diff(first, second, protocmp.Transform()))
	}
}

// Ensure an exporter that stops (a restart) and a new one on the same
// store continue from the stored cursor: the OTLP receiver sees no gap,
// and twice only the batch whose acknowledgement was lost.
func TestOTLPResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	j := audit.NewJournal(st, audit.JournalOptions{})
	record(t, j, 100)
	var down atomic.Bool
	rc, srv := newOTLPReceiver(t, func(n int, r *http.Request, _ *collogspb.ExportLogsServiceRequest) otlpResponse {
		switch {
		case down.Load():
			return otlpResponse{status: http.StatusServiceUnavailable}
		case n <= 3:
			return otlpResponse{status: http.StatusOK, keep: true}
		}
		down.Store(true)
		return otlpResponse{status: http.StatusServiceUnavailable, keep: true}
	})
	e, err := New(st, newOTLP(t, srv, nil), Options{Batch: 10, Poll: 10 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the lost acknowledgement and a retry", func() bool { return e.Stats().Failures >= 2 })
	e.Close()
	if c := storedCursor(t, st, "otel"); c != 30 {
		t.Fatalf("stored cursor after the first run %d, want 30", c)
	}
	j.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openStore(t, dir)
	record(t, newJournal(t, st), 50)
	all := storedIDs(t, st)
	down.Store(false)
	rc.mu.Lock()
	rc.respond = nil // the receiver is back
	rc.mu.Unlock()
	e2 := newExporter(t, st, newOTLP(t, srv, nil), Options{Batch: 10, Poll: 10 * time.Millisecond})
	waitFor(t, "150 events delivered", func() bool { return e2.Stats().Cursor == 150 })
	rc.check()
	want := slices.Concat(all[:40], all[30:]) // events 31–40 twice: their acknowledgement was lost
	if diff := cmp.Diff(want, rc.ids()); diff != "" {
		t.Errorf("received ids (-want +got):\n%s", diff)
	}
	if s := e2.Stats(); s.Delivered != 120 {
		t.Errorf("second exporter delivered %d events, want 120 (from the stored cursor 30)", s.Delivered)
	}
}

// Ensure a batch larger than MaxRequestBytes goes in several requests, and
// one the receiver refuses as too large (413) is sent again in halves;
// every event arrives once, in order.
func TestOTLPSplitsLargeBatches(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 40)
	rc, srv := newOTLPReceiver(t, func(n int, r *http.Request, req *collogspb.ExportLogsServiceRequest) otlpResponse {
		if len(req.ResourceLogs[0].ScopeLogs[0].LogRecords) > 5 {
			return otlpResponse{status: http.StatusRequestEntityTooLarge}
		}
		return otlpResponse{status: http.StatusOK, keep: true}
	})
	e := newExporter(t, st, newOTLP(t, srv, nil), Options{Batch: 20, Poll: 10 * time.Millisecond})
	waitFor(t, "40 events delivered", func() bool { return e.Stats().Cursor == 40 })
	rc.check()
	if diff := cmp.Diff(storedIDs(t, st), rc.ids()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
	if s := e.Stats(); s.Failures != 0 || s.Batches != 2 {
		t.Errorf("stats %+v; want 2 batches without failures", s)
	}

	st2 := openStore(t, t.TempDir())
	record(t, newJournal(t, st2), 12)
	rc2, srv2 := newOTLPReceiver(t, nil)
	one := len(mustMarshal(t, OTLPRequest([]Event{FromStore(mustEvents(t, st2)[0])}, nil, nil)))
	e2 := newExporter(t, st2, newOTLP(t, srv2, func(o *OTLPOptions) { o.MaxRequestBytes = 3*one + one/2 }),
		Options{Batch: 12, Poll: 10 * time.Millisecond})
	waitFor(t, "12 events delivered", func() bool { return e2.Stats().Cursor == 12 })
	rc2.check()
	if diff := cmp.Diff(storedIDs(t, st2), rc2.ids()); diff != "" {
		t.Errorf("received ids (-stored +received):\n%s", diff)
	}
	if n := rc2.count(); n < 4 {
		t.Errorf("%d requests for 12 events of about %d bytes with a %d-byte limit; want at least 4", n, one, 3*one+one/2)
	}
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustEvents(t testing.TB, st store.AuditEvents) []store.AuditEvent {
	t.Helper()
	evs, err := st.ListAuditEvents(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// Ensure an endpoint that is not an OTLP receiver (a 200 with a web page)
// and a redirect (never followed) are rejections, not acknowledgements.
func TestOTLPRefusesWhatIsNotAnAcknowledgement(t *testing.T) {
	st := openStore(t, t.TempDir())
	record(t, newJournal(t, st), 3)
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet:
			gets.Add(1)
		case r.URL.Path == "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Welcome</body></html>")
		}
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ path, want string }{
		{"", "is not an OTLP ExportLogsServiceResponse"},
		{"/moved", "302 Found"},
	} {
		sink := newOTLP(t, srv, func(o *OTLPOptions) {
			o.Name = "otel" + strings.ReplaceAll(tc.path, "/", "-")
			o.Endpoint = srv.URL + tc.path
		})
		e := newExporter(t, st, sink, fastRetry)
		waitFor(t, "rejections", func() bool { return e.Stats().Rejected >= 2 })
		if s := e.Stats(); s.Cursor != 0 || !strings.Contains(s.LastError, tc.want) {
			t.Errorf("%q: stats %+v; want cursor 0 and an error saying %q", tc.path, s, tc.want)
		}
		e.Close()
	}
	if g := gets.Load(); g != 0 {
		t.Errorf("a redirect was followed %d times", g)
	}
}

// Ensure NewOTLP refuses incomplete options and OTLPLogsURL adds the
// default path only to an endpoint without one.
func TestNewOTLPOptions(t *testing.T) {
	ok := OTLPOptions{Name: "otel", Endpoint: "https://otlp.example.com", Client: http.DefaultClient}
	if _, err := NewOTLP(ok); err != nil {
		t.Fatalf("valid options: %v", err)
	}
	for name, mod := range map[string]func(*OTLPOptions){
		"no name":          func(o *OTLPOptions) { o.Name = "" },
		"relative URL":     func(o *OTLPOptions) { o.Endpoint = "/v1/logs" },
		"grpc URL":         func(o *OTLPOptions) { o.Endpoint = "grpc://otlp.example.com:4317" },
		"no client":        func(o *OTLPOptions) { o.Client = nil },
		"bad compression":  func(o *OTLPOptions) { o.Compression = "zstd" },
		"host-less scheme": func(o *OTLPOptions) { o.Endpoint = "https:///v1/logs" },
	} {
		o := ok
		mod(&o)
		if _, err := NewOTLP(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for in, want := range map[string]string{
		"https://otlp.example.com":                   "https://otlp.example.com/v1/logs",
		"https://otlp.example.com/":                  "https://otlp.example.com/v1/logs",
		"http://127.0.0.1:4318":                      "http://127.0.0.1:4318/v1/logs",
		"https://gw.example.com/otlp/v1/logs":        "https://gw.example.com/otlp/v1/logs",
		"https://ingest.example.com/custom?tenant=a": "https://ingest.example.com/custom?tenant=a",
	} {
		if got, err := OTLPLogsURL(in); err != nil || got != want {
			t.Errorf("OTLPLogsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Ensure Retry-After is read as seconds or an HTTP date, capped at a day,
// and ignored when malformed.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0": 0, "7": 7 * time.Second, " 30 ": 30 * time.Second, "999999999": 24 * time.Hour,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got, ok := parseRetryAfter(in, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon", "1.5"} {
		if got, ok := parseRetryAfter(in, now); ok {
			t.Errorf("parseRetryAfter(%q) = %v, accepted", in, got)
		}
	}
}
