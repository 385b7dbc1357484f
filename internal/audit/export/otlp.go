package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// OTLP constants.
const (
	// OTLPLogsPath is the path given to an endpoint that has none: the
	// OTLP/HTTP default for logs.
	OTLPLogsPath = "/v1/logs"
	// OTLPScope is the instrumentation scope name of every exported log
	// record; its version is the schema version ("v1" for
	// palisade.audit/v1).
	OTLPScope = "palisade.audit"
	// OTLPServiceName is the service.name resource attribute.
	OTLPServiceName = "palisade"
	// DefaultOTLPMaxRequestBytes is the default of
	// OTLPOptions.MaxRequestBytes.
	DefaultOTLPMaxRequestBytes = 4 << 20
)

// Compressions of OTLP requests (OTLPOptions.Compression).
const (
	// CompressionGzip gzips every request body (Content-Encoding: gzip).
	CompressionGzip = "gzip"
	// CompressionNone sends request bodies as they are.
	CompressionNone = "none"
)

// maxOTLPResponse bounds the response body read: an
// ExportLogsServiceResponse or a google.rpc.Status is a few hundred
// bytes.
const maxOTLPResponse = 64 << 10

// maxStatusMessage bounds the receiver's message quoted in an error.
const maxStatusMessage = 200

// OTLP log record attributes of every exported event (besides the
// LogRecord fields themselves). Empty actor, app, agent and request id are
// left out.
const (
	// AttrRecordUID is the OpenTelemetry semantic convention for a
	// record's unique id: records with the same one are duplicates. It
	// holds the event id.
	AttrRecordUID = "log.record.uid"
	// AttrID is the event id too, under Palisade's namespace.
	AttrID = "palisade.audit.id"
	// AttrSeq is the event's position in the audit log, an int.
	AttrSeq = "palisade.audit.seq"
	// AttrType is the event type (also the record's event_name).
	AttrType = "palisade.audit.type"
	// AttrOutcome is success, denied, error or started.
	AttrOutcome = "palisade.audit.outcome"
	// AttrActor is who acted: a user, a service principal, "palisade".
	AttrActor = "palisade.audit.actor"
	// AttrApp is the client app.
	AttrApp = "palisade.audit.app"
	// AttrAgent is the agent.
	AttrAgent = "palisade.audit.agent"
	// AttrRequestID is the request id, shared by the events of one request.
	AttrRequestID = "palisade.audit.request_id"
)

// OTLPOptions configure an OTLP sink.
type OTLPOptions struct {
	// Name identifies the sink and its export cursor (required).
	Name string
	// Endpoint is the receiver's OTLP/HTTP logs URL (required; http or
	// https). One without a path (https://otlp.example.com) gets
	// OTLPLogsPath; one with a path is used as it is.
	Endpoint string
	// Client sends the requests (required): Palisade passes its egress
	// client. The sink uses a copy that follows no redirects.
	Client *http.Client
	// Header holds headers sent with every request, such as a tenant
	// id. They never appear in errors.
	Header http.Header
	// HeaderFunc, if set, is called before every delivery for headers whose
	// values may change (a token read from the secret store); they are
	// added over Header. An error fails the delivery, which is retried.
	HeaderFunc func(ctx context.Context) (http.Header, error)
	// Compression is CompressionGzip (the default, also for "") or
	// CompressionNone.
	Compression string
	// ServiceVersion and InstanceID, when set, are the service.version
	// and service.instance.id resource attributes.
	ServiceVersion, InstanceID string
	// MaxRequestBytes bounds one request's protobuf body before
	// compression (default DefaultOTLPMaxRequestBytes): a larger batch is
	// sent in halves. A batch the receiver refuses as too large (413) is
	// split the same way.
	MaxRequestBytes int
	// Log receives the receiver's partial successes and warnings
	// (default: discarded).
	Log *slog.Logger
}

// OTLP is a Sink that sends each batch as one OTLP/HTTP request (binary
// protobuf, an ExportLogsServiceRequest) to an OpenTelemetry logs
// receiver: a collector or a vendor's OTLP endpoint. Every event is one
// LogRecord (see the package documentation for the mapping).
//
// Responses are handled as the OTLP specification says, within the
// exporter's at-least-once promise:
//
//   - 2xx with an ExportLogsServiceResponse acknowledges the batch. A
//     partial success (rejected_log_records > 0) acknowledges it too: the
//     specification forbids sending it again, and the receiver would
//     refuse the same records again. It is logged as an error, with the
//     batch's event ids, and counted (RejectedRecords). A 2xx whose body
//     is not an ExportLogsServiceResponse (the endpoint is not an OTLP
//     receiver) is a rejection.
//   - 429, 502, 503 and 504 are failures to retry, after the receiver's
//     Retry-After when it sends one (RetryAfterError).
//   - Every other status (400, 401, 403, 404, 413, 500…, and redirects,
//     which are never followed) is a rejection, wrapping ErrRejected. The
//     specification says not to retry them; the exporter nevertheless
//     retries with its backoff, as for every rejection, because skipping
//     the batch would leave a gap in the SIEM's audit trail: the export
//     stalls, visibly (lag, logs, failure counts), until the receiver or
//     the configuration is fixed. A 413 first makes the sink send the
//     batch in halves.
//
// Transport errors and timeouts are failures to retry. Receivers
// de-duplicate re-sent records on log.record.uid, the event id.
type OTLP struct {
	name     string
	url      string
	safeURL  string
	client   *http.Client
	header   http.Header
	headers  func(ctx context.Context) (http.Header, error)
	gzip     bool
	maxBytes int
	log      *slog.Logger
	resource *resourcepb.Resource
	scope    *commonpb.InstrumentationScope

	rejected atomic.Int64
}

var _ Sink = (*OTLP)(nil)

// gzipWriters reuses gzip writers across requests.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

// OTLPLogsURL returns the URL an OTLP sink POSTs to for endpoint: the
// endpoint itself, or, when it has no path, the endpoint with
// OTLPLogsPath.
func OTLPLogsURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "" {
		return "", errors.New("the endpoint must be an absolute http or https URL")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path, u.RawPath = OTLPLogsPath, ""
	}
	return u.String(), nil
}

// NewOTLP returns an OTLP sink, after checking its options.
func NewOTLP(o OTLPOptions) (*OTLP, error) {
	if o.Name == "" {
		return nil, errors.New("export: otlp: a name is required")
	}
	target, err := OTLPLogsURL(o.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("export: otlp %q: %w", o.Name, err)
	}
	if o.Client == nil {
		return nil, fmt.Errorf("export: otlp %q: an HTTP client is required", o.Name)
	}
	gz := false
	switch o.Compression {
	case "", CompressionGzip:
		gz = true
	case CompressionNone:
	default:
		return nil, fmt.Errorf("export: otlp %q: compression %q is not gzip or none", o.Name, o.Compression)
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultOTLPMaxRequestBytes
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	u, _ := url.Parse(target)
	// Never follow redirects: a POST redirected by 301, 302 or 303 turns
	// into a GET without the body, whose 2xx would acknowledge the batch.
	client := *o.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strAttr("service.name", OTLPServiceName)}}
	if o.ServiceVersion != "" {
		res.Attributes = append(res.Attributes, strAttr("service.version", o.ServiceVersion))
	}
	if o.InstanceID != "" {
		res.Attributes = append(res.Attributes, strAttr("service.instance.id", o.InstanceID))
	}
	return &OTLP{
		name: o.Name, url: target, safeURL: u.Scheme + "://" + u.Host + u.EscapedPath(),
		client: &client, header: o.Header.Clone(), headers: o.HeaderFunc, gzip: gz, maxBytes: o.MaxRequestBytes,
		log: o.Log, resource: res,
		scope: &commonpb.InstrumentationScope{Name: OTLPScope, Version: strings.TrimPrefix(Schema, OTLPScope+"/")},
	}, nil
}

// Name returns the sink's name.
func (s *OTLP) Name() string { return s.name }

// URL returns the URL the sink POSTs to.
func (s *OTLP) URL() string { return s.url }

// RejectedRecords returns how many log records receivers reported
// rejected in partial successes since the sink was made: acknowledged, so
// not sent again, but missing at the receiver.
func (s *OTLP) RejectedRecords() int64 { return s.rejected.Load() }

// Send delivers the events as one ExportLogsServiceRequest (or, for a
// batch above MaxRequestBytes or refused as too large, several).
func (s *OTLP) Send(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	header := s.header
	if s.headers != nil {
		extra, err := s.headers(ctx)
		if err != nil {
			return fmt.Errorf("otlp %q: headers: %w", s.name, err)
		}
		header = header.Clone()
		if header == nil {
			header = http.Header{}
		}
		for k, vs := range extra {
			header[http.CanonicalHeaderKey(k)] = vs
		}
	}
	return s.send(ctx, events, header)
}

// errTooLarge marks a 413 response.
var errTooLarge = errors.New("request too large")

// send delivers events, in halves when they do not fit in one request.
func (s *OTLP) send(ctx context.Context, events []Event, header http.Header) error {
	body, err := proto.Marshal(OTLPRequest(events, s.resource, s.scope))
	if err != nil {
		return fmt.Errorf("otlp %q: encode batch: %w", s.name, err)
	}
	if len(body) > s.maxBytes && len(events) > 1 {
		return s.halves(ctx, events, header)
	}
	err = s.post(ctx, body, header, events)
	if errors.Is(err, errTooLarge) && len(events) > 1 {
		return s.halves(ctx, events, header)
	}
	return err
}

// halves sends the first half of events, then the second.
func (s *OTLP) halves(ctx context.Context, events []Event, header http.Header) error {
	mid := len(events) / 2
	if err := s.send(ctx, events[:mid], header); err != nil {
		return err
	}
	return s.send(ctx, events[mid:], header)
}

// post sends one encoded request and interprets the response.
func (s *OTLP) post(ctx context.Context, body []byte, header http.Header, events []Event) error {
	payload := body
	if s.gzip {
		var buf bytes.Buffer
		buf.Grow(len(body) / 4)
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, err := zw.Write(body)
		if err == nil {
			err = zw.Close()
		}
		zw.Reset(io.Discard)
		gzipWriters.Put(zw)
		if err != nil {
			return fmt.Errorf("otlp %q: compress batch: %w", s.name, err)
		}
		payload = buf.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("otlp %q: POST %s: %w", s.name, s.safeURL, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if s.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	req.Header.Set("User-Agent", "palisade-audit-export")
	resp, err := s.client.Do(req)
	if err != nil {
		// *url.Error repeats the full URL, query included: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("otlp %q: POST %s: %w", s.name, s.safeURL, err)
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxOTLPResponse+1))
	where := fmt.Sprintf("otlp %q: POST %s: %s", s.name, s.safeURL, resp.Status)
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		if readErr != nil {
			// The acknowledgement may have said part of the batch was
			// refused: send it again rather than guess.
			return fmt.Errorf("%s: reading the response: %w", where, readErr)
		}
		return s.acknowledged(where, resp.Header.Get("Content-Type"), data, events)
	case c == http.StatusTooManyRequests || c == http.StatusBadGateway || c == http.StatusServiceUnavailable || c == http.StatusGatewayTimeout:
		err := fmt.Errorf("%s%s", where, s.statusMessage(resp.Header.Get("Content-Type"), data, header))
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &RetryAfterError{Wait: d, Err: err}
		}
		return err
	case c == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s%s: %w: %w", where, s.statusMessage(resp.Header.Get("Content-Type"), data, header), errTooLarge, ErrRejected)
	default:
		return fmt.Errorf("%s%s: %w", where, s.statusMessage(resp.Header.Get("Content-Type"), data, header), ErrRejected)
	}
}

// acknowledged checks a 2xx response's ExportLogsServiceResponse and
// reports a partial success.
func (s *OTLP) acknowledged(where, contentType string, data []byte, events []Event) error {
	if len(data) > maxOTLPResponse {
		return fmt.Errorf("%s: the response is larger than %d bytes: %w", where, maxOTLPResponse, ErrRejected)
	}
	var out collogspb.ExportLogsServiceResponse
	var err error
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		// An empty response: no partial success to report.
	case isJSON(contentType):
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, &out)
	default:
		err = proto.Unmarshal(data, &out)
	}
	if err != nil {
		return fmt.Errorf("%s: the response is not an OTLP ExportLogsServiceResponse (is the endpoint an OTLP/HTTP logs receiver?): %w", where, ErrRejected)
	}
	ps := out.GetPartialSuccess()
	if ps == nil || (ps.GetRejectedLogRecords() == 0 && ps.GetErrorMessage() == "") {
		return nil
	}
	msg := cleanMessage(ps.GetErrorMessage())
	if n := ps.GetRejectedLogRecords(); n > 0 {
		s.rejected.Add(n)
		s.log.Error("audit export: the OTLP receiver accepted the batch but rejected some of its records; they are not sent again",
			"sink", s.name, "rejected", n, "records", len(events), "first_id", events[0].ID, "last_id", events[len(events)-1].ID, "message", msg)
		return nil
	}
	s.log.Warn("audit export: the OTLP receiver accepted the batch with a warning", "sink", s.name, "message", msg)
	return nil
}

// statusMessage returns ": " and the message of a failure response's
// google.rpc.Status, cleaned, shortened and with the request's header
// values taken out; "" when there is none.
func (s *OTLP) statusMessage(contentType string, data []byte, header http.Header) string {
	if len(data) > maxOTLPResponse {
		return ""
	}
	var msg string
	if isJSON(contentType) {
		var st struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &st) == nil {
			msg = st.Message
		}
	} else {
		msg = rpcStatusMessage(data)
	}
	msg = cleanMessage(msg)
	if msg == "" {
		return ""
	}
	// A receiver may quote a credential back: never let one into an
	// error, which is logged and shown on status pages.
	for _, vs := range header {
		for _, v := range vs {
			for _, part := range append(strings.Fields(v), v) {
				if len(part) >= 8 {
					msg = strings.ReplaceAll(msg, part, "[REDACTED]")
				}
			}
		}
	}
	return ": " + msg
}

// rpcStatusMessage returns the message (field 2) of a binary
// google.rpc.Status, or "".
func rpcStatusMessage(b []byte) string {
	msg := ""
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		if num == 2 && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return ""
			}
			msg = string(v)
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ""
		}
		b = b[n:]
	}
	return msg
}

// cleanMessage makes a receiver's message safe to log: valid UTF-8, no
// control characters, at most maxStatusMessage bytes.
func cleanMessage(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxStatusMessage {
		cut := maxStatusMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// isJSON reports whether a Content-Type is JSON.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// OTLPRequest returns the ExportLogsServiceRequest of a batch: one
// ResourceLogs with the given resource, one ScopeLogs with the given scope,
// one LogRecord per event, in order (see OTLPLogRecord).
func OTLPRequest(events []Event, resource *resourcepb.Resource, scope *commonpb.InstrumentationScope) *collogspb.ExportLogsServiceRequest {
	records := make([]*logspb.LogRecord, len(events))
	slabs := make([]recordSlab, len(events)) // one allocation for the batch's messages
	for i, ev := range events {
		records[i] = slabs[i].record(ev)
	}
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource:  resource,
		ScopeLogs: []*logspb.ScopeLogs{{Scope: scope, LogRecords: records}},
	}}}
}

// OTLPLogRecord returns the LogRecord of one event:
//
//   - time_unix_nano and observed_time_unix_nano: the event's time (the
//     audit log observes an event when it records it, so a re-sent record
//     is identical);
//   - severity: INFO for the outcomes success and started (and any
//     other), WARN for denied, ERROR for error; severity_text the same
//     words;
//   - event_name: the event type (the scope, palisade.audit, qualifies it);
//   - body: a string, the event's JSON in the exported schema, as a
//     webhook sends it;
//   - attributes: log.record.uid and palisade.audit.id (the event id),
//     palisade.audit.seq (an int), .type, .outcome, and .actor, .app,
//     .agent and .request_id when not empty;
//   - trace_id and span_id: from the event data's "trace_id" (32
//     lowercase hex digits) and "span_id" (16), when valid and not all
//     zero; a span id is only set with a trace id.
func OTLPLogRecord(ev Event) *logspb.LogRecord { return new(recordSlab).record(ev) }

// maxAttrs is the number of attributes a record has at most.
const maxAttrs = 9

// recordSlab holds the messages of one LogRecord, so that a record costs
// one allocation rather than one per attribute value. The messages are
// used through pointers, never copied.
type recordSlab struct {
	rec   logspb.LogRecord
	body  commonpb.AnyValue
	bodyS commonpb.AnyValue_StringValue
	seq   commonpb.AnyValue_IntValue
	kvs   [maxAttrs]commonpb.KeyValue
	vals  [maxAttrs]commonpb.AnyValue
	strs  [maxAttrs]commonpb.AnyValue_StringValue
	attrs [maxAttrs]*commonpb.KeyValue
	n     int
}

// record fills the slab with ev's LogRecord and returns it.
func (r *recordSlab) record(ev Event) *logspb.LogRecord {
	body, err := ev.MarshalJSON()
	if err != nil {
		// Unreachable: Data is always a JSON object (FromStore). Keep the
		// envelope rather than lose the record.
		body, _ = Event{ID: ev.ID, Seq: ev.Seq, Time: ev.Time, Type: ev.Type, RequestID: ev.RequestID,
			Outcome: ev.Outcome, Actor: ev.Actor, App: ev.App, Agent: ev.Agent}.MarshalJSON()
	}
	var ts uint64
	if !ev.Time.IsZero() && ev.Time.UnixNano() > 0 {
		ts = uint64(ev.Time.UnixNano())
	}
	num, text := otlpSeverity(ev.Outcome)
	// Protobuf strings must be UTF-8: a stored event that is not (the
	// journal cleans what it records, but the store takes what it is
	// given) must not stop the export.
	id, typ := validUTF8(ev.ID), validUTF8(ev.Type)
	r.str(AttrRecordUID, id)
	r.str(AttrID, id)
	r.seq.IntValue = ev.Seq
	r.vals[r.n].Value = &r.seq
	r.add(AttrSeq)
	r.str(AttrType, typ)
	r.str(AttrOutcome, validUTF8(ev.Outcome))
	for _, kv := range [...][2]string{{AttrActor, ev.Actor}, {AttrApp, ev.App}, {AttrAgent, ev.Agent}, {AttrRequestID, ev.RequestID}} {
		if kv[1] != "" {
			r.str(kv[0], validUTF8(kv[1]))
		}
	}
	r.bodyS.StringValue = validUTF8(string(body))
	r.body.Value = &r.bodyS
	rec := &r.rec
	rec.TimeUnixNano, rec.ObservedTimeUnixNano = ts, ts
	rec.SeverityNumber, rec.SeverityText = num, text
	rec.EventName = typ
	rec.Body = &r.body
	rec.Attributes = r.attrs[:r.n:r.n]
	rec.TraceId, rec.SpanId = traceContext(ev.Data)
	return rec
}

// str adds a string attribute.
func (r *recordSlab) str(key, value string) {
	r.strs[r.n].StringValue = value
	r.vals[r.n].Value = &r.strs[r.n]
	r.add(key)
}

// add adds the attribute whose value is in r.vals[r.n].
func (r *recordSlab) add(key string) {
	r.kvs[r.n].Key, r.kvs[r.n].Value = key, &r.vals[r.n]
	r.attrs[r.n] = &r.kvs[r.n]
	r.n++
}

// otlpSeverity maps an outcome to a severity.
func otlpSeverity(outcome string) (logspb.SeverityNumber, string) {
	switch outcome {
	case "denied":
		return logspb.SeverityNumber_SEVERITY_NUMBER_WARN, "WARN"
	case "error":
		return logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, "ERROR"
	}
	return logspb.SeverityNumber_SEVERITY_NUMBER_INFO, "INFO"
}

// traceContext returns the trace and span ids of an event's data, or nil
// where absent or invalid.
func traceContext(data []byte) (traceID, spanID []byte) {
	if !bytes.Contains(data, []byte(`"trace_id"`)) {
		return nil, nil
	}
	var d struct {
		TraceID string `json:"trace_id"`
		SpanID  string `json:"span_id"`
	}
	// A field of another type is left empty, the others still decoded.
	if err := json.Unmarshal(data, &d); err != nil {
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
			return nil, nil
		}
	}
	if traceID = hexID(d.TraceID, 16); traceID == nil {
		return nil, nil
	}
	return traceID, hexID(d.SpanID, 8)
}

// hexID decodes 2n lowercase hex digits, not all zero; nil otherwise.
func hexID(s string, n int) []byte {
	if len(s) != 2*n || strings.Trim(s, "0") == "" {
		return nil
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil
		}
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// validUTF8 returns s with invalid UTF-8 replaced by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// strAttr returns a string attribute.
func strAttr(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}
