package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"

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

// traceHeaders returns the headers of the trace export: those without
// references and those with ${env:NAME}, resolved now, in static; those
// with ${secret:NAME} in dynamic, which reads the secrets at each export
// (through the cache, so a rotated token is used within a minute) and
// fails the export while the store is sealed or a secret missing: a
// request is never sent without its credential. The syntax is
// audit.export.otlp's (config.ParseHeaderValue).
func traceHeaders(headers map[string]string, secrets *secretCache) (static map[string]string, dynamic func(context.Context) (http.Header, error), err error) {
	type template struct {
		name  string
		parts []config.HeaderPart
	}
	var templates []template
	static = map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		path := tracesPath + ".headers." + name
		parts, err := config.ParseHeaderValue(headers[name])
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		deferred := false
		for j, part := range parts {
			switch part.Scheme {
			case "":
			case config.SchemeEnv:
				v, ok := os.LookupEnv(part.Name)
				if !ok {
					return nil, nil, fmt.Errorf("%s: environment variable %s is not set", path, part.Name)
				}
				parts[j] = config.HeaderPart{Text: v}
			case config.SchemeSecret:
				deferred = true
			default:
				return nil, nil, fmt.Errorf("%s: unknown reference scheme %q", path, part.Scheme)
			}
		}
		if deferred {
			templates = append(templates, template{name, parts})
			continue
		}
		v, err := headerValue(parts, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		static[name] = v
	}
	if len(templates) == 0 {
		return static, nil, nil
	}
	const purpose = "telemetry:traces"
	dynamic = func(ctx context.Context) (http.Header, error) {
		h := http.Header{}
		for _, t := range templates {
			v, err := headerValue(t.parts, func(name string) (string, error) { return secrets.get(ctx, name, purpose) })
			if err != nil {
				return nil, fmt.Errorf("header %s: %w", t.name, err)
			}
			h.Set(t.name, v)
		}
		return h, nil
	}
	return static, dynamic, nil
}
