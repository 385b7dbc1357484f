package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/store"
)

const auditPath = "/v1/admin/audit/events"

// withAuditor gives the app "other" a role granting audit.read, and the
// corp group "auditors" another.
func withAuditor(o *Options) {
	o.Roles = append(o.Roles,
		access.Role{Name: "audit-app", Apps: []string{"other"}, Admin: []string{PermAuditRead}},
		access.Role{Name: "auditor", Groups: []string{"corp:auditors"}, Admin: []string{PermAuditRead}})
}

// seedAudit appends n events of type "test.event" an hour apart from
// base, with ids prefix_000…, cycling through two actors, two apps and
// two outcomes.
func seedAudit(t *testing.T, e *testEnv, prefix string, base time.Time, n int) {
	t.Helper()
	evs := make([]store.AuditEvent, n)
	for i := range evs {
		evs[i] = store.AuditEvent{
			ID: fmt.Sprintf("%s_%03d", prefix, i), Time: base.Add(time.Duration(i) * time.Hour), Type: "test.event",
			RequestID: fmt.Sprintf("req_%d", i), Outcome: []string{audit.OutcomeSuccess, audit.OutcomeDenied}[i%2],
			Actor: []string{"corp:alice", "corp:bob"}[i%2], App: []string{"web", "spa"}[(i/2)%2], Agent: "echo",
			Data: []byte(fmt.Sprintf(`{"n":%d}`, i)),
		}
	}
	if _, err := e.store.AppendAuditEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// getAudit asks for a page of the audit log with query and credential.
func (e *testEnv) getAudit(t *testing.T, cred, query string) (*http.Response, []byte) {
	t.Helper()
	return e.do(t, http.MethodGet, auditPath+"?"+query, cred, "", "")
}

type auditPageBody struct {
	Events     []export.Event `json:"events"`
	NextCursor *string        `json:"next_cursor"`
}

func seqsOf(evs []export.Event) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.Seq
	}
	return out
}

// Ensure a caller holding audit.read through its app gets the log newest
// first, filtered, in the documented JSON form, and that the read itself
// is recorded with its filters.
func TestAdminAuditSearch(t *testing.T) {
	e := newTestEnv(t, withAuditor)
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	seedAudit(t, e, "ev_seed", base, 8)

	resp, body := e.getAudit(t, otherSecret, "type=test.event")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	page := decode[auditPageBody](t, body)
	if diff := cmp.Diff([]int64{8, 7, 6, 5, 4, 3, 2, 1}, seqsOf(page.Events)); diff != "" {
		t.Errorf("Seqs (-want +got):\n%s", diff)
	}
	if page.NextCursor != nil {
		t.Errorf("next_cursor %q on the only page", *page.NextCursor)
	}
	want := export.Event{Seq: 8, ID: "ev_seed_007", Time: base.Add(7 * time.Hour), Type: "test.event", RequestID: "req_7",
		Outcome: "denied", Actor: "corp:bob", App: "spa", Agent: "echo", Data: json.RawMessage(`{"n":7}`)}
	if diff := cmp.Diff(want, page.Events[0]); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}

	// The read is recorded before the answer, with the filters used.
	id := resp.Header.Get("X-Palisade-Audit-Id")
	ev, err := e.store.GetAuditEvent(context.Background(), id)
	if err != nil {
		t.Fatalf("the read's audit event %q: %v", id, err)
	}
	if ev.Type != audit.TypeAdminAuditSearch || ev.Outcome != audit.OutcomeSuccess || ev.App != "other" || ev.RequestID != resp.Header.Get("X-Request-Id") {
		t.Errorf("the read's audit event: %+v", ev)
	}
	var data map[string]any
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatal(err)
	}
	if tid, _ := data["trace_id"].(string); len(tid) != 32 {
		t.Errorf("the read's audit data has trace_id %q", tid)
	}
	delete(data, "trace_id")
	if diff := cmp.Diff(map[string]any{"limit": float64(50), "type": "test.event"}, data); diff != "" {
		t.Errorf("the read's audit data (-want +got):\n%s", diff)
	}

	tests := []struct {
		query string
		want  []int64
	}{
		{"type=test.event&user=corp:alice", []int64{7, 5, 3, 1}},
		{"type=test.event&app=spa&outcome=success", []int64{7, 3}},
		{"agent=echo&limit=3", []int64{8, 7, 6}},
		{"type=test.event&since=2025-06-01T02:00:00Z&until=2025-06-01T05:00:00Z", []int64{5, 4, 3}},
		{"since=2025-06-01T04:00:00%2B02:00&type=test.event", []int64{8, 7, 6, 5, 4, 3}},
		{"type=test.event&user=corp:mallory", []int64{}},
		{"type=test.event&cursor=4", []int64{3, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := e.getAudit(t, otherSecret, tt.query)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if !strings.Contains(string(body), `"events":[`) {
				t.Errorf("events is not a list: %s", body)
			}
			if diff := cmp.Diff(tt.want, seqsOf(decode[auditPageBody](t, body).Events)); diff != "" {
				t.Errorf("Seqs (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure a user holding audit.read through a group may search, and
// callers without it (another user, an app without the role, a Direct
// Line token of an auditing app, no credential) are refused with their
// refusal recorded.
func TestAdminAuditSearchAuthorization(t *testing.T) {
	idp := newCorpIDP(t)
	e := newTestEnv(t, withUsers(t, idp), withAuditor)
	seedAudit(t, e, "ev_seed", time.Now().UTC(), 3)
	auditor := idp.token(t, "ada", map[string]any{"azp": "spa-client", "groups": []string{"auditors"}})
	employee := idp.token(t, "eve", map[string]any{"azp": "spa-client", "groups": []string{"sales"}})

	resp, body := e.getAudit(t, auditor, "type=test.event")
	if resp.StatusCode != 200 || len(decode[auditPageBody](t, body).Events) != 3 {
		t.Fatalf("auditor: status %d: %s", resp.StatusCode, body)
	}
	ev, err := e.store.GetAuditEvent(context.Background(), resp.Header.Get("X-Palisade-Audit-Id"))
	if err != nil || ev.Type != audit.TypeAdminAuditSearch || ev.Actor != "corp:ada" || ev.App != "spa" {
		t.Fatalf("auditor's read recorded as %+v, %v", ev, err)
	}

	_, body = e.do(t, http.MethodPost, "/v3/directline/tokens/generate", otherSecret, "application/json", `{"user":{"id":"dl_alice"}}`)
	dlToken := decode[dlConv](t, body).Token
	if dlToken == "" {
		t.Fatalf("no Direct Line token: %s", body)
	}
	tests := []struct {
		name, cred string
		status     int
		code       string
	}{
		{"user without the role", employee, 403, apperr.CodePermissionDenied},
		{"app without the role", webSecret, 403, apperr.CodePermissionDenied},
		{"direct line token", dlToken, 403, apperr.CodePermissionDenied},
		{"no credential", "", 401, apperr.CodeMissingCredential},
		{"bad credential", "not-a-secret", 401, apperr.CodeInvalidCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.getAudit(t, tt.cred, "type=test.event")
			if resp.StatusCode != tt.status || strings.Contains(string(body), "ev_seed_") {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil || eb.Error.Code != tt.code || eb.Error.AuditEventID == "" {
				t.Fatalf("error body %s (%v), want code %s with an audit event id", body, err, tt.code)
			}
			ev, err := e.store.GetAuditEvent(context.Background(), eb.Error.AuditEventID)
			if err != nil || ev.Type != audit.TypeRequestRefused || !strings.Contains(string(ev.Data), tt.code) {
				t.Fatalf("refusal recorded as %+v %s, %v", ev, ev.Data, err)
			}
		})
	}
}

// Ensure next_cursor pages through every match newest first, with no gap
// and no event twice, is left out on the last page (also when the last
// page is full), and is not disturbed by the reads' own audit events.
func TestAdminAuditSearchPaging(t *testing.T) {
	e := newTestEnv(t, withAuditor)
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	// 30 events: a limit of 10 ends on a full page.
	seedAudit(t, e, "ev_a", base, 23)
	seedAudit(t, e, "ev_b", base.Add(23*time.Hour), 7)
	for _, limit := range []int{1, 7, 10, 30, 1000} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var got []int64
			query := url.Values{"type": {"test.event"}, "limit": {fmt.Sprint(limit)}}
			for pages := 1; ; pages++ {
				if pages > 31 {
					t.Fatal("paging does not end")
				}
				resp, body := e.getAudit(t, otherSecret, query.Encode())
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				page := decode[auditPageBody](t, body)
				if len(page.Events) > limit || len(page.Events) == 0 {
					t.Fatalf("page %d has %d events, limit %d", pages, len(page.Events), limit)
				}
				got = append(got, seqsOf(page.Events)...)
				if page.NextCursor == nil {
					break
				}
				query.Set("cursor", *page.NextCursor)
			}
			var want []int64
			for s := int64(30); s >= 1; s-- {
				want = append(want, s)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("paged Seqs (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure bad parameters are refused with 400 invalid_request and a message
// naming the parameter, and the refusal is recorded.
func TestAdminAuditSearchBadParameters(t *testing.T) {
	e := newTestEnv(t, withAuditor)
	tests := []struct{ query, mention string }{
		{"limit=0", `"limit"`},
		{"limit=1001", `"limit"`},
		{"limit=ten", `"limit"`},
		{"since=yesterday", `"since"`},
		{"until=2025-06-01", `"until"`},
		{"since=2025-06-02T00:00:00Z&until=2025-06-01T00:00:00Z", `"until" must be after "since"`},
		{"cursor=abc", `"cursor"`},
		{"cursor=-3", `"cursor"`},
		{"cursor=0", `"cursor"`},
		{"actor=corp:alice", `Unknown query parameter "actor"`},
		{"user=a&user=b", `"user" is given 2 times`},
		{"app=" + strings.Repeat("a", 257), `"app" is longer than 256 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 40)], func(t *testing.T) {
			resp, body := e.getAudit(t, otherSecret, tt.query)
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("status %d body %s: %v", resp.StatusCode, body, err)
			}
			if resp.StatusCode != 400 || eb.Error.Code != apperr.CodeInvalidRequest || !strings.Contains(eb.Error.Message, tt.mention) {
				t.Fatalf("status %d code %s message %q; want 400 invalid_request mentioning %s", resp.StatusCode, eb.Error.Code, eb.Error.Message, tt.mention)
			}
			if _, err := e.store.GetAuditEvent(context.Background(), eb.Error.AuditEventID); err != nil {
				t.Fatalf("refusal not recorded: %v", err)
			}
		})
	}
	if resp, _ := e.do(t, http.MethodPost, auditPath, otherSecret, "", ""); resp.StatusCode != 405 {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

// Ensure that when the read cannot be recorded, nothing of the log is
// answered (503 audit_unavailable), and service resumes with the store.
func TestAdminAuditSearchFailsClosed(t *testing.T) {
	e := newTestEnv(t, withAuditor)
	seedAudit(t, e, "ev_seed", time.Now().UTC(), 2)
	e.store.failAudit.Store(true)
	resp, body := e.getAudit(t, otherSecret, "")
	if resp.StatusCode != 503 || !strings.Contains(string(body), apperr.CodeAuditUnavailable) || strings.Contains(string(body), "ev_seed_") {
		t.Fatalf("status %d body %s; want 503 audit_unavailable without events", resp.StatusCode, body)
	}
	e.store.failAudit.Store(false)
	if resp, body := e.getAudit(t, otherSecret, ""); resp.StatusCode != 200 || !strings.Contains(string(body), "ev_seed_") {
		t.Fatalf("after recovery: status %d body %s", resp.StatusCode, body)
	}
}

// Ensure a page holds events in the exports' documented form: the schema
// version, nine fractional digits, and data always an object.
func TestAdminAuditSearchForm(t *testing.T) {
	e := newTestEnv(t, withAuditor)
	seedAudit(t, e, "ev_form", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 1)
	_, body := e.getAudit(t, otherSecret, "type=test.event")
	var raw struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Events) != 1 {
		t.Fatalf("%v: %s", err, body)
	}
	ev := raw.Events[0]
	if ev["schema"] != export.Schema || ev["time"] != "2025-06-01T00:00:00.000000000Z" {
		t.Errorf("event form: %v", ev)
	}
	if _, ok := ev["data"].(map[string]any); !ok {
		t.Errorf("data is %T, want an object", ev["data"])
	}
}
