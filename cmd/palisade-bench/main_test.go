package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServer runs a server command and returns its URL; the server stops
// when the test ends, and must exit 0.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("%v: no URL printed: %v (exit %d)", args, err, <-done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("%v exited %d", args, code)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%v did not stop", args)
		}
	})
	return strings.TrimSpace(line)
}

// Ensure the three commands work together: load through the baseline
// proxy onto the mock, streaming, with JSON output.
func TestMockProxyLoad(t *testing.T) {
	mock := startServer(t, "mock", "--mode", "stream", "--chunks", "4", "--chunk-delay", "1ms", "--api-key", "k")
	if !strings.HasPrefix(mock, "http://127.0.0.1:") {
		t.Fatalf("mock URL %q", mock)
	}
	proxy := startServer(t, "proxy", "--upstream", mock, "--conns", "8")

	var out, errOut strings.Builder
	code := Main(t.Context(), []string{"load", "--url", proxy, "--requests", "30", "--concurrency", "3",
		"--header", "Authorization: Bearer k", "--stream", "--json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("load exited %d: %s", code, errOut.String())
	}
	var res struct {
		Requests, OK int64
		Errors       map[string]int64
		TTFB         *struct{ Count int } `json:"ttfb_ms"`
	}
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if res.Requests != 30 || res.OK != 30 || len(res.Errors) != 0 || res.TTFB == nil || res.TTFB.Count != 30 {
		t.Errorf("result = %s", out.String())
	}

	// Without the key the mock refuses: the load reports 401s.
	body := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(body, []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`), 0o600)
	out.Reset()
	code = Main(t.Context(), []string{"load", "--url", mock, "--requests", "5", "--body-file", body}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "401: 5") {
		t.Errorf("exit %d, output:\n%s", code, out.String())
	}
}

// Ensure servers stop by themselves after --for.
func TestServerLifetime(t *testing.T) {
	start := time.Now()
	code := Main(t.Context(), []string{"mock", "--for", "100ms"}, io.Discard, io.Discard)
	if code != 0 || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d after %v", code, time.Since(start))
	}
}

// Ensure bad invocations are usage errors (exit 2) and help is not.
func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"help"}, 0},
		{[]string{"mock", "-h"}, 0},
		{[]string{"mock", "--addr", "0.0.0.0:0"}, 2},
		{[]string{"mock", "--mode", "warp"}, 2},
		{[]string{"mock", "--for", "48h"}, 2},
		{[]string{"mock", "extra"}, 2},
		{[]string{"proxy"}, 2},
		{[]string{"proxy", "--upstream", "ftp://x"}, 2},
		{[]string{"load"}, 2},
		{[]string{"load", "--url", "http://127.0.0.1:1", "--concurrency", "0"}, 2},
		{[]string{"load", "--url", "http://127.0.0.1:1", "--header", "bad"}, 2},
		{[]string{"load", "--url", "http://127.0.0.1:1", "--duration", "2h"}, 2},
		{[]string{"load", "--url", "http://127.0.0.1:1", "--body-file", "/nonexistent"}, 1},
		{[]string{"login"}, 2},
		{[]string{"login", "--issuer", "http://127.0.0.1:1/idp", "--client", "c"}, 2},
		{[]string{"login", "--issuer", "http://127.0.0.1:1/idp", "--client", "c", "--user", "u"}, 1},
	}
	for _, tt := range tests {
		if got := Main(t.Context(), tt.args, io.Discard, io.Discard); got != tt.code {
			t.Errorf("Main(%q) = %d, want %d", tt.args, got, tt.code)
		}
	}
}
