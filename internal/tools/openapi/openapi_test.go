package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/tools"
)

func readSpec(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/hr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Ensure a GET operation becomes a tool with the server URL (variables at
// their defaults), the path template, path and query parameters as
// arguments (header parameters left out) and the summary as description.
func TestLoadGet(t *testing.T) {
	op, err := Load(readSpec(t), "getLeaveBalance", "")
	if err != nil {
		t.Fatal(err)
	}
	if op.Method != http.MethodGet || op.URL != "https://hr.example.com/api/v1/employees/{employeeId}/leave" {
		t.Errorf("method %s, URL %s", op.Method, op.URL)
	}
	if !strings.HasPrefix(op.Description, "Leave balance\n\nHow many days") {
		t.Errorf("description %q", op.Description)
	}
	props := op.Parameters["properties"].(map[string]any)
	if _, ok := props["X-Trace"]; ok || len(props) != 2 {
		t.Errorf("properties %v: want employeeId and year only", props)
	}
	if d := props["employeeId"].(map[string]any)["description"]; d != "The employee's id." {
		t.Errorf("parameter description %v", d)
	}
	if req := op.Parameters["required"]; !slices.Equal(req.([]string), []string{"employeeId"}) {
		t.Errorf("required %v", req)
	}
	if !slices.Equal(op.Query, []string{"year"}) || op.Parameters["additionalProperties"] != false {
		t.Errorf("query %v, additionalProperties %v", op.Query, op.Parameters["additionalProperties"])
	}
}

// Ensure the OpenAPI 3.0 dialect is rewritten to JSON Schema 2020-12 and
// references to components land in $defs, so the schema compiles and
// validates as the document means.
func TestLoadPostBody(t *testing.T) {
	op, err := Load(readSpec(t), "requestLeave", "http://127.0.0.1:9/hr/")
	if err != nil {
		t.Fatal(err)
	}
	if op.URL != "http://127.0.0.1:9/hr/employees/{employeeId}/leave" {
		t.Errorf("URL with a server override: %s", op.URL)
	}
	b, _ := json.Marshal(op.Parameters)
	for _, want := range []string{`"exclusiveMinimum":0`, `"type":["string","null"]`, `"$ref":"#/$defs/LeaveKind"`, `"LeaveKind":{`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("schema lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), "example") || strings.Contains(string(b), "nullable") || strings.Contains(string(b), "components") {
		t.Errorf("OpenAPI-only keywords left in %s", b)
	}
	if req := op.Parameters["required"].([]string); !slices.Equal(req, []string{"days", "employeeId", "start"}) {
		t.Errorf("required %v", req)
	}
}

// Ensure a tool made from the operation validates arguments by the
// document's schema and sends path, query and body where the document
// says, through the executor.
func TestOperationAsTool(t *testing.T) {
	var got struct {
		method, path, query string
		body                map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.query = r.Method, r.URL.Path, r.URL.RawQuery
		b, _ := io.ReadAll(r.Body)
		got.body = nil
		_ = json.Unmarshal(b, &got.body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	op, err := Load(readSpec(t), "requestLeave", srv.URL+"/api/v1")
	if err != nil {
		t.Fatal(err)
	}
	schema, _ := json.Marshal(op.Parameters)
	ex, err := tools.NewExecutor([]tools.Tool{{Name: "request-leave", Description: op.Description, Method: op.Method,
		URL: op.URL, Parameters: schema, Query: op.Query}}, tools.Options{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	args := `{"employeeId":"e-42","dryRun":true,"start":"2026-12-24","days":3,"kind":"annual","note":null}`
	if _, err := ex.Call(ctx, "request-leave", json.RawMessage(args), tools.Caller{Subject: "local:alice"}); err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodPost || got.path != "/api/v1/employees/e-42/leave" || got.query != "dryRun=true" {
		t.Errorf("request %s %s?%s", got.method, got.path, got.query)
	}
	if _, leaked := got.body["dryRun"]; leaked || got.body["days"] != float64(3) || got.body["kind"] != "annual" || len(got.body) != 4 {
		t.Errorf("body %v", got.body)
	}
	for _, bad := range []string{
		`{"employeeId":"e-42","start":"2026-12-24","days":0}`,                // exclusiveMinimum 0
		`{"employeeId":"e-42","start":"2026-12-24","days":3,"kind":"bonus"}`, // not in the enum
		`{"employeeId":"e-42","start":"2026-12-24","days":3,"extra":1}`,      // additionalProperties false
		`{"employeeId":"e-42","days":3}`,                                     // start required
		`{"employeeId":"E 42","start":"2026-12-24","days":3}`,                // path pattern
	} {
		if _, err := ex.Call(ctx, "request-leave", json.RawMessage(bad), tools.Caller{Subject: "local:alice"}); !errors.Is(err, tools.ErrInvalidArguments) {
			t.Errorf("%s: %v, want invalid arguments", bad, err)
		}
	}
}

// Ensure what cannot be a tool is refused with a reason.
func TestLoadRefusals(t *testing.T) {
	spec := readSpec(t)
	for _, tc := range []struct {
		what      string
		doc       []byte
		id        string
		server    string
		wantError string
	}{
		{"unknown operation", spec, "fireEveryone", "", "no operation has operationId"},
		{"required header", spec, "needsHeader", "", "header parameter \"X-Tenant\""},
		{"body not JSON", spec, "upload", "", "not JSON"},
		{"relative server", []byte(strings.Replace(string(spec), "https://hr.example.com/api/{version}", "/api/{version}", 1)), "getLeaveBalance", "", "absolute"},
		{"server override with a query", spec, "getLeaveBalance", "https://hr.example.com/api?x=1", "no query"},
		{"external reference", []byte(strings.Replace(string(spec), `"#/components/schemas/LeaveRequest"`, `"https://evil.example/schema.json"`, 1)), "requestLeave", "", "cannot be read"},
		{"file reference", []byte(strings.Replace(string(spec), `"#/components/schemas/LeaveRequest"`, `"other.yaml#/components/schemas/LeaveRequest"`, 1)), "requestLeave", "", "cannot be read"},
		{"not OpenAPI", []byte(`{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`), "x", "", ""},
		{"not a document", []byte("{"), "x", "", "cannot be read"},
	} {
		_, err := Load(tc.doc, tc.id, tc.server)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantError) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.what, err, tc.wantError)
		}
	}
}
