package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// A reference is written ${scheme:NAME} anywhere inside a string value and
// replaced by the value it names when the configuration is loaded. "$${"
// writes a literal "${". Resolved values are never scanned again, and never
// appear in an error message.

// Reference schemes.
const (
	// SchemeEnv resolves ${env:NAME} from the process environment.
	SchemeEnv = "env"
	// SchemeSecret resolves ${secret:NAME} from Palisade's secret store.
	// Without a resolver for it (the default), such a reference is an error.
	SchemeSecret = "secret"
)

// Resolver looks up the value a reference names, for one scheme.
//
// Resolve returns the value of name. Its error must describe why the name
// cannot be resolved without ever including a value; the loader puts it in
// a Problem next to the field path and the reference.
type Resolver interface {
	Resolve(name string) (string, error)
}

// ResolverFunc adapts a function to the Resolver interface.
type ResolverFunc func(name string) (string, error)

// Resolve calls f(name).
func (f ResolverFunc) Resolve(name string) (string, error) { return f(name) }

// envName is what an environment variable name may look like.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// EnvResolver resolves ${env:NAME} with lookup (os.LookupEnv when nil).
// A variable that is set to the empty string resolves to ""; an unset one
// is an error.
func EnvResolver(lookup func(string) (string, bool)) Resolver {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return ResolverFunc(func(name string) (string, error) {
		if !envName.MatchString(name) {
			return "", errors.New("not a valid environment variable name")
		}
		v, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return v, nil
	})
}

// errNoSecretStore is the message for ${secret:NAME} until a secret store
// resolver is given to the Loader.
var errNoSecretStore = errors.New("secret references need the secret store, which is not configured")

// errMalformedRef describes a "${" that does not start a valid reference.
var errMalformedRef = errors.New("malformed reference; write ${scheme:NAME}, or $${ for a literal ${")

// refScheme is what a scheme may look like.
var refScheme = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// segment is a piece of a string value: literal text, or a reference.
type segment struct {
	text   string // literal text, when scheme is empty
	scheme string
	name   string
}

// parseRefs splits s into literal text and references.
func parseRefs(s string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return nil, errMalformedRef
			}
			scheme, name, ok := strings.Cut(s[i+2:i+2+end], ":")
			if !ok || !refScheme.MatchString(scheme) || name == "" ||
				strings.ContainsAny(name, " \t\r\n${") {
				return nil, errMalformedRef
			}
			if lit.Len() > 0 {
				segs = append(segs, segment{text: lit.String()})
				lit.Reset()
			}
			segs = append(segs, segment{scheme: scheme, name: name})
			i += end + 3
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	if lit.Len() > 0 {
		segs = append(segs, segment{text: lit.String()})
	}
	return segs, nil
}

// isSingleRef reports whether raw is exactly one reference and nothing else,
// the only form a credential field accepts.
func isSingleRef(raw string) bool {
	segs, err := parseRefs(raw)
	return err == nil && len(segs) == 1 && segs[0].scheme != ""
}

// refMark stands for a reference in masked text.
const refMark = "\x00"

// maskRefs returns raw with every reference replaced by refMark, so the
// structure around references (a DSN's password) can be checked without
// resolving them. A malformed raw string is returned as is.
func maskRefs(raw string) string {
	segs, err := parseRefs(raw)
	if err != nil {
		return raw
	}
	var b strings.Builder
	for _, s := range segs {
		if s.scheme != "" {
			b.WriteString(refMark)
		} else {
			b.WriteString(s.text)
		}
	}
	return b.String()
}

// resolver returns the resolver for a scheme, or an error saying why there
// is none.
func (l *Loader) resolver(scheme string) (Resolver, error) {
	if r, ok := l.Resolvers[scheme]; ok && r != nil {
		return r, nil
	}
	if scheme == SchemeSecret {
		return nil, errNoSecretStore
	}
	known := slices.Sorted(maps.Keys(l.Resolvers))
	if len(known) == 0 {
		return nil, fmt.Errorf("unknown reference scheme %q (no reference schemes are enabled)", scheme)
	}
	return nil, fmt.Errorf("unknown reference scheme %q (known: %s)", scheme, strings.Join(known, ", "))
}

// resolveRefs replaces the references in every string field of c by their
// values, records the text as written in c.Raw, and reports every reference
// that cannot be resolved. A field whose references fail keeps its text as
// written; its path is returned in failed so that validation does not
// report it a second time.
func (l *Loader) resolveRefs(c *Config) (failed map[string]bool, ps problems) {
	failed = map[string]bool{}
	eachString(reflect.ValueOf(c).Elem(), "", func(path string, s *string) {
		if !strings.Contains(*s, "${") {
			return
		}
		segs, err := parseRefs(*s)
		if err != nil {
			ps.add(path, "%v", err)
			failed[path] = true
			return
		}
		if len(segs) == 1 && segs[0].scheme == SchemeSecret && egressCredentialPath.MatchString(path) {
			// Deferred: the value is read from the secret store at the
			// point of egress, never held by the configuration.
			if l.SecretCheck != nil {
				if err := l.SecretCheck(segs[0].name); err != nil {
					ps.add(path, "cannot use ${%s:%s}: %v", segs[0].scheme, segs[0].name, err)
					failed[path] = true
					return
				}
			}
			if c.Raw == nil {
				c.Raw = map[string]string{}
			}
			c.Raw[path] = *s
			*s = ""
			return
		}
		var b strings.Builder
		ok := true
		for _, seg := range segs {
			if seg.scheme == "" {
				b.WriteString(seg.text)
				continue
			}
			v, err := l.lookup(seg)
			if err != nil {
				ps.add(path, "cannot resolve ${%s:%s}: %v", seg.scheme, seg.name, err)
				ok = false
				continue
			}
			b.WriteString(v)
		}
		if !ok {
			failed[path] = true
			return
		}
		if c.Raw == nil {
			c.Raw = map[string]string{}
		}
		c.Raw[path] = *s
		*s = b.String()
	})
	return failed, ps
}

// lookup resolves one reference.
func (l *Loader) lookup(seg segment) (string, error) {
	r, err := l.resolver(seg.scheme)
	if err != nil {
		return "", err
	}
	return r.Resolve(seg.name)
}

// eachString calls fn with the field path and address of every string (and
// string list element) in v, which must be addressable. Field names are the
// yaml keys; fields without one ("-") are skipped.
func eachString(v reflect.Value, path string, fn func(path string, s *string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			eachString(v.Elem(), path, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			eachString(v.Field(i), joinPath(path, name), fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			eachString(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case reflect.String:
		fn(path, v.Addr().Interface().(*string))
	}
}

// egressCredentialPath matches the credential fields that Palisade only
// ever uses on an outbound call. A ${secret:NAME} reference there is not
// resolved when the configuration loads: the field stays empty, c.Raw keeps
// the reference (see SecretRef), and the caller reads the secret from the
// store at the point of egress, so the plaintext is never part of the
// configuration.
var egressCredentialPath = regexp.MustCompile(`^(agents\[\d+\]\.upstream\.api_key|guard\.classifier\.api_key|audit\.export\.webhooks\[\d+\]\.secret|egress\.destinations\[\d+\]\.client_key|tools\[\d+\]\.auth\.(api_key\.value|oauth2\.client_secret))$`)

// SecretRef returns the secret name of the field at path when it was
// written as exactly one ${secret:NAME} reference, which for the fields
// used only at egress is left unresolved (the field itself is empty).
func (c *Config) SecretRef(path string) (string, bool) {
	raw, ok := c.Raw[path]
	if !ok {
		return "", false
	}
	segs, err := parseRefs(raw)
	if err != nil || len(segs) != 1 || segs[0].scheme != SchemeSecret {
		return "", false
	}
	return segs[0].name, true
}

// credentialPath matches the fields that hold credentials: they must be
// references, never literal values.
var credentialPath = regexp.MustCompile(`^(store\.dsn|agents\[\d+\]\.upstream\.api_key|apps\[\d+\]\.secrets\[\d+\]|identity\.issuers\[\d+\]\.sign_in\.client_secret|identity\.local\.clients\[\d+\]\.secret|guard\.classifier\.api_key|audit\.export\.webhooks\[\d+\]\.secret|egress\.destinations\[\d+\]\.client_key|tools\[\d+\]\.auth\.(api_key\.value|oauth2\.client_secret)|secrets\.kek\.vault_transit\.token|secrets\.vault_kv\.token)$`)

// redactedText replaces a literal credential in Redacted output.
const redactedText = "[REDACTED]"

// Redacted returns a deep copy of c that is safe to print or serve: every
// field that was written with a reference shows the reference again instead
// of its resolved value, and any literal credential (which Validate refuses,
// but a hand-built Config may hold) is replaced by "[REDACTED]". A store DSN
// written without references and without a password is kept as is.
func (c *Config) Redacted() *Config {
	r := c.clone()
	eachString(reflect.ValueOf(r).Elem(), "", func(path string, s *string) {
		if raw, ok := c.Raw[path]; ok {
			*s = raw
			return
		}
		if *s == "" || !credentialPath.MatchString(path) {
			return
		}
		if path == "store.dsn" && !dsnHasLiteralPassword(*s) {
			return
		}
		*s = redactedText
	})
	return r
}

// clone returns a deep copy of c.
func (c *Config) clone() *Config {
	r := *c
	r.Environments = slices.Clone(c.Environments)
	r.Agents = slices.Clone(c.Agents)
	for i := range r.Agents {
		a := &r.Agents[i]
		a.Knowledge = slices.Clone(a.Knowledge)
		if a.Upstream != nil {
			u := *a.Upstream
			a.Upstream = &u
		}
	}
	r.Apps = slices.Clone(c.Apps)
	for i := range r.Apps {
		a := &r.Apps[i]
		a.Secrets = slices.Clone(a.Secrets)
		a.Agents = slices.Clone(a.Agents)
		a.Origins = slices.Clone(a.Origins)
	}
	r.Identity.Local.Clients = slices.Clone(c.Identity.Local.Clients)
	r.Identity.Issuers = slices.Clone(c.Identity.Issuers)
	for i := range r.Identity.Issuers {
		is := &r.Identity.Issuers[i]
		if is.SignIn != nil {
			si := *is.SignIn
			is.SignIn = &si
		}
	}
	r.Roles = slices.Clone(c.Roles)
	r.Access.Policies = slices.Clone(c.Access.Policies)
	r.Access.Locations = slices.Clone(c.Access.Locations)
	r.Audit.Export.Webhooks = slices.Clone(c.Audit.Export.Webhooks)
	r.Audit.Export.Syslog = slices.Clone(c.Audit.Export.Syslog)
	r.Audit.Export.OTLP = slices.Clone(c.Audit.Export.OTLP)
	for i := range r.Audit.Export.OTLP {
		r.Audit.Export.OTLP[i].Headers = maps.Clone(r.Audit.Export.OTLP[i].Headers)
	}
	if k := c.Secrets.KEK; k != nil {
		kc := *k
		if k.VaultTransit != nil {
			vt := *k.VaultTransit
			kc.VaultTransit = &vt
		}
		r.Secrets.KEK = &kc
	}
	if kv := c.Secrets.VaultKV; kv != nil {
		kvc := *kv
		r.Secrets.VaultKV = &kvc
	}
	r.Tools = slices.Clone(c.Tools)
	for i := range r.Tools {
		t := &r.Tools[i]
		if t.Auth != nil {
			a := *t.Auth
			if a.APIKey != nil {
				k := *a.APIKey
				a.APIKey = &k
			}
			if a.OAuth2 != nil {
				o := *a.OAuth2
				a.OAuth2 = &o
			}
			t.Auth = &a
		}
	}
	r.Egress.Zones = slices.Clone(c.Egress.Zones)
	r.Egress.Destinations = slices.Clone(c.Egress.Destinations)
	if cl := c.Guard.Classifier; cl != nil {
		clc := *cl
		r.Guard.Classifier = &clc
	}
	r.Raw = maps.Clone(c.Raw)
	return &r
}

// dsnHasLiteralPassword reports whether a PostgreSQL connection string, with
// its references masked (see maskRefs), carries a password that is not
// exactly one reference. It understands the URL form
// (postgres://user:password@host/db?password=…) and the keyword/value form
// (host=db password=… dbname=x). A DSN that is a single reference as a
// whole is fine: the file holds no part of it.
func dsnHasLiteralPassword(masked string) bool {
	if masked == refMark {
		return false
	}
	literal := func(pw string) bool { return pw != "" && pw != refMark }
	if rest, ok := cutAnyPrefix(masked, "postgres://", "postgresql://"); ok {
		// Look for the userinfo up to the query, not just up to the first
		// "/": a password with a stray "/" is still a password.
		pre, query, _ := strings.Cut(rest, "?")
		pre, _, _ = strings.Cut(pre, "#")
		if at := strings.LastIndexByte(pre, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(pre[:at], ":"); ok && literal(pw) {
				return true
			}
		}
		query, _, _ = strings.Cut(query, "#")
		for kv := range strings.SplitSeq(query, "&") {
			if k, v, _ := strings.Cut(kv, "="); k == "password" && literal(v) {
				return true
			}
		}
		return false
	}
	for _, kv := range keywordPairs(masked) {
		if kv[0] == "password" && literal(kv[1]) {
			return true
		}
	}
	return false
}

// cutAnyPrefix is strings.CutPrefix for several prefixes.
func cutAnyPrefix(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return s, false
}

// keywordPairs splits a libpq keyword/value connection string
// ("host=db password='a b' dbname=x") into key and value pairs. Single
// quotes and backslash escapes in values are understood; anything it cannot
// read ends the list.
func keywordPairs(s string) [][2]string {
	var pairs [][2]string
	i := 0
	skipSpace := func() {
		for i < len(s) && strings.IndexByte(" \t\r\n", s[i]) >= 0 {
			i++
		}
	}
	for {
		skipSpace()
		start := i
		for i < len(s) && s[i] != '=' && strings.IndexByte(" \t\r\n", s[i]) < 0 {
			i++
		}
		key := s[start:i]
		skipSpace()
		if key == "" || i >= len(s) || s[i] != '=' {
			return pairs
		}
		i++
		skipSpace()
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i < len(s) {
				i++ // the closing quote
			}
		} else {
			for ; i < len(s) && strings.IndexByte(" \t\r\n", s[i]) < 0; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
		}
		pairs = append(pairs, [2]string{key, val.String()})
	}
}
