//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/mockllm"
)

// Bounds on every wait, generous because a loaded CI machine is slow.
const (
	startTimeout = 30 * time.Second // until a palisade process accepts requests
	exitTimeout  = 20 * time.Second // until a signalled process exits
	httpTimeout  = 15 * time.Second // one HTTP exchange
	nodeTimeout  = 90 * time.Second // one node --test run
)

var (
	// repoRoot is the module root, where ./cmd/palisade and demo/ are.
	repoRoot string
	// palisadeBin is the binary built once by TestMain.
	palisadeBin string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	root, err := findRepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "palisade-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	palisadeBin = filepath.Join(dir, "palisade")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", palisadeBin, "./cmd/palisade")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/palisade failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// findRepoRoot returns the directory of the main module's go.mod.
func findRepoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	// Fall back to the parent of this package's directory.
	abs, aerr := filepath.Abs("..")
	if aerr != nil {
		return "", fmt.Errorf("cannot find the repository root: %v, %v", err, aerr)
	}
	if _, serr := os.Stat(filepath.Join(abs, "go.mod")); serr != nil {
		return "", fmt.Errorf("cannot find the repository root (go env GOMOD: %v): %v", err, serr)
	}
	return abs, nil
}

// ---------------------------------------------------------------------------
// Child processes

// syncBuffer is a bytes.Buffer safe for a writer goroutine and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running palisade process.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after done
}

// startPalisade starts the binary with args and extra environment
// variables (NAME=value). The process is killed at cleanup if it still
// runs, and its output is logged if the test failed.
func startPalisade(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: "palisade " + strings.Join(args, " "), done: make(chan struct{})}
	p.cmd = exec.Command(palisadeBin, args...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- %s stdout:\n%s", p.name, p.stdout.String())
			t.Logf("--- %s stderr:\n%s", p.name, p.stderr.String())
		}
	})
	return p
}

// cleanEnv is the test's environment without variables that would change
// what palisade or node do.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PALISADE_") || strings.HasPrefix(kv, "E2E_") || strings.HasPrefix(kv, "NODE_OPTIONS=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !p.exited() {
		p.t.Fatalf("signal %s: %v", p.name, err)
	}
}

// wait waits (bounded) for the process to exit and returns its exit code.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.kill()
		p.t.Fatalf("%s did not exit within %v", p.name, timeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill ends the process group, gently first, and waits for the exit.
func (p *proc) kill() {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// waitFor polls cond until it returns true, the process exits, or timeout.
func (p *proc) waitFor(what string, timeout time.Duration, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if p.exited() {
			p.t.Fatalf("%s exited (%v) while waiting for %s\nstdout:\n%s\nstderr:\n%s", p.name, p.err, what, p.stdout.String(), p.stderr.String())
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out after %v waiting for %s from %s", timeout, what, p.name)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// runPalisade runs a short command to completion and returns its exit
// code and output.
func runPalisade(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), httpTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, palisadeBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run palisade %s: %v", strings.Join(args, " "), err)
	}
	return cmd.ProcessState.ExitCode(), o.String(), e.String()
}

// ---------------------------------------------------------------------------
// palisade demo and palisade serve

// demo is a running `palisade demo`.
type demo struct {
	*proc
	dataDir string
	url     string
	token   string
	env     map[string]string
}

// startDemo starts `palisade demo` on a free port with dataDir and waits
// for demo.env.
func startDemo(t *testing.T, dataDir string) *demo {
	t.Helper()
	p := startPalisade(t, nil, "demo", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
	d := &demo{proc: p, dataDir: dataDir}
	envFile := filepath.Join(dataDir, "demo.env")
	p.waitFor("demo.env", startTimeout, func() bool {
		b, err := os.ReadFile(envFile)
		if err != nil {
			return false
		}
		d.env = parseEnvFile(string(b))
		return d.env["PALISADE_URL"] != "" && d.env["PALISADE_DEMO_TOKEN"] != ""
	})
	p.waitFor(`"Palisade demo is running."`, startTimeout, func() bool {
		return strings.Contains(p.stdout.String(), "Palisade demo is running.")
	})
	d.url, d.token = d.env["PALISADE_URL"], d.env["PALISADE_DEMO_TOKEN"]
	return d
}

// parseEnvFile reads NAME=value lines.
func parseEnvFile(s string) map[string]string {
	m := map[string]string{}
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

var listeningRE = regexp.MustCompile(`palisade listening on (http://\S+)`)

// startServe starts `palisade serve --config cfg` and returns the process
// and its URL.
func startServe(t *testing.T, cfg string, env []string) (*proc, string) {
	t.Helper()
	p := startPalisade(t, env, "serve", "--config", cfg)
	var url string
	p.waitFor(`"palisade listening on"`, startTimeout, func() bool {
		m := listeningRE.FindStringSubmatch(p.stdout.String())
		if m == nil {
			return false
		}
		url = m[1]
		return true
	})
	return p, url
}

// Secrets of the generated serve configurations, passed by environment.
const (
	appSecret   = "e2e_app_secret_0123456789abcdefghijklmnopqrstuvwxyz"
	shortSecret = "e2e_short_ttl_secret_0123456789abcdefghijklmnopqrst"
	upstreamKey = "e2e_upstream_key_9876543210"
)

// secretEnv is the environment the generated configurations reference.
func secretEnv() []string {
	return []string{"E2E_APP_SECRET=" + appSecret, "E2E_SHORT_SECRET=" + shortSecret, "E2E_UPSTREAM_KEY=" + upstreamKey}
}

// serveAgent is an openai-kind agent for a generated configuration.
type serveAgent struct {
	name, url string
	apiKey    bool
}

// writeServeConfig writes a configuration with the HR knowledge agent
// (from the repository's demo/knowledge/hr) followed by upstream agents,
// an app that may reach all of them, and an app whose Direct Line tokens
// expire after one second.
func writeServeConfig(t *testing.T, dir string, agents ...serveAgent) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by the e2e tests.
server:
  addr: 127.0.0.1:0
  shutdown_timeout: 20s
data_dir: %q
environments:
  - name: e2e
    region: local
agents:
  - name: hr-helpdesk
    description: Northwind Robotics HR helpdesk
    environment: e2e
    kind: knowledge
    knowledge:
      - name: hr
        path: %q
`, filepath.Join(dir, "data"), filepath.Join(repoRoot, "demo", "knowledge", "hr"))
	names := []string{"hr-helpdesk"}
	for _, a := range agents {
		fmt.Fprintf(&b, `  - name: %s
    description: e2e upstream agent
    environment: e2e
    kind: openai
    instructions: You are a test agent.
    timeout: 30s
    upstream:
      url: %s
      model: mock
      zone: loopback
      connect_timeout: 2s
      first_byte_timeout: 10s
`, a.name, a.url)
		if a.apiKey {
			b.WriteString("      api_key: ${env:E2E_UPSTREAM_KEY}\n")
		}
		names = append(names, a.name)
	}
	// e2e-short's Direct Line tokens live one second, to test expiry.
	fmt.Fprintf(&b, `apps:
  - name: e2e-app
    secrets: ["${env:E2E_APP_SECRET}"]
    agents: [%s]
  - name: e2e-short
    secrets: ["${env:E2E_SHORT_SECRET}"]
    agents: [hr-helpdesk]
    token_ttl: 1s
roles:
  - name: e2e-service
    members: {apps: [e2e-app, e2e-short]}
    permissions: {agents: ["*"]}
`, strings.Join(names, ", "))
	return writeFile(t, dir, "e2e.yaml", b.String())
}

// writeFile writes text to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newMock starts an in-process mock model server.
func newMock(t *testing.T, cfg mockllm.Config) (*mockllm.Server, string) {
	t.Helper()
	m, err := mockllm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return m, srv.URL + "/v1"
}

// deadURL returns a loopback model server URL where nothing listens.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/v1"
}

// ---------------------------------------------------------------------------
// HTTP helpers

var httpClient = &http.Client{Timeout: httpTimeout}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url, bearer, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

type chatCompletion struct {
	Object  string `json:"object"`
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
}

type apiError struct {
	Error struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         string `json:"code"`
		RequestID    string `json:"request_id"`
		AuditEventID string `json:"audit_event_id"`
	} `json:"error"`
}

func chatBody(model, question string, stream bool) string {
	b, _ := json.Marshal(map[string]any{
		"model": model, "stream": stream,
		"messages": []map[string]string{{"role": "user", "content": question}},
	})
	return string(b)
}

// ---------------------------------------------------------------------------
// Node

// nodeAvailable skips the test when node or e2e/node_modules is missing,
// unless CI=true, when that is a failure.
func nodeAvailable(t *testing.T) {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH"
	} else if _, err := os.Stat(filepath.Join(repoRoot, "e2e", "node_modules", "openai")); err != nil {
		missing = "e2e/node_modules is missing; run: (cd e2e && npm ci)"
	} else if _, err := os.Stat(filepath.Join(repoRoot, "e2e", "node_modules", "botframework-directlinejs")); err != nil {
		missing = "e2e/node_modules is incomplete; run: (cd e2e && npm ci)"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
}

// lineLogger writes each complete line to t.Log.
type lineLogger struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + strings.TrimRight(string(l.buf[:i]), "\r"))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}

// runNodeTests runs `node --test` in e2e/ with env, streaming its output to
// the test log, and fails the test if node fails.
func runNodeTests(t *testing.T, env map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), nodeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec")
	cmd.Dir = filepath.Join(repoRoot, "e2e")
	cmd.Env = append(cleanEnv(), "NO_COLOR=1", "FORCE_COLOR=0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &lineLogger{t: t, prefix: "node: "}
	cmd.Stdout, cmd.Stderr = out, out
	// node --test runs each file in a child process: kill the group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	out.flush()
	if ctx.Err() != nil {
		t.Fatalf("node --test did not finish within %v", nodeTimeout)
	}
	if err != nil {
		t.Fatalf("node --test failed: %v (see the node: lines above)", err)
	}
}

// ---------------------------------------------------------------------------
// Tests

// TestDemoWithNodeClients drives `palisade demo`, and `palisade serve`
// with knowledge and upstream agents, with the openai and
// botframework-directlinejs npm clients.
func TestDemoWithNodeClients(t *testing.T) {
	nodeAvailable(t)

	t.Run("demo", func(t *testing.T) {
		d := startDemo(t, t.TempDir())
		runNodeTests(t, map[string]string{
			"PALISADE_URL":             d.url,
			"PALISADE_DEMO_TOKEN":      d.token,
			"PALISADE_DEMO_APP_SECRET": d.env["PALISADE_DEMO_APP_SECRET"],
			"PALISADE_DEMO_AGENT":      d.env["PALISADE_DEMO_AGENT"],
		})
	})

	t.Run("serve", func(t *testing.T) {
		dir := t.TempDir()
		mock, mockURL := newMock(t, mockllm.Config{APIKey: upstreamKey, Models: []string{"mock"}})
		cfg := writeServeConfig(t, dir,
			serveAgent{name: "mock-llm", url: mockURL, apiKey: true},
			serveAgent{name: "down-llm", url: deadURL(t)})
		_, url := startServe(t, cfg, secretEnv())
		runNodeTests(t, map[string]string{
			"PALISADE_URL":                    url,
			"PALISADE_DEMO_TOKEN":             appSecret,
			"PALISADE_DEMO_AGENT":             "hr-helpdesk",
			"PALISADE_UPSTREAM_AGENT":         "mock-llm",
			"PALISADE_UPSTREAM_ANSWER_PREFIX": mockllm.Answer(21),
			"PALISADE_DOWN_AGENT":             "down-llm",
			"PALISADE_SHORT_TTL_SECRET":       shortSecret,
		})
		st := mock.Stats()
		if st.Completions == 0 || st.Streams == 0 {
			t.Errorf("the mock model server served %+v; want completions and streams through mock-llm", st)
		}
		if st.Errors != 0 {
			t.Errorf("the mock model server refused %d requests (wrong API key or model?)", st.Errors)
		}
	})
}

// TestDemoEnvAndHTTP checks `palisade demo` with plain net/http: demo.env,
// health, an answer, the error format, and a restart that keeps the
// credential.
func TestDemoEnvAndHTTP(t *testing.T) {
	dataDir := t.TempDir()
	d := startDemo(t, dataDir)

	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(d.url) {
		t.Errorf("PALISADE_URL = %q, want http://127.0.0.1:PORT", d.url)
	}
	if len(d.token) < 32 {
		t.Errorf("PALISADE_DEMO_TOKEN is %d characters, want at least 32", len(d.token))
	}
	if d.env["PALISADE_DEMO_AGENT"] != "hr-helpdesk" {
		t.Errorf("PALISADE_DEMO_AGENT = %q, want hr-helpdesk", d.env["PALISADE_DEMO_AGENT"])
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "demo.env")); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("demo.env holds a secret and must not be readable by others: mode %v", fi.Mode())
	}
	if out := d.stdout.String(); !strings.Contains(out, d.url) || !strings.Contains(out, d.token) {
		t.Errorf("the demo banner should show the URL and token:\n%s", out)
	}

	t.Run("health", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			r := do(t, http.MethodGet, d.url+path, "", "")
			if r.status != http.StatusOK {
				t.Errorf("GET %s = %d %s, want 200", path, r.status, r.body)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Errorf("GET %s has no X-Request-Id", path)
			}
		}
	})

	t.Run("answer", func(t *testing.T) {
		r := do(t, http.MethodPost, d.url+"/v1/chat/completions", d.token, chatBody("hr-helpdesk", "How many days of annual leave do I get?", false))
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
		if !strings.HasPrefix(r.header.Get("X-Request-Id"), "req_") || !strings.HasPrefix(r.header.Get("X-Palisade-Audit-Id"), "ev_") {
			t.Errorf("X-Request-Id = %q, X-Palisade-Audit-Id = %q", r.header.Get("X-Request-Id"), r.header.Get("X-Palisade-Audit-Id"))
		}
		c := decode[chatCompletion](t, r)
		if c.Object != "chat.completion" || c.Model != "hr-helpdesk" || len(c.Choices) != 1 {
			t.Fatalf("unexpected completion: %s", r.body)
		}
		text := c.Choices[0].Message.Content
		if !regexp.MustCompile(`\b25\b`).MatchString(text) || !strings.Contains(text, "Sources:") {
			t.Errorf("answer should give 25 days and cite its source: %q", text)
		}
	})

	t.Run("leave balance tool", func(t *testing.T) {
		// alice's question is answered by a tool call to the demo's
		// internal HR API, made by Palisade for her.
		r := do(t, http.MethodPost, d.url+"/v1/chat/completions", d.token, chatBody("hr-helpdesk", "How many leave days do I have left?", false))
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if text := decode[chatCompletion](t, r).Choices[0].Message.Content; !strings.Contains(text, "You have 17 days of annual leave left") {
			t.Errorf("answer %q, want alice's 17 days from the HR API", text)
		}
		// The app alone holds no role granting the tool: no call is made.
		r = do(t, http.MethodPost, d.url+"/v1/chat/completions", d.env["PALISADE_DEMO_APP_SECRET"], chatBody("hr-helpdesk", "How many leave days do I have left?", false))
		if r.status != http.StatusOK || strings.Contains(string(r.body), "days of annual leave left") {
			t.Errorf("app-only caller: %d %s; want an answer without the tool", r.status, r.body)
		}
		// The HR API itself refuses a caller without Palisade's key and
		// assertion.
		cfg, err := os.ReadFile(filepath.Join(dataDir, "palisade.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`url: (http://127\.0\.0\.1:\d+/v1/leave/balance)`).FindStringSubmatch(string(cfg))
		if m == nil {
			t.Fatal("the demo configuration names no leave API URL")
		}
		if r := do(t, http.MethodGet, m[1], "", ""); r.status != http.StatusUnauthorized {
			t.Errorf("direct call of the HR API: %d %s, want 401", r.status, r.body)
		}
	})

	t.Run("errors", func(t *testing.T) {
		cases := []struct {
			name, method, path, bearer, body string
			status                           int
			code                             string
		}{
			{"wrong key", http.MethodPost, "/v1/chat/completions", "pls_wrong_" + strings.Repeat("k", 40), chatBody("hr-helpdesk", "hi", false), 401, "invalid_credential"},
			{"no key", http.MethodPost, "/v1/chat/completions", "", chatBody("hr-helpdesk", "hi", false), 401, "missing_credential"},
			{"unknown agent", http.MethodPost, "/v1/chat/completions", d.token, chatBody("nope", "hi", false), 404, "agent_not_found"},
			{"bad json", http.MethodPost, "/v1/chat/completions", d.token, `{"model":`, 400, "invalid_json"},
			{"wrong method", http.MethodGet, "/v1/chat/completions", d.token, "", 405, "method_not_allowed"},
			{"unknown path", http.MethodGet, "/v1/nothing-here", d.token, "", 404, "not_found"},
		}
		for _, tc := range cases {
			r := do(t, tc.method, d.url+tc.path, tc.bearer, tc.body)
			if r.status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", tc.name, r.status, tc.status, r.body)
				continue
			}
			e := decode[apiError](t, r)
			if e.Error.Code != tc.code || e.Error.Message == "" || e.Error.Type == "" {
				t.Errorf("%s: error body %s, want code %s with a message and type", tc.name, r.body, tc.code)
			}
			if rid := r.header.Get("X-Request-Id"); rid == "" || e.Error.RequestID != rid {
				t.Errorf("%s: X-Request-Id %q, body request_id %q; want the same", tc.name, rid, e.Error.RequestID)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: a 401 needs WWW-Authenticate", tc.name)
			}
			if (tc.status == 401 || tc.code == "agent_not_found") && e.Error.AuditEventID == "" {
				t.Errorf("%s: the refusal should be audited: %s", tc.name, r.body)
			}
		}
		if strings.Contains(d.stderr.String(), d.token) {
			t.Error("the demo's log contains the app secret")
		}
	})

	t.Run("browser origins", func(t *testing.T) {
		gen := func(origin, bearer string) response {
			t.Helper()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, d.url+"/v3/directline/tokens/generate", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+bearer)
			req.Header.Set("Origin", origin)
			resp, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return response{status: resp.StatusCode, header: resp.Header, body: b}
		}
		// The demo app lists its own address as an allowed origin.
		ok := gen(d.url, d.env["PALISADE_DEMO_APP_SECRET"])
		if ok.status != http.StatusOK || ok.header.Get("Access-Control-Allow-Origin") != d.url {
			t.Errorf("allowed origin: %d, Access-Control-Allow-Origin %q: %s", ok.status, ok.header.Get("Access-Control-Allow-Origin"), ok.body)
		}
		bad := gen("http://evil.example", d.env["PALISADE_DEMO_APP_SECRET"])
		if bad.status != http.StatusForbidden || decode[apiError](t, bad).Error.Code != "origin_not_allowed" {
			t.Errorf("other origin: %d %s, want 403 origin_not_allowed", bad.status, bad.body)
		}
		if bad.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("a refused origin must not be allowed to read the response")
		}

		t.Run("refusals readable by an allowed origin", func(t *testing.T) {
			r := gen(d.url, "pls_wrong_"+strings.Repeat("o", 40))
			if r.status != http.StatusUnauthorized {
				t.Fatalf("wrong secret: %d %s", r.status, r.body)
			}
			if r.header.Get("Access-Control-Allow-Origin") == "" {
				t.Errorf("Direct Line refusals (here 401 for an allowed origin) carry no Access-Control-Allow-Origin, " +
					"so a browser client (Web Chat) would see status 0 instead of the error")
			}
		})
	})

	t.Run("HR staff read the HR-staff-only document", func(t *testing.T) {
		// hana signs in through the demo's built-in identity provider
		// with the real authorization code flow, as any client would.
		tok, err := localidp.Login(t.Context(), nil, d.url+"/idp", "palisade-cli", "http://127.0.0.1/callback",
			d.env["PALISADE_DEMO_HR_USER"], d.env["PALISADE_DEMO_HR_PASSWORD"], "")
		if err != nil {
			t.Fatal(err)
		}
		question := chatBody("hr-helpdesk", "What is the pay review budget?", false)
		hr := do(t, http.MethodPost, d.url+"/v1/chat/completions", tok.AccessToken, question)
		if hr.status != http.StatusOK || !strings.Contains(string(hr.body), "3.5%") {
			t.Errorf("HR staff: %d %s", hr.status, hr.body)
		}
		for who, cred := range map[string]string{"employee": d.token, "app secret": d.env["PALISADE_DEMO_APP_SECRET"]} {
			r := do(t, http.MethodPost, d.url+"/v1/chat/completions", cred, question)
			if r.status != http.StatusOK || strings.Contains(string(r.body), "3.5%") {
				t.Errorf("%s: %d %s; the HR-staff-only document must not be quoted", who, r.status, r.body)
			}
		}
		if _, err := localidp.Login(t.Context(), nil, d.url+"/idp", "palisade-cli", "http://127.0.0.1/callback",
			d.env["PALISADE_DEMO_HR_USER"], "wrong password", ""); err == nil {
			t.Error("a wrong password signed in")
		}
	})

	t.Run("restart keeps the app secret and the users", func(t *testing.T) {
		d.signal(syscall.SIGINT)
		if code := d.wait(exitTimeout); code != 0 {
			t.Fatalf("demo exited with %d after SIGINT, want 0\nstderr:\n%s", code, d.stderr.String())
		}
		if err := os.Remove(filepath.Join(dataDir, "demo.env")); err != nil {
			t.Fatal(err)
		}
		d2 := startDemo(t, dataDir)
		if d2.env["PALISADE_DEMO_APP_SECRET"] != d.env["PALISADE_DEMO_APP_SECRET"] || d2.env["PALISADE_DEMO_PASSWORD"] != d.env["PALISADE_DEMO_PASSWORD"] {
			t.Errorf("the restarted demo changed the app secret or the demo user's password")
		}
		r := do(t, http.MethodGet, d2.url+"/v1/models", d2.token, "")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"hr-helpdesk"`) {
			t.Errorf("GET /v1/models after restart = %d %s", r.status, r.body)
		}
		d2.signal(syscall.SIGTERM)
		if code := d2.wait(exitTimeout); code != 0 {
			t.Errorf("demo exited with %d after SIGTERM, want 0", code)
		}
	})
}

// TestCLI checks the commands that do not serve: config validate, config
// schema, version, and serve with a broken configuration.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	good := writeServeConfig(t, dir, serveAgent{name: "mock-llm", url: "http://127.0.0.1:9/v1", apiKey: true})

	// Two broken files: one the strict decoder refuses (an unknown key),
	// one that decodes but fails validation in several places. Every
	// problem must be located as FILE:LINE:.
	dataDir := filepath.Join(dir, "bad-data")
	unknownKey := writeFile(t, dir, "unknown-key.yaml", `server:
  addr: 127.0.0.1:0
data_dir: `+dataDir+`
agents:
  - name: broken
    environment: e2e
    kind: knowledge
    colour: blue
`)
	invalid := writeFile(t, dir, "invalid.yaml", `server:
  addr: 127.0.0.1:0
data_dir: `+dataDir+`
environments:
  - name: e2e
    region: local
agents:
  - name: broken
    environment: nowhere
    kind: magic
apps:
  - name: app
    secrets: ["a-literal-secret-that-is-long-enough-to-count"]
    agents: [broken]
`)
	bad := []struct {
		file  string
		lines []int
	}{{unknownKey, []int{8}}, {invalid, []int{9, 10, 13}}}

	checkProblems := func(t *testing.T, file string, lines []int, out string) {
		t.Helper()
		for _, line := range lines {
			if !strings.Contains(out, fmt.Sprintf("%s:%d: ", file, line)) {
				t.Errorf("no problem reported at %s:%d:\n%s", filepath.Base(file), line, out)
			}
		}
		if strings.Contains(out, "a-literal-secret-that-is-long-enough-to-count") {
			t.Errorf("a problem message repeats the literal secret:\n%s", out)
		}
	}

	t.Run("validate good", func(t *testing.T) {
		code, out, errOut := runPalisade(t, secretEnv(), "config", "validate", good)
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if !strings.Contains(out, "valid (1 environments, 2 agents, 2 apps)") {
			t.Errorf("stdout = %q", out)
		}
	})

	t.Run("validate without the referenced variables", func(t *testing.T) {
		code, out, errOut := runPalisade(t, nil, "config", "validate", good)
		if code == 0 {
			t.Fatalf("exit 0 with E2E_APP_SECRET unset\nstdout:\n%s", out)
		}
		if !strings.Contains(errOut, "E2E_APP_SECRET") || !strings.Contains(errOut, good+":") {
			t.Errorf("stderr should name the missing variable and where it is used:\n%s", errOut)
		}
	})

	t.Run("validate bad", func(t *testing.T) {
		for _, b := range bad {
			code, out, errOut := runPalisade(t, nil, "config", "validate", b.file)
			if code != 1 {
				t.Errorf("%s: exit %d, want 1\nstdout:\n%s", filepath.Base(b.file), code, out)
			}
			checkProblems(t, b.file, b.lines, errOut)
		}
	})

	t.Run("serve bad", func(t *testing.T) {
		for _, b := range bad {
			p := startPalisade(t, nil, "serve", "--config", b.file)
			if code := p.wait(startTimeout); code == 0 {
				t.Errorf("serve with %s exited 0", filepath.Base(b.file))
			}
			checkProblems(t, b.file, b.lines, p.stderr.String())
		}
		if _, err := os.Stat(dataDir); err == nil {
			t.Errorf("serve created its data directory before the configuration was found valid")
		}
	})

	t.Run("serve missing file", func(t *testing.T) {
		code, _, errOut := runPalisade(t, nil, "serve", "--config", filepath.Join(dir, "missing.yaml"))
		if code == 0 || !strings.Contains(errOut, "missing.yaml") {
			t.Errorf("exit %d, stderr %q; want a failure naming the file", code, errOut)
		}
	})

	t.Run("schema", func(t *testing.T) {
		code, out, errOut := runPalisade(t, nil, "config", "schema")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var schema map[string]any
		if err := json.Unmarshal([]byte(out), &schema); err != nil {
			t.Fatalf("config schema is not JSON: %v\n%.500s", err, out)
		}
		for _, key := range []string{"server", "agents", "apps", "environments"} {
			if !strings.Contains(out, `"`+key+`"`) {
				t.Errorf("the schema does not describe %q", key)
			}
		}
	})

	t.Run("version", func(t *testing.T) {
		code, out, errOut := runPalisade(t, nil, "version")
		if code != 0 || !regexp.MustCompile(`^palisade \S+.* go1\.\d+`).MatchString(out) {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})

	t.Run("misuse", func(t *testing.T) {
		for _, args := range [][]string{{"no-such-command"}, {"serve"}, {"demo", "--no-such-flag"}} {
			code, _, errOut := runPalisade(t, nil, args...)
			if code != 2 {
				t.Errorf("palisade %s: exit %d, want 2 (misuse); stderr %q", strings.Join(args, " "), code, errOut)
			}
		}
	})
}

// sseResult is what a streamed chat completion delivered.
type sseResult struct {
	status  int
	content string
	done    bool
	err     error
}

// streamChat posts a streaming chat request and reads the whole stream.
// firstContent is closed when the first content delta arrives.
func streamChat(ctx context.Context, url, token, model string, firstContent chan<- struct{}) sseResult {
	var res sseResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", strings.NewReader(chatBody(model, "Tell me a story.", true)))
	if err != nil {
		res.err = err
		return res
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		res.err = err
		return res
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	var text strings.Builder
	sc := bufio.NewScanner(resp.Body)
	signalled := false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			res.done = true
			break
		}
		var chunk struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
			Error *struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			res.err = fmt.Errorf("bad chunk %q: %v", data, err)
			break
		}
		if chunk.Error != nil {
			res.err = fmt.Errorf("stream ended by error %s", chunk.Error.Code)
			break
		}
		for _, c := range chunk.Choices {
			text.WriteString(c.Delta.Content)
			if c.Delta.Content != "" && !signalled {
				signalled = true
				close(firstContent)
			}
		}
	}
	if err := sc.Err(); err != nil && res.err == nil {
		res.err = err
	}
	res.content = text.String()
	return res
}

// TestGracefulShutdownSIGTERM sends SIGTERM while a streamed and a
// non-streamed answer are in flight and a Direct Line WebSocket is open:
// the answers complete, the WebSocket is closed as going away, new
// connections are refused, and the process exits 0.
func TestGracefulShutdownSIGTERM(t *testing.T) {
	dir := t.TempDir()
	const chunks, chunkDelay, answerBytes = 30, 100 * time.Millisecond, 600
	streamMock, streamURL := newMock(t, mockllm.Config{Mode: mockllm.ModeStream, Chunks: chunks, ChunkDelay: chunkDelay, AnswerBytes: answerBytes})
	slowMock, slowURL := newMock(t, mockllm.Config{Mode: mockllm.ModeLatency, Latency: 2 * time.Second})
	cfg := writeServeConfig(t, dir, serveAgent{name: "stream-llm", url: streamURL}, serveAgent{name: "slow-llm", url: slowURL})
	p, url := startServe(t, cfg, secretEnv())

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	// A Direct Line conversation with its WebSocket stream open.
	conv := do(t, http.MethodPost, url+"/v3/directline/conversations", appSecret, "")
	if conv.status != http.StatusCreated {
		t.Fatalf("start conversation: %d %s", conv.status, conv.body)
	}
	streamURLWS := decode[struct {
		StreamURL string `json:"streamUrl"`
	}](t, conv).StreamURL
	ws, _, err := websocket.Dial(ctx, streamURLWS, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", streamURLWS, err)
	}
	defer ws.CloseNow()
	wsClosed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.Read(ctx); err != nil {
				wsClosed <- err
				return
			}
		}
	}()

	// A streamed answer, 30 chunks 100 ms apart.
	first := make(chan struct{})
	streamDone := make(chan sseResult, 1)
	go func() { streamDone <- streamChat(ctx, url, appSecret, "stream-llm", first) }()
	// A non-streamed answer that takes 2 s.
	slowDone := make(chan response, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions", strings.NewReader(chatBody("slow-llm", "hello", false)))
		req.Header.Set("Authorization", "Bearer "+appSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slowDone <- response{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slowDone <- response{status: resp.StatusCode, body: b}
	}()

	var firstAt time.Time
	select {
	case <-first:
		firstAt = time.Now()
	case r := <-streamDone:
		t.Fatalf("the stream ended before its first chunk: %+v", r)
	case <-time.After(httpTimeout):
		t.Fatal("no streamed chunk arrived")
	}
	p.waitFor("the slow request to reach the model server", httpTimeout, func() bool { return slowMock.Stats().Requests > 0 })

	sent := time.Now()
	p.signal(syscall.SIGTERM)

	// New connections are refused once shutdown begins, while the
	// in-flight answers are still being written.
	noKeepAlive := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	refused := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !p.exited(); {
		resp, err := noKeepAlive.Get(url + "/readyz")
		if err != nil {
			refused = true
			break
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			refused = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	switch {
	case refused:
		t.Logf("new requests refused %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
	case !p.exited():
		t.Error("palisade kept accepting requests for 10 s after SIGTERM")
	}

	select {
	case r := <-streamDone:
		if r.err != nil || r.status != http.StatusOK || !r.done {
			t.Errorf("the in-flight stream did not complete: status %d, [DONE] %v, err %v", r.status, r.done, r.err)
		}
		if want := mockllm.Answer(answerBytes); r.content != want {
			t.Errorf("streamed content is %d bytes, want the whole %d-byte answer:\n%q", len(r.content), len(want), r.content)
		}
		// The chunks must be relayed as the model produces them, so the
		// stream was still running when SIGTERM arrived.
		if took := time.Since(firstAt); took < chunks*chunkDelay/2 {
			t.Errorf("the rest of the stream arrived %v after its first chunk; want it relayed as produced (about %v)", took, chunks*chunkDelay)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight stream did not finish")
	}
	select {
	case r := <-slowDone:
		if r.status != http.StatusOK {
			t.Errorf("the in-flight request got %d: %s", r.status, r.body)
		} else if c := decode[chatCompletion](t, r); len(c.Choices) != 1 || c.Choices[0].Message.Content != mockllm.Answer(mockllm.DefaultAnswerBytes) {
			t.Errorf("the in-flight request got an incomplete answer: %s", r.body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight request did not finish")
	}
	var wsErr error
	select {
	case wsErr = <-wsClosed:
	case <-time.After(exitTimeout):
		t.Error("the Direct Line stream was not closed at shutdown")
	}

	if code := p.wait(exitTimeout); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\nstderr:\n%s", code, p.stderr.String())
	}
	// The in-flight stream takes about chunks×chunkDelay; shutdown must
	// not wait for its 20 s timeout because of the open WebSocket.
	if took := time.Since(sent); took > 15*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	if !strings.Contains(p.stderr.String(), "palisade stopped") {
		t.Errorf(`the log does not say "palisade stopped":\n%s`, p.stderr.String())
	}
	if st := streamMock.Stats(); st.Streams != 1 {
		t.Errorf("the stream mock served %+v, want one stream", st)
	}

	t.Run("Direct Line stream closed as going away", func(t *testing.T) {
		if wsErr == nil {
			t.Skip("the stream did not close")
		}
		switch st := websocket.CloseStatus(wsErr); st {
		case websocket.StatusGoingAway:
		default:
			t.Errorf("the Direct Line stream ended with %v (status %d), want going away (%d)", wsErr, st, websocket.StatusGoingAway)
		}
	})
}
