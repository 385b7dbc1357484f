package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Loader loads configuration files with a chosen set of reference
// resolvers. The zero Loader resolves no references at all; the package
// functions Load and Parse use one that resolves ${env:NAME}.
//
// When the secret store exists, it plugs in as the resolver for the
// "secret" scheme:
//
//	l := config.Loader{Resolvers: map[string]config.Resolver{
//		config.SchemeEnv:    config.EnvResolver(nil),
//		config.SchemeSecret: store, // implements Resolve(name)
//	}}
type Loader struct {
	// Resolvers maps a reference scheme ("env", "secret") to its resolver.
	Resolvers map[string]Resolver
	// SecretCheck, when set, is asked whether the secret named by each
	// deferred ${secret:NAME} reference (see SecretRef) exists and is
	// enabled; it must not read the value. Nil accepts such references
	// unchecked, as `palisade config validate` does without the store.
	SecretCheck func(name string) error
	// Checks are further validations by the parts that use the
	// configuration (compiling access policies, say). Their problems are
	// reported with file and line like Validate's.
	Checks []Check
}

// Check validates part of a configuration that another package
// understands, returning problems with field paths.
type Check func(*Config) []Problem

// Load reads and parses the configuration file at path with ${env:NAME}
// references resolved from the process environment. See Parse.
func Load(path string) (*Config, error) {
	return envLoader(nil).Load(path)
}

// Parse parses a configuration file's contents. filename is used in error
// messages and to resolve relative knowledge paths (against its directory;
// the working directory when filename is ""). env looks up environment
// variables for ${env:NAME} references; nil means os.LookupEnv.
//
// Problems with the contents are returned as an *Error listing all of them,
// each with its file and line. Problems found while decoding (YAML syntax,
// unknown or duplicate keys, values of the wrong type) are reported alone:
// references and validation are only checked on a file that decodes.
func Parse(filename string, data []byte, env func(string) (string, bool)) (*Config, error) {
	return envLoader(env).Parse(filename, data)
}

// envLoader is the Loader behind Load and Parse.
func envLoader(env func(string) (string, bool)) *Loader {
	return &Loader{Resolvers: map[string]Resolver{SchemeEnv: EnvResolver(env)}}
}

// Load reads and parses the configuration file at path. An error reading
// the file is returned wrapped (errors.Is(err, fs.ErrNotExist) works);
// problems with its contents are an *Error.
func (l *Loader) Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return l.Parse(path, data)
}

// Parse parses a configuration file's contents: strict YAML decoding on top
// of the defaults, element defaults, reference resolution, knowledge paths
// made absolute, then Validate. See the package function Parse.
func (l *Loader) Parse(filename string, data []byte) (*Config, error) {
	c, ix, ps := decode(data)
	if len(ps) > 0 {
		return nil, locate(ps, filename, ix).err()
	}
	applyElementDefaults(c, ix.set)
	failed, ps := l.resolveRefs(c)
	deriveDefaults(c) // after resolving: store.path follows a resolved data_dir
	base, err := filepath.Abs(filepath.Dir(filename))
	if err != nil {
		return nil, fmt.Errorf("configuration directory: %w", err)
	}
	for i := range c.Agents {
		for j := range c.Agents[i].Knowledge {
			k := &c.Agents[i].Knowledge[j]
			if k.Path != "" && !filepath.IsAbs(k.Path) {
				k.Path = filepath.Join(base, k.Path)
			}
		}
	}
	for _, p := range append([]*string{&c.Access.GeoIPDatabase, tlsPath(c, 0), tlsPath(c, 1), tlsPath(c, 2), &c.Audit.CheckpointDir}, egressPaths(c)...) {
		if p != nil && *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	ops, unexpanded := expandOpenAPI(c, base)
	ps = append(ps, ops...)
	for _, p := range c.problems() {
		if !failed[p.Path] && !underFailed(p.Path, unexpanded) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		for _, check := range l.Checks {
			ps = append(ps, check(c)...)
		}
	}
	if len(ps) > 0 {
		return nil, locate(ps, filename, ix).err()
	}
	return c, nil
}

// decode parses data into a Config on top of the defaults and indexes the
// position of every key. It refuses a stream of more than one document.
func decode(data []byte) (*Config, *index, problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := safeDecode(dec, &doc); {
	case errors.Is(err, io.EOF):
		// An empty file (or one with only comments) is the defaults.
		ix, _ := newIndex(nil)
		return baseDefaults(), ix, nil
	case err != nil:
		return nil, nil, problems{syntaxProblem(err)}
	}
	var next yaml.Node
	switch err := safeDecode(dec, &next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, nil, problems{syntaxProblem(err)}
	default:
		return nil, nil, problems{{Line: next.Line, Column: next.Column,
			Message: "a configuration file holds one YAML document; found another (remove the second ---)"}}
	}
	ix, err := newIndex(&doc)
	if err != nil {
		return nil, nil, problems{{Message: err.Error()}}
	}

	c := baseDefaults()
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	err = safeDecode(strict, c)
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		ps := make(problems, 0, len(te.Errors))
		for _, msg := range te.Errors {
			ps = append(ps, typeProblem(msg, ix))
		}
		return nil, ix, ps
	case err != nil:
		return nil, ix, problems{syntaxProblem(err)}
	}
	return c, ix, nil
}

// safeDecode decodes the next document. The YAML library must not take the
// process down on hostile input, so a panic inside it becomes an error.
func safeDecode(dec *yaml.Decoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("yaml: the YAML parser failed on this document")
		}
	}()
	return dec.Decode(v)
}

// locate fills in the file and, from the field path, the line and column of
// each problem that does not have them yet.
func locate(ps problems, filename string, ix *index) problems {
	out := make(problems, len(ps))
	for i, p := range ps {
		p.File = filename
		if p.Line == 0 && ix != nil {
			if pos := ix.locate(p.Path); pos != nil {
				p.Line, p.Column = pos.line, pos.col
			}
		}
		out[i] = p
	}
	return out
}

// yamlLine matches the position prefix of the YAML library's messages.
var yamlLine = regexp.MustCompile(`(?s)^(?:yaml: )?line (\d+): (.*)$`)

// parserProblem matches the messages of the YAML library's parser (as
// opposed to its scanner). The library prints their line 0-based, and not at
// all on the first line; syntaxProblem corrects that.
var parserProblem = regexp.MustCompile(`^(did not find expected|found duplicate %|found incompatible YAML document|found undefined tag handle)`)

// syntaxProblem turns a YAML parse error into a Problem.
func syntaxProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if parserProblem.MatchString(msg) {
		line++
	}
	return Problem{Line: line, Message: "invalid YAML: " + msg}
}

// The messages of the YAML decoder's type errors, after "line N: ".
var (
	reNotFound   = regexp.MustCompile(`(?s)^field (.*) not found in type (\S+)$`)
	reUnmarshal  = regexp.MustCompile("(?s)^cannot unmarshal (\\S+)(?: `.*`)? into (\\S+)$")
	reDuplicate  = regexp.MustCompile(`(?s)^mapping key (".*") already defined at line (\d+)$`)
	reAlreadySet = regexp.MustCompile(`(?s)^field (.*) already set in type (\S+)$`)
	reColumn     = regexp.MustCompile(`(?s)^column (\d+): (.*)$`)
)

// typeProblem rewrites one of the YAML decoder's type errors ("line 7:
// cannot unmarshal !!str `sk-abc1...` into int64") as a Problem with a field
// path and a message that never repeats the value.
func typeProblem(msg string, ix *index) Problem {
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return Problem{Message: msg}
	}
	line, _ := strconv.Atoi(m[1])
	p := Problem{Line: line, Message: m[2]}
	rest := m[2]
	switch {
	case reNotFound.MatchString(rest):
		sm := reNotFound.FindStringSubmatch(rest)
		key := sm[1]
		if pos := ix.keyAt(line, key); pos != nil {
			p.Column, p.Path = pos.col, parentPath(pos.path)
		}
		p.Message = fmt.Sprintf("unknown key %q", truncate(key, 40)) + suggestKey(key, sm[2])
	case reDuplicate.MatchString(rest), reAlreadySet.MatchString(rest):
		key, first := "", ""
		if sm := reDuplicate.FindStringSubmatch(rest); sm != nil {
			key, _ = strconv.Unquote(sm[1])
			first = " (first defined at line " + sm[2] + ")"
		} else {
			key = reAlreadySet.FindStringSubmatch(rest)[1]
		}
		if pos := ix.keyAt(line, key); pos != nil {
			p.Column, p.Path = pos.col, parentPath(pos.path)
		}
		p.Message = fmt.Sprintf("duplicate key %q%s", truncate(key, 40), first)
	case reUnmarshal.MatchString(rest):
		sm := reUnmarshal.FindStringSubmatch(rest)
		got, want := tagNoun(sm[1]), typeNoun(sm[2])
		if sm[2] == "config.Config" {
			p.Message = "the file must be a mapping of configuration keys, not " + got
			break
		}
		if pos := ix.valueAt(line, 0, sm[1]); pos != nil {
			p.Column, p.Path = pos.valCol, pos.path
		}
		p.Message = fmt.Sprintf("expected %s, got %s", want, got)
	case reColumn.MatchString(rest):
		// The loader's own type errors (Duration) carry the column.
		sm := reColumn.FindStringSubmatch(rest)
		col, _ := strconv.Atoi(sm[1])
		if pos := ix.valueAt(line, col, ""); pos != nil {
			p.Path = pos.path
		}
		p.Column, p.Message = col, sm[2]
	}
	return p
}

// keyAt finds the mapping key written at line.
func (ix *index) keyAt(line int, key string) *position {
	for _, p := range ix.byKeyLine[line] {
		if p.key == key {
			return p
		}
	}
	return nil
}

// valueAt finds the one value written at line (and col, when not 0) with the
// given short tag (any, when ""). Several candidates mean the position is
// ambiguous (flow style), and nil is returned rather than a wrong path.
func (ix *index) valueAt(line, col int, tag string) *position {
	var found *position
	for _, p := range ix.byValLine[line] {
		if (col != 0 && p.valCol != col) || (tag != "" && p.tag != tag) {
			continue
		}
		if found != nil {
			return nil
		}
		found = p
	}
	return found
}

// tagNoun names the kind of a YAML value for a person.
func tagNoun(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!null":
		return "nothing"
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return "a value tagged " + truncate(tag, 40)
}

// typeNoun names what a Go type expects, for a person.
func typeNoun(typ string) string {
	switch {
	case strings.HasPrefix(typ, "[]"):
		return "a list"
	case strings.HasPrefix(typ, "map["), strings.HasPrefix(typ, "config."),
		strings.HasPrefix(typ, "*config."):
		return "a mapping"
	case typ == "string":
		return "a string"
	case typ == "bool":
		return "true or false"
	case strings.HasPrefix(typ, "int"), strings.HasPrefix(typ, "uint"):
		return "a whole number"
	case strings.HasPrefix(typ, "float"):
		return "a number"
	}
	return "a value of type " + typ
}

// suggestKey returns " (did you mean "x"?)" when a known key of the named
// type is close to key, or the list of known keys otherwise.
func suggestKey(key, typeName string) string {
	t, ok := configTypes()[strings.TrimPrefix(typeName, "*")]
	if !ok {
		return ""
	}
	var known []string
	best, bestDist := "", 3 // suggest only within two edits
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		known = append(known, name)
		if d := editDistance(strings.ToLower(key), name); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; known keys: " + strings.Join(known, ", ")
}

// configTypes maps the decoder's names for the configuration's struct types
// ("config.Server") to the types.
func configTypes() map[string]reflect.Type {
	types := map[string]reflect.Type{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || types[t.String()] != nil {
			return
		}
		types[t.String()] = t
		for i := range t.NumField() {
			add(t.Field(i).Type)
		}
	}
	add(reflect.TypeFor[Config]())
	return types
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// truncate shortens s to at most n bytes (whole characters) for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// tlsPath returns the address of one of the TLS file paths, or nil.
func tlsPath(c *Config, i int) *string {
	if c.Server.TLS == nil {
		return nil
	}
	return []*string{&c.Server.TLS.CertFile, &c.Server.TLS.KeyFile, &c.Server.TLS.DeviceCAFile}[i]
}
