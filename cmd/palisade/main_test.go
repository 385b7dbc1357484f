package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-gw/palisade/internal/agent"
	"github.com/palisade-gw/palisade/internal/config"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errw)
	return code, out.String(), errw.String()
}

// Ensure an invalid configuration refuses to start, naming the file and
// line of every problem.
func TestServeRefusesInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	bad := "server:\n  addr: 127.0.0.1:0\nagents:\n  - name: hr\n    environment: nowhere\n    kind: knowledge\n    colour: blue\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve", "--config", path}, {"config", "validate", path}} {
		code, _, stderr := runCLI(t, args...)
		if code != 1 || !strings.Contains(stderr, path+":7:") || !strings.Contains(stderr, "colour") {
			t.Fatalf("%v: code %d, stderr %q", args, code, stderr)
		}
	}
}

func TestConfigValidateGood(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "good.yaml")
	if err := os.MkdirAll(filepath.Join(dir, "kb"), 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "kb", "a.md"), []byte("# Leave\n\nYou get 25 days.\n"), 0o600)
	good := "environments:\n  - name: prod\n    region: eu-west\nagents:\n  - name: hr\n    environment: prod\n    kind: knowledge\n    knowledge:\n      - name: kb\n        path: kb\n"
	_ = os.WriteFile(path, []byte(good), 0o600)
	code, out, stderr := runCLI(t, "config", "validate", path)
	if code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("code %d out %q err %q", code, out, stderr)
	}
}

func TestMisuseExitCode(t *testing.T) {
	if code, _, _ := runCLI(t, "serve"); code != 2 {
		t.Fatalf("serve without --config: code %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "frobnicate"); code != 2 {
		t.Fatalf("unknown command: code %d, want 2", code)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "palisade ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "config", "schema"); code != 0 || !strings.Contains(out, `"$schema"`) {
		t.Fatalf("schema: %d %.100q", code, out)
	}
}

// Ensure documents with access labels are withheld from knowledge agents
// until permissions exist to grant them.
func TestLabelledKnowledgeWithheld(t *testing.T) {
	dir := t.TempDir()
	if err := writeDemoKnowledge(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "p.yaml")
	cfgText := "environments:\n  - name: prod\n    region: eu\nagents:\n  - name: hr\n    environment: prod\n    kind: knowledge\n    knowledge:\n      - name: hr\n        path: hr\n"
	_ = os.WriteFile(path, []byte(cfgText), 0o600)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log, _ := newLogger(&logs, "info")
	agents, err := buildAgents(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "hr-confidential") {
		t.Fatalf("no warning about the withheld document: %s", logs.String())
	}
	resp, err := agents["hr"].Agent.Complete(context.Background(), &agent.Request{Messages: []agent.Message{
		{Role: agent.RoleUser, Content: "What are the salary bands and the disciplinary procedure?"}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(resp.Content, "salary-bands") {
		t.Fatalf("a labelled document was quoted: %s", resp.Content)
	}
}
