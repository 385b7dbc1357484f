package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/mockllm"
	"github.com/palisade-gw/palisade/internal/telemetry/otlptest"
)

// Ensure traces work end to end: with telemetry.traces.otlp pointing at a
// collector on loopback, a chat through an upstream agent is exported as
// a server span named after its route with its stage spans and the model
// call's client span; the model server received a traceparent with the
// audit event's trace_id and the client span as parent; a refusal's span
// fails with its code and its audit event carries its trace id; the
// export carries the configured headers (one from ${env:NAME}) through
// egress; log lines of a request carry its request_id and trace_id; and
// neither the prompt nor any credential is in a span.
func TestTelemetryTracesEndToEnd(t *testing.T) {
	const (
		appSecret = "an-app-secret-that-is-long-enough-0123456789"
		modelKey  = "sk-model-VALUE-0123456789"
		otlpToken = "otlp-token-VALUE-0123456789"
		prompt    = "PROMPT-VALUE how many days of leave do I have?"
	)
	t.Setenv("TEST_APP_SECRET", appSecret)
	t.Setenv("TEST_MODEL_KEY", modelKey)
	t.Setenv("TEST_OTLP_TOKEN", otlpToken)
	rcv := otlptest.New()
	defer rcv.Close()
	mock, err := mockllm.New(mockllm.Config{APIKey: modelKey})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var traceparents []string
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("Traceparent"))
		mu.Unlock()
		mock.ServeHTTP(w, r)
	}))
	defer llm.Close()

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	path := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - name: gpt
    environment: prod
    kind: openai
    upstream: {url: %q, model: m, api_key: "${env:TEST_MODEL_KEY}", zone: loopback}
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [gpt]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [gpt]}}
telemetry:
  traces:
    otlp:
      endpoint: %q
      zone: loopback
      headers:
        Authorization: Bearer ${env:TEST_OTLP_TOKEN}
        X-Scope-OrgID: palisade
`, data, llm.URL+"/v1", rcv.Endpoint()))
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		done <- serve(ctx, cfg, ln, slog.New(slog.NewJSONHandler(&logs, nil)), func(a string) { ready <- a })
	}()
	var s *servedConfig
	select {
	case a := <-ready:
		s = &servedConfig{path: path, cfg: cfg, base: "http://" + a}
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	defer stop()

	if status, body := s.chat(t, appSecret, "gpt", prompt); status != 200 {
		t.Fatalf("chat: %d %s", status, body)
	}
	if status, body := s.chat(t, appSecret, "gtp", prompt); status != 404 || !strings.Contains(body, "agent_not_found") {
		t.Fatalf("chat with a misspelt agent: %d %s", status, body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.base+"/v1/chat/completions", strings.NewReader(`{"model":`))
	req.Header.Set("Authorization", "Bearer "+appSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	badRID := resp.Header.Get("X-Request-Id")
	stop() // flushes the spans

	// The audit events, by type.
	traceOf := map[string]string{}
	codeOf := map[string]string{}
	for _, row := range auditRows(t, data) {
		parts := strings.SplitN(row, "|", 4)
		var d map[string]any
		_ = json.Unmarshal([]byte(parts[3]), &d)
		if id, _ := d["trace_id"].(string); id != "" {
			code, _ := d["code"].(string)
			traceOf[parts[0]+"/"+code] = id
			codeOf[id] = code
		}
	}
	chatTrace := traceOf["chat.completion/"]
	refusedTrace := traceOf["request.refused/agent_not_found"]
	if len(chatTrace) != 32 || len(refusedTrace) != 32 || chatTrace == refusedTrace {
		t.Fatalf("audit trace ids: %v", traceOf)
	}

	mu.Lock()
	tps := append([]string(nil), traceparents...)
	mu.Unlock()
	if len(tps) != 1 || !strings.HasPrefix(tps[0], "00-"+chatTrace+"-") || !strings.HasSuffix(tps[0], "-01") {
		t.Fatalf("the model server saw traceparent %q; the audit event's trace id is %s", tps, chatTrace)
	}
	upstreamParent := strings.Split(tps[0], "-")[2]

	spans := rcv.Spans()
	if len(spans) == 0 {
		t.Fatalf("no spans arrived (receiver errors %v)", rcv.Errors())
	}
	byTrace := map[string][]otlptest.Span{}
	for _, sp := range spans {
		byTrace[sp.TraceID()] = append(byTrace[sp.TraceID()], sp)
		if sp.Resource["service.name"] != "palisade" {
			t.Errorf("span %s: resource %v", sp.GetName(), sp.Resource)
		}
		for k, v := range sp.Attrs() {
			for _, secret := range []string{"PROMPT-VALUE", appSecret, modelKey, otlpToken} {
				if strings.Contains(fmt.Sprint(v), secret) {
					t.Errorf("span %s attribute %s holds %q", sp.GetName(), k, secret)
				}
			}
		}
	}
	names := map[string]otlptest.Span{}
	for _, sp := range byTrace[chatTrace] {
		names[sp.GetName()] = sp
	}
	server, ok := names["POST /v1/chat/completions"]
	if !ok {
		t.Fatalf("no server span in the chat's trace: %v", names)
	}
	for _, n := range []string{"identify", "decide", "guard_in", "agent", "guard_out", "record"} {
		if sp, ok := names[n]; !ok || sp.ParentID() != server.SpanID() {
			t.Errorf("stage %s missing or not a child of the request span", n)
		}
	}
	if call, ok := names["chat m"]; !ok || call.SpanID() != upstreamParent || call.ParentID() != names["agent"].SpanID() {
		t.Errorf("the model call's client span is not the traceparent's parent under the agent stage (%v)", names)
	}
	var refusal otlptest.Span
	for _, sp := range byTrace[refusedTrace] {
		if sp.ParentID() == "" {
			refusal = sp
		}
	}
	if refusal.Span == nil || refusal.GetStatus().GetMessage() != "agent_not_found" || refusal.Attrs()["palisade.outcome"] != "denied" {
		t.Errorf("refusal span %v", refusal.Span)
	}
	hs := rcv.Headers()
	if len(hs) == 0 || hs[0].Get("Authorization") != "Bearer "+otlpToken || hs[0].Get("X-Scope-OrgID") != "palisade" {
		t.Errorf("export headers %v", hs)
	}

	// The malformed body was refused with a logged cause: the line carries
	// the request's ids.
	var found bool
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil || m["msg"] != "request refused" || m["request_id"] != badRID {
			continue
		}
		found = true
		if tid, _ := m["trace_id"].(string); codeOf[tid] != "invalid_json" {
			t.Errorf("log line's trace_id %q is not the refusal's (%v)", tid, codeOf)
		}
	}
	if !found {
		t.Errorf("no log line for the refused request %s:\n%s", badRID, logs.String())
	}
	if strings.Contains(logs.String(), otlpToken) {
		t.Error("the log holds the collector's token")
	}
}

// Ensure the collector is an egress destination like any other: an
// endpoint on a private network without a zone is reported at its line,
// and one with a zone is accepted.
func TestTelemetryEndpointEgress(t *testing.T) {
	for _, tc := range []struct {
		zone string
		want string
	}{
		{"", "palisade.yaml:4: telemetry.traces.otlp.endpoint: egress refuses this destination: "},
		{"\n      zone: corp", ""},
	} {
		dir := t.TempDir()
		path := writeConfig(t, dir, `telemetry:
  traces:
    otlp:
      endpoint: https://10.20.0.5:4318/v1/traces`+tc.zone+`
egress:
  zones: [{name: corp, cidrs: [10.20.0.0/16]}]
`)
		_, err := loadConfig(path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("with a zone: %v", err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("without a zone: %v, want %q", err, tc.want)
		}
	}
}
