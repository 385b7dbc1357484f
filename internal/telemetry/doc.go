// Package telemetry holds Palisade's operational telemetry: OpenTelemetry
// traces of the request path, W3C trace context for outbound calls, and
// the request and trace ids that tie operational logs and audit events to
// a request.
//
// Every request gets a trace id, whether or not traces are exported: with
// export off, the tracer provider is the SDK's with a sampler that records
// nothing, so spans cost little more than their ids, and the trace context
// sent to model servers and tools (with the sampled flag clear) still lets
// their logs be joined with Palisade's audit events. With export on
// (telemetry.traces.otlp), spans are batched and sent over OTLP/HTTP
// (protobuf) through Palisade's egress client.
//
// What goes into a span is chosen to be safe to hand to an operations
// team: route patterns, configured agent and app names, outcomes, HTTP
// statuses and stable error codes. Never content, credentials, tokens,
// user names or client addresses.
package telemetry

// The OTLP logs collector protocol is kept as a dependency for the audit
// exporter's OpenTelemetry logs sink.
import _ "go.opentelemetry.io/proto/otlp/collector/logs/v1"
