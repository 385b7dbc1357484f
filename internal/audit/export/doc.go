// Package export delivers the audit log to a SIEM, as it grows, in a
// documented and versioned shape.
//
// An Exporter tails the store's audit events in Seq order and hands them,
// a batch at a time, to a Sink: a Webhook (JSON over HTTPS, signed with
// HMAC-SHA256), Syslog (RFC 5424 messages over TCP or TLS) or OTLP
// (OpenTelemetry logs over OTLP/HTTP, binary protobuf). Delivery is
// at least once: the exporter stores its cursor (the Seq of the last event
// the sink acknowledged, store.ExportCursors) only after the sink
// acknowledged the batch, so after a crash or restart the batch in flight
// is sent again and nothing is skipped. Receivers de-duplicate on the
// event id, which is the audit event's own, stable id.
//
// # Event shape (schema "palisade.audit/v1")
//
// Every event is exported as one JSON object:
//
//	{
//	  "schema":     "palisade.audit/v1",
//	  "id":         "ev_0195…",              // stable audit event id: de-duplicate on it
//	  "seq":        1234,                    // position in the audit log, from 1, without gaps
//	  "time":       "2026-01-02T03:04:05.123456000Z", // RFC 3339, UTC, 9 fractional digits
//	  "type":       "chat.completion",
//	  "request_id": "req_…",
//	  "outcome":    "success",               // success, denied, error, started
//	  "actor":      "alice@example.com",
//	  "app":        "web-chat",
//	  "agent":      "hr-helpdesk",
//	  "data":       { … }                    // the event's type-specific fields, always an object
//	}
//
// Within one schema version fields are only ever added, never renamed,
// removed or given another meaning; receivers must ignore fields they do
// not know. A change that breaks that promise gets a new schema name.
//
// # Webhook signatures
//
// A webhook request carries
//
//	X-Palisade-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC, keyed with the shared secret, is computed over the
// timestamp, a full stop and the raw request body: "<t>.<body>" (the
// scheme Stripe uses). A receiver recomputes it over the body bytes as
// received, compares in constant time, and refuses a timestamp far from
// its own clock, which bounds replays; VerifySignature does all of that.
// The header may carry several v1 values (a receiver accepts the request
// if any matches), so a secret can be rotated without a gap.
//
// # OpenTelemetry logs
//
// The OTLP sink sends each batch as one ExportLogsServiceRequest (POST,
// Content-Type application/x-protobuf, gzipped by default) built with the
// generated OTLP types, not the OpenTelemetry SDK's log pipeline, whose
// asynchronous batching would acknowledge events before the receiver has
// them. The request holds one ResourceLogs (service.name "palisade",
// service.version, service.instance.id), one ScopeLogs (scope
// "palisade.audit", version "v1") and one LogRecord per event:
//
//	time_unix_nano, observed_time_unix_nano  the event time
//	severity_number, severity_text           INFO (success, started), WARN (denied), ERROR (error)
//	event_name                               the event type, such as chat.completion
//	body                                     string: the event's JSON, as above
//	attributes                               log.record.uid, palisade.audit.id: the event id (de-duplicate on it)
//	                                         palisade.audit.seq (int), .type, .outcome,
//	                                         .actor, .app, .agent, .request_id (when not empty)
//	trace_id, span_id                        from data.trace_id (32 lowercase hex digits) and
//	                                         data.span_id (16), when present and valid
//
// A re-sent event is the same LogRecord, byte for byte.
package export
