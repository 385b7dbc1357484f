package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileSize is the largest document, in bytes, that LoadDir and Parse
// accept. Knowledge is policy text, not data: a larger file is almost
// certainly a mistake.
const MaxFileSize = 1 << 20

// Errors returned when loading documents; compare with errors.Is. Each is
// wrapped with the source name and the offending file's path.
var (
	// ErrFileTooLarge means a document is larger than MaxFileSize.
	ErrFileTooLarge = errors.New("knowledge: document larger than 1 MiB")
	// ErrInvalidUTF8 means a document is not valid UTF-8 text.
	ErrInvalidUTF8 = errors.New("knowledge: document is not valid UTF-8")
	// ErrFrontMatter means a document's front matter block is malformed.
	// Such documents are refused rather than loaded without their labels,
	// so that a typo cannot make a restricted document public.
	ErrFrontMatter = errors.New("knowledge: invalid front matter")
	// ErrNoDocuments means a directory holds no .md or .txt documents.
	ErrNoDocuments = errors.New("knowledge: no .md or .txt documents found")
)

// Document is one file of a knowledge source, split into sections.
type Document struct {
	// Source is the name of the knowledge source the document belongs to.
	Source string
	// Path is the file's slash-separated path relative to the source's
	// root directory, e.g. "leave/annual-leave.md".
	Path string
	// Title is the front matter title, else the first "#" heading, else a
	// title made from the file name.
	Title string
	// Labels are the sensitivity labels from the front matter (lowercase,
	// sorted, unique), e.g. ["hr-confidential"]. They are kept so that
	// retrieval can be trimmed to the documents a user may read; the agent
	// itself does not yet filter on them.
	Labels []string
	// Sections are the document's non-empty sections in file order.
	Sections []Section
}

// Section is the text under one heading of a document.
type Section struct {
	// Headings is the heading path below the document title, outermost
	// first (e.g. ["Booking leave", "Notice"]); it is empty for text that
	// comes before the first "##" heading.
	Headings []string
	// Text is the section's Markdown (or plain text) body, without its
	// heading line.
	Text string
}

// Heading returns the section's heading path joined with " › ", or "" for a
// document's introduction.
func (s Section) Heading() string {
	return strings.Join(s.Headings, " › ")
}

// LoadDir reads every .md, .markdown and .txt file under dir, recursively,
// as documents of the knowledge source named sourceName. Hidden files and
// directories (names starting with ".") are skipped, and files are read
// through an os.Root: a symbolic link that leads outside dir is an error.
// Documents are returned in lexical path order.
//
// Returns an error wrapping ErrFileTooLarge, ErrInvalidUTF8 or
// ErrFrontMatter for a bad document, ErrNoDocuments when dir holds none, or
// the file system error.
func LoadDir(sourceName, dir string) ([]Document, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("knowledge source %q: %w", sourceName, err)
	}
	defer root.Close()
	docs, err := LoadFS(sourceName, root.FS())
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, dir)
	}
	return docs, nil
}

// LoadFS is LoadDir over any file system, such as an embed.FS or a
// testing/fstest.MapFS. It returns the same errors.
func LoadFS(sourceName string, fsys fs.FS) ([]Document, error) {
	var docs []Document
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("knowledge source %q: %w", sourceName, err)
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isDocumentName(p) {
			return nil
		}
		data, err := readLimited(fsys, p)
		if err != nil {
			return fmt.Errorf("knowledge source %q: %w", sourceName, err)
		}
		doc, err := Parse(sourceName, p, data)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("knowledge source %q: %w", sourceName, ErrNoDocuments)
	}
	return docs, nil
}

func isDocumentName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// readLimited reads the regular file p, refusing files over MaxFileSize
// without reading them whole.
func readLimited(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	if info.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes: %w", p, info.Size(), ErrFileTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w", p, ErrFileTooLarge)
	}
	return data, nil
}

// Parse turns the content of one file into a Document of the source named
// sourceName. p is the file's slash-separated path relative to the source's
// root; a ".txt" extension makes the file plain text (one section), any
// other is read as Markdown.
//
// Returns an error wrapping ErrFileTooLarge, ErrInvalidUTF8 or
// ErrFrontMatter.
func Parse(sourceName, p string, data []byte) (Document, error) {
	fail := func(err error, detail string) (Document, error) {
		if detail != "" {
			return Document{}, fmt.Errorf("knowledge source %q: %s: %s: %w", sourceName, p, detail, err)
		}
		return Document{}, fmt.Errorf("knowledge source %q: %s: %w", sourceName, p, err)
	}
	if len(data) > MaxFileSize {
		return fail(ErrFileTooLarge, "")
	}
	if !utf8.Valid(data) {
		return fail(ErrInvalidUTF8, fmt.Sprintf("invalid byte sequence at offset %d", invalidOffset(data)))
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	fm, body, err := splitFrontMatter(text)
	if err != nil {
		return fail(ErrFrontMatter, err.Error())
	}
	doc := Document{Source: sourceName, Path: p, Title: fm.title, Labels: fm.labels}
	var title string
	if strings.EqualFold(path.Ext(p), ".txt") {
		if t := strings.TrimSpace(body); t != "" {
			doc.Sections = []Section{{Text: t}}
		}
	} else {
		title, doc.Sections = splitMarkdown(body)
	}
	if doc.Title == "" {
		doc.Title = title
	}
	if doc.Title == "" {
		doc.Title = titleFromPath(p)
	}
	return doc, nil
}

func invalidOffset(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// titleFromPath makes "annual-leave.md" into "Annual leave".
func titleFromPath(p string) string {
	base := strings.TrimSuffix(path.Base(p), path.Ext(p))
	base = strings.Join(strings.FieldsFunc(base, func(r rune) bool { return r == '-' || r == '_' }), " ")
	r, size := utf8.DecodeRuneInString(base)
	if size == 0 {
		return p
	}
	return string(unicode.ToUpper(r)) + base[size:]
}

// frontMatter is what Palisade reads from a document's front matter.
type frontMatter struct {
	title  string
	labels []string
}

// splitFrontMatter separates an optional front matter block from the body.
// The block starts with a first line of exactly "---" and ends at the next
// line of "---" or "...". Inside it, "title: text" and "labels: [a, b]"
// (or "labels: a, b", or a "labels:" line followed by "- a" items) are read;
// other keys and "#" comments are ignored.
func splitFrontMatter(text string) (frontMatter, string, error) {
	var fm frontMatter
	first, rest, ok := strings.Cut(text, "\n")
	if strings.TrimRight(first, " \t") != "---" || !ok {
		return fm, text, nil
	}
	lines := strings.Split(rest, "\n")
	end := -1
	for i, l := range lines {
		if t := strings.TrimRight(l, " \t"); t == "---" || t == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		return fm, "", errors.New("no closing \"---\" line")
	}
	body := strings.Join(lines[end+1:], "\n")
	inLabels := false
	seen := map[string]bool{}
	addLabel := func(raw string, line int) error {
		l := strings.ToLower(unquote(strings.TrimSpace(raw)))
		if l == "" {
			return nil
		}
		if !validLabel(l) {
			return fmt.Errorf("line %d: label %q must be letters, digits, '.', '_', ':' or '-'", line, l)
		}
		if !seen[l] {
			seen[l] = true
			fm.labels = append(fm.labels, l)
		}
		return nil
	}
	for i, raw := range lines[:end] {
		lineNo := i + 2
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if inLabels && strings.HasPrefix(line, "-") {
			if err := addLabel(strings.TrimPrefix(line, "-"), lineNo); err != nil {
				return fm, "", err
			}
			continue
		}
		inLabels = false
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return fm, "", fmt.Errorf("line %d: expected \"key: value\"", lineNo)
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "title":
			fm.title = unquote(value)
		case "labels", "label":
			if value == "" {
				inLabels = true
				continue
			}
			if strings.HasPrefix(value, "[") != strings.HasSuffix(value, "]") {
				return fm, "", fmt.Errorf("line %d: unbalanced brackets in labels", lineNo)
			}
			value = strings.TrimSuffix(strings.TrimPrefix(value, "["), "]")
			for _, l := range strings.Split(value, ",") {
				if err := addLabel(l, lineNo); err != nil {
					return fm, "", err
				}
			}
		}
	}
	slices.Sort(fm.labels)
	return fm, body, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func validLabel(l string) bool {
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			return false
		}
	}
	return l != ""
}
