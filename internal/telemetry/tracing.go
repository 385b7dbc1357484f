package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ServiceName is the service.name of Palisade's spans.
const ServiceName = "palisade"

// Defaults for Options fields left zero.
const (
	// DefaultShutdownTimeout bounds the flush of buffered spans at
	// shutdown.
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultExportTimeout bounds one export of a batch, retries
	// included.
	DefaultExportTimeout = 30 * time.Second
)

// Options configure tracing.
type Options struct {
	// Endpoint is the full OTLP/HTTP traces URL, such as
	// https://otel-collector.example.com:4318/v1/traces (the path is used
	// as given). Empty exports nothing: spans are not recorded, but every
	// request still gets trace and span ids that are propagated.
	Endpoint string
	// Headers are sent with every export (a collector's API key). Their
	// values are never logged.
	Headers map[string]string
	// HeaderFunc, when set, gives further headers for each export request
	// (credentials read from the secret store at the time of the export).
	// Its error fails that export, which is then retried; a request is
	// never sent without its headers.
	HeaderFunc func(ctx context.Context) (http.Header, error)
	// Client sends the exports; required with Endpoint. It should be the
	// egress client (egress.Client.HTTPClient), so that the egress policy
	// applies to the collector like to any destination. It must not
	// itself be traced.
	Client *http.Client
	// SampleRatio is the share of new traces that are recorded and
	// exported, from 0 to 1. A trace continued from a trusted parent
	// follows the parent's sampled flag.
	SampleRatio float64
	// Version is the service.version of the spans.
	Version string
	// ExportTimeout bounds one export, retries included. Default 30s.
	ExportTimeout time.Duration
	// ShutdownTimeout bounds the flush at Shutdown. Default 5s.
	ShutdownTimeout time.Duration
	// Log receives export failures, at most one line a minute; nil
	// discards them.
	Log *slog.Logger
}

// Tracing is the tracer provider of one Palisade process.
type Tracing struct {
	tp        *sdktrace.TracerProvider
	exporting bool
	timeout   time.Duration
	once      sync.Once
	err       error
}

// New returns the tracing configured by opts. It does not contact the
// collector: exports happen in the background, and failures are logged,
// never returned to requests.
func New(opts Options) (*Tracing, error) {
	if opts.SampleRatio < 0 || opts.SampleRatio > 1 {
		return nil, fmt.Errorf("telemetry: sample ratio %v is not between 0 and 1", opts.SampleRatio)
	}
	t := &Tracing{timeout: opts.ShutdownTimeout}
	if t.timeout <= 0 {
		t.timeout = DefaultShutdownTimeout
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", ServiceName),
		attribute.String("service.version", opts.Version),
	)
	popts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if opts.Endpoint == "" {
		// Ids for every request, nothing recorded.
		popts = append(popts, sdktrace.WithSampler(sdktrace.NeverSample()))
		t.tp = sdktrace.NewTracerProvider(popts...)
		return t, nil
	}
	exp, err := newExporter(opts)
	if err != nil {
		return nil, err
	}
	exportTimeout := opts.ExportTimeout
	if exportTimeout <= 0 {
		exportTimeout = DefaultExportTimeout
	}
	popts = append(popts,
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(opts.SampleRatio))),
		sdktrace.WithBatcher(exp, sdktrace.WithExportTimeout(exportTimeout)),
	)
	t.tp = sdktrace.NewTracerProvider(popts...)
	t.exporting = true
	return t, nil
}

// newExporter builds the OTLP/HTTP exporter for opts. Every setting is
// given explicitly, so OTEL_EXPORTER_OTLP_* environment variables change
// nothing: the configuration file is the one place Palisade is
// configured.
func newExporter(opts Options) (sdktrace.SpanExporter, error) {
	if opts.Client == nil {
		return nil, errors.New("telemetry: an HTTP client is required to export traces")
	}
	u, err := url.Parse(opts.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("telemetry: the traces endpoint must be an absolute http or https URL")
	}
	headers := make(map[string]string, len(opts.Headers))
	for k, v := range opts.Headers {
		headers[k] = v
	}
	client := opts.Client
	if opts.HeaderFunc != nil {
		c := *client
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = &headerTransport{base: base, headers: opts.HeaderFunc}
		client = &c
	}
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpointURL(opts.Endpoint),
		otlptracehttp.WithHTTPClient(client),
		otlptracehttp.WithHeaders(headers),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	return &reportingExporter{SpanExporter: exp, log: opts.Log}, nil
}

// TracerProvider returns the provider that makes Palisade's spans.
func (t *Tracing) TracerProvider() trace.TracerProvider { return t.tp }

// Exporting reports whether spans are recorded and exported.
func (t *Tracing) Exporting() bool { return t.exporting }

// Shutdown exports the spans still buffered and stops the exporter,
// waiting at most the shutdown timeout (or until ctx ends). Spans started
// afterwards are not recorded. It may be called more than once.
func (t *Tracing) Shutdown(ctx context.Context) error {
	t.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, t.timeout)
		defer cancel()
		if err := t.tp.Shutdown(ctx); err != nil {
			t.err = fmt.Errorf("telemetry: flush traces: %w", err)
		}
	})
	return t.err
}

// reportInterval is the least time between two log lines about failed
// exports.
const reportInterval = time.Minute

// reportingExporter logs failed exports itself, at most once per
// reportInterval with the number of spans lost since the last line,
// rather than through OpenTelemetry's process-wide error handler.
type reportingExporter struct {
	sdktrace.SpanExporter
	log *slog.Logger

	mu      sync.Mutex
	last    time.Time
	dropped int
}

// ExportSpans exports spans and reports a failure; the batch is dropped
// either way (the exporter has retried already).
func (e *reportingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err == nil || e.log == nil {
		return nil
	}
	e.mu.Lock()
	e.dropped += len(spans)
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < reportInterval {
		e.mu.Unlock()
		return nil
	}
	n := e.dropped
	e.last, e.dropped = now, 0
	e.mu.Unlock()
	e.log.Warn("trace export failed; spans dropped", "spans", n, "err", err)
	return nil
}

// idsOnly is the provider of IDsOnly.
var idsOnly = sync.OnceValue(func() trace.TracerProvider {
	return sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
})

// IDsOnly returns a tracer provider that records and exports nothing but
// gives every span real trace and span ids, for callers (tests, tools)
// that run the gateway without configured tracing.
func IDsOnly() trace.TracerProvider { return idsOnly() }

// headerTransport adds the headers of a HeaderFunc to each request.
type headerTransport struct {
	base    http.RoundTripper
	headers func(ctx context.Context) (http.Header, error)
}

// RoundTrip sends a copy of req with the headers added.
func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h, err := t.headers(req.Context())
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("telemetry: export headers: %w", err)
	}
	r := req.Clone(req.Context())
	for k, vs := range h {
		r.Header[k] = vs
	}
	return t.base.RoundTrip(r)
}
