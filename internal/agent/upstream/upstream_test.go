package upstream

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/apperr"
)

const testKey = "sk-test-Secr3tKeyValue0123456789"

// newTestAgent returns an agent for srv's /v1 with the test key; mutate
// adjusts the options.
func newTestAgent(t *testing.T, baseURL string, mutate func(*Options)) *Agent {
	t.Helper()
	opts := Options{
		Name:    "hr",
		BaseURL: baseURL + "/v1",
		Model:   "gpt-test",
		APIKey:  testKey,
	}
	if mutate != nil {
		mutate(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func userRequest(text string) *agent.Request {
	return &agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: text}}}
}

// wantRefusal checks that err is a refusal with kind and code and that the
// API key appears nowhere in it.
func wantRefusal(t *testing.T, err error, kind apperr.Kind, code string) *apperr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s/%s", kind, code)
	}
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *apperr.Error", err, err)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("refusal = %s/%s (%v), want %s/%s", e.Kind, e.Code, err, kind, code)
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(e.Message, testKey) {
		t.Fatalf("error text leaks the API key: %v", err)
	}
	return e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Ensure Complete sends the OpenAI request and reads the answer.
func TestComplete(t *testing.T) {
	var got map[string]any
	var gotAuth, gotPath, gotAccept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath, gotAccept = r.Header.Get("Authorization"), r.Method+" "+r.URL.Path, r.Header.Get("Accept")
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Errorf("decode request: %v", err)
		}
		writeJSON(w, 200, map[string]any{
			"id": "c1", "object": "chat.completion", "model": "gpt-test-0613",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": "Hello there."}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
		})
	}))
	defer srv.Close()

	a := newTestAgent(t, srv.URL, func(o *Options) { o.Instructions = "You are the HR helpdesk." })
	temp, topP := 0.2, 0.9
	resp, err := a.Complete(t.Context(), &agent.Request{
		Messages:    []agent.Message{{Role: agent.RoleUser, Content: "Hi", Name: "ana"}},
		User:        "user-1",
		MaxTokens:   100,
		Temperature: &temp,
		TopP:        &topP,
		Stop:        []string{"\n\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &agent.Response{Content: "Hello there.", Model: "gpt-test-0613", FinishReason: "stop",
		Usage: agent.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	if gotPath != "POST /v1/chat/completions" {
		t.Errorf("request = %q", gotPath)
	}
	if gotAuth != "Bearer "+testKey {
		t.Errorf("Authorization = %q", gotAuth)
	}
	if gotAccept != "application/json" {
		t.Errorf("Accept = %q", gotAccept)
	}
	wantBody := map[string]any{
		"model": "gpt-test",
		"messages": []any{
			map[string]any{"role": "system", "content": "You are the HR helpdesk."},
			map[string]any{"role": "user", "content": "Hi", "name": "ana"},
		},
		"max_tokens": 100.0, "temperature": 0.2, "top_p": 0.9, "stop": []any{"\n\n"},
		"user": "user-1", "stream": false,
	}
	if diff := cmp.Diff(wantBody, got); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
}

// Ensure the key goes in the configured header: Bearer in Authorization,
// raw in any other header, nothing when there is no key; and a query in
// the base URL (Azure's api-version) is kept.
func TestAPIKeyHeader(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		header     string
		wantHeader string
		wantValue  string
	}{
		{"default bearer", testKey, "", "Authorization", "Bearer " + testKey},
		{"explicit authorization", testKey, "authorization", "Authorization", "Bearer " + testKey},
		{"azure api-key", testKey, "api-key", "Api-Key", testKey},
		{"custom header", testKey, "X-Model-Key", "X-Model-Key", testKey},
		{"no key", "", "", "Authorization", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr http.Header
			var query string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hdr, query = r.Header.Clone(), r.URL.RawQuery
				writeJSON(w, 401, map[string]any{"error": map[string]any{"message": "Incorrect API key provided: " + tt.key}})
			}))
			defer srv.Close()
			a := newTestAgent(t, srv.URL, func(o *Options) {
				o.APIKey, o.APIKeyHeader = tt.key, tt.header
				o.BaseURL += "?api-version=2024-06-01"
			})
			_, err := a.Complete(t.Context(), userRequest("hi"))
			e := wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamError)
			if e.Message != msgCredentials {
				t.Errorf("message = %q, want %q", e.Message, msgCredentials)
			}
			if got := hdr.Get(tt.wantHeader); got != tt.wantValue {
				t.Errorf("%s = %q, want %q", tt.wantHeader, got, tt.wantValue)
			}
			if tt.wantHeader != "Authorization" && hdr.Get("Authorization") != "" {
				t.Errorf("Authorization sent as well: %q", hdr.Get("Authorization"))
			}
			if query != "api-version=2024-06-01" {
				t.Errorf("query = %q", query)
			}
		})
	}
}

// sseServer serves the given raw writes as an event stream, flushing and
// pausing after each so that they arrive as separate TCP segments.
func sseServer(t *testing.T, writes ...string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["stream"] != true || r.Header.Get("Accept") != "text/event-stream" {
			t.Errorf("not a stream request: %v, Accept %q", body["stream"], r.Header.Get("Accept"))
		}
		if so, _ := body["stream_options"].(map[string]any); so["include_usage"] != true {
			t.Errorf("stream_options = %v", body["stream_options"])
		}
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		rc := http.NewResponseController(w)
		for _, s := range writes {
			_, _ = io.WriteString(w, s)
			_ = rc.Flush()
			time.Sleep(2 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func chunk(content, finish string) string {
	c := map[string]any{"index": 0, "delta": map[string]any{"content": content}}
	if finish != "" {
		c["finish_reason"] = finish
	}
	b, _ := json.Marshal(map[string]any{"model": "gpt-test-0613", "object": "chat.completion.chunk", "choices": []any{c}})
	return "data: " + string(b) + "\n\n"
}

// Ensure Stream emits each delta, survives events split across TCP
// writes, multi-line data and comments, reads the usage-only chunk and
// stops at [DONE].
func TestStream(t *testing.T) {
	first := chunk("Hel", "")
	usage := `data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}}` + "\n\n"
	srv := sseServer(t,
		`data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}`+"\r\n\r\n",
		": keep-alive comment\n\n",
		first[:10], first[10:25], first[25:], // one event, three writes
		"data: {\"choices\":[{\"index\":0,\n", "data: \"delta\":{\"content\":\"lo, \"}}]}\n\n", // multi-line data
		chunk("w\u00f6rld", "")[:len(chunk("w\u00f6rld", ""))-1], "\n", // blank line in its own write
		chunk("", "stop"),
		`data: {"choices":[{"index":1,"delta":{"content":"other choice"}}]}`+"\n\n",
		usage,
		"data: [DONE]\n\n",
	)
	a := newTestAgent(t, srv.URL, nil)
	var deltas []string
	resp, err := a.Stream(t.Context(), userRequest("hi"), func(d agent.Delta) error {
		deltas = append(deltas, d.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Hel", "lo, ", "w\u00f6rld"}, deltas); diff != "" {
		t.Errorf("deltas (-want +got):\n%s", diff)
	}
	want := &agent.Response{Content: "Hello, w\u00f6rld", Model: "gpt-test-0613", FinishReason: "stop",
		Usage: agent.Usage{PromptTokens: 5, CompletionTokens: 4, TotalTokens: 9}}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

// Ensure a stream may end without [DONE] once the answer is finished, but
// a stream cut short is a bad response.
func TestStreamEnd(t *testing.T) {
	t.Run("finish without DONE", func(t *testing.T) {
		srv := sseServer(t, chunk("a", ""), chunk("", "length"))
		resp, err := newTestAgent(t, srv.URL, nil).Stream(t.Context(), userRequest("hi"), func(agent.Delta) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if resp.Content != "a" || resp.FinishReason != "length" {
			t.Errorf("response = %+v", resp)
		}
	})
	t.Run("cut short", func(t *testing.T) {
		srv := sseServer(t, chunk("a", ""))
		_, err := newTestAgent(t, srv.URL, nil).Stream(t.Context(), userRequest("hi"), func(agent.Delta) error { return nil })
		wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamBadReply)
	})
}

// Ensure a server that ignores "stream" and answers JSON still works.
func TestStreamJSONFallback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "whole"}, "finish_reason": "stop"}}})
	}))
	defer srv.Close()
	var deltas []string
	resp, err := newTestAgent(t, srv.URL, nil).Stream(t.Context(), userRequest("hi"), func(d agent.Delta) error {
		deltas = append(deltas, d.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "whole" || resp.Model != "gpt-test" || len(deltas) != 1 {
		t.Errorf("response = %+v, deltas %q", resp, deltas)
	}
}

// Ensure an error from emit stops the stream and is returned as is.
func TestStreamEmitError(t *testing.T) {
	srv := sseServer(t, chunk("a", ""), chunk("b", ""), chunk("", "stop"), "data: [DONE]\n\n")
	stop := errors.New("client went away")
	n := 0
	_, err := newTestAgent(t, srv.URL, nil).Stream(t.Context(), userRequest("hi"), func(agent.Delta) error {
		n++
		return stop
	})
	if err != stop {
		t.Fatalf("err = %v, want the emit error", err)
	}
	if n != 1 {
		t.Errorf("emit called %d times, want 1", n)
	}
}

// Ensure an error reported inside a stream is a refusal quoting it.
func TestStreamErrorEvent(t *testing.T) {
	for name, body := range map[string]string{
		"error object": chunk("a", "") + `data: {"error":{"message":"model overloaded"}}` + "\n\n",
		"error event":  "event: error\ndata: {\"message\":\"model overloaded\"}\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			srv := sseServer(t, body)
			_, err := newTestAgent(t, srv.URL, nil).Stream(t.Context(), userRequest("hi"), func(agent.Delta) error { return nil })
			e := wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamError)
			if !strings.Contains(e.Message, "model overloaded") {
				t.Errorf("message = %q", e.Message)
			}
		})
	}
}

// Ensure redirects to another host are refused (the key would follow) and
// same-host redirects are followed.
func TestRedirects(t *testing.T) {
	var hits int
	var mu sync.Mutex
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "stolen"}}}})
	}))
	defer other.Close()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/chat/completions":
			http.Redirect(w, r, other.URL+"/v1/chat/completions", http.StatusTemporaryRedirect)
		case "/same/chat/completions":
			http.Redirect(w, r, "/v1/moved", http.StatusPermanentRedirect)
		case "/v1/moved":
			writeJSON(w, 200, map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "moved"}}}})
		case "/loop/chat/completions":
			http.Redirect(w, r, "/loop/chat/completions", http.StatusTemporaryRedirect)
		}
	}))
	defer srv.Close()

	custom := &http.Client{Transport: &http.Transport{}}
	for name, client := range map[string]*http.Client{"default client": nil, "caller's client": custom} {
		t.Run(name, func(t *testing.T) {
			a := newTestAgent(t, srv.URL, func(o *Options) { o.HTTPClient = client })
			_, err := a.Complete(t.Context(), userRequest("hi"))
			e := wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamError)
			if e.Message != msgRedirect {
				t.Errorf("message = %q", e.Message)
			}
			mu.Lock()
			if hits != 0 {
				t.Errorf("the other host was called %d times", hits)
			}
			mu.Unlock()

			b := newTestAgent(t, srv.URL, func(o *Options) { o.HTTPClient = client; o.BaseURL = srv.URL + "/same" })
			resp, err := b.Complete(t.Context(), userRequest("hi"))
			if err != nil || resp.Content != "moved" {
				t.Errorf("same-host redirect: %v, %+v", err, resp)
			}

			c := newTestAgent(t, srv.URL, func(o *Options) { o.HTTPClient = client; o.BaseURL = srv.URL + "/loop" })
			_, err = c.Complete(t.Context(), userRequest("hi"))
			e = wantRefusal(t, err, apperr.KindUpstream, apperr.CodeUpstreamError)
			if e.Message != msgRedirectLoop {
				t.Errorf("message = %q", e.Message)
			}
		})
	}
	if custom.CheckRedirect != nil {
		t.Error("New changed the caller's client")
	}
}

// Ensure a caller's HTTP client is the one used.
func TestHTTPClientOption(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "ok"}}}})
	}))
	defer srv.Close()
	rt := &countingTransport{next: http.DefaultTransport}
	a := newTestAgent(t, srv.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: rt} })
	if _, err := a.Complete(t.Context(), userRequest("hi")); err != nil {
		t.Fatal(err)
	}
	if rt.n != 1 {
		t.Errorf("caller's transport used %d times, want 1", rt.n)
	}
}

type countingTransport struct {
	next http.RoundTripper
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.next.RoundTrip(r)
}

// Ensure one agent serves many concurrent calls (run with -race).
func TestConcurrentUse(t *testing.T) {
	srv := sseServer(t, chunk("a", ""), chunk("b", "stop"), "data: [DONE]\n\n")
	a := newTestAgent(t, srv.URL, nil)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			resp, err := a.Stream(t.Context(), userRequest("hi"), func(agent.Delta) error { return nil })
			if err != nil || resp.Content != "ab" {
				t.Errorf("stream: %v, %+v", err, resp)
			}
		})
	}
	wg.Wait()
}

// Ensure invalid options are refused with invalid_config.
func TestNewValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Options)
	}{
		{"bad scheme", func(o *Options) { o.BaseURL = "ftp://host/v1" }},
		{"no host", func(o *Options) { o.BaseURL = "http:///v1" }},
		{"not a URL", func(o *Options) { o.BaseURL = "http://[::1" }},
		{"credentials in URL", func(o *Options) { o.BaseURL = "https://user:pass@host/v1" }},
		{"fragment", func(o *Options) { o.BaseURL = "https://host/v1#x" }},
		{"no model", func(o *Options) { o.Model = "" }},
		{"key with newline", func(o *Options) { o.APIKey = "abc\r\nX-Evil: 1" }},
		{"bad header name", func(o *Options) { o.APIKeyHeader = "api key" }},
		{"negative timeout", func(o *Options) { o.FirstByteTimeout = -1 }},
		{"negative limit", func(o *Options) { o.MaxResponseBytes = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{BaseURL: "https://models.example/v1", Model: "m"}
			tt.mutate(&opts)
			_, err := New(opts)
			if apperr.As(err).Code != apperr.CodeInvalidConfig {
				t.Fatalf("err = %v, want invalid_config", err)
			}
			if strings.Contains(err.Error(), "pass") {
				t.Errorf("error shows URL credentials: %v", err)
			}
		})
	}
	a, err := New(Options{BaseURL: "https://models.example/v1/", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if a.endpoint != "https://models.example/v1/chat/completions" {
		t.Errorf("endpoint = %q", a.endpoint)
	}
}
