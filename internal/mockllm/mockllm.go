package mockllm

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Mode shapes the timing of the mock's answers.
type Mode string

// The modes.
const (
	// ModeInstant answers at once; streamed chunks follow each other
	// without delay.
	ModeInstant Mode = "instant"
	// ModeLatency waits Config.Latency before sending the response
	// headers, then answers at once.
	ModeLatency Mode = "latency"
	// ModeStream waits Config.ChunkDelay between streamed chunks; a
	// non-streamed answer waits Chunks × ChunkDelay, as if generated.
	ModeStream Mode = "stream"
)

// ParseMode returns the Mode named s.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeInstant, ModeLatency, ModeStream:
		return m, nil
	}
	return "", fmt.Errorf("mockllm: unknown mode %q (want instant, latency or stream)", s)
}

// Defaults for Config fields left zero, and limits.
const (
	DefaultModel        = "mock"
	DefaultLatency      = 20 * time.Millisecond
	DefaultChunks       = 20
	DefaultChunkDelay   = 2 * time.Millisecond
	DefaultAnswerBytes  = 200
	DefaultMaxBodyBytes = 1 << 20

	// MaxDelay bounds every configured delay, so a mock always finishes.
	MaxDelay = time.Minute
	// MaxChunks bounds Chunks.
	MaxChunks = 100_000
	// MaxAnswerBytes bounds AnswerBytes.
	MaxAnswerBytes = 16 << 20
)

// Config configures a Server. The zero value is an instant mock with the
// defaults above.
type Config struct {
	// Mode is the timing; default ModeInstant.
	Mode Mode
	// Latency is ModeLatency's wait before answering. Default 20ms.
	Latency time.Duration
	// Chunks is the number of content chunks of a streamed answer.
	// Default 20; at most the answer's length.
	Chunks int
	// ChunkDelay is ModeStream's wait between chunks. Default 2ms.
	ChunkDelay time.Duration
	// AnswerBytes is the length of the answer text. Default 200.
	AnswerBytes int
	// APIKey, when set, must be sent as "Authorization: Bearer <key>" or
	// "api-key: <key>".
	APIKey string
	// Models lists the models the server knows. Empty means any model is
	// accepted and /v1/models lists DefaultModel.
	Models []string
	// MaxBodyBytes bounds request bodies. Default 1 MiB.
	MaxBodyBytes int64
}

// Stats counts what a Server has served.
type Stats struct {
	// Requests counts every request received.
	Requests int64
	// Completions counts non-streamed answers sent.
	Completions int64
	// Streams counts streamed answers started.
	Streams int64
	// Models counts model listings sent.
	Models int64
	// Errors counts requests refused with an error body.
	Errors int64
	// ToolCalls counts answers asking for a tool call (also counted in
	// Completions or Streams).
	ToolCalls int64
}

// Server is the mock model server. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	cfg    Config
	answer string
	pieces []string
	models []byte

	requests, completions, streams, modelLists, errs, toolCalls atomic.Int64
}

// created is the fixed "created" timestamp of every answer, so that
// answers are deterministic.
const created = 1700000000

// New returns a mock server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Mode == "" {
		cfg.Mode = ModeInstant
	}
	if _, err := ParseMode(string(cfg.Mode)); err != nil {
		return nil, err
	}
	if cfg.Latency < 0 || cfg.ChunkDelay < 0 || cfg.Chunks < 0 || cfg.AnswerBytes < 0 || cfg.MaxBodyBytes < 0 {
		return nil, errors.New("mockllm: negative latency, chunk delay, chunks, answer length or body limit")
	}
	if cfg.Latency == 0 {
		cfg.Latency = DefaultLatency
	}
	if cfg.Chunks == 0 {
		cfg.Chunks = DefaultChunks
	}
	if cfg.ChunkDelay == 0 {
		cfg.ChunkDelay = DefaultChunkDelay
	}
	if cfg.AnswerBytes == 0 {
		cfg.AnswerBytes = DefaultAnswerBytes
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	switch {
	case cfg.Latency > MaxDelay || cfg.ChunkDelay > MaxDelay:
		return nil, fmt.Errorf("mockllm: delays are limited to %v", MaxDelay)
	case cfg.Chunks > MaxChunks:
		return nil, fmt.Errorf("mockllm: chunks are limited to %d", MaxChunks)
	case cfg.AnswerBytes > MaxAnswerBytes:
		return nil, fmt.Errorf("mockllm: answers are limited to %d bytes", MaxAnswerBytes)
	case cfg.Mode == ModeStream && time.Duration(cfg.Chunks)*cfg.ChunkDelay > MaxDelay:
		return nil, fmt.Errorf("mockllm: chunks × chunk delay is limited to %v", MaxDelay)
	}
	cfg.Models = slices.Clone(cfg.Models)
	s := &Server{cfg: cfg, answer: Answer(cfg.AnswerBytes)}
	s.pieces = split(s.answer, cfg.Chunks)

	ids := cfg.Models
	if len(ids) == 0 {
		ids = []string{DefaultModel}
	}
	list := modelList{Object: "list", Data: []modelInfo{}}
	for _, id := range ids {
		list.Data = append(list.Data, modelInfo{ID: id, Object: "model", Created: created, OwnedBy: "palisade-mockllm"})
	}
	s.models, _ = json.Marshal(list)
	return s, nil
}

// Config returns the server's configuration with defaults applied.
func (s *Server) Config() Config { return s.cfg }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests:    s.requests.Load(),
		Completions: s.completions.Load(),
		Streams:     s.streams.Load(),
		Models:      s.modelLists.Load(),
		Errors:      s.errs.Load(),
		ToolCalls:   s.toolCalls.Load(),
	}
}

// sentence is the text answers are made of.
const sentence = "Palisade mock answer: the quick brown fox jumps over the lazy dog. "

// Answer returns the deterministic answer text of n bytes (ASCII).
func Answer(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(sentence, n/len(sentence)+1)[:n]
}

// split cuts s into n pieces of nearly equal length (fewer if s is
// shorter than n bytes); s is ASCII.
func split(s string, n int) []string {
	n = min(n, len(s))
	pieces := make([]string, 0, n)
	for i := range n {
		pieces = append(pieces, s[i*len(s)/n:(i+1)*len(s)/n])
	}
	return pieces
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	switch r.URL.Path {
	case "/v1/chat/completions":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.fail(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "Use POST.")
			return
		}
		if !s.authorized(r) {
			s.fail(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
			return
		}
		s.chat(w, r)
	case "/v1/models":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.fail(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "Use GET.")
			return
		}
		if !s.authorized(r) {
			s.fail(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
			return
		}
		s.modelLists.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(s.models)))
		_, _ = w.Write(s.models)
	default:
		s.fail(w, http.StatusNotFound, "invalid_request_error", "not_found", "Unknown path "+strconv.Quote(r.URL.Path)+".")
	}
}

// authorized reports whether r carries the configured key, if any.
func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.APIKey == "" {
		return true
	}
	got := r.Header.Get("Api-Key")
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		got = token
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.APIKey)) == 1
}

// fail writes an OpenAI-style error.
func (s *Server) fail(w http.ResponseWriter, status int, typ, code, msg string) {
	s.errs.Add(1)
	body, _ := json.Marshal(errorBody{Error: errorInfo{Message: msg, Type: typ, Code: code}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// wait sleeps for d or until the request is done; it reports whether the
// request is still live.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
