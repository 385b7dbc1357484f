package config

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxIndexedNodes bounds the walk over the YAML tree, aliases expanded, so
// that a small file cannot make the loader do unbounded work.
const maxIndexedNodes = 100_000

// errTooManyNodes is returned when a document expands past maxIndexedNodes.
var errTooManyNodes = errors.New("the document is too large once aliases are expanded")

// position is where one field path was written in the file.
type position struct {
	path      string
	key       string // the mapping key; empty for list elements
	line, col int    // of the key (or of the element for list elements)
	valLine   int    // of the value
	valCol    int
	tag       string // short tag of the value: !!str, !!map, !!seq…
	null      bool   // the value is null (or empty)
}

// index maps every field path written in the file to its position. It is
// built from the yaml.Node tree, so it knows lines the typed decoder does
// not report.
type index struct {
	byPath    map[string]*position
	byKeyLine map[int][]*position
	byValLine map[int][]*position
	nodesSeen int
	// expanding holds the anchors being walked through an alias, to stop
	// at an anchor that contains itself (the decoder reports it).
	expanding map[*yaml.Node]bool
}

// newIndex walks a parsed document. It follows aliases and merge keys
// ("<<"), so that keys brought in by a merge count as set; keys written
// directly in a mapping take precedence over merged ones, as in the decoder.
func newIndex(doc *yaml.Node) (*index, error) {
	ix := &index{
		byPath:    map[string]*position{},
		byKeyLine: map[int][]*position{},
		byValLine: map[int][]*position{},
		expanding: map[*yaml.Node]bool{},
	}
	if doc == nil {
		return ix, nil
	}
	if err := ix.walk(doc, ""); err != nil {
		return nil, err
	}
	return ix, nil
}

func (ix *index) walk(n *yaml.Node, path string) error {
	ix.nodesSeen++
	if ix.nodesSeen > maxIndexedNodes {
		return errTooManyNodes
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := ix.walk(c, path); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		if n.Alias == nil || ix.expanding[n.Alias] {
			return nil
		}
		ix.expanding[n.Alias] = true
		defer delete(ix.expanding, n.Alias)
		return ix.walk(n.Alias, path)
	case yaml.SequenceNode:
		for i, e := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			ix.record(&position{path: p, line: e.Line, col: e.Column}, e)
			if err := ix.walk(e, p); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		return ix.walkMapping(n, path)
	}
	return nil
}

// walkMapping records the direct keys of a mapping first, then the keys of
// any merged mappings (which never override a direct key).
func (ix *index) walkMapping(n *yaml.Node, path string) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		p := joinPath(path, k.Value)
		ix.record(&position{path: p, key: k.Value, line: k.Line, col: k.Column}, v)
		if err := ix.walk(v, p); err != nil {
			return err
		}
	}
	for _, m := range merges {
		if m.Kind == yaml.SequenceNode {
			for _, e := range m.Content {
				if err := ix.walk(e, path); err != nil {
					return err
				}
			}
			continue
		}
		if err := ix.walk(m, path); err != nil {
			return err
		}
	}
	return nil
}

// record stores a position. For a path written twice (a duplicate key, which
// the decoder reports) the first occurrence keeps the path; every occurrence
// can still be found by line.
func (ix *index) record(p *position, val *yaml.Node) {
	v := val
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	p.valLine, p.valCol = val.Line, val.Column
	p.tag = v.ShortTag()
	p.null = v.Kind == yaml.ScalarNode && p.tag == "!!null"
	if _, ok := ix.byPath[p.path]; !ok {
		ix.byPath[p.path] = p
	}
	ix.byKeyLine[p.line] = append(ix.byKeyLine[p.line], p)
	ix.byValLine[p.valLine] = append(ix.byValLine[p.valLine], p)
}

// set reports whether the file gives path a non-null value.
func (ix *index) set(path string) bool {
	p, ok := ix.byPath[path]
	return ok && !p.null
}

// locate returns the position of path, or of its nearest ancestor written in
// the file (a missing key is reported where its parent is), or nil.
func (ix *index) locate(path string) *position {
	for path != "" {
		if p, ok := ix.byPath[path]; ok {
			return p
		}
		path = parentPath(path)
	}
	return nil
}

// joinPath appends a mapping key to a field path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentPath drops the last key or index from a field path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
