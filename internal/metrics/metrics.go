package metrics

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/checkpoint"
	"github.com/palisade-gw/palisade/internal/gateway"
	"github.com/palisade-gw/palisade/internal/guard"
)

// Metrics implements the observers of the gateway, the audit journal and
// the checkpointer.
var (
	_ gateway.Observer      = (*Metrics)(nil)
	_ audit.JournalObserver = (*Metrics)(nil)
	_ checkpoint.Observer   = (*Metrics)(nil)
)

// Outcomes of an access decision, the outcome label of
// palisade_decisions_total.
const (
	DecisionAllow       = "allow"
	DecisionRestrict    = "restrict"
	DecisionDeny        = "deny"
	DecisionMFARequired = "mfa_required"
)

// UnknownPolicyAction is the action label of a policy that Options does
// not name.
const UnknownPolicyAction = "unknown"

// Bucket boundaries, in seconds or records.
var (
	// requestBuckets cover 1 ms to 60 s: a refusal takes a millisecond,
	// a streamed answer from a model server up to a minute.
	requestBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60}
	// writeBuckets cover 0.5 ms to 5 s, the journal's default timeout.
	writeBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
	// batchBuckets cover one record to the journal's largest batch.
	batchBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}
)

// Options configure Metrics.
type Options struct {
	// PolicyActions maps each conditional access policy's name to its
	// action (allow, deny, require_mfa, restrict), for the action label
	// of palisade_policy_matches_total.
	PolicyActions map[string]string
}

// Metrics holds Palisade's metrics and the registry they are gathered
// from. Its methods are safe for concurrent use.
type Metrics struct {
	reg           *prometheus.Registry
	policyActions map[string]string

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	decisions       *prometheus.CounterVec
	policyMatches   *prometheus.CounterVec
	upstream        *prometheus.HistogramVec
	guardFindings   *prometheus.CounterVec

	auditWrite    prometheus.Histogram
	auditBatch    prometheus.Histogram
	auditFailures prometheus.Counter
	queueDepth    atomic.Pointer[func() int]

	checkpointSize prometheus.Gauge
	unsigned       prometheus.Gauge
}

// New returns Metrics registered in a registry of their own, with the Go
// runtime and process collectors.
func New(opts Options) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), policyActions: map[string]string{}}
	for k, v := range opts.PolicyActions {
		m.policyActions[k] = v
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "palisade_requests_total",
		Help: "API requests that reached an agent or were refused, by API (openai, directline), agent, app, outcome (success, denied, error) and code (ok or the error code).",
	}, []string{"api", "agent", "app", "outcome", "code"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "palisade_request_duration_seconds",
		Help:    "Time from a request's arrival at the gateway to the end of its response (streams included), for the requests palisade_requests_total counts.",
		Buckets: requestBuckets,
	}, []string{"api", "agent"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "palisade_decisions_total",
		Help: "Access decisions, by outcome (allow, restrict, deny, mfa_required) and reason.",
	}, []string{"outcome", "reason"})
	m.policyMatches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "palisade_policy_matches_total",
		Help: "Conditional access policies that applied to a request, by policy and the policy's action.",
	}, []string{"policy", "action"})
	m.upstream = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "palisade_upstream_duration_seconds",
		Help:    "Time an OpenAI-compatible upstream agent took to the complete answer or the error, by agent and outcome (success, error, timeout, canceled, aborted).",
		Buckets: requestBuckets,
	}, []string{"agent", "outcome"})
	m.guardFindings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "palisade_guard_findings_total",
		Help: "Content guard findings, by direction (in, out, content), finding type and the action taken.",
	}, []string{"direction", "type", "action"})
	m.auditWrite = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "palisade_audit_write_duration_seconds",
		Help:    "Time of each audit journal transaction (group commit of audit events and transcript entries).",
		Buckets: writeBuckets,
	})
	m.auditBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "palisade_audit_batch_size",
		Help:    "Records written in each audit journal transaction.",
		Buckets: batchBuckets,
	})
	m.auditFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "palisade_audit_write_failures_total",
		Help: "Audit journal transactions that failed (a failed batch is retried record by record; every try counts).",
	})
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "palisade_audit_queue_depth",
		Help: "Audit records waiting for the journal's next transaction.",
	}, func() float64 {
		if f := m.queueDepth.Load(); f != nil {
			return float64((*f)())
		}
		return 0
	})
	m.checkpointSize = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "palisade_audit_checkpoint_size",
		Help: "Audit events covered by the newest signed checkpoint.",
	})
	m.unsigned = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "palisade_audit_unsigned_events",
		Help: "Audit events read by the checkpointer that no signed checkpoint covers yet.",
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestDuration, m.decisions, m.policyMatches, m.upstream, m.guardFindings,
		m.auditWrite, m.auditBatch, m.auditFailures, queue, m.checkpointSize, m.unsigned,
	)
	return m
}

// Registry returns the registry the metrics are gathered from.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats at GET
// /metrics, and 404 at any other path.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{MaxRequestsInFlight: 8}))
	return mux
}

// ObserveRequest counts a request and its duration (gateway.Observer).
func (m *Metrics) ObserveRequest(s gateway.RequestStats) {
	m.requests.WithLabelValues(s.API, s.Agent, s.App, s.Outcome, s.Code).Inc()
	m.requestDuration.WithLabelValues(s.API, s.Agent).Observe(s.Duration.Seconds())
}

// ObserveDecision counts an access decision and the conditional access
// policies that applied to it (gateway.Observer).
func (m *Metrics) ObserveDecision(d access.Decision) {
	m.decisions.WithLabelValues(decisionOutcome(d), d.Reason).Inc()
	if d.Conditional == nil {
		return
	}
	for _, p := range d.Conditional.Policies {
		action, ok := m.policyActions[p]
		if !ok {
			action = UnknownPolicyAction
		}
		m.policyMatches.WithLabelValues(p, action).Inc()
	}
}

// decisionOutcome names what a decision did.
func decisionOutcome(d access.Decision) string {
	switch {
	case d.Allow && d.Conditional != nil && d.Conditional.Outcome == conditional.Restrict:
		return DecisionRestrict
	case d.Allow:
		return DecisionAllow
	case d.Reason == access.ReasonMFARequired:
		return DecisionMFARequired
	}
	return DecisionDeny
}

// ObserveUpstream records how long an upstream agent call took
// (gateway.Observer).
func (m *Metrics) ObserveUpstream(agent, outcome string, d time.Duration) {
	m.upstream.WithLabelValues(agent, outcome).Observe(d.Seconds())
}

// ObserveGuard counts what the content guard found in one exchange
// (gateway.Observer).
func (m *Metrics) ObserveGuard(sum guard.Summary) {
	for _, e := range sum.Entries {
		if e.Count > 0 {
			m.guardFindings.WithLabelValues(e.Direction, e.Type, string(e.Action)).Add(float64(e.Count))
		}
	}
}

// ObserveCommit records an audit journal transaction
// (audit.JournalObserver).
func (m *Metrics) ObserveCommit(d time.Duration, batch int, err error) {
	m.auditWrite.Observe(d.Seconds())
	m.auditBatch.Observe(float64(batch))
	if err != nil {
		m.auditFailures.Inc()
	}
}

// WatchAuditQueue makes palisade_audit_queue_depth report depth (the
// journal's QueueDepth); until it is called the gauge is 0.
func (m *Metrics) WatchAuditQueue(depth func() int) {
	if depth == nil {
		m.queueDepth.Store(nil)
		return
	}
	m.queueDepth.Store(&depth)
}

// ObserveCheckpoint records how far signed checkpoints cover the audit
// log (checkpoint.Observer).
func (m *Metrics) ObserveCheckpoint(size, unsigned int64) {
	m.checkpointSize.Set(float64(size))
	m.unsigned.Set(float64(unsigned))
}

// ExportStatus is what the metrics need to know about one SIEM export
// sink.
type ExportStatus struct {
	// Lag returns how many audit events the sink has not yet acknowledged
	// and the age of the oldest of them.
	Lag func(ctx context.Context) (events int64, oldest time.Duration, err error)
	// Counts returns the events delivered and the failed deliveries so
	// far.
	Counts func() (delivered, failures int64)
}

// exportLagTimeout bounds the store read behind one scrape of the export
// lag.
const exportLagTimeout = 2 * time.Second

// WatchExport registers the gauges of one SIEM export sink:
// palisade_audit_export_lag_events, palisade_audit_export_lag_seconds,
// palisade_audit_export_delivered_total and
// palisade_audit_export_failures_total, labelled by sink. A lag that cannot
// be read is reported as -1.
func (m *Metrics) WatchExport(sink string, st ExportStatus) error {
	lag := func() (int64, time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), exportLagTimeout)
		defer cancel()
		n, age, err := st.Lag(ctx)
		if err != nil {
			return -1, -time.Second
		}
		return n, age
	}
	labels := prometheus.Labels{"sink": sink}
	cs := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "palisade_audit_export_lag_events", ConstLabels: labels,
			Help: "Audit events the SIEM export sink has not yet acknowledged (-1: unknown)."},
			func() float64 { n, _ := lag(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "palisade_audit_export_lag_seconds", ConstLabels: labels,
			Help: "Age of the oldest audit event the SIEM export sink has not yet acknowledged (0: none, -1: unknown)."},
			func() float64 { _, a := lag(); return a.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "palisade_audit_export_delivered_total", ConstLabels: labels,
			Help: "Audit events delivered to the SIEM export sink since start."},
			func() float64 { d, _ := st.Counts(); return float64(d) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "palisade_audit_export_failures_total", ConstLabels: labels,
			Help: "Failed deliveries to the SIEM export sink since start."},
			func() float64 { _, f := st.Counts(); return float64(f) }),
	}
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
