package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics on any input, that it returns
// either a valid configuration or an *Error, and that no message ever
// carries a resolved secret value.
func FuzzParse(f *testing.F) {
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(full),
		yamlText(validYAML),
		"",
		"server: {addr: ':0'}\n",
		"agents:\n  - &a {name: x, environment: e, kind: openai}\n  - <<: *a\n    name: y\n",
		"a: &a [*a]\n",
		"x: 1\n---\ny: 2\n",
		"data_dir: ${env:OPENAI_API_KEY}${secret:x}$${y}${\n",
		"apps:\n  - secrets: [\"${env:SHORT_SECRET}\", x, y]\n",
		"store: {driver: postgres, dsn: 'host=db password=${env:PALISADE_PG_PASSWORD}'}\n",
		"store: {driver: postgres, dsn: \"host=db password='x\"}\n",
		"server:\n  max_body_bytes: 1e99\n  read_timeout: 9999999999999h\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, lookupTestEnv)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error is not an *Error with problems: %T %v", err, err)
			}
			if c != nil {
				t.Fatalf("Parse returned a Config with an error")
			}
			for name, v := range testEnv {
				if strings.Contains(v, "VALUE") && strings.Contains(err.Error(), v) && !strings.Contains(string(data), v) {
					t.Fatalf("message reveals the value of %s: %v", name, err)
				}
			}
			return
		}
		if c == nil {
			t.Fatalf("Parse returned neither a Config nor an error")
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a loaded configuration does not validate again: %v", err)
		}
		_ = c.Redacted()
		_ = c.Unsafe()
	})
}

// FuzzReferences checks the reference scanner and the DSN password check on
// any string: no panic, and text without "${" is left exactly as it is.
func FuzzReferences(f *testing.F) {
	for _, seed := range []string{
		"${env:A}", "a$${b}c", "${", "${env:}", "x${secret:a/b}y",
		"postgres://u:${env:P}@h/d?password=x", "host=h password='a\\'b", "password='",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := parseRefs(s)
		if !strings.Contains(s, "${") {
			if err != nil || (s != "" && (len(segs) != 1 || segs[0].text != s)) {
				t.Fatalf("parseRefs(%q) = %v, %v; want the text unchanged", s, segs, err)
			}
		}
		_ = dsnHasLiteralPassword(maskRefs(s))
		_ = isSingleRef(s)
	})
}
