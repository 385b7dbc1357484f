package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func dataOrSkip(t *testing.T) string {
	t.Helper()
	for _, p := range []string{defaultBIPIA, defaultPresidio} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("training data not available: %v", err)
		}
	}
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Ensure the committed model is the one the generator makes from the
// committed data.
func TestModelUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("training skipped in short mode")
	}
	root := dataOrSkip(t)
	r, err := build(root, defaultBIPIA, defaultPresidio, defaultParams())
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join(root, "internal/guard/inject/model_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.src, committed) {
		t.Error("internal/guard/inject/model_gen.go is stale: run go generate ./internal/guard/inject")
	}
}

// Ensure no held-out text is trained on: no odd id of the team's set and
// no odd-index BIPIA attack.
func TestNoHeldOutInTraining(t *testing.T) {
	root := dataOrSkip(t)
	samples, err := load(root, defaultBIPIA, defaultPresidio)
	if err != nil {
		t.Fatal(err)
	}
	trained := map[string]bool{}
	for _, s := range samples {
		trained[s.text] = true
	}
	f, err := os.Open(filepath.Join(root, "testdata/guard/cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	odd := 0
	for sc.Scan() {
		var c struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if n, ok := idNumber(c.ID); ok && n%2 == 1 {
			odd++
			if trained[c.Text] {
				t.Errorf("held-out case %s is in the training data", c.ID)
			}
		}
	}
	if odd == 0 {
		t.Fatal("no odd id found")
	}
	for _, file := range []string{"text_attack_train.json", "code_attack_train.json"} {
		data, err := os.ReadFile(filepath.Join(defaultBIPIA, file))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string][]string
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		for cat, list := range m {
			for i, a := range list {
				if i%2 == 1 && trained[a] {
					t.Errorf("held-out BIPIA attack %s/%d is in the training data", cat, i)
				}
			}
		}
	}
	for _, set := range []string{"fresh_heldout.jsonl", "technical_benign.jsonl"} {
		checkSet(t, filepath.Join(root, "testdata/guard", set), trained)
	}
}

// checkSet fails the test for every case of the held-out set at path that
// is in the training data.
func checkSet(t *testing.T, path string, trained map[string]bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range bytes.Split(data, []byte("\n")) {
		var c struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if err := json.Unmarshal(l, &c); err != nil {
			t.Fatal(err)
		}
		if trained[c.Text] {
			t.Errorf("held-out case %s of %s is in the training data", c.ID, filepath.Base(path))
		}
	}
}
