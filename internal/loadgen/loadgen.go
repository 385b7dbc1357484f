package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults and limits of a run.
const (
	DefaultPath        = "/v1/chat/completions"
	DefaultConcurrency = 1
	DefaultDuration    = 10 * time.Second
	DefaultTimeout     = 30 * time.Second
	DefaultModel       = "mock"

	MaxConcurrency = 10_000
	MaxDuration    = time.Hour
	// MaxRequests bounds the requests of one run, and so the memory of
	// the recorded latencies (16 bytes a request with streaming).
	MaxRequests = 10_000_000
)

// Config describes a run.
type Config struct {
	// URL is the server's base URL (scheme and host, optionally a path
	// prefix).
	URL string
	// Path is appended to URL. Default DefaultPath.
	Path string
	// Method defaults to POST when there is a Body, GET otherwise.
	Method string
	// Header is sent with every request. A "Host" entry sets the Host.
	Header http.Header
	// Body is sent with every request.
	Body []byte
	// Concurrency is the number of workers and connections. Default 1.
	Concurrency int
	// Duration bounds the run; Requests bounds the number of requests.
	// The run stops at whichever comes first; with neither it lasts
	// DefaultDuration.
	Duration time.Duration
	Requests int
	// Stream records the time to the first body byte of each answer.
	Stream bool
	// Timeout bounds one request, answer included. Default 30s.
	Timeout time.Duration
	// Transport replaces the default one (tests).
	Transport http.RoundTripper
}

// target validates cfg, applies defaults and returns the URL to load.
func (c *Config) target() (string, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("loadgen: URL %q must be an absolute http or https URL", c.URL)
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		return "", fmt.Errorf("loadgen: path %q must start with /", c.Path)
	}
	if c.Method == "" {
		c.Method = http.MethodGet
		if c.Body != nil {
			c.Method = http.MethodPost
		}
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Duration == 0 && c.Requests == 0 {
		c.Duration = DefaultDuration
	}
	switch {
	case c.Concurrency < 0 || c.Concurrency > MaxConcurrency:
		return "", fmt.Errorf("loadgen: concurrency must be between 1 and %d", MaxConcurrency)
	case c.Duration < 0 || c.Duration > MaxDuration:
		return "", fmt.Errorf("loadgen: duration must be between 0 and %v", MaxDuration)
	case c.Requests < 0 || c.Requests > MaxRequests:
		return "", fmt.Errorf("loadgen: requests must be between 0 and %d", MaxRequests)
	case c.Timeout < 0 || c.Timeout > MaxDuration:
		return "", fmt.Errorf("loadgen: timeout must be between 0 and %v", MaxDuration)
	}
	return strings.TrimSuffix(u.String(), "/") + c.Path, nil
}

// ChatBody returns a minimal chat completion request for model.
func ChatBody(model string, stream bool) []byte {
	if model == "" {
		model = DefaultModel
	}
	req := map[string]any{
		"model":    model,
		"messages": []map[string]string{{"role": "user", "content": "Hello! How many vacation days do I have left?"}},
		"stream":   stream,
	}
	if stream {
		req["stream_options"] = map[string]bool{"include_usage": true}
	}
	b, _ := json.Marshal(req)
	return b
}

// ParseHeader parses "Key: Value".
func ParseHeader(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, ":")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
		return "", "", fmt.Errorf("loadgen: header %q is not \"Key: Value\"", s)
	}
	return k, strings.TrimSpace(v), nil
}

// NewTransport returns a keep-alive transport of at most concurrency
// connections per host: a worker waits for a free connection rather than
// dialing an extra one.
func NewTransport(concurrency int) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		MaxConnsPerHost:     concurrency,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		DisableCompression:  true,
	}
}

// worker holds one worker's recordings, merged at the end.
type worker struct {
	latency, ttfb []time.Duration
	ok            int64
	statuses      map[int]int64
	failures      map[string]int64
	firstError    string
	read, written int64
	buf           []byte
}

// Run performs the load described by cfg. Cancelling ctx stops the run at
// once: requests in flight are abandoned, not counted, and the result is
// marked Interrupted.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	target, err := cfg.target()
	if err != nil {
		return nil, err
	}
	rt := cfg.Transport
	if rt == nil {
		tr := NewTransport(cfg.Concurrency)
		defer tr.CloseIdleConnections()
		rt = tr
	}
	client := &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // measure the server, not a chain
		},
	}

	limit := int64(MaxRequests)
	if cfg.Requests > 0 {
		limit = int64(cfg.Requests)
	}
	perWorker := 1 << 14
	if cfg.Requests > 0 {
		perWorker = cfg.Requests/cfg.Concurrency + 1
	}
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = time.Now().Add(cfg.Duration)
	}

	var tickets atomic.Int64
	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &worker{
			latency:  make([]time.Duration, 0, perWorker),
			statuses: map[int]int64{},
			failures: map[string]int64{},
			buf:      make([]byte, 32<<10),
		}
		if cfg.Stream {
			w.ttfb = make([]time.Duration, 0, perWorker)
		}
		workers[i] = w
		wg.Go(func() {
			for tickets.Add(1) <= limit && ctx.Err() == nil {
				if !deadline.IsZero() && !time.Now().Before(deadline) {
					return
				}
				w.do(ctx, client, &cfg, target)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	res := merge(workers, elapsed, cfg.Stream)
	res.URL, res.Concurrency, res.Interrupted = target, cfg.Concurrency, ctx.Err() != nil
	return res, nil
}

// do sends one request and records its outcome.
func (w *worker) do(ctx context.Context, client *http.Client, cfg *Config, target string) {
	rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var body io.Reader
	if cfg.Body != nil {
		body = bytes.NewReader(cfg.Body)
	}
	req, err := http.NewRequestWithContext(rctx, cfg.Method, target, body)
	if err != nil {
		w.fail(ctx, "transport", err)
		return
	}
	for k, vs := range cfg.Header {
		if http.CanonicalHeaderKey(k) == "Host" && len(vs) > 0 {
			req.Host = vs[0]
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if cfg.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		w.fail(ctx, failureKind(err), err)
		return
	}
	w.written += int64(len(cfg.Body))
	n, first, err := w.readBody(resp.Body, start)
	resp.Body.Close()
	w.read += n
	if err != nil {
		w.fail(ctx, failureKind(err), err)
		return
	}
	w.latency = append(w.latency, time.Since(start))
	if cfg.Stream {
		w.ttfb = append(w.ttfb, first)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		w.ok++
	} else {
		w.statuses[resp.StatusCode]++
	}
}

// readBody reads the whole body, returning its size and the time from
// start to its first byte.
func (w *worker) readBody(body io.Reader, start time.Time) (int64, time.Duration, error) {
	var total int64
	var first time.Duration
	for {
		n, err := body.Read(w.buf)
		if n > 0 && total == 0 {
			first = time.Since(start)
		}
		total += int64(n)
		if err == io.EOF {
			if total == 0 {
				first = time.Since(start)
			}
			return total, first, nil
		}
		if err != nil {
			return total, first, err
		}
	}
}

// fail records a request that got no complete answer, unless the run
// itself was cancelled.
func (w *worker) fail(ctx context.Context, kind string, err error) {
	if ctx.Err() != nil {
		return
	}
	w.failures[kind]++
	if w.firstError == "" {
		w.firstError = err.Error()
	}
}

func failureKind(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	return "transport"
}

// merge combines the workers' recordings.
func merge(workers []*worker, elapsed time.Duration, stream bool) *Result {
	res := &Result{Elapsed: elapsed, Errors: map[string]int64{}}
	n := 0
	for _, w := range workers {
		n += len(w.latency)
	}
	lat := make([]time.Duration, 0, n)
	var ttfb []time.Duration
	if stream {
		ttfb = make([]time.Duration, 0, n)
	}
	for _, w := range workers {
		lat = append(lat, w.latency...)
		ttfb = append(ttfb, w.ttfb...)
		res.OK += w.ok
		for code, c := range w.statuses {
			res.Errors[strconv.Itoa(code)] += c
		}
		for kind, c := range w.failures {
			res.Errors[kind] += c
		}
		res.BytesRead += w.read
		res.BytesWritten += w.written
		if res.FirstError == "" {
			res.FirstError = w.firstError
		}
	}
	for _, c := range res.Errors {
		res.Failed += c
	}
	res.Requests = res.OK + res.Failed
	if elapsed > 0 {
		res.RPS = float64(res.Requests) / elapsed.Seconds()
	}
	res.Latency = Summarize(lat)
	if stream {
		s := Summarize(ttfb)
		res.TTFB = &s
	}
	return res
}
