package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/palisade-gw/palisade/internal/mockllm"
)

// leaveOpenAPI is an API description as a team would publish it: the
// tools below are declared by naming its operations.
const leaveOpenAPI = `openapi: 3.0.3
info: {title: Leave API, version: "1"}
servers: [{url: "https://leave.internal.example/api"}]
paths:
  /v1/leave/balance:
    get:
      operationId: getLeaveBalance
      summary: Leave balance of the employee
      parameters:
        - {name: year, in: query, schema: {type: integer, minimum: 2000}}
      responses: {"200": {description: ok}}
  /v1/leave/requests/{requestId}:
    get:
      operationId: getLeaveRequest
      summary: One leave request of the employee
      parameters:
        - {name: requestId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
`

// Ensure a tool declared by an OpenAPI operation is offered to the model
// with the operation's description, called at the configured server with
// the operation's method and path, and that the operation's parameters
// are enforced (a required path parameter the model leaves out is refused
// before the API is called).
func TestToolFromOpenAPIEndToEnd(t *testing.T) {
	var calls atomic.Int32
	var lastPath atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		lastPath.Store(r.Method + " " + r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"days_left":9}`)
	}))
	defer api.Close()

	f := newSecretsFixture(t, true)
	if code, _, errOut := runCLIInput(t, f.modelKey, "secrets", "put", "model-key", "-c", f.cfgPath); code != 0 {
		t.Fatal(errOut)
	}
	mock, err := mockllm.New(mockllm.Config{APIKey: f.modelKey})
	if err != nil {
		t.Fatal(err)
	}
	llm := httptest.NewServer(mock)
	defer llm.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "leave-api.yaml"), []byte(leaveOpenAPI), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, dir, fmt.Sprintf(`data_dir: %q
secrets: {kek: {keyset_file: %q}}
environments: [{name: prod, region: eu}]
agents:
  - name: gpt
    environment: prod
    kind: openai
    upstream: {url: %q, model: m, api_key: "${secret:model-key}", zone: loopback}
    tools: [balance, request]
tools:
  - name: balance
    openapi: {spec: leave-api.yaml, operation: getLeaveBalance, server: %q}
    zone: loopback
  - name: request
    openapi: {spec: leave-api.yaml, operation: getLeaveRequest, server: %q}
    zone: loopback
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [gpt]}
roles:
  - {name: service, members: {apps: [portal]}, permissions: {agents: [gpt], tools: [balance, request]}}
`, f.data, f.keyset, strings.TrimSuffix(llmURL(llm), "/")+"/v1", api.URL+"/api", api.URL+"/api"))
	if code, out, errOut := runCLI(t, "config", "validate", path); code != 0 {
		t.Fatalf("config validate: %d %s %s", code, out, errOut)
	}
	s := startServe(t, path, nil)

	// "balance" matches the operation's summary, which became the tool's
	// description.
	status, body := s.chat(t, f.appSecret, "gpt", "What is my balance?")
	if status != 200 || !strings.Contains(body, `Tool balance returned: {\"days_left\":9}`) {
		t.Fatalf("chat with an OpenAPI tool: %d %s", status, body)
	}
	if calls.Load() != 1 || lastPath.Load() != "GET /api/v1/leave/balance" {
		t.Errorf("the API saw %d calls, last %v", calls.Load(), lastPath.Load())
	}
	// The chat's record names the model server it went to.
	found := false
	for _, r := range auditRows(t, f.data) {
		found = found || strings.HasPrefix(r, "chat.completion|success|") && strings.Contains(r, `"upstream":"`+strings.TrimSuffix(llmURL(llm), "/")+`"`)
	}
	if !found {
		t.Errorf("no chat.completion names the upstream %s:\n%s", llmURL(llm), strings.Join(auditRows(t, f.data), "\n"))
	}
	// The model calls "request" with no arguments: the operation's
	// required path parameter is missing, so the API is not called.
	status, body = s.chat(t, f.appSecret, "gpt", "Show one request please")
	if status != 200 || !strings.Contains(body, "Tool request returned: error: ") || !strings.Contains(body, "requestId") {
		t.Fatalf("chat with a missing path parameter: %d %s", status, body)
	}
	if calls.Load() != 1 {
		t.Error("the API was called without its required path parameter")
	}
}
