package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/telemetry"
)

// tracesPath is where the trace export is configured, for messages.
const tracesPath = "telemetry.traces.otlp"

// startTelemetry sets up the tracing of cfg: with telemetry.traces.otlp
// an OTLP/HTTP exporter that sends through egress (the collector is an
// egress destination like any other), otherwise a provider that records
// nothing but still gives every request its trace id. It needs out's
// secret cache for headers with ${secret:NAME}. The returned stop flushes
// the buffered spans within a bounded time; it may be called more than
// once.
func startTelemetry(cfg *config.Config, out *outbound, log *slog.Logger) (*telemetry.Tracing, func(), error) {
	tr := cfg.Telemetry.Traces
	opts := telemetry.Options{Version: version, Log: log}
	if tr.Enabled() {
		c, err := out.client(tr.OTLP.Timeout.D(), 0, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", tracesPath, err)
		}
		static, dynamic, err := traceHeaders(tr.OTLP.Headers, out.secrets)
		if err != nil {
			return nil, nil, err
		}
		opts.Endpoint, opts.Client, opts.Headers, opts.HeaderFunc = tr.OTLP.Endpoint, c.HTTPClient(), static, dynamic
		opts.SampleRatio = tr.Ratio()
	}
	t, err := telemetry.New(opts)
	if err != nil {
		return nil, nil, err
	}
	if t.Exporting() {
		log.Info("traces exported", "endpoint", tr.OTLP.Endpoint, "sample_ratio", tr.Ratio())
	}
	stop := func() {
		if err := t.Shutdown(context.Background()); err != nil {
			log.Warn("traces not all exported at shutdown", "err", err)
		}
	}
	return t, stop, nil
}

// traceHeaders returns the headers of the trace export (see
// referencedHeaders; the syntax is audit.export.otlp's), static ones as the
// map the exporter takes.
func traceHeaders(headers map[string]string, secrets *secretCache) (static map[string]string, dynamic func(context.Context) (http.Header, error), err error) {
	h, dynamic, err := referencedHeaders(tracesPath+".headers", headers, secrets, "telemetry:traces")
	if err != nil {
		return nil, nil, err
	}
	static = make(map[string]string, len(h))
	for name := range h {
		static[name] = h.Get(name)
	}
	return static, dynamic, nil
}
