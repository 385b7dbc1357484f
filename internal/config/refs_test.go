package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"
)

// Ensure references are resolved wherever they appear in a string, that
// resolution failures name the variable and never a value, and that a
// resolved value is not scanned again.
func TestReferences(t *testing.T) {
	tests := []struct {
		name     string
		dataDir  string // the value of data_dir in the file
		want     string // resolved data_dir, when valid
		wantRaw  bool   // the text as written is kept in Raw
		problems []string
	}{
		{name: "whole value", dataDir: "${env:MODEL}", want: "gpt-4o-mini", wantRaw: true},
		{name: "embedded twice", dataDir: "/srv/${env:MODEL}/x/${env:MODEL}", want: "/srv/gpt-4o-mini/x/gpt-4o-mini", wantRaw: true},
		{name: "no reference", dataDir: "/srv/$HOME/{x}", want: "/srv/$HOME/{x}"},
		{name: "escaped", dataDir: "/srv/$${env:MODEL}", want: "/srv/${env:MODEL}", wantRaw: true},
		{name: "empty variable", dataDir: "/srv/${env:EMPTY}x", want: "/srv/x", wantRaw: true},
		{
			name:     "unset variable",
			dataDir:  "${env:NOT_SET}",
			problems: []string{"test.yaml:1: data_dir: cannot resolve ${env:NOT_SET}: environment variable NOT_SET is not set"},
		},
		{
			name:    "every unset variable in one value",
			dataDir: "${env:A_UNSET}/${env:B_UNSET}",
			problems: []string{
				"test.yaml:1: data_dir: cannot resolve ${env:A_UNSET}: environment variable A_UNSET is not set",
				"test.yaml:1: data_dir: cannot resolve ${env:B_UNSET}: environment variable B_UNSET is not set",
			},
		},
		{
			name:     "invalid variable name",
			dataDir:  "${env:MY-VAR}",
			problems: []string{"test.yaml:1: data_dir: cannot resolve ${env:MY-VAR}: not a valid environment variable name"},
		},
		{
			name:     "shell-style reference without a scheme",
			dataDir:  "${MODEL}",
			problems: []string{"test.yaml:1: data_dir: malformed reference; write ${scheme:NAME}, or $${ for a literal ${"},
		},
		{
			name:     "unclosed reference",
			dataDir:  "${env:MODEL",
			problems: []string{"test.yaml:1: data_dir: malformed reference; write ${scheme:NAME}, or $${ for a literal ${"},
		},
		{
			name:     "secret reference without a secret store",
			dataDir:  "${secret:hr-key}",
			problems: []string{"test.yaml:1: data_dir: cannot resolve ${secret:hr-key}: secret references need the secret store, which is not configured"},
		},
		{
			name:     "unknown scheme",
			dataDir:  "${vault:kv/hr}",
			problems: []string{`test.yaml:1: data_dir: cannot resolve ${vault:kv/hr}: unknown reference scheme "vault" (known: env)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "data_dir: '" + tc.dataDir + "'\n"
			c, err := parseYAML(t, src)
			if diff := cmp.Diff(tc.problems, problemLines(t, err)); diff != "" {
				t.Fatalf("problems mismatch (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if c.DataDir != tc.want {
				t.Errorf("data_dir = %q, want %q", c.DataDir, tc.want)
			}
			raw, ok := c.Raw["data_dir"]
			if ok != tc.wantRaw || (ok && raw != tc.dataDir) {
				t.Errorf("Raw[data_dir] = %q, %v; want %q, %v", raw, ok, tc.dataDir, tc.wantRaw)
			}
		})
	}
}

// Ensure a value that comes from the environment is taken literally, even
// if it looks like a reference.
func TestReferenceValuesAreNotRescanned(t *testing.T) {
	env := func(name string) (string, bool) { return "${env:OTHER}", name == "OUTER" }
	c, err := Parse("test.yaml", []byte("data_dir: ${env:OUTER}\n"), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "${env:OTHER}" {
		t.Errorf("data_dir = %q, want the variable's value unchanged", c.DataDir)
	}
}

// Ensure the secret store can plug in as the resolver of ${secret:NAME}, and
// that its errors are reported next to the field.
func TestLoaderSecretResolver(t *testing.T) {
	store := map[string]string{"hr-web": strings.Repeat("k", 40)}
	l := &Loader{Resolvers: map[string]Resolver{
		SchemeEnv: EnvResolver(lookupTestEnv),
		SchemeSecret: ResolverFunc(func(name string) (string, error) {
			if v, ok := store[name]; ok {
				return v, nil
			}
			return "", errors.New("no such secret")
		}),
	}}
	src := yamlText(edit(t, "- ${env:HR_WEB_SECRET}", "- ${secret:hr-web}"))
	c, err := l.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Apps[0].Secrets[0] != store["hr-web"] {
		t.Errorf("secret not resolved from the store")
	}

	src = yamlText(edit(t, "- ${env:HR_WEB_SECRET}", "- ${secret:gone}"))
	_, err = l.Parse("test.yaml", []byte(src))
	want := []string{"test.yaml:15: apps[0].secrets[0]: cannot resolve ${secret:gone}: no such secret"}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

// Ensure the DSN check finds literal passwords in both connection string
// forms, and accepts references and password-less strings.
func TestDSNHasLiteralPassword(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{"${env:DSN}", false},
		{"postgres://app@db/x", false},
		{"postgres://db/x?sslmode=verify-full", false},
		{"postgres://app:${env:PW}@db:5432/x", false},
		{"postgresql://${env:USER}:${env:PW}@db/x", false},
		{"postgres://app:@db/x", false},
		{"postgres://app:hunter2@db/x", true},
		{"postgres://app:pre${env:PW}@db/x", true},
		{"postgres://app:hunter2/x@db/x", true},
		{"postgres://db/x?user=app&password=hunter2", true},
		{"postgres://db/x?user=app&password=${env:PW}", false},
		{"host=db user=app dbname=x", false},
		{"host=db user=app password=${env:PW}", false},
		{"host=db user=app password = hunter2", true},
		{"host=db password='hunter 2' user=app", true},
		{"host=db password='${env:PW}'", false},
		{"host=db password='unterminated", true},
		{"host=db password=", false},
		{"host=db password", false},
		{"password=a\\ b", true},
	}
	for _, tc := range tests {
		if got := dsnHasLiteralPassword(maskRefs(tc.raw)); got != tc.want {
			t.Errorf("dsnHasLiteralPassword(%q) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}

// Ensure Redacted shows references instead of resolved values, hides
// literal credentials, leaves the original untouched, and prints a file that
// loads back into the same configuration.
func TestRedacted(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("testdata/full.yaml", data, lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	if got, want := r.Agents[1].Upstream.APIKey, "${env:OPENAI_API_KEY}"; got != want {
		t.Errorf("redacted api_key = %q, want %q", got, want)
	}
	if got, want := r.Apps[0].Secrets, []string{"${env:HR_WEB_SECRET}", "${env:HR_WEB_SECRET_NEXT}"}; !cmp.Equal(got, want) {
		t.Errorf("redacted secrets = %q, want %q", got, want)
	}
	if c.Agents[1].Upstream.APIKey != testEnv["OPENAI_API_KEY"] || c.Apps[0].Secrets[0] != testEnv["HR_WEB_SECRET"] {
		t.Errorf("Redacted changed the original configuration")
	}

	out, err := yaml.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	assertNoValues(t, string(out))
	again, err := Parse("testdata/full.yaml", out, lookupTestEnv)
	if err != nil {
		t.Fatalf("the redacted configuration does not load back: %v\n%s", err, out)
	}
	if diff := cmp.Diff(c, again, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}

	// A hand-built configuration may hold literal credentials.
	h := Default()
	h.Store = Store{Driver: "postgres", DSN: "postgres://app:hunter2@db/x"}
	h.Agents = []Agent{{Name: "a", Upstream: &Upstream{APIKey: "sk-literal"}}}
	h.Apps = []App{{Name: "w", Secrets: []string{"literal-secret"}}}
	hr := h.Redacted()
	got := []string{hr.Store.DSN, hr.Agents[0].Upstream.APIKey, hr.Apps[0].Secrets[0]}
	want := []string{"[REDACTED]", "[REDACTED]", "[REDACTED]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("literal credentials not redacted (-want +got):\n%s", diff)
	}
	if h.Agents[0].Upstream.APIKey != "sk-literal" {
		t.Errorf("Redacted changed the original upstream")
	}
}

// Ensure a Duration reads and writes Go duration strings in YAML and JSON.
func TestDurationText(t *testing.T) {
	var d Duration
	if err := yaml.Unmarshal([]byte("1h30m"), &d); err != nil || d.D().String() != "1h30m0s" {
		t.Errorf("yaml 1h30m = %v, %v", d, err)
	}
	out, err := yaml.Marshal(Duration(90e9))
	if err != nil || string(out) != "1m30s\n" {
		t.Errorf("yaml marshal = %q, %v", out, err)
	}
	if err := d.UnmarshalText([]byte("5m")); err != nil || d.String() != "5m0s" {
		t.Errorf("UnmarshalText(5m) = %v, %v", d, err)
	}
	if err := d.UnmarshalText([]byte("5")); err == nil {
		t.Errorf("UnmarshalText(5) succeeded, want an error: no unit")
	}
	if b, _ := Duration(30e9).MarshalText(); string(b) != "30s" {
		t.Errorf("MarshalText = %q, want 30s", b)
	}
}
