package config

import (
	"slices"
	"strings"
	"testing"
)

// Ensure a tool naming an OpenAPI operation gets its method, URL, argument
// schema, query arguments and description from the document.
func TestToolFromOpenAPI(t *testing.T) {
	const env = "environments:\n\t- name: eu\n\t\tregion: eu-west\nagents:\n\t- name: hr\n\t\tenvironment: eu\n\t\tkind: openai\n\t\ttools: [leave]\n\t\tupstream: {url: \"https://api.openai.com/v1\", model: m}\n"
	c, err := parseYAML(t, env+"tools:\n\t- name: leave\n\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml, operation: requestLeave}\n")
	if err != nil {
		t.Fatal(err)
	}
	tl := c.Tools[0]
	if tl.Method != "POST" || tl.URL != "https://hr.example.com/api/v1/employees/{employeeId}/leave" ||
		!slices.Equal(tl.Query, []string{"dryRun"}) || tl.Description != "Ask for leave" || tl.Parameters["type"] != "object" {
		t.Errorf("tool = %+v", tl)
	}

	tests := []struct {
		name, tool string
		want       []string
	}{
		{"method and url with openapi", "\t\tmethod: GET\n\t\turl: https://hr.example.com/x\n\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml, operation: requestLeave}\n",
			[]string{"test.yaml:12: tools[0].method: must be left out: the OpenAPI operation sets it",
				"test.yaml:13: tools[0].url: must be left out: the OpenAPI operation sets it (openapi.server changes its base URL)"}},
		{"unknown operation", "\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml, operation: fireEveryone}\n",
			[]string{`test.yaml:12: tools[0].openapi.operation: hr.yaml: no operation has operationId "fireEveryone"`}},
		{"missing document", "\t\topenapi: {spec: no-such.yaml, operation: x}\n",
			[]string{"test.yaml:12: tools[0].openapi.spec: cannot be read: open "}},
		{"required header", "\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml, operation: needsHeader}\n",
			[]string{`test.yaml:12: tools[0].openapi: hr.yaml: operation "needsHeader": requires header parameter "X-Tenant", which a tool call cannot set`}},
		{"bad server", "\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml, operation: getLeaveBalance, server: 'ftp://hr'}\n",
			[]string{`test.yaml:12: tools[0].openapi.server: hr.yaml: server URL "ftp://hr" is not an absolute http or https URL: set openapi.server`}},
		{"no operation", "\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml}\n",
			[]string{"test.yaml:12: tools[0].openapi.operation: is required: the operationId to call"}},
		{"unknown key", "\t\topenapi: {spec: ../tools/openapi/testdata/hr.yaml, operation: requestLeave, servers: x}\n",
			[]string{"test.yaml:12: tools[0].openapi: unknown key \"servers\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseYAML(t, env+"tools:\n\t- name: leave\n"+tc.tool)
			got := problemLines(t, err)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("problem %d:\n got  %s\n want %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}
