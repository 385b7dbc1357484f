package inject

import (
	"fmt"
	"os"
	"testing"

	"github.com/palisade-gw/palisade/internal/guard/eval"
)

func TestZZDevMisses(t *testing.T) {
	path := os.Getenv("DEVSET")
	if path == "" {
		t.Skip()
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := eval.LoadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	d := New(Options{Mode: Prompt})
	for _, c := range cases {
		fs := d.Detect(nil, c.Text)
		flag := false
		best := 0.0
		for _, x := range fs {
			if x.Confidence >= 0.5 {
				flag = true
			}
			best = max(best, x.Confidence)
		}
		inj := c.Injection != nil && *c.Injection
		if inj && !flag {
			fmt.Printf("MISS %s (%.2f) [%s]\n  %q\n", c.ID, best, c.Note, c.Text)
		}
		if !inj && flag {
			fmt.Printf("FP %s [%s]\n  %q\n  %v\n", c.ID, c.Note, c.Text, fs)
		}
		if os.Getenv("SHOWALL") != "" && inj && flag {
			fmt.Printf("HIT %s [%s]\n  %q\n  %v\n", c.ID, c.Note, c.Text, fs)
		}
	}
}
