// Package metrics exports Palisade's Prometheus metrics: requests by API,
// agent, app and outcome, access decisions and the conditional access
// policies that applied, gateway and upstream latency, the audit journal's
// write latency, batch sizes and queue depth, how far signed checkpoints
// cover the audit log, and content guard findings by type.
//
// A Metrics value owns its registry (never Prometheus's global one) and
// implements the small observer interfaces the domain packages define
// (gateway.Observer, audit.JournalObserver, checkpoint.Observer), so that
// none of them imports Prometheus. Every label takes its values from the
// configuration (agent, app and policy names) or from fixed sets
// (outcomes, error codes, finding types); never user ids, request ids or
// text.
//
// Metrics name agents and apps and show traffic; they hold no secrets, but
// the endpoint belongs on an internal network (server.metrics_addr).
package metrics
