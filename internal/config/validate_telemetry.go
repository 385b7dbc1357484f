package config

import "strings"

// telemetry checks the telemetry settings: an exporting endpoint is an
// absolute URL, https unless loopback, reached through egress (its zone
// must exist); its headers follow the rules of audit.export.otlp's; the
// sample ratio lies between 0 and 1 and is only given with an endpoint.
func (v *validator) telemetry() {
	t := v.c.Telemetry.Traces
	const p = "telemetry.traces"
	o := t.OTLP
	if o.Endpoint == "" {
		if len(o.Headers) > 0 || o.Zone != "" {
			v.add(p+".otlp.endpoint", "is required when other otlp settings are given, such as https://otel-collector.example.com:4318/v1/traces")
		}
		if t.SampleRatio != nil {
			v.add(p+".sample_ratio", "only applies when traces are exported: set telemetry.traces.otlp.endpoint")
		}
	} else {
		if msg := checkUpstreamURL(o.Endpoint, false); msg != "" {
			msg = strings.Replace(msg, "prompts and the API key", "traces", 1)
			msg = strings.Replace(msg, "use https, or set allow_insecure_http: true (UNSAFE)", "use https", 1)
			v.add(p+".otlp.endpoint", "%s", strings.Replace(msg, "use api_key with a reference", "use headers with a ${secret:NAME} reference", 1))
		}
		v.zoneRef(p+".otlp.zone", o.Zone, v.zoneNames())
		v.otlpHeaders(p+".otlp.headers", o.Headers)
		v.positive(p+".otlp.timeout", o.Timeout)
	}
	if r := t.SampleRatio; r != nil && !(*r >= 0 && *r <= 1) {
		v.add(p+".sample_ratio", "must be between 0 and 1, such as 0.1 for one trace in ten")
	}
}

// zoneNames returns the names of the egress zones, the built-in loopback
// zone included, without checking them (egress does).
func (v *validator) zoneNames() map[string]bool {
	names := map[string]bool{LoopbackZone: true}
	for _, z := range v.c.Egress.Zones {
		names[z.Name] = true
	}
	return names
}

// unsafeTelemetry lists the telemetry settings that weaken the defaults.
func (c *Config) unsafeTelemetry() []string {
	if c.Telemetry.Traces.AllowIncomingTraceContext {
		return []string{"telemetry.traces.allow_incoming_trace_context: clients choose the trace id recorded in audit events and whether their requests are sampled, and their tracestate reaches model servers and tools"}
	}
	return nil
}
