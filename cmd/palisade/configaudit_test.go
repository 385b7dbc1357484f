package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/config"
)

// serveBriefly starts palisade serve with the configuration at path and
// stops it once it is ready.
func serveBriefly(t *testing.T, path string) {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		done <- serve(ctx, cfg, ln, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { ready <- a })
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// configEvents returns the data of the config.changed events, oldest
// first.
func configEvents(t *testing.T, dataDir string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range auditRows(t, dataDir) {
		if !strings.HasPrefix(r, "config.changed|") {
			continue
		}
		parts := strings.SplitN(r, "|", 4)
		if parts[1] != "success" || !strings.HasPrefix(parts[2], "cli") {
			t.Errorf("config.changed outcome %q actor %q", parts[1], parts[2])
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(parts[3]), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

// Ensure a start with a new configuration is audited as config.changed
// (who started it, which settings were added, removed or changed, never
// their values), and a restart with the same configuration is not.
func TestConfigChangesAreAudited(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	t.Setenv("TEST_APP_SECRET", "an-app-secret-that-is-long-enough-0123456789")
	if err := os.MkdirAll(filepath.Join(dir, "kb"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kb", "leave.md"), []byte("# Leave\n\nStaff get 25 days of annual leave.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const tmpl = `data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - name: hr
    environment: prod
    kind: knowledge
    instructions: %q
    knowledge: [{name: hr, path: kb}]
apps:
  - {name: portal, secrets: ["${env:TEST_APP_SECRET}"], agents: [hr]}
%sroles:
  - {name: staff, members: {apps: [portal]}, permissions: {agents: [hr]}}
`
	path := writeConfig(t, dir, fmt.Sprintf(tmpl, data, "Answer HR questions. VALUE-one", ""))
	serveBriefly(t, path)
	evs := configEvents(t, data)
	if len(evs) != 1 || evs[0]["first"] != true || len(evs[0]["sha256"].(string)) != 64 {
		t.Fatalf("first start: %v", evs)
	}

	serveBriefly(t, path) // the same configuration: nothing new
	if evs = configEvents(t, data); len(evs) != 1 {
		t.Fatalf("a restart with the same configuration recorded %d config.changed events", len(evs))
	}

	writeConfig(t, dir, fmt.Sprintf(tmpl, data, "Answer HR questions. VALUE-two",
		"  - {name: kiosk, secrets: [\"${env:TEST_APP_SECRET}\"], agents: [hr]}\n"))
	serveBriefly(t, path)
	evs = configEvents(t, data)
	if len(evs) != 2 {
		t.Fatalf("after a change: %d config.changed events", len(evs))
	}
	d := evs[1]
	if d["previous_sha256"] != evs[0]["sha256"] || d["sha256"] == evs[0]["sha256"] {
		t.Errorf("hashes: %v -> %v", d["previous_sha256"], d["sha256"])
	}
	if ch := strs(d["changed"]); !slices.Contains(ch, "agents[hr].instructions") {
		t.Errorf("changed = %v", ch)
	}
	if add := strs(d["added"]); !slices.Contains(add, "apps[kiosk].name") {
		t.Errorf("added = %v", add)
	}
	if rm := strs(d["removed"]); len(rm) != 0 {
		t.Errorf("removed = %v", rm)
	}
	for _, r := range auditRows(t, data) {
		if strings.Contains(r, "VALUE-") || strings.Contains(r, "an-app-secret") {
			t.Errorf("a configured value reached the audit log: %s", r)
		}
	}
}
