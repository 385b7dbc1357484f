package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/agent/upstream"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

const (
	webSecret   = "web-secret-0123456789abcdef0123456789abcdef"
	otherSecret = "other-secret-0123456789abcdef0123456789abcd"
)

// echoAgent answers with a fixed prefix and the user's last message, in
// three streamed pieces.
type echoAgent struct {
	delay time.Duration
	calls atomic.Int64
	// last is the last request answered.
	last atomic.Pointer[agent.Request]
}

func (a *echoAgent) Complete(ctx context.Context, req *agent.Request) (*agent.Response, error) {
	return a.Stream(ctx, req, func(agent.Delta) error { return nil })
}

func (a *echoAgent) Stream(ctx context.Context, req *agent.Request, emit func(agent.Delta) error) (*agent.Response, error) {
	a.calls.Add(1)
	a.last.Store(req)
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	parts := []string{"You said: ", req.LastUserText(), "."}
	for _, p := range parts {
		if err := emit(agent.Delta{Content: p}); err != nil {
			return nil, err
		}
	}
	return &agent.Response{Content: strings.Join(parts, ""), Model: "echo", FinishReason: "stop",
		Usage: agent.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7}}, nil
}

// faultyStore fails audit appends on demand, to test failing closed.
type faultyStore struct {
	store.Store
	failAudit atomic.Bool
}

func (f *faultyStore) CommitRecords(ctx context.Context, recs []store.Record) ([]store.Record, error) {
	if f.failAudit.Load() {
		return nil, fmt.Errorf("%w: disk full", store.ErrUnavailable)
	}
	return f.Store.CommitRecords(ctx, recs)
}

type testEnv struct {
	gw    *Gateway
	srv   *httptest.Server
	store *faultyStore
	echo  *echoAgent
	key   []byte
}

// newTestEnv starts a gateway with an echo agent ("echo"), a slow agent
// ("slow"), an upstream agent whose server is down ("down"), one that
// times out ("late"), and two apps.
func newTestEnv(t testing.TB, mutate ...func(*Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/test.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs := &faultyStore{Store: st}

	// A port with nothing listening: the upstream is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	down, err := upstream.New(upstream.Options{Name: "down", BaseURL: "http://" + deadAddr + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(hang.Close)
	late, err := upstream.New(upstream.Options{Name: "late", BaseURL: hang.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	echo := &echoAgent{}
	key := identity.NewKey()
	journal := audit.NewJournal(fs, audit.JournalOptions{})
	t.Cleanup(journal.Close)
	opts := Options{
		Agents: map[string]*AgentEntry{
			"echo": {Name: "echo", Description: "Echoes", Environment: "test", Region: "local", RetentionDays: 30, Agent: echo},
			"slow": {Name: "slow", Environment: "test", Region: "local", Agent: &echoAgent{delay: 300 * time.Millisecond}},
			"down": {Name: "down", Environment: "test", Region: "local", Agent: down},
			"late": {Name: "late", Environment: "test", Region: "local", Timeout: 200 * time.Millisecond, Agent: late},
		},
		Apps: []AppInfo{
			{Name: "web", Secrets: []string{webSecret}, Agents: []string{"echo", "slow", "down", "late"}, Origins: []string{"https://intranet.example.com"}},
			{Name: "other", Secrets: []string{otherSecret}, Agents: []string{"slow"}},
		},
		Roles:        []access.Role{{Name: "service", Apps: []string{"web", "other"}, Agents: []string{access.Wildcard}}},
		Store:        fs,
		Recorder:     journal,
		TokenKey:     key,
		MaxBodyBytes: 4096,
		PollInterval: 50 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&opts)
	}
	gw, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() { gw.Shutdown(); srv.Close() })
	return &testEnv{gw: gw, srv: srv, store: fs, echo: echo, key: key}
}

func (e *testEnv) do(t *testing.T, method, path, cred, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func chatBody(model, text string, stream bool) string {
	b, _ := json.Marshal(map[string]any{"model": model, "stream": stream,
		"messages": []map[string]string{{"role": "user", "content": text}}})
	return string(b)
}

// Ensure a chat completion is answered in OpenAI's format, and that the
// transcript and audit event are stored before the response.
func TestChatCompletion(t *testing.T) {
	e := newTestEnv(t)
	resp, body := e.do(t, "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("echo", "hello", false))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var c completion
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	if c.Object != "chat.completion" || c.Model != "echo" || len(c.Choices) != 1 || *c.Choices[0].Message.Content != "You said: hello." {
		t.Fatalf("unexpected body: %s", body)
	}
	if c.Usage == nil || c.Usage.TotalTokens != 7 {
		t.Fatalf("usage: %s", body)
	}
	auditID := resp.Header.Get("X-Palisade-Audit-Id")
	ev, err := e.store.GetAuditEvent(context.Background(), auditID)
	if err != nil {
		t.Fatalf("audit event %q: %v", auditID, err)
	}
	if ev.Type != audit.TypeChatCompletion || ev.Outcome != audit.OutcomeSuccess || ev.App != "web" || ev.Agent != "echo" {
		t.Fatalf("audit event %+v", ev)
	}
	if strings.Contains(string(ev.Data), "hello") {
		t.Fatalf("audit event holds message content: %s", ev.Data)
	}
	var data map[string]any
	_ = json.Unmarshal(ev.Data, &data)
	convs, err := e.store.ListConversations(context.Background(), store.ConversationFilter{Agent: "echo"})
	if err != nil || len(convs) != 1 || convs[0].ID != data["conversation_id"] {
		t.Fatalf("conversations %+v, %v (event %s)", convs, err, ev.Data)
	}
	if convs[0].ExpiresAt.Sub(convs[0].CreatedAt) != 30*24*time.Hour {
		t.Fatalf("retention not applied: %+v", convs[0])
	}
	msgs, err := e.store.ListMessages(context.Background(), convs[0].ID, 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Text != "hello" || msgs[1].Text != "You said: hello." || msgs[1].Role != "assistant" {
		t.Fatalf("transcript %+v, %v", msgs, err)
	}
}

// readSSE returns the data fields of a server-sent event stream.
func readSSE(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

// Ensure streaming answers arrive as OpenAI chunks ending in [DONE], with a
// usage chunk when asked for.
func TestChatStream(t *testing.T) {
	e := newTestEnv(t)
	body := `{"model":"echo","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+webSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := readSSE(t, resp.Body)
	if len(events) < 3 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("events: %q", events)
	}
	var text strings.Builder
	var finish string
	var usage *usageBody
	for _, ev := range events[:len(events)-1] {
		var c completion
		if err := json.Unmarshal([]byte(ev), &c); err != nil {
			t.Fatalf("chunk %q: %v", ev, err)
		}
		if c.Object != "chat.completion.chunk" {
			t.Fatalf("chunk object %q", c.Object)
		}
		for _, ch := range c.Choices {
			if ch.Delta != nil && ch.Delta.Content != nil {
				text.WriteString(*ch.Delta.Content)
			}
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
		if c.Usage != nil {
			usage = c.Usage
		}
	}
	if text.String() != "You said: hi." || finish != "stop" || usage == nil || usage.TotalTokens != 7 {
		t.Fatalf("text %q finish %q usage %+v", text.String(), finish, usage)
	}
}

// Ensure every refusal has its status, a stable code, a message, the
// request id and the id of the audit event that records it.
func TestRefusals(t *testing.T) {
	e := newTestEnv(t)
	big := chatBody("echo", strings.Repeat("x", 5000), false)
	tests := []struct {
		name, method, path, cred, ctype, body string
		status                                int
		code                                  string
		audited                               bool
	}{
		{"malformed JSON", "POST", "/v1/chat/completions", webSecret, "application/json", `{"model":`, 400, "invalid_json", true},
		{"JSON of the wrong shape", "POST", "/v1/chat/completions", webSecret, "application/json", `{"model":"echo","messages":"hi"}`, 400, "invalid_json", true},
		{"trailing data", "POST", "/v1/chat/completions", webSecret, "application/json", `{"model":"echo"} {}`, 400, "invalid_json", true},
		{"invalid UTF-8", "POST", "/v1/chat/completions", webSecret, "application/json", "{\"model\":\"\xff\"}", 400, "invalid_json", true},
		{"no messages", "POST", "/v1/chat/completions", webSecret, "application/json", `{"model":"echo","messages":[]}`, 400, "invalid_request", true},
		{"bad role", "POST", "/v1/chat/completions", webSecret, "application/json", `{"model":"echo","messages":[{"role":"wizard","content":"x"}]}`, 400, "invalid_request", true},
		{"client tools refused", "POST", "/v1/chat/completions", webSecret, "application/json", `{"model":"echo","tools":[{"type":"function"}],"messages":[{"role":"user","content":"x"}]}`, 400, "invalid_request", true},
		{"unknown agent", "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("nope", "hi", false), 404, "agent_not_found", true},
		{"agent not allowed for app", "POST", "/v1/chat/completions", otherSecret, "application/json", chatBody("echo", "hi", false), 403, "app_not_allowed", true},
		{"oversized body", "POST", "/v1/chat/completions", webSecret, "application/json", big, 413, "body_too_large", true},
		{"wrong content type", "POST", "/v1/chat/completions", webSecret, "text/plain", chatBody("echo", "hi", false), 415, "unsupported_media_type", true},
		{"missing credential", "POST", "/v1/chat/completions", "", "application/json", chatBody("echo", "hi", false), 401, "missing_credential", true},
		{"wrong credential", "POST", "/v1/chat/completions", "not-a-secret", "application/json", chatBody("echo", "hi", false), 401, "invalid_credential", true},
		{"forged token", "POST", "/v1/chat/completions", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "application/json", chatBody("echo", "hi", false), 401, "invalid_credential", true},
		{"upstream down", "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("down", "hi", false), 502, "upstream_unavailable", true},
		{"upstream timeout", "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("late", "hi", false), 504, "upstream_timeout", true},
		{"upstream down while streaming", "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("down", "hi", true), 502, "upstream_unavailable", true},
		{"wrong method", "GET", "/v1/chat/completions", webSecret, "", "", 405, "method_not_allowed", false},
		{"unknown path", "GET", "/v1/nothing", webSecret, "", "", 404, "not_found", false},
		{"direct line without credential", "POST", "/v3/directline/conversations", "", "", "", 401, "missing_credential", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, tt.method, tt.path, tt.cred, tt.ctype, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if eb.Error.Code != tt.code || eb.Error.Message == "" || eb.Error.RequestID != resp.Header.Get("X-Request-Id") {
				t.Fatalf("error body %+v", eb.Error)
			}
			if strings.Contains(string(body), webSecret) {
				t.Fatal("secret echoed in error")
			}
			if !tt.audited {
				return
			}
			ev, err := e.store.GetAuditEvent(context.Background(), eb.Error.AuditEventID)
			if err != nil {
				t.Fatalf("audit event %q: %v", eb.Error.AuditEventID, err)
			}
			if ev.Type != audit.TypeRequestRefused || !strings.Contains(string(ev.Data), tt.code) {
				t.Fatalf("audit event %+v %s", ev, ev.Data)
			}
		})
	}
}

// Ensure that when the audit log cannot be written the request is refused
// with 503 audit_unavailable, the agent's answer never leaves, and service
// resumes once the fault clears.
func TestFailClosedOnAudit(t *testing.T) {
	e := newTestEnv(t)
	e.store.failAudit.Store(true)
	for _, stream := range []bool{false, true} {
		resp, body := e.do(t, "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("echo", "secret plans", stream))
		if resp.StatusCode != 503 || !strings.Contains(string(body), "audit_unavailable") || strings.Contains(string(body), "secret plans") {
			t.Fatalf("stream=%v: status %d body %s", stream, resp.StatusCode, body)
		}
	}
	if e.echo.calls.Load() > 1 {
		t.Fatalf("a stream started without its record: %d agent calls", e.echo.calls.Load())
	}
	e.store.failAudit.Store(false)
	resp, body := e.do(t, "POST", "/v1/chat/completions", webSecret, "application/json", chatBody("echo", "again", false))
	if resp.StatusCode != 200 {
		t.Fatalf("after recovery: %d %s", resp.StatusCode, body)
	}
}

// Ensure /v1/models lists exactly the agents the caller's app may use.
func TestListModels(t *testing.T) {
	e := newTestEnv(t)
	_, body := e.do(t, "GET", "/v1/models", otherSecret, "", "")
	var list struct {
		Object string      `json:"object"`
		Data   []modelBody `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != "slow" {
		t.Fatalf("models %s (%v)", body, err)
	}
	if resp, _ := e.do(t, "GET", "/v1/models/echo", otherSecret, "", ""); resp.StatusCode != 404 {
		t.Fatalf("a model the app may not use is visible: %d", resp.StatusCode)
	}
	if resp, _ := e.do(t, "GET", "/v1/models/echo", webSecret, "", ""); resp.StatusCode != 200 {
		t.Fatalf("model lookup: %d", resp.StatusCode)
	}
}

// Ensure graceful shutdown lets an in-flight request finish.
func TestGracefulShutdown(t *testing.T) {
	e := newTestEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.gw.Serve(ctx, ln, ServerOptions{ShutdownTimeout: 5 * time.Second}) }()
	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/chat/completions", strings.NewReader(chatBody("slow", "hi", false)))
		req.Header.Set("Authorization", "Bearer "+webSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- -1
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // the slow agent takes 300ms
	cancel()
	if code := <-result; code != 200 {
		t.Fatalf("in-flight request got %d", code)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
