package mockllm_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/agent/upstream"
	"github.com/palisade-gw/palisade/internal/mockllm"
)

func newMock(t *testing.T, cfg mockllm.Config) (*mockllm.Server, *httptest.Server) {
	t.Helper()
	m, err := mockllm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return m, srv
}

func post(t *testing.T, url, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const hello = `{"model":"m1","messages":[{"role":"user","content":"Hello there"}]}`

// Ensure a non-streamed answer is a well-formed, deterministic completion.
func TestComplete(t *testing.T) {
	m, srv := newMock(t, mockllm.Config{AnswerBytes: 100})
	resp := post(t, srv.URL+"/v1/chat/completions", hello)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": "chatcmpl-mock", "object": "chat.completion", "created": 1700000000.0, "model": "m1",
		"choices": []any{map[string]any{"index": 0.0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": mockllm.Answer(100)}}},
		"usage": map[string]any{"prompt_tokens": 4.0, "completion_tokens": 25.0, "total_tokens": 29.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("completion (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(mockllm.Stats{Requests: 1, Completions: 1}, m.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// readEvents returns the data of each event of an SSE body.
func readEvents(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, data)
		} else if sc.Text() != "" {
			t.Errorf("unexpected line %q", sc.Text())
		}
	}
	return out
}

// Ensure a streamed answer has a role chunk, N content chunks, a finish
// chunk, a usage chunk when asked for, and [DONE].
func TestStream(t *testing.T) {
	for _, includeUsage := range []bool{true, false} {
		t.Run("usage="+map[bool]string{true: "yes", false: "no"}[includeUsage], func(t *testing.T) {
			m, srv := newMock(t, mockllm.Config{Chunks: 7, AnswerBytes: 50})
			body := `{"model":"m1","stream":true,"messages":[{"role":"user","content":"hi"}]`
			if includeUsage {
				body += `,"stream_options":{"include_usage":true}`
			}
			resp := post(t, srv.URL+"/v1/chat/completions", body+"}")
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Fatalf("content type %q", ct)
			}
			events := readEvents(t, resp.Body)
			want := 1 + 7 + 1 + 1
			if includeUsage {
				want++
			}
			if len(events) != want || events[len(events)-1] != "[DONE]" {
				t.Fatalf("%d events, last %q; want %d ending in [DONE]", len(events), events[len(events)-1], want)
			}
			var text strings.Builder
			var finish string
			var usage map[string]any
			for _, e := range events[:len(events)-1] {
				var c struct {
					Object  string
					Choices []struct {
						Delta        struct{ Content string }
						FinishReason *string `json:"finish_reason"`
					}
					Usage map[string]any
				}
				if err := json.Unmarshal([]byte(e), &c); err != nil {
					t.Fatalf("event %q: %v", e, err)
				}
				if c.Object != "chat.completion.chunk" {
					t.Errorf("object %q", c.Object)
				}
				for _, ch := range c.Choices {
					text.WriteString(ch.Delta.Content)
					if ch.FinishReason != nil {
						finish = *ch.FinishReason
					}
				}
				if c.Usage != nil {
					if len(c.Choices) != 0 {
						t.Errorf("usage chunk has choices")
					}
					usage = c.Usage
				}
			}
			if text.String() != mockllm.Answer(50) || finish != "stop" {
				t.Errorf("text %q, finish %q", text.String(), finish)
			}
			if (usage != nil) != includeUsage {
				t.Errorf("usage = %v, include_usage %v", usage, includeUsage)
			}
			if got := m.Stats().Streams; got != 1 {
				t.Errorf("streams = %d", got)
			}
		})
	}
}

// Ensure max_tokens cuts the answer with finish_reason "length".
func TestMaxTokens(t *testing.T) {
	_, srv := newMock(t, mockllm.Config{})
	resp := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}`)
	var got struct {
		Choices []struct {
			Message      struct{ Content string }
			FinishReason string `json:"finish_reason"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if c := got.Choices[0]; c.Message.Content != mockllm.Answer(12) || c.FinishReason != "length" {
		t.Errorf("choice = %+v", c)
	}
}

// Ensure the modes shape the timing.
func TestModes(t *testing.T) {
	tests := []struct {
		name    string
		cfg     mockllm.Config
		stream  bool
		atLeast time.Duration
	}{
		{"latency", mockllm.Config{Mode: mockllm.ModeLatency, Latency: 60 * time.Millisecond}, false, 60 * time.Millisecond},
		{"latency stream", mockllm.Config{Mode: mockllm.ModeLatency, Latency: 60 * time.Millisecond}, true, 60 * time.Millisecond},
		{"stream", mockllm.Config{Mode: mockllm.ModeStream, Chunks: 10, ChunkDelay: 6 * time.Millisecond}, true, 60 * time.Millisecond},
		{"stream, non-streamed request", mockllm.Config{Mode: mockllm.ModeStream, Chunks: 10, ChunkDelay: 6 * time.Millisecond}, false, 60 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newMock(t, tt.cfg)
			start := time.Now()
			resp := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":`+map[bool]string{true: "true", false: "false"}[tt.stream]+`,"messages":[{"role":"user","content":"hi"}]}`)
			_, _ = io.Copy(io.Discard, resp.Body)
			if d := time.Since(start); d < tt.atLeast {
				t.Errorf("answered in %v, want at least %v", d, tt.atLeast)
			}
		})
	}
	t.Run("instant", func(t *testing.T) {
		_, srv := newMock(t, mockllm.Config{ChunkDelay: time.Second, Latency: time.Second})
		start := time.Now()
		resp := post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
		_, _ = io.Copy(io.Discard, resp.Body)
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("instant mode took %v", d)
		}
	})
}

// Ensure bad requests get OpenAI-style errors.
func TestErrors(t *testing.T) {
	m, srv := newMock(t, mockllm.Config{Models: []string{"m1"}, MaxBodyBytes: 512, APIKey: "k"})
	auth := []string{"Authorization", "Bearer k"}
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		header []string
		status int
		code   string
	}{
		{"no key", "POST", "/v1/chat/completions", hello, nil, 401, "invalid_api_key"},
		{"wrong key", "POST", "/v1/chat/completions", hello, []string{"Authorization", "Bearer x"}, 401, "invalid_api_key"},
		{"wrong scheme", "POST", "/v1/chat/completions", hello, []string{"Authorization", "Basic k"}, 401, "invalid_api_key"},
		{"models without key", "GET", "/v1/models", "", nil, 401, "invalid_api_key"},
		{"wrong method", "GET", "/v1/chat/completions", "", auth, 405, "method_not_allowed"},
		{"wrong method on models", "DELETE", "/v1/models", "", auth, 405, "method_not_allowed"},
		{"bad JSON", "POST", "/v1/chat/completions", "{", auth, 400, "invalid_json"},
		{"no model", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, auth, 400, "missing_model"},
		{"unknown model", "POST", "/v1/chat/completions", `{"model":"gpt","messages":[{"role":"user","content":"x"}]}`, auth, 404, "model_not_found"},
		{"no messages", "POST", "/v1/chat/completions", `{"model":"m1","messages":[]}`, auth, 400, "invalid_messages"},
		{"bad role", "POST", "/v1/chat/completions", `{"model":"m1","messages":[{"role":"robot","content":"x"}]}`, auth, 400, "invalid_role"},
		{"too large", "POST", "/v1/chat/completions", `{"model":"m1","messages":[{"role":"user","content":"` + strings.Repeat("x", 600) + `"}]}`, auth, 413, "request_too_large"},
		{"unknown path", "GET", "/v2/x", "", auth, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Message, Type, Code string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || body.Error.Code != tt.code || body.Error.Message == "" || body.Error.Type == "" {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, body.Error, tt.status, tt.code)
			}
		})
	}
	if got := m.Stats(); got.Errors != int64(len(tests)) || got.Requests != int64(len(tests)) {
		t.Errorf("stats = %+v", got)
	}
	// Ensure the right key is accepted in either header.
	for _, h := range [][]string{auth, {"Api-Key", "k"}} {
		if resp := post(t, srv.URL+"/v1/chat/completions", hello, h...); resp.StatusCode != 200 {
			t.Errorf("%s: status %d", h[0], resp.StatusCode)
		}
	}
}

// Ensure /v1/models lists the configured models.
func TestModels(t *testing.T) {
	_, srv := newMock(t, mockllm.Config{})
	resp, err := http.Get(srv.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Object != "list" || len(got.Data) != 1 || got.Data[0].ID != mockllm.DefaultModel {
		t.Errorf("models = %+v", got)
	}
}

// Ensure a stream stops when its client goes away, instead of running on.
func TestStreamClientGone(t *testing.T) {
	_, srv := newMock(t, mockllm.Config{Mode: mockllm.ModeStream, Chunks: 1000, ChunkDelay: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }() // waits for the handler
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler kept streaming after the client left")
	}
}

// Ensure the upstream agent, Palisade's real client, works against the mock.
func TestWithUpstreamAgent(t *testing.T) {
	_, srv := newMock(t, mockllm.Config{APIKey: "secret", Chunks: 5, AnswerBytes: 40})
	a, err := upstream.New(upstream.Options{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "secret", Instructions: "Be brief."})
	if err != nil {
		t.Fatal(err)
	}
	req := &agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: "hi"}}}
	resp, err := a.Complete(t.Context(), req)
	if err != nil || resp.Content != mockllm.Answer(40) {
		t.Fatalf("complete: %v, %+v", err, resp)
	}
	var n int
	sresp, err := a.Stream(t.Context(), req, func(agent.Delta) error { n++; return nil })
	if err != nil || sresp.Content != mockllm.Answer(40) || n != 5 || sresp.Usage.CompletionTokens != 10 {
		t.Fatalf("stream: %v, %+v, %d deltas", err, sresp, n)
	}
}

// Ensure New refuses unbounded or negative settings.
func TestNewValidation(t *testing.T) {
	for name, cfg := range map[string]mockllm.Config{
		"unknown mode":   {Mode: "warp"},
		"negative delay": {Latency: -1},
		"huge delay":     {Latency: time.Hour},
		"huge stream":    {Mode: mockllm.ModeStream, Chunks: 100000, ChunkDelay: time.Second},
		"huge answer":    {AnswerBytes: 1 << 30},
	} {
		if _, err := mockllm.New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

// Ensure answers have the asked length and are the same every time.
func TestAnswer(t *testing.T) {
	for _, n := range []int{0, 1, 67, 68, 500} {
		if a := mockllm.Answer(n); len(a) != n || a != mockllm.Answer(n) {
			t.Errorf("Answer(%d) has length %d", n, len(a))
		}
	}
}

func BenchmarkStream(b *testing.B) {
	m, _ := mockllm.New(mockllm.Config{})
	body := `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
		m.ServeHTTP(httptest.NewRecorder(), req)
	}
}
