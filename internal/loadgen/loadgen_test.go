package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/mockllm"
)

// Ensure percentiles follow the nearest-rank method.
func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	ten := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	tests := []struct {
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{ten, 50, ms(5)},
		{ten, 90, ms(9)},
		{ten, 99, ms(10)},
		{ten, 100, ms(10)},
		{ten, 0, ms(1)},
		{[]time.Duration{ms(7)}, 99, ms(7)},
		{nil, 50, 0},
	}
	for _, tt := range tests {
		if got := Percentile(tt.samples, tt.p); got != tt.want {
			t.Errorf("Percentile(%d samples, %v) = %v, want %v", len(tt.samples), tt.p, got, tt.want)
		}
	}
	s := Summarize([]time.Duration{ms(3), ms(1), ms(2)})
	want := Summary{Count: 3, Min: ms(1), Mean: ms(2), P50: ms(2), P90: ms(3), P99: ms(3), Max: ms(3)}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
}

// Ensure a request-bounded run sends exactly that many requests, with the
// configured headers and body, over at most one connection per worker.
func TestRunRequests(t *testing.T) {
	var conns, hits atomic.Int64
	var mu sync.Mutex
	var gotHeader, gotHost, gotBody, gotMethod string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotHeader, gotHost, gotBody, gotMethod = r.Header.Get("X-Test"), r.Host, string(b), r.Method
		mu.Unlock()
		io.WriteString(w, "0123456789")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	res, err := Run(t.Context(), Config{
		URL: srv.URL, Path: "/x", Concurrency: 4, Requests: 200,
		Header: http.Header{"X-Test": {"yes"}, "Host": {"api.example"}},
		Body:   []byte(`{"a":1}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.OK != 200 || hits.Load() != 200 || res.Latency.Count != 200 {
		t.Errorf("requests %d, ok %d, served %d, samples %d; want 200", res.Requests, res.OK, hits.Load(), res.Latency.Count)
	}
	if res.BytesRead != 2000 || res.BytesWritten != 200*7 {
		t.Errorf("bytes read %d, written %d", res.BytesRead, res.BytesWritten)
	}
	if n := conns.Load(); n > 4 {
		t.Errorf("%d connections for 4 workers; keep-alive not used", n)
	}
	if gotHeader != "yes" || gotHost != "api.example" || gotBody != `{"a":1}` || gotMethod != "POST" {
		t.Errorf("request: header %q, host %q, body %q, method %q", gotHeader, gotHost, gotBody, gotMethod)
	}
	if res.RPS <= 0 || res.Latency.Max < res.Latency.P50 || res.TTFB != nil {
		t.Errorf("result = %+v", res)
	}
}

// Ensure a duration-bounded run stops on time.
func TestRunDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
	}))
	defer srv.Close()
	start := time.Now()
	res, err := Run(t.Context(), Config{URL: srv.URL, Concurrency: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("run took %v, want about 200ms", d)
	}
	if res.Requests == 0 || res.OK != res.Requests {
		t.Errorf("result = %+v", res)
	}
}

// Ensure failures are counted by status and by kind, and that latencies
// of non-2xx answers are still recorded.
func TestRunErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 4 {
		case 0:
			w.WriteHeader(500)
		case 1:
			w.WriteHeader(429)
		case 2:
			<-r.Context().Done() // past the timeout
		}
	}))
	defer srv.Close()
	res, err := Run(t.Context(), Config{URL: srv.URL, Requests: 40, Concurrency: 4, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"500": 10, "429": 10, "timeout": 10}
	if diff := cmp.Diff(want, res.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.OK != 10 || res.Failed != 30 || res.Requests != 40 || res.Latency.Count != 30 {
		t.Errorf("ok %d, failed %d, requests %d, samples %d", res.OK, res.Failed, res.Requests, res.Latency.Count)
	}
	if res.FirstError == "" {
		t.Error("no first error recorded")
	}
}

// Ensure transport failures are counted, not fatal.
func TestRunConnectionRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	res, err := Run(t.Context(), Config{URL: "http://" + addr, Requests: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors["transport"] != 3 || res.OK != 0 {
		t.Errorf("result = %+v", res)
	}
}

// Ensure streaming runs record the time to first byte against the mock.
func TestRunStreamAgainstMock(t *testing.T) {
	m, err := mockllm.New(mockllm.Config{Mode: mockllm.ModeStream, Chunks: 5, ChunkDelay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	res, err := Run(t.Context(), Config{URL: srv.URL, Body: ChatBody("mock", true), Stream: true, Requests: 10, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 10 || res.TTFB == nil || res.TTFB.Count != 10 {
		t.Fatalf("result = %+v", res)
	}
	if res.TTFB.P50 >= res.Latency.P50 || res.Latency.P50 < 25*time.Millisecond {
		t.Errorf("ttfb p50 %v, latency p50 %v; want ttfb < latency, latency >= 25ms", res.TTFB.P50, res.Latency.P50)
	}
	if got := m.Stats().Streams; got != 10 {
		t.Errorf("mock streamed %d answers", got)
	}
}

// Ensure the baseline proxy forwards answers and streams without cutting
// any short (the golang/go#40747 race cut about one in forty
// streamed POSTs), and reports a dead upstream as a 502.
func TestProxy(t *testing.T) {
	m, _ := mockllm.New(mockllm.Config{Mode: mockllm.ModeStream, Chunks: 2, ChunkDelay: time.Millisecond})
	up := httptest.NewServer(m)
	defer up.Close()
	u, _ := url.Parse(up.URL)
	px := httptest.NewServer(NewProxy(u, 8))
	defer px.Close()

	const n = 300
	res, err := Run(t.Context(), Config{URL: px.URL, Body: ChatBody("", true), Stream: true, Requests: n, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != n || m.Stats().Streams != n {
		t.Errorf("through the proxy: ok %d, errors %v (%s); mock %+v", res.OK, res.Errors, res.FirstError, m.Stats())
	}

	up.Close()
	resp, err := http.Post(px.URL+"/v1/chat/completions", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error struct{ Code string } }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 502 || body.Error.Code != "upstream_unavailable" {
		t.Errorf("dead upstream: %d %+v", resp.StatusCode, body)
	}
}

// Ensure cancelling the run stops it at once and marks it interrupted.
func TestRunCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	res, err := Run(ctx, Config{URL: srv.URL, Concurrency: 3, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled run took %v", d)
	}
	if !res.Interrupted || res.Requests != 0 {
		t.Errorf("result = %+v", res)
	}
}

// Ensure bad configurations are refused and the output formats hold.
func TestConfigAndOutput(t *testing.T) {
	for _, c := range []Config{
		{URL: "ftp://x"}, {URL: "/relative"}, {URL: "http://x", Path: "nope"},
		{URL: "http://x", Concurrency: MaxConcurrency + 1}, {URL: "http://x", Duration: 2 * MaxDuration},
		{URL: "http://x", Requests: MaxRequests + 1}, {URL: "http://x", Requests: -1},
	} {
		if _, err := Run(t.Context(), c); err == nil {
			t.Errorf("Run accepted %+v", c)
		}
	}
	for _, h := range []string{"nocolon", ": v", "K ey: v", "K: a\nb"} {
		if _, _, err := ParseHeader(h); err == nil {
			t.Errorf("ParseHeader(%q) accepted", h)
		}
	}
	if k, v, err := ParseHeader("Authorization:  Bearer x "); err != nil || k != "Authorization" || v != "Bearer x" {
		t.Errorf("ParseHeader = %q, %q, %v", k, v, err)
	}

	r := &Result{URL: "http://x/y", Concurrency: 2, Requests: 3, OK: 2, Failed: 1, Errors: map[string]int64{"500": 1},
		Elapsed: time.Second, RPS: 3, Latency: Summary{Count: 3, P50: 2 * time.Millisecond}, TTFB: &Summary{Count: 3}}
	var out strings.Builder
	if err := r.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"3 in 1s (2 ok, 1 failed)", "3.0 req/s", "p50 2ms", "ttfb", "500: 1"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("text output lacks %q:\n%s", s, out.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	if got["rps"] != 3.0 || got["latency_ms"].(map[string]any)["p50"] != 2.0 || got["errors"].(map[string]any)["500"] != 1.0 {
		t.Errorf("JSON output = %s", b)
	}
}
