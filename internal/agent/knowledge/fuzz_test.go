package knowledge

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/agent"
)

// FuzzParse checks that any document either parses or fails with a clear
// error, and that parsed sections and units are well formed.
func FuzzParse(f *testing.F) {
	f.Add("---\nlabels: [hr-confidential]\ntitle: T\n---\n# Title\n\n## A\n\n- item\n\n| h |\n|---|\n| r |\n")
	f.Add("```\n# x\n```\n### deep\ntext. More text? Yes!")
	f.Add("---\n---\n")
	f.Fuzz(func(t *testing.T, in string) {
		doc, err := Parse("kb", "doc.md", []byte(in))
		if err != nil {
			return
		}
		if doc.Title == "" {
			t.Error("empty title")
		}
		for _, s := range doc.Sections {
			if strings.TrimSpace(s.Text) == "" {
				t.Error("empty section")
			}
			for _, u := range splitUnits(s.Text) {
				if !utf8.ValidString(u.text) {
					t.Errorf("invalid UTF-8 in unit %q", u.text)
				}
			}
		}
	})
}

// FuzzAnswer checks that any question gets an answer without panicking,
// and that streaming it gives the same content.
func FuzzAnswer(f *testing.F) {
	a, err := New("hr", demoDocs(f), Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, q := range []string{"When is payday?", "how long and how many?", "vacation; pto", "’s ' - | # **", "time off and bank holiday"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		req := &agent.Request{Messages: []agent.Message{{Role: agent.RoleUser, Content: q}}}
		resp, err := a.Complete(context.Background(), req)
		if err != nil || resp.Content == "" {
			t.Fatalf("Complete(%q) = %+v, %v", q, resp, err)
		}
		var b strings.Builder
		if _, err := a.Stream(context.Background(), req, func(d agent.Delta) error { b.WriteString(d.Content); return nil }); err != nil {
			t.Fatal(err)
		}
		if b.String() != resp.Content {
			t.Errorf("stream %q != complete %q", b.String(), resp.Content)
		}
	})
}
