package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/gateway"
	"github.com/palisade-gw/palisade/internal/guard"
)

// Ensure requests are counted under their API, agent, app, outcome and
// code, and timed under their API and agent.
func TestRequests(t *testing.T) {
	m := New(Options{})
	m.ObserveRequest(gateway.RequestStats{API: "openai", Agent: "hr", App: "web", Outcome: "success", Code: "ok", Duration: 20 * time.Millisecond})
	m.ObserveRequest(gateway.RequestStats{API: "openai", Agent: "hr", App: "web", Outcome: "success", Code: "ok", Duration: 2 * time.Second})
	m.ObserveRequest(gateway.RequestStats{API: "directline", Outcome: "denied", Code: "invalid_credential", Duration: time.Millisecond})

	if got := testutil.ToFloat64(m.requests.WithLabelValues("openai", "hr", "web", "success", "ok")); got != 2 {
		t.Errorf("successes = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("directline", "", "", "denied", "invalid_credential")); got != 1 {
		t.Errorf("refusals = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.requests, "palisade_requests_total"); n != 2 {
		t.Errorf("%d request series, want 2", n)
	}
	want := `
# HELP palisade_request_duration_seconds Time from a request's arrival at the gateway to the end of its response (streams included), for the requests palisade_requests_total counts.
# TYPE palisade_request_duration_seconds histogram
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.001"} 0
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.0025"} 0
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.005"} 0
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.01"} 0
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.025"} 1
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.05"} 1
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.1"} 1
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.25"} 1
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="0.5"} 1
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="1"} 1
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="2.5"} 2
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="5"} 2
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="10"} 2
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="20"} 2
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="30"} 2
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="60"} 2
palisade_request_duration_seconds_bucket{agent="hr",api="openai",le="+Inf"} 2
palisade_request_duration_seconds_sum{agent="hr",api="openai"} 2.02
palisade_request_duration_seconds_count{agent="hr",api="openai"} 2
`
	// Only the openai series is compared: drop the Direct Line one.
	m.requestDuration.DeleteLabelValues("directline", "")
	if err := testutil.CollectAndCompare(m.requestDuration, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

// Ensure decisions are counted by outcome and reason, and each applying
// conditional access policy under its configured action.
func TestDecisions(t *testing.T) {
	m := New(Options{PolicyActions: map[string]string{"block-tor": "deny", "contractors": "restrict", "admins-mfa": "require_mfa"}})
	tests := []struct {
		name string
		d    access.Decision
		want string
	}{
		{"allowed by role", access.Decision{Allow: true, Reason: access.ReasonAllowed}, DecisionAllow},
		{"allowed, restricted", access.Decision{Allow: true, Reason: access.ReasonAllowed,
			Conditional: &conditional.Decision{Outcome: conditional.Restrict, Policies: []string{"contractors"}}}, DecisionRestrict},
		{"denied by policy", access.Decision{Reason: access.ReasonPolicyDenied,
			Conditional: &conditional.Decision{Outcome: conditional.Deny, Policies: []string{"block-tor", "contractors"}}}, DecisionDeny},
		{"step-up", access.Decision{Reason: access.ReasonMFARequired,
			Conditional: &conditional.Decision{Outcome: conditional.RequireMFA, Policies: []string{"admins-mfa", "gone"}}}, DecisionMFARequired},
		{"no role", access.Decision{Reason: access.ReasonNoRole}, DecisionDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := m.decisions.WithLabelValues(tc.want, tc.d.Reason)
			before := testutil.ToFloat64(c)
			m.ObserveDecision(tc.d)
			if got := testutil.ToFloat64(c) - before; got != 1 {
				t.Errorf("decisions{outcome=%q,reason=%q} moved by %v, want 1", tc.want, tc.d.Reason, got)
			}
		})
	}
	for _, c := range []struct {
		policy, action string
		want           float64
	}{{"contractors", "restrict", 2}, {"block-tor", "deny", 1}, {"admins-mfa", "require_mfa", 1}, {"gone", UnknownPolicyAction, 1}} {
		if got := testutil.ToFloat64(m.policyMatches.WithLabelValues(c.policy, c.action)); got != c.want {
			t.Errorf("policy_matches{policy=%q,action=%q} = %v, want %v", c.policy, c.action, got, c.want)
		}
	}
}

// Ensure guard findings are counted by direction, type and action, by
// their count in the summary.
func TestGuardFindings(t *testing.T) {
	m := New(Options{})
	m.ObserveGuard(guard.Summary{Entries: []guard.SummaryEntry{
		{Direction: "in", Type: "email", Category: "pii", Action: guard.ActionRedact, Count: 2},
		{Direction: "out", Type: "github_token", Category: "secret", Action: guard.ActionBlock, Count: 1},
	}})
	m.ObserveGuard(guard.Summary{Entries: []guard.SummaryEntry{{Direction: "in", Type: "email", Action: guard.ActionRedact, Count: 1}}})
	if got := testutil.ToFloat64(m.guardFindings.WithLabelValues("in", "email", "redact")); got != 3 {
		t.Errorf("email findings = %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.guardFindings.WithLabelValues("out", "github_token", "block")); got != 1 {
		t.Errorf("token findings = %v, want 1", got)
	}
}

// Ensure upstream calls, audit commits, the queue depth and checkpoint
// coverage are recorded.
func TestUpstreamAuditCheckpoint(t *testing.T) {
	m := New(Options{})
	m.ObserveUpstream("llm", gateway.UpstreamSuccess, 300*time.Millisecond)
	m.ObserveUpstream("llm", gateway.UpstreamTimeout, 30*time.Second)
	if n := testutil.CollectAndCount(m.upstream, "palisade_upstream_duration_seconds"); n != 2 {
		t.Errorf("%d upstream series, want 2", n)
	}
	m.ObserveCommit(3*time.Millisecond, 12, nil)
	m.ObserveCommit(5*time.Second, 1, errors.New("disk full"))
	if got := testutil.ToFloat64(m.auditFailures); got != 1 {
		t.Errorf("audit failures = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.auditBatch); n != 1 {
		t.Errorf("batch size series = %d", n)
	}
	depth := 7
	m.WatchAuditQueue(func() int { return depth })
	m.ObserveCheckpoint(1000, 42)
	want := `
# HELP palisade_audit_checkpoint_size Audit events covered by the newest signed checkpoint.
# TYPE palisade_audit_checkpoint_size gauge
palisade_audit_checkpoint_size 1000
# HELP palisade_audit_queue_depth Audit records waiting for the journal's next transaction.
# TYPE palisade_audit_queue_depth gauge
palisade_audit_queue_depth 7
# HELP palisade_audit_unsigned_events Audit events read by the checkpointer that no signed checkpoint covers yet.
# TYPE palisade_audit_unsigned_events gauge
palisade_audit_unsigned_events 42
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"palisade_audit_checkpoint_size", "palisade_audit_queue_depth", "palisade_audit_unsigned_events"); err != nil {
		t.Error(err)
	}
}

// Ensure the registry is Palisade's own, with the Go and process
// collectors, and that the handler serves it at GET /metrics only.
func TestRegistryAndHandler(t *testing.T) {
	m := New(Options{})
	m.ObserveRequest(gateway.RequestStats{API: "openai", Agent: "hr", App: "web", Outcome: "success", Code: "ok"})
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"go_goroutines", "process_cpu_seconds_total", "palisade_requests_total", "palisade_audit_queue_depth"} {
		if !names[n] {
			t.Errorf("%s is not gathered", n)
		}
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `palisade_requests_total{agent="hr",api="openai",app="web",code="ok",outcome="success"} 1`) {
		t.Fatalf("GET /metrics: %d\n%s", resp.StatusCode, body)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/"}, {"GET", "/debug/pprof/"}, {"POST", "/metrics"}} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("%s %s answered 200", c.method, c.path)
		}
	}
}

// Ensure an export sink's lag and counters are served with its name, and
// that a lag that cannot be read shows as -1.
func TestWatchExport(t *testing.T) {
	m := New(Options{})
	var failing bool
	err := m.WatchExport("siem", ExportStatus{
		Lag: func(context.Context) (int64, time.Duration, error) {
			if failing {
				return 0, 0, errors.New("store down")
			}
			return 42, 3 * time.Second, nil
		},
		Counts: func() (int64, int64) { return 1000, 2 },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP palisade_audit_export_lag_events Audit events the SIEM export sink has not yet acknowledged (-1: unknown).
# TYPE palisade_audit_export_lag_events gauge
palisade_audit_export_lag_events{sink="siem"} 42
# HELP palisade_audit_export_lag_seconds Age of the oldest audit event the SIEM export sink has not yet acknowledged (0: none, -1: unknown).
# TYPE palisade_audit_export_lag_seconds gauge
palisade_audit_export_lag_seconds{sink="siem"} 3
# HELP palisade_audit_export_failures_total Failed deliveries to the SIEM export sink since start.
# TYPE palisade_audit_export_failures_total counter
palisade_audit_export_failures_total{sink="siem"} 2
`
	names := []string{"palisade_audit_export_lag_events", "palisade_audit_export_lag_seconds", "palisade_audit_export_failures_total"}
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	failing = true
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(strings.ReplaceAll(strings.ReplaceAll(want, "} 42", "} -1"), "} 3\n", "} -1\n")), names...); err != nil {
		t.Error(err)
	}
	if err := m.WatchExport("siem", ExportStatus{}); err == nil {
		t.Error("a second sink of the same name was registered")
	}
}
