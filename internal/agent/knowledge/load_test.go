package knowledge

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// writeFiles creates files (path → content) under a new temporary directory
// and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Ensure LoadDir reads Markdown and text files recursively, in path order,
// and skips hidden files and directories and other file types.
func TestLoadDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"leave.md":            "# Leave\n\n## Annual\n\n25 days.\n",
		"sub/notes.txt":       "Plain text notes.\n",
		"sub/deeper/faq.MD":   "# FAQ\n\nAsk HR.\n",
		".hidden.md":          "# Hidden\n\nsecret\n",
		".git/config.md":      "# Git\n\nnot knowledge\n",
		"image.png":           "not text",
		"sub/readme.markdown": "# Readme\n\nHello.\n",
	})
	docs, err := LoadDir("hr", dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range docs {
		paths = append(paths, d.Path)
		if d.Source != "hr" {
			t.Errorf("%s: Source = %q, want hr", d.Path, d.Source)
		}
	}
	want := []string{"leave.md", "sub/deeper/faq.MD", "sub/notes.txt", "sub/readme.markdown"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %q, want %q", paths, want)
	}
	if docs[2].Title != "Notes" || len(docs[2].Sections) != 1 || docs[2].Sections[0].Text != "Plain text notes." {
		t.Errorf("text document = %+v, want one section titled Notes", docs[2])
	}
}

// Ensure every way a directory or file can be unusable gives a clear error
// that names the file and matches the right sentinel.
func TestLoadDirErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr error
		wantMsg string
	}{
		{
			name:    "file over 1 MiB is refused",
			files:   map[string]string{"big.md": "# Big\n\n" + strings.Repeat("a", MaxFileSize)},
			wantErr: ErrFileTooLarge,
			wantMsg: "big.md",
		},
		{
			name:    "invalid UTF-8 is refused with its offset",
			files:   map[string]string{"bad.md": "# Bad\n\ncaf\xe9\n"},
			wantErr: ErrInvalidUTF8,
			wantMsg: "offset 10",
		},
		{
			name:    "unterminated front matter is refused",
			files:   map[string]string{"fm.md": "---\nlabels: [hr-confidential]\n# Title\n"},
			wantErr: ErrFrontMatter,
			wantMsg: "fm.md",
		},
		{
			name:    "no documents at all",
			files:   map[string]string{"photo.jpg": "x", ".draft.md": "# Draft\n"},
			wantErr: ErrNoDocuments,
			wantMsg: `knowledge source "hr"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadDir("hr", writeFiles(t, tt.files))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

// Ensure a missing directory is an error that matches os.ErrNotExist.
func TestLoadDirMissing(t *testing.T) {
	_, err := LoadDir("hr", filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want os.ErrNotExist", err)
	}
}

// Ensure a symbolic link cannot make LoadDir read outside its directory:
// such a link is an error that names it.
func TestLoadDirSymlinkEscape(t *testing.T) {
	outside := writeFiles(t, map[string]string{"secret.md": "# Secret\n\nsalary data\n"})
	dir := writeFiles(t, map[string]string{"ok.md": "# OK\n\nfine\n"})
	if err := os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(dir, "link.md")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	docs, err := LoadDir("hr", dir)
	if err == nil || !strings.Contains(err.Error(), "link.md") {
		t.Fatalf("LoadDir = %d docs, %v; want an error naming link.md", len(docs), err)
	}
}

// Ensure LoadFS works over an in-memory file system.
func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"a.md":     {Data: []byte("# A\n\ntext\n")},
		"dir/b.md": {Data: []byte("# B\n\ntext\n")},
	}
	docs, err := LoadFS("kb", fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Title != "A" || docs[1].Path != "dir/b.md" {
		t.Errorf("docs = %+v", docs)
	}
}

// Ensure Markdown is split into sections at #, ## and ### headings, with
// the heading path below the title, and that everything else stays text.
func TestParseSections(t *testing.T) {
	type sec struct {
		heading string
		text    string
	}
	tests := []struct {
		name      string
		path      string
		in        string
		wantTitle string
		want      []sec
	}{
		{
			name:      "title, intro and sections",
			path:      "leave.md",
			in:        "# Annual leave\n\nIntro text.\n\n## Entitlement\n\n25 days.\n\n## Booking\n\nUse the portal.\n",
			wantTitle: "Annual leave",
			want:      []sec{{"", "Intro text."}, {"Entitlement", "25 days."}, {"Booking", "Use the portal."}},
		},
		{
			name:      "### nests under ## and resets at the next ##",
			path:      "a.md",
			in:        "# T\n## Booking\nGeneral.\n### Notice\nTwo weeks.\n## Other\nMore.\n",
			wantTitle: "T",
			want:      []sec{{"Booking", "General."}, {"Booking › Notice", "Two weeks."}, {"Other", "More."}},
		},
		{
			name:      "empty sections are dropped",
			path:      "a.md",
			in:        "# T\n## Empty\n## Full\ntext\n",
			wantTitle: "T",
			want:      []sec{{"Full", "text"}},
		},
		{
			name:      "headings inside code fences are text",
			path:      "a.md",
			in:        "# T\n## Code\n```\n# not a heading\n```\n",
			wantTitle: "T",
			want:      []sec{{"Code", "```\n# not a heading\n```"}},
		},
		{
			name:      "#### headings stay in their section",
			path:      "a.md",
			in:        "# T\n## S\n#### Detail\ntext\n",
			wantTitle: "T",
			want:      []sec{{"S", "#### Detail\ntext"}},
		},
		{
			name:      "no # heading: title from the file name",
			path:      "dir/parental-leave_policy.md",
			in:        "## Pay\n\nFull pay.\n",
			wantTitle: "Parental leave policy",
			want:      []sec{{"Pay", "Full pay."}},
		},
		{
			name:      "a second # heading starts a top-level section",
			path:      "a.md",
			in:        "# Title\ntext\n# Part two\nmore\n## Sub\nsub text\n",
			wantTitle: "Title",
			want:      []sec{{"", "text"}, {"Part two", "more"}, {"Part two › Sub", "sub text"}},
		},
		{
			name:      "closing hashes and CRLF line ends",
			path:      "a.md",
			in:        "# Title #\r\n## Pay ##\r\nMonthly.\r\n",
			wantTitle: "Title",
			want:      []sec{{"Pay", "Monthly."}},
		},
		{
			name:      "text files are one section and never split",
			path:      "notes.txt",
			in:        "# Not a heading\n\nJust text.\n",
			wantTitle: "Notes",
			want:      []sec{{"", "# Not a heading\n\nJust text."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("hr", tt.path, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", doc.Title, tt.wantTitle)
			}
			var got []sec
			for _, s := range doc.Sections {
				got = append(got, sec{s.Heading(), s.Text})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sections =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// Ensure front matter labels and titles are read in every supported form,
// and that a malformed block is refused rather than silently ignored.
func TestFrontMatter(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantTitle  string
		wantLabels []string
		wantErr    bool
	}{
		{
			name:       "flow list",
			in:         "---\nlabels: [hr-confidential]\n---\n# Bands\ntext\n",
			wantTitle:  "Bands",
			wantLabels: []string{"hr-confidential"},
		},
		{
			name:       "comma list, mixed case, duplicates, sorted",
			in:         "---\nlabels: Restricted, hr-confidential, restricted\n---\ntext\n",
			wantTitle:  "Doc",
			wantLabels: []string{"hr-confidential", "restricted"},
		},
		{
			name:       "block list with quotes and comments",
			in:         "---\n# who may read this\nlabels:\n  - \"hr-confidential\"\n  - 'legal'\ntitle: \"Pay bands\"\nowner: people-team\n---\n# Heading title\ntext\n",
			wantTitle:  "Pay bands",
			wantLabels: []string{"hr-confidential", "legal"},
		},
		{
			name:      "no front matter",
			in:        "# Title\n---\nlabels: [x]\n",
			wantTitle: "Title",
		},
		{
			name:      "empty labels",
			in:        "---\nlabels: []\n---\ntext\n",
			wantTitle: "Doc",
		},
		{name: "unterminated", in: "---\nlabels: [a]\ntext\n", wantErr: true},
		{name: "unbalanced bracket", in: "---\nlabels: [hr-confidential\n---\ntext\n", wantErr: true},
		{name: "label with spaces", in: "---\nlabels: [hr confidential]\n---\ntext\n", wantErr: true},
		{name: "line without a key", in: "---\nhr-confidential\n---\ntext\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("hr", "doc.md", []byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrFrontMatter) {
					t.Fatalf("err = %v, want ErrFrontMatter", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", doc.Title, tt.wantTitle)
			}
			if !reflect.DeepEqual(doc.Labels, tt.wantLabels) {
				t.Errorf("Labels = %q, want %q", doc.Labels, tt.wantLabels)
			}
		})
	}
}

// Ensure the demo knowledge base is what the demo promises: at least 16
// documents with titles and several sections, and exactly one document
// labelled for HR staff only.
func TestDemoKnowledgeBase(t *testing.T) {
	docs := demoDocs(t)
	if len(docs) < 17 {
		t.Errorf("demo has %d documents, want at least 17", len(docs))
	}
	var confidential []string
	for _, d := range docs {
		if d.Title == "" || len(d.Sections) < 3 {
			t.Errorf("%s: title %q and %d sections, want a title and at least 3 sections", d.Path, d.Title, len(d.Sections))
		}
		if len(d.Labels) > 0 {
			confidential = append(confidential, d.Path)
			if !reflect.DeepEqual(d.Labels, []string{"hr-confidential"}) {
				t.Errorf("%s: labels %q, want [hr-confidential]", d.Path, d.Labels)
			}
		}
	}
	if want := []string{"hr-staff/salary-bands-and-disciplinary.md"}; !reflect.DeepEqual(confidential, want) {
		t.Errorf("labelled documents = %q, want %q", confidential, want)
	}
}
