package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// update rewrites golden files: go test ./internal/config -run Schema -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Ensure the JSON Schema of the configuration changes only on purpose: it is
// a contract with editors and operators.
func TestSchemaGolden(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/schema.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Schema() differs from %s; if the change is intended, run go test ./internal/config -run TestSchemaGolden -update\ngot:\n%s", golden, got)
	}
}

// Ensure the schema says what the loader does: every object refuses unknown
// keys, every property has a whole description (the tag parser splits on
// unescaped commas, which would cut one short), and the patterns are the
// ones Validate and the Duration decoder use.
func TestSchemaMatchesLoader(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", s["$schema"])
	}
	objects := map[string]any{"(root)": s}
	for name, def := range s["$defs"].(map[string]any) {
		objects[name] = def
	}
	for name, o := range objects {
		o := o.(map[string]any)
		if o["type"] != "object" {
			continue
		}
		if o["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties = %v, want false", name, o["additionalProperties"])
		}
		for prop, p := range o["properties"].(map[string]any) {
			p := p.(map[string]any)
			desc, _ := p["description"].(string)
			if !strings.HasSuffix(desc, ".") {
				t.Errorf("%s.%s: description %q is missing or cut short", name, prop, desc)
			}
			if pat, ok := p["pattern"].(string); ok {
				if _, err := regexp.Compile(pat); err != nil {
					t.Errorf("%s.%s: pattern %q does not compile: %v", name, prop, pat, err)
				}
				if name == "Tool" && prop == "name" {
					if pat != toolNamePattern.String() {
						t.Errorf("%s.%s: pattern %q, want Validate's %q", name, prop, pat, toolNamePattern)
					}
				} else if strings.HasSuffix(prop, "name") || prop == "region" {
					if pat != namePattern.String() {
						t.Errorf("%s.%s: pattern %q, want Validate's %q", name, prop, pat, namePattern)
					}
				}
			}
		}
	}
	dur := s["$defs"].(map[string]any)["Duration"].(map[string]any)
	re := regexp.MustCompile(dur["pattern"].(string))
	for _, d := range []string{"0", "30s", "1h30m", "1.5s", "250ms", "10us"} {
		if !re.MatchString(d) {
			t.Errorf("duration pattern refuses %q", d)
		}
	}
	for _, d := range []string{"", "30", "-1s", "5 m", "1d"} {
		if re.MatchString(d) {
			t.Errorf("duration pattern accepts %q", d)
		}
	}
	ref := regexp.MustCompile(s["$defs"].(map[string]any)["Upstream"].(map[string]any)["properties"].(map[string]any)["api_key"].(map[string]any)["pattern"].(string))
	for raw, want := range map[string]bool{"${env:OPENAI_API_KEY}": true, "${secret:hr/key}": true, "sk-abc": false, "Bearer ${env:K}": false} {
		if ref.MatchString(raw) != want || isSingleRef(raw) != want {
			t.Errorf("reference %q: schema pattern %v, isSingleRef %v; want %v", raw, ref.MatchString(raw), isSingleRef(raw), want)
		}
	}
}
