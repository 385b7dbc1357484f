package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-gw/palisade/internal/audit/export"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// appendEvents stores evs in the fixture's database directly, as a
// running server's journal would.
func (f *auditFixture) appendEvents(t *testing.T, evs ...store.AuditEvent) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AppendAuditEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// seedSearch stores six events an hour apart ending an hour ago: alice
// and bob through two apps, one refusal, and one whose actor holds
// control characters.
func seedSearch(t *testing.T, f *auditFixture) time.Time {
	t.Helper()
	base := time.Now().UTC().Truncate(time.Second).Add(-6 * time.Hour)
	ev := func(i int, typ, outcome, actor, app, data string) store.AuditEvent {
		return store.AuditEvent{ID: fmt.Sprintf("ev_%d", i), Time: base.Add(time.Duration(i) * time.Hour), Type: typ,
			RequestID: fmt.Sprintf("req_%d", i), Outcome: outcome, Actor: actor, App: app, Agent: "hr", Data: []byte(data)}
	}
	f.appendEvents(t,
		ev(0, "chat.completion", "success", "corp:alice", "portal", `{"conversation_id":"conv_1","usage":{"prompt_tokens":3}}`),
		ev(1, "chat.completion", "success", "corp:bob", "portal", `{"conversation_id":"conv_2"}`),
		ev(2, "request.refused", "denied", "corp:bob", "portal", `{"code":"permission_denied","reason":"no-role-grants-agent","status":403}`),
		ev(3, "chat.completion", "success", "corp:alice", "kiosk", `{"conversation_id":"conv_3"}`),
		ev(4, "auth.signin", "success", "corp:evil\n2025-01-01T00:00:00Z\t9\tforged\u202e", "kiosk", `{}`),
		ev(5, "chat.completion", "success", "corp:alice", "portal", ``),
	)
	return base
}

// tableSeqs returns the SEQ column of a table, checking every row has
// the table's nine columns.
func tableSeqs(t *testing.T, out string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "TIME ") {
		t.Fatalf("no header: %q", out)
	}
	var seqs []string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 8 {
			t.Fatalf("row %q has %d columns", l, len(f))
		}
		seqs = append(seqs, f[1])
	}
	return seqs
}

// Ensure audit search filters by every field and by time, newest first,
// with a limit, and prints a table whose rows stay one line each.
func TestAuditSearch(t *testing.T) {
	f := newAuditFixture(t)
	base := seedSearch(t, f)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"6", "5", "4", "3", "2", "1"}},
		{"user", []string{"--user", "corp:alice"}, []string{"6", "4", "1"}},
		{"app", []string{"--app", "kiosk"}, []string{"5", "4"}},
		{"agent", []string{"--agent", "hr", "--limit", "2"}, []string{"6", "5"}},
		{"type", []string{"--type", "request.refused"}, []string{"3"}},
		{"outcome", []string{"--outcome", "denied"}, []string{"3"}},
		{"combined", []string{"--user", "corp:bob", "--type", "chat.completion", "--app", "portal"}, []string{"2"}},
		{"since duration", []string{"--since", "150m"}, []string{"6", "5"}},
		{"since and until", []string{"--since", base.Add(time.Hour).Format(time.RFC3339), "--until", base.Add(3 * time.Hour).Format(time.RFC3339)}, []string{"3", "2"}},
		{"since days", []string{"--since", "1d"}, []string{"6", "5", "4", "3", "2", "1"}},
		{"no match", []string{"--user", "corp:carol"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"audit", "search", "-c", f.cfgPath}, tt.args...)...)
			if code != 0 {
				t.Fatalf("code %d, stderr %q", code, errOut)
			}
			if diff := cmp.Diff(tt.want, tableSeqs(t, out)); diff != "" {
				t.Errorf("seqs (-want +got):\n%s\n%s", diff, out)
			}
		})
	}

	_, out, _ := runCLI(t, "audit", "search", "-c", f.cfgPath)
	for _, want := range []string{
		base.Add(2*time.Hour).Format(time.RFC3339) + "  3    request.refused  denied",
		"code=permission_denied reason=no-role-grants-agent",
		"conversation_id=conv_1",
		"corp:evil\uFFFD2025-01-01T00:00:00Z\uFFFD9\uFFFDforged\uFFFD",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// Ensure -o json prints one JSON object per event and line, in the
// exports' documented form (palisade.audit/v1), with every field and the
// data as recorded.
func TestAuditSearchJSON(t *testing.T) {
	f := newAuditFixture(t)
	base := seedSearch(t, f)
	code, out, errOut := runCLI(t, "audit", "search", "-c", f.cfgPath, "-o", "json", "--type", "request.refused")
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	want := export.Event{Seq: 3, ID: "ev_2", Time: base.Add(2 * time.Hour), Type: "request.refused",
		RequestID: "req_2", Outcome: "denied", Actor: "corp:bob", App: "portal", Agent: "hr",
		Data: json.RawMessage(`{"code":"permission_denied","reason":"no-role-grants-agent","status":403}`)}
	var got export.Event
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}

	_, out, _ = runCLI(t, "audit", "search", "-c", f.cfgPath, "-o", "json")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6: %q", len(lines), out)
	}
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Errorf("line %q: %v", l, err)
		}
	}
	if !strings.Contains(lines[1], `"actor":"corp:evil\n2025-01-01T00:00:00Z\t9\tforged`+"\u202e\"") {
		t.Errorf("the actor is not kept exactly (escaped): %s", lines[1])
	}
}

// Ensure misuse exits 2 with a message naming the flag.
func TestAuditSearchBadFlags(t *testing.T) {
	f := newAuditFixture(t)
	tests := []struct {
		args    []string
		mention string
	}{
		{[]string{"audit", "search"}, `"config" not set`},
		{[]string{"audit", "search", "-c", f.cfgPath, "--limit", "0"}, "--limit 0: use 1 to 1000"},
		{[]string{"audit", "search", "-c", f.cfgPath, "--limit", "1001"}, "--limit 1001"},
		{[]string{"audit", "search", "-c", f.cfgPath, "--limit", "ten"}, `invalid argument "ten"`},
		{[]string{"audit", "search", "-c", f.cfgPath, "-o", "xml"}, `--output "xml": use table or json`},
		{[]string{"audit", "search", "-c", f.cfgPath, "--since", "yesterday"}, `--since "yesterday": use an RFC 3339 time`},
		{[]string{"audit", "search", "-c", f.cfgPath, "--until", "-5h"}, `--until "-5h"`},
		{[]string{"audit", "search", "-c", f.cfgPath, "--since", "1h", "--until", "2h"}, "--until"},
		{[]string{"audit", "search", "-c", f.cfgPath, "--colour"}, "unknown flag"},
		{[]string{"audit", "search", "-c", f.cfgPath, "extra"}, "unknown command"},
		{[]string{"audit", "tail", "-c", f.cfgPath, "-n", "-1"}, "-n -1: use 0 to 1000"},
		{[]string{"audit", "tail", "-c", f.cfgPath, "--since", "1h"}, "unknown flag: --since"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[2:], " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.mention) || out != "" {
				t.Fatalf("code %d, stdout %q, stderr %q; want 2 and %q", code, out, errOut, tt.mention)
			}
		})
	}
}

// Ensure tail prints the newest events oldest first, filtered.
func TestAuditTail(t *testing.T) {
	f := newAuditFixture(t)
	seedSearch(t, f)
	code, out, errOut := runCLI(t, "audit", "tail", "-c", f.cfgPath, "-n", "3")
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	if diff := cmp.Diff([]string{"4", "5", "6"}, tableSeqs(t, out)); diff != "" {
		t.Errorf("seqs (-want +got):\n%s", diff)
	}
	_, out, _ = runCLI(t, "audit", "tail", "-c", f.cfgPath, "--user", "corp:alice")
	if diff := cmp.Diff([]string{"1", "4", "6"}, tableSeqs(t, out)); diff != "" {
		t.Errorf("filtered seqs (-want +got):\n%s", diff)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Ensure tail -f prints events appended after it started, only those
// matching its filters, and ends cleanly (exit 0) when its context is
// cancelled, as on Ctrl-C.
func TestAuditTailFollow(t *testing.T) {
	f := newAuditFixture(t)
	seedSearch(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"audit", "tail", "-c", f.cfgPath, "-n", "1", "-f", "-o", "json", "--user", "corp:alice"}, strings.NewReader(""), &out, &errOut)
	}()
	waitFor := func(what string, cond func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond(out.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: output %q, stderr %q", what, out.String(), errOut.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the newest event", func(s string) bool { return strings.Contains(s, `"id":"ev_5"`) })

	now := time.Now().UTC()
	f.appendEvents(t,
		store.AuditEvent{ID: "ev_new_bob", Time: now, Type: "chat.completion", Outcome: "success", Actor: "corp:bob"},
		store.AuditEvent{ID: "ev_new_alice", Time: now, Type: "chat.completion", Outcome: "success", Actor: "corp:alice"},
	)
	waitFor("the appended event", func(s string) bool { return strings.Contains(s, `"id":"ev_new_alice"`) })
	f.appendEvents(t, store.AuditEvent{ID: "ev_newer_alice", Time: now, Type: "auth.signin", Outcome: "success", Actor: "corp:alice"})
	waitFor("the next appended event", func(s string) bool { return strings.Contains(s, `"id":"ev_newer_alice"`) })

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d after cancel, stderr %q", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail -f did not stop when its context ended")
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev export.Event
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		ids = append(ids, ev.ID)
	}
	if diff := cmp.Diff([]string{"ev_5", "ev_new_alice", "ev_newer_alice"}, ids); diff != "" {
		t.Errorf("events printed (-want +got):\n%s", diff)
	}
}
