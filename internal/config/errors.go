package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration, located as precisely as
// the loader could: the file, the 1-based line and column of the offending
// key or value, and the field path (e.g. "agents[1].upstream.url"; empty for
// the file as a whole). Messages name keys, references and environment
// variables but never a value, so a Problem is safe to log.
type Problem struct {
	// File is the configuration file's name as given to Load or Parse;
	// empty for problems found by Validate alone.
	File string
	// Line and Column are 1-based; 0 when unknown.
	Line   int
	Column int
	// Path is the field path, such as "apps[0].secrets[1]".
	Path string
	// Message says what is wrong, for a person.
	Message string
}

// String formats the problem as "file:line: path: message", leaving out the
// parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		fmt.Fprintf(&b, "%s: ", p.File)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is the error Load, Parse and Validate return for a configuration
// that cannot be used. It lists every problem found, not just the first.
type Error struct {
	Problems []Problem
}

// Error prints one problem per line, in file order.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems during one loading or validation pass.
type problems []Problem

// add records a problem at a field path; the location is filled in later.
func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was recorded, otherwise an *Error with the
// problems sorted by file position (stable, so problems on one line keep the
// order they were found in) and exact duplicates removed.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	sorted := slices.Clone(ps)
	slices.SortStableFunc(sorted, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &Error{Problems: slices.Compact(sorted)}
}
