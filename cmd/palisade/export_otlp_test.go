package main

import (
	"compress/gzip"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/config"
)

// otlpRecord is what the test receiver keeps of one log record.
type otlpRecord struct {
	uid, id, typ, eventName, outcome, requestID, body string
	seq                                               int64
	traceID, spanID                                   string
}

// Ensure `serve` exports the audit log to an OpenTelemetry logs receiver
// over OTLP/HTTP: every audit event of a chat (and of the start, and the
// export's own secret read) arrives as a gzipped protobuf LogRecord with
// the stored event's id, seq and type, the bearer token read from the
// secret store and the static header sent, reached through the egress
// policy's loopback zone. The receiver decodes with the official
// generated OTLP types.
func TestServeExportsAuditLogOverOTLP(t *testing.T) {
	const token = "otlp-token-VALUE-0123456789abcdef"
	var mu sync.Mutex
	var got []otlpRecord
	var problems []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(format string, args ...any) {
			mu.Lock()
			problems = append(problems, fmt.Sprintf(format, args...))
			mu.Unlock()
			http.Error(w, "bad request", http.StatusBadRequest)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v1/logs" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			fail("%s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("X-Scope-OrgID") != "tenant-e2e" {
			fail("headers %v", r.Header)
			return
		}
		if r.Header.Get("Content-Encoding") != "gzip" {
			fail("Content-Encoding %q, want gzip (the default)", r.Header.Get("Content-Encoding"))
			return
		}
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			fail("gzip: %v", err)
			return
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			fail("read: %v", err)
			return
		}
		var req collogspb.ExportLogsServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			fail("decode: %v", err)
			return
		}
		var recs []otlpRecord
		for _, rl := range req.ResourceLogs {
			res := map[string]string{}
			for _, kv := range rl.GetResource().GetAttributes() {
				res[kv.Key] = kv.Value.GetStringValue()
			}
			if res["service.name"] != "palisade" || res["service.version"] != version || res["service.instance.id"] == "" {
				fail("resource %v", res)
				return
			}
			for _, sl := range rl.ScopeLogs {
				if sl.GetScope().GetName() != "palisade.audit" || sl.GetScope().GetVersion() != "v1" {
					fail("scope %v", sl.GetScope())
					return
				}
				for _, lr := range sl.LogRecords {
					recs = append(recs, toOTLPRecord(lr))
				}
			}
		}
		mu.Lock()
		got = append(got, recs...)
		mu.Unlock()
		b, _ := proto.Marshal(&collogspb.ExportLogsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(b)
	}))
	defer recv.Close()

	f := newSecretsFixture(t, true)
	for name, value := range map[string]string{"model-key": f.modelKey, "otlp-token": token} {
		if code, _, errOut := runCLIInput(t, value+"\n", "secrets", "put", name, "-c", f.cfgPath); code != 0 {
			t.Fatalf("secrets put %s: %s", name, errOut)
		}
	}
	cfg, err := os.ReadFile(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, t.TempDir(), string(cfg)+fmt.Sprintf(`audit:
  export:
    otlp:
      - name: otel
        endpoint: %q
        zone: loopback
        batch_size: 3
        headers:
          Authorization: Bearer ${secret:otlp-token}
          X-Scope-OrgID: tenant-e2e
`, recv.URL))
	s := startServe(t, path, nil)
	if status, body := s.chat(t, f.appSecret, "gpt", "hello"); status != 200 {
		t.Fatalf("chat: %d %s", status, body)
	}

	// Every stored event arrives, once the export has caught up.
	var stored []storedEvent
	received := map[string]otlpRecord{}
	deadline := time.Now().Add(15 * time.Second)
	for {
		stored = storedEvents(t, f.data)
		mu.Lock()
		for _, r := range got {
			received[r.uid] = r
		}
		bad := strings.Join(problems, "\n")
		mu.Unlock()
		if bad != "" {
			t.Fatalf("the receiver refused requests:\n%s", bad)
		}
		missing := 0
		for _, ev := range stored {
			if _, ok := received[ev.id]; !ok {
				missing++
			}
		}
		if missing == 0 && hasType(stored, "chat.completion") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d stored events did not arrive; received %d records", missing, len(stored), len(received))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, ev := range stored {
		r := received[ev.id]
		if r.id != ev.id || r.seq != ev.seq || r.typ != ev.typ || r.eventName != ev.typ || r.outcome != ev.outcome || r.requestID != ev.requestID {
			t.Errorf("event %d %s %s: received %+v", ev.seq, ev.id, ev.typ, r)
		}
		var body export.Event
		if err := body.UnmarshalJSON([]byte(r.body)); err != nil || body.ID != ev.id || body.Seq != ev.seq || body.Type != ev.typ {
			t.Errorf("event %s: body %q: %v", ev.id, r.body, err)
		}
		// data.trace_id, where an event has a valid one, is the record's
		// trace id; otherwise the record has none.
		var data struct {
			TraceID any `json:"trace_id"`
		}
		_ = json.Unmarshal([]byte(ev.data), &data)
		want := ""
		if s, ok := data.TraceID.(string); ok && traceIDPattern.MatchString(s) && strings.Trim(s, "0") != "" {
			want = s
		}
		if r.traceID != want {
			t.Errorf("event %s: trace id %q, want %q (data %s)", ev.id, r.traceID, want, ev.data)
		}
	}
	var exportRead bool
	for _, ev := range stored {
		if strings.Contains(ev.data, token) {
			t.Errorf("audit event %s holds the OTLP token", ev.id)
		}
		exportRead = exportRead || ev.typ == "secret.read" && strings.Contains(ev.data, `"purpose":"audit-export:otel"`)
	}
	if !exportRead {
		t.Error("the audit log lacks the export's read of its token")
	}
}

// traceIDPattern is a W3C trace id.
var traceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// toOTLPRecord extracts the fields the test checks.
func toOTLPRecord(lr *logspb.LogRecord) otlpRecord {
	r := otlpRecord{eventName: lr.EventName, body: lr.GetBody().GetStringValue()}
	if len(lr.TraceId) > 0 {
		r.traceID = hex.EncodeToString(lr.TraceId)
	}
	if len(lr.SpanId) > 0 {
		r.spanID = hex.EncodeToString(lr.SpanId)
	}
	for _, kv := range lr.Attributes {
		switch kv.Key {
		case "log.record.uid":
			r.uid = kv.Value.GetStringValue()
		case "palisade.audit.id":
			r.id = kv.Value.GetStringValue()
		case "palisade.audit.seq":
			r.seq = kv.Value.GetIntValue()
		case "palisade.audit.type":
			r.typ = kv.Value.GetStringValue()
		case "palisade.audit.outcome":
			r.outcome = kv.Value.GetStringValue()
		case "palisade.audit.request_id":
			r.requestID = kv.Value.GetStringValue()
		}
	}
	return r
}

// storedEvent is one row of audit_events.
type storedEvent struct {
	seq                               int64
	id, typ, outcome, requestID, data string
}

// storedEvents returns every stored audit event, in Seq order.
func storedEvents(t *testing.T, dataDir string) []storedEvent {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "palisade.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT seq, id, type, outcome, request_id, CAST(data AS TEXT) FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var ev storedEvent
		var data sql.NullString
		if err := rows.Scan(&ev.seq, &ev.id, &ev.typ, &ev.outcome, &ev.requestID, &data); err != nil {
			t.Fatal(err)
		}
		ev.data = data.String
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// hasType reports whether an event of type typ is among evs.
func hasType(evs []storedEvent, typ string) bool {
	for _, ev := range evs {
		if ev.typ == typ {
			return true
		}
	}
	return false
}

// Ensure an OTLP sink's endpoint is an egress destination of its own: a
// loopback receiver without the loopback zone is refused at its line, and
// a literal credential in a header is refused without being quoted.
func TestOTLPExportConfigChecks(t *testing.T) {
	path := writeConfig(t, t.TempDir(), "audit:\n  export:\n    otlp:\n      - name: otel\n        endpoint: \"http://127.0.0.1:4318\"\n        headers:\n          Authorization: Bearer literal-VALUE-1234\n")
	code, _, errOut := runCLI(t, "config", "validate", path)
	if code != 1 || !strings.Contains(errOut, "palisade.yaml:7: audit.export.otlp[0].headers.Authorization: header Authorization carries a credential") ||
		strings.Contains(errOut, "literal-VALUE-1234") {
		t.Fatalf("validate: %d %q", code, errOut)
	}
	path = writeConfig(t, t.TempDir(), "audit:\n  export:\n    otlp:\n      - name: otel\n        endpoint: \"http://127.0.0.1:4318\"\n")
	code, _, errOut = runCLI(t, "config", "validate", path)
	if code != 1 || !strings.Contains(errOut, "palisade.yaml:5: audit.export.otlp[0].endpoint: egress refuses this destination") {
		t.Fatalf("validate: %d %q", code, errOut)
	}
}

// Ensure an OTLP sink's headers are built from their references: literal
// text and ${env:NAME} once, at start (an unset variable stops the start,
// naming the header), ${secret:NAME} at each delivery, failing it while
// the secret store cannot be read.
func TestOTLPHeadersFromReferences(t *testing.T) {
	t.Setenv("OTLP_TENANT", "tenant-7")
	o := configOTLP(map[string]string{
		"X-Scope-OrgID": "${env:OTLP_TENANT}",
		"X-Literal":     "a $${b}",
		"Authorization": "Bearer ${secret:otlp-token}",
	})
	static, dynamic, err := otlpHeaders("audit.export.otlp[0]", o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if static.Get("X-Scope-OrgID") != "tenant-7" || static.Get("X-Literal") != "a ${b}" || static.Get("Authorization") != "" {
		t.Errorf("static headers %v", static)
	}
	if dynamic == nil {
		t.Fatal("no per-delivery headers for the secret reference")
	}
	if _, err := dynamic(t.Context()); err == nil || !strings.Contains(err.Error(), "header Authorization") {
		t.Errorf("per-delivery headers without a secret store: %v", err)
	}

	_, _, err = otlpHeaders("audit.export.otlp[0]", configOTLP(map[string]string{"X-Key": "${env:OTLP_UNSET_VARIABLE}"}), nil)
	if err == nil || err.Error() != "audit.export.otlp[0].headers.X-Key: environment variable OTLP_UNSET_VARIABLE is not set" {
		t.Errorf("unset variable: %v", err)
	}
	t.Setenv("OTLP_BROKEN", "a\r\nInjected: x")
	_, _, err = otlpHeaders("audit.export.otlp[0]", configOTLP(map[string]string{"X-Key": "${env:OTLP_BROKEN}"}), nil)
	if err == nil || strings.Contains(err.Error(), "Injected") {
		t.Errorf("a value with a line break: %v", err)
	}
}

// configOTLP returns an OTLP sink's configuration with headers.
func configOTLP(headers map[string]string) config.AuditOTLP {
	return config.AuditOTLP{Name: "otel", Endpoint: "https://otlp.example.com", Headers: headers}
}
