package config

import (
	"errors"
	"strings"
	"testing"
)

// testEnv is the environment the tests resolve ${env:NAME} against. The
// values are distinctive so a test can check they never reach a message.
var testEnv = map[string]string{
	"OPENAI_API_KEY":       "sk-test-OPENAI-VALUE-never-printed",
	"PALISADE_PG_PASSWORD": "pg-VALUE-never-printed",
	"HR_WEB_SECRET":        "hr-web-secret-VALUE-0123456789abcdef",
	"HR_WEB_SECRET_NEXT":   "hr-web-secret-VALUE-next-0123456789ab",
	"CORP_CLIENT_SECRET":   "corp-client-secret-VALUE",
	"SHORT_SECRET":         "short-VALUE",
	"EMPTY":                "",
	"MODEL":                "gpt-4o-mini",
}

// lookupTestEnv looks a name up in testEnv.
func lookupTestEnv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// parseYAML parses src as the file "test.yaml" against testEnv. src is
// written with tabs for readability in the tests' source; leading tabs are
// turned into two spaces each, since YAML forbids tabs for indentation.
func parseYAML(t *testing.T, src string) (*Config, error) {
	t.Helper()
	return Parse("test.yaml", []byte(yamlText(src)), lookupTestEnv)
}

// yamlText turns each leading tab of every line into two spaces.
func yamlText(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		lines[i] = strings.Repeat("  ", n) + l[n:]
	}
	return strings.Join(lines, "\n")
}

// problemLines returns the lines of a configuration error, failing the test
// when err is not an *Error.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error is %T, want *config.Error: %v", err, err)
	}
	return strings.Split(ce.Error(), "\n")
}

// assertNoValues fails when msg contains any of the secret-like values of
// testEnv (those with "VALUE" in them).
func assertNoValues(t *testing.T, msg string) {
	t.Helper()
	for name, v := range testEnv {
		if strings.Contains(v, "VALUE") && strings.Contains(msg, v) {
			t.Errorf("message reveals the value of %s:\n%s", name, msg)
		}
	}
}

// validYAML is a small valid configuration that validation tests start
// from; each case changes one thing. Lines:
//
//	1 environments:
//	2   - name: eu
//	3     region: eu-west
//	4 agents:
//	5   - name: helper
//	6     environment: eu
//	7     kind: openai
//	8     upstream:
//	9       url: https://llm.example.com/v1
//	10      model: m
//	11      api_key: ${env:OPENAI_API_KEY}
//	12 apps:
//	13  - name: web
//	14    secrets:
//	15      - ${env:HR_WEB_SECRET}
//	16    agents: [helper]
const validYAML = `environments:
	- name: eu
		region: eu-west
agents:
	- name: helper
		environment: eu
		kind: openai
		upstream:
			url: https://llm.example.com/v1
			model: m
			api_key: ${env:OPENAI_API_KEY}
apps:
	- name: web
		secrets:
			- ${env:HR_WEB_SECRET}
		agents: [helper]
`

// edit returns validYAML with old replaced by new (exactly once).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if strings.Count(validYAML, old) != 1 {
		t.Fatalf("edit: %q is not in validYAML exactly once", old)
	}
	return strings.Replace(validYAML, old, new, 1)
}
