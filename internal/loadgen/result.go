package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Result is what a run measured.
type Result struct {
	// URL is the loaded URL and Concurrency the number of workers.
	URL         string
	Concurrency int
	// Requests counts completed requests: OK (2xx) plus Failed.
	Requests, OK, Failed int64
	// Errors counts failures by HTTP status ("500") or by kind for
	// requests without a complete answer ("timeout", "transport").
	Errors map[string]int64
	// Elapsed is the run's wall time, and RPS Requests per second of it.
	Elapsed time.Duration
	RPS     float64
	// Latency summarises the time from sending a request to the end of
	// its answer, over every request that got a complete answer,
	// whatever its status.
	Latency Summary
	// TTFB summarises the time to the first byte of the body (stream
	// runs only).
	TTFB *Summary
	// BytesRead counts response body bytes, BytesWritten request body
	// bytes.
	BytesRead, BytesWritten int64
	// FirstError is the first transport error's text, for diagnosis.
	FirstError string
	// Interrupted means the run was cancelled before its end.
	Interrupted bool
}

// Summary describes a set of durations exactly.
type Summary struct {
	Count                         int
	Min, Mean, P50, P90, P99, Max time.Duration
}

// Summarize sorts samples in place and returns their summary; percentiles
// use the nearest-rank method.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return Summary{
		Count: len(samples),
		Min:   samples[0],
		Mean:  sum / time.Duration(len(samples)),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		Max:   samples[len(samples)-1],
	}
}

// Percentile returns the nearest-rank p-th percentile of sorted samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	n := len(sorted)
	// rank = ⌈p/100 × n⌉; the epsilon keeps 90% of 10 at 9, not 10.
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9))
	rank = max(1, min(n, rank))
	return sorted[rank-1]
}

type jsonSummary struct {
	Count int     `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (s Summary) toJSON() *jsonSummary {
	return &jsonSummary{s.Count, ms(s.Min), ms(s.Mean), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max)}
}

// MarshalJSON writes the result with durations in milliseconds (latency,
// TTFB) and seconds (elapsed).
func (r *Result) MarshalJSON() ([]byte, error) {
	v := struct {
		URL          string           `json:"url"`
		Concurrency  int              `json:"concurrency"`
		Requests     int64            `json:"requests"`
		OK           int64            `json:"ok"`
		Failed       int64            `json:"failed"`
		Errors       map[string]int64 `json:"errors"`
		ElapsedS     float64          `json:"elapsed_s"`
		RPS          float64          `json:"rps"`
		LatencyMS    *jsonSummary     `json:"latency_ms"`
		TTFBMS       *jsonSummary     `json:"ttfb_ms,omitempty"`
		BytesRead    int64            `json:"bytes_read"`
		BytesWritten int64            `json:"bytes_written"`
		FirstError   string           `json:"first_error,omitempty"`
		Interrupted  bool             `json:"interrupted"`
	}{
		URL: r.URL, Concurrency: r.Concurrency, Requests: r.Requests, OK: r.OK, Failed: r.Failed,
		Errors: r.Errors, ElapsedS: r.Elapsed.Seconds(), RPS: r.RPS, LatencyMS: r.Latency.toJSON(),
		BytesRead: r.BytesRead, BytesWritten: r.BytesWritten, FirstError: r.FirstError, Interrupted: r.Interrupted,
	}
	if v.Errors == nil {
		v.Errors = map[string]int64{}
	}
	if r.TTFB != nil {
		v.TTFBMS = r.TTFB.toJSON()
	}
	return json.Marshal(v)
}

// WriteText writes the result for people.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target      %s (concurrency %d)\n", r.URL, r.Concurrency)
	fmt.Fprintf(&b, "requests    %d in %s (%d ok, %d failed)", r.Requests, r.Elapsed.Round(time.Millisecond), r.OK, r.Failed)
	if r.Interrupted {
		b.WriteString(" [interrupted]")
	}
	fmt.Fprintf(&b, "\nthroughput  %.1f req/s\n", r.RPS)
	writeSummary(&b, "latency", r.Latency)
	if r.TTFB != nil {
		writeSummary(&b, "ttfb", *r.TTFB)
	}
	if len(r.Errors) > 0 {
		b.WriteString("errors     ")
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(&b, " %s: %d", k, r.Errors[k])
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "bytes       read %d, written %d\n", r.BytesRead, r.BytesWritten)
	if r.FirstError != "" {
		fmt.Fprintf(&b, "first error %s\n", r.FirstError)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeSummary(b *strings.Builder, name string, s Summary) {
	r := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	fmt.Fprintf(b, "%-11s p50 %v  p90 %v  p99 %v  max %v  (min %v, mean %v, n=%d)\n",
		name, r(s.P50), r(s.P90), r(s.P99), r(s.Max), r(s.Min), r(s.Mean), s.Count)
}
