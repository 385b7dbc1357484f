// Package loadgen measures HTTP servers under load, for palisade-bench.
//
// Run drives a closed loop: a fixed number of workers, each sending one
// request, reading the whole answer and sending the next, over keep-alive
// connections, for a duration or a number of requests. It records every
// latency exactly (no histogram buckets) and reports requests per second,
// percentiles, errors by status and bytes; for streamed answers it also
// records the time to the first byte of the body.
//
// NewProxy is the baseline the gateway is compared with: a bare
// httputil.ReverseProxy in front of the same upstream.
//
// Everything is bounded: a run stops after MaxDuration or MaxRequests at
// the latest, and each request after its timeout.
package loadgen
