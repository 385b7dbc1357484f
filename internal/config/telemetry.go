package config

import "time"

// Defaults of the telemetry settings.
const (
	defaultOTLPTimeout = 10 * time.Second
	defaultSampleRatio = 1.0
)

// Telemetry configures Palisade's own operational telemetry. Every request
// gets a W3C trace id, carried by its audit events (data.trace_id), its
// log lines and the traceparent sent to model servers and tools, whether
// or not traces are exported.
type Telemetry struct {
	// Traces configures the OpenTelemetry traces of the request path.
	Traces Traces `yaml:"traces" json:"traces,omitempty" jsonschema:"description=OpenTelemetry traces of the request path: a span per request and per pipeline stage\\, client spans for model servers and tools. Off unless otlp is set."`
}

// Traces configures tracing.
type Traces struct {
	// OTLP exports spans to an OpenTelemetry collector when its endpoint
	// is set.
	OTLP TracesOTLP `yaml:"otlp" json:"otlp,omitempty" jsonschema:"description=Export spans over OTLP/HTTP (protobuf) to an OpenTelemetry collector. Without an endpoint no span is recorded\\, but trace ids are still made and propagated."`
	// SampleRatio is the share of new traces recorded.
	SampleRatio *float64 `yaml:"sample_ratio" json:"sample_ratio,omitempty" jsonschema:"description=Share of new traces that are recorded and exported\\, from 0 to 1. Default 1. Needs otlp.,minimum=0,maximum=1"`
	// AllowIncomingTraceContext continues a client's trace.
	AllowIncomingTraceContext bool `yaml:"allow_incoming_trace_context" json:"allow_incoming_trace_context,omitempty" jsonschema:"description=UNSAFE: make a client's traceparent the parent of its request's span\\, so the client chooses the trace id recorded in audit events and whether its requests are sampled\\, and its tracestate is passed on to model servers and tools. Default false: each request starts a trace of its own and links to the client's."`
}

// TracesOTLP is an OpenTelemetry collector's OTLP/HTTP traces endpoint.
type TracesOTLP struct {
	// Endpoint is the full traces URL; empty exports nothing.
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty" jsonschema:"description=Full OTLP/HTTP traces URL\\, path included\\, such as https://otel-collector.example.com:4318/v1/traces. https unless loopback. The egress policy allows it implicitly."`
	// Headers are sent with every export; values may hold references.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty" jsonschema:"description=HTTP headers sent with every export\\, such as a collector's API key: Authorization: Bearer ${secret:otlp-token}. ${secret:NAME} is read from the secret store at each export and ${env:NAME} at start; $${ writes a literal ${. A header that carries a credential (its name has auth\\, token\\, key\\, secret\\, password…) must take it from a reference."`
	// Zone lets the endpoint's host resolve to a private network.
	Zone string `yaml:"zone" json:"zone,omitempty" jsonschema:"description=Egress zone whose addresses the collector may have (a collector on an internal network; loopback for one on this host)."`
	// Timeout bounds one export request.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty" jsonschema:"description=Time allowed for one export request. Default 10s."`
}

// Enabled reports whether spans are exported.
func (t Traces) Enabled() bool { return t.OTLP.Endpoint != "" }

// Ratio returns the sample ratio in effect: SampleRatio, or 1.
func (t Traces) Ratio() float64 {
	if t.SampleRatio == nil {
		return defaultSampleRatio
	}
	return *t.SampleRatio
}

// applyTelemetryDefaults fills the defaults of the export settings that
// the file leaves out, when traces are exported.
func applyTelemetryDefaults(c *Config, set func(path string) bool) {
	if o := &c.Telemetry.Traces.OTLP; o.Endpoint != "" && !set("telemetry.traces.otlp.timeout") {
		o.Timeout = Duration(defaultOTLPTimeout)
	}
}
