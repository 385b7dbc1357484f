package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Ensure each validation rule reports its problem at the right line, with
// the field path, and that the small valid base configuration passes.
func TestValidateRules(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // nil: valid
	}{
		{name: "valid base", src: validYAML},

		// server
		{
			name: "listen address without a port",
			src:  "server:\n\taddr: localhost\n",
			want: []string{"test.yaml:2: server.addr: must be host:port with a numeric port, such as 127.0.0.1:8080"},
		},
		{
			name: "listen address with a named port",
			src:  "server:\n\taddr: ':http'\n",
			want: []string{"test.yaml:2: server.addr: must be host:port with a numeric port, such as 127.0.0.1:8080"},
		},
		{
			name: "body limit below 1 KiB",
			src:  "server:\n\tmax_body_bytes: 1023\n",
			want: []string{"test.yaml:2: server.max_body_bytes: must be between 1024 (1 KiB) and 67108864 (64 MiB)"},
		},
		{
			name: "body limit above 64 MiB",
			src:  "server:\n\tmax_body_bytes: 67108865\n",
			want: []string{"test.yaml:2: server.max_body_bytes: must be between 1024 (1 KiB) and 67108864 (64 MiB)"},
		},
		{
			name: "zero and negative server timeouts",
			src: "server:\n\tread_header_timeout: 0s\n\tread_timeout: -1s\n\twrite_timeout: 0s\n" +
				"\tidle_timeout: 0s\n\tshutdown_timeout: 0s\n",
			want: []string{
				"test.yaml:2: server.read_header_timeout: must be greater than 0",
				"test.yaml:3: server.read_timeout: must be greater than 0",
				"test.yaml:4: server.write_timeout: must be greater than 0",
				"test.yaml:5: server.idle_timeout: must be greater than 0",
				"test.yaml:6: server.shutdown_timeout: must be greater than 0",
			},
		},
		{
			name: "empty data directory",
			src:  "data_dir: ''\n",
			want: []string{"test.yaml:1: data_dir: must not be empty"},
		},

		// audit
		{
			name: "checkpoint settings out of range",
			src:  "audit:\n\tcheckpoint_every: 0\n\tcheckpoint_interval: 500ms\n",
			want: []string{"test.yaml:2: audit.checkpoint_every: must be at least 1",
				"test.yaml:3: audit.checkpoint_interval: must be at least 1s"},
		},
		{
			name: "origin with a space",
			src:  "audit:\n\torigin: my log\n",
			want: []string{`test.yaml:2: audit.origin: "my log" must be at most 255 characters without spaces, control characters or "+", such as "palisade.example.com/audit"`},
		},
		{
			name: "origin with a plus",
			src:  "audit:\n\torigin: a+b/audit\n",
			want: []string{`test.yaml:2: audit.origin: "a+b/audit" must be at most 255 characters without spaces, control characters or "+", such as "palisade.example.com/audit"`},
		},

		// store
		{
			name: "unknown driver",
			src:  "store:\n\tdriver: mysql\n",
			want: []string{"test.yaml:2: store.driver: must be sqlite or postgres"},
		},
		{
			name: "postgres without a DSN",
			src:  "store:\n\tdriver: postgres\n",
			want: []string{"test.yaml:1: store.dsn: is required for the postgres driver; use a reference such as ${env:PALISADE_POSTGRES_DSN}"},
		},
		{
			name: "postgres with a SQLite path",
			src:  "store:\n\tdriver: postgres\n\tdsn: ${env:PALISADE_PG_PASSWORD}\n\tpath: x.db\n",
			want: []string{"test.yaml:4: store.path: is only used by the sqlite driver"},
		},
		{
			name: "sqlite with a DSN",
			src:  "store:\n\tdsn: postgres://db/x\n",
			want: []string{"test.yaml:2: store.dsn: is only used by the postgres driver; remove it or set driver: postgres"},
		},
		{
			name: "literal password in a URL DSN",
			src:  "store:\n\tdriver: postgres\n\tdsn: postgres://app:hunter2@db/x\n",
			want: []string{"test.yaml:3: store.dsn: the password must be a reference such as ${env:NAME}, not a literal secret"},
		},
		{
			name: "literal password in a keyword DSN",
			src:  "store:\n\tdriver: postgres\n\tdsn: host=db user=app password=hunter2\n",
			want: []string{"test.yaml:3: store.dsn: the password must be a reference such as ${env:NAME}, not a literal secret"},
		},
		{
			name: "password reference in a DSN",
			src:  "store:\n\tdriver: postgres\n\tdsn: host=db user=app password=${env:PALISADE_PG_PASSWORD}\n",
		},
		{
			name: "DSN without a password (peer or .pgpass authentication)",
			src:  "store:\n\tdriver: postgres\n\tdsn: postgres://app@db/x?sslmode=verify-full\n",
		},

		// environments
		{
			name: "environment name with capitals",
			src:  edit(t, "\t- name: eu\n", "\t- name: EU\n"),
			want: []string{
				`test.yaml:2: environments[0].name: environment name "EU" must be 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`,
				`test.yaml:6: agents[0].environment: no environment is named "eu"`,
			},
		},
		{
			name: "duplicate environment name",
			src:  edit(t, "\t\tregion: eu-west\n", "\t\tregion: eu-west\n\t- name: eu\n\t\tregion: us-east\n"),
			want: []string{`test.yaml:4: environments[1].name: environment name "eu" is used twice`},
		},
		{
			name: "missing region",
			src:  edit(t, "\t\tregion: eu-west\n", ""),
			want: []string{"test.yaml:2: environments[0].region: is required"},
		},
		{
			name: "malformed region",
			src:  edit(t, "region: eu-west", "region: EU West"),
			want: []string{"test.yaml:3: environments[0].region: must be 1 to 64 of a-z, 0-9, '.', '_' and '-', such as eu-west"},
		},
		{
			name: "explicit zero retention",
			src:  edit(t, "region: eu-west\n", "region: eu-west\n\t\ttranscript_retention_days: 0\n"),
			want: []string{"test.yaml:4: environments[0].transcript_retention_days: must be at least 1 (leave the key out for the default, 30)"},
		},
		{
			name: "negative retention",
			src:  edit(t, "region: eu-west\n", "region: eu-west\n\t\ttranscript_retention_days: -5\n"),
			want: []string{"test.yaml:4: environments[0].transcript_retention_days: must be at least 1 (leave the key out for the default, 30)"},
		},

		// agents
		{
			name: "agent name with a space",
			src:  edit(t, "\t- name: helper\n", "\t- name: help desk\n"),
			want: []string{
				`test.yaml:5: agents[0].name: agent name "help desk" must be 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`,
				`test.yaml:16: apps[0].agents[0]: no agent is named "helper"`,
			},
		},
		{
			name: "duplicate agent name",
			src: edit(t, "apps:\n", "\t- name: helper\n\t\tenvironment: eu\n\t\tkind: knowledge\n"+
				"\t\tknowledge: [{name: kb, path: kb}]\napps:\n"),
			want: []string{`test.yaml:12: agents[1].name: agent name "helper" is used twice`},
		},
		{
			name: "agent without an environment",
			src:  edit(t, "\t\tenvironment: eu\n", ""),
			want: []string{"test.yaml:5: agents[0].environment: is required"},
		},
		{
			name: "agent in an unknown environment",
			src:  edit(t, "environment: eu", "environment: us"),
			want: []string{`test.yaml:6: agents[0].environment: no environment is named "us"`},
		},
		{
			name: "agent without a kind",
			src:  edit(t, "\t\tkind: openai\n", ""),
			want: []string{"test.yaml:5: agents[0].kind: is required (knowledge or openai)"},
		},
		{
			name: "agent of an unknown kind",
			src:  edit(t, "kind: openai", "kind: anthropic"),
			want: []string{"test.yaml:7: agents[0].kind: must be knowledge or openai"},
		},
		{
			name: "zero agent timeout",
			src:  edit(t, "kind: openai\n", "kind: openai\n\t\ttimeout: 0s\n"),
			want: []string{"test.yaml:8: agents[0].timeout: must be greater than 0"},
		},
		{
			name: "knowledge agent without sources but with an upstream",
			src:  edit(t, "kind: openai", "kind: knowledge"),
			want: []string{
				"test.yaml:5: agents[0].knowledge: a knowledge agent needs at least one knowledge source",
				"test.yaml:8: agents[0].upstream: a knowledge agent has no upstream; use kind: openai for a model server",
			},
		},
		{
			name: "openai agent with knowledge sources",
			src:  edit(t, "kind: openai\n", "kind: openai\n\t\tknowledge:\n\t\t\t- {name: kb, path: kb}\n"),
			want: []string{"test.yaml:8: agents[0].knowledge: knowledge sources are only used by kind: knowledge agents"},
		},
		{
			name: "knowledge sources without name or path, and twice the same name",
			src: edit(t, "kind: openai\n\t\tupstream:\n\t\t\turl: https://llm.example.com/v1\n\t\t\tmodel: m\n\t\t\tapi_key: ${env:OPENAI_API_KEY}\n",
				"kind: knowledge\n\t\tknowledge:\n\t\t\t- path: a\n\t\t\t- name: kb\n\t\t\t- name: kb\n\t\t\t\tpath: b\n"),
			want: []string{
				"test.yaml:9: agents[0].knowledge[0].name: is required",
				"test.yaml:10: agents[0].knowledge[1].path: is required",
				`test.yaml:11: agents[0].knowledge[2].name: knowledge source name "kb" is used twice`,
			},
		},

		// upstream
		{
			name: "openai agent without an upstream",
			src:  edit(t, "\t\tupstream:\n\t\t\turl: https://llm.example.com/v1\n\t\t\tmodel: m\n\t\t\tapi_key: ${env:OPENAI_API_KEY}\n", ""),
			want: []string{"test.yaml:5: agents[0].upstream: is required for kind: openai"},
		},
		{
			name: "upstream without url and model",
			src:  edit(t, "\t\t\turl: https://llm.example.com/v1\n\t\t\tmodel: m\n", ""),
			want: []string{
				"test.yaml:8: agents[0].upstream.url: is required",
				"test.yaml:8: agents[0].upstream.model: is required",
			},
		},
		{
			name: "relative upstream url",
			src:  edit(t, "url: https://llm.example.com/v1", "url: llm.example.com/v1"),
			want: []string{"test.yaml:9: agents[0].upstream.url: must be an absolute http or https URL, such as https://api.openai.com/v1"},
		},
		{
			name: "upstream url with another scheme",
			src:  edit(t, "url: https://llm.example.com/v1", "url: ftp://llm.example.com/v1"),
			want: []string{"test.yaml:9: agents[0].upstream.url: must be an absolute http or https URL, such as https://api.openai.com/v1"},
		},
		{
			name: "upstream url with credentials",
			src:  edit(t, "url: https://llm.example.com/v1", "url: https://user:pw@llm.example.com/v1"),
			want: []string{"test.yaml:9: agents[0].upstream.url: must not carry credentials; use api_key with a reference"},
		},
		{
			name: "upstream url with a query",
			src:  edit(t, "url: https://llm.example.com/v1", "url: https://llm.example.com/v1?key=x"),
			want: []string{"test.yaml:9: agents[0].upstream.url: must not have a query or fragment"},
		},
		{
			name: "upstream url with a fragment",
			src:  edit(t, "url: https://llm.example.com/v1", "url: https://llm.example.com/v1#x"),
			want: []string{"test.yaml:9: agents[0].upstream.url: must not have a query or fragment"},
		},
		{
			name: "plain http to a remote host is refused",
			src:  edit(t, "url: https://llm.example.com/v1", "url: http://llm.example.com/v1"),
			want: []string{"test.yaml:9: agents[0].upstream.url: plain http to a host that is not loopback sends prompts and the API key unencrypted; use https, or set allow_insecure_http: true (UNSAFE)"},
		},
		{
			name: "plain http to a remote host with allow_insecure_http",
			src:  edit(t, "url: https://llm.example.com/v1\n", "url: http://10.1.2.3:8000/v1\n\t\t\tallow_insecure_http: true\n"),
		},
		{
			name: "plain http to a loopback address",
			src:  edit(t, "url: https://llm.example.com/v1", "url: http://127.0.0.1:11434/v1"),
		},
		{
			name: "literal api key",
			src:  edit(t, "api_key: ${env:OPENAI_API_KEY}", "api_key: sk-live-abcdef"),
			want: []string{"test.yaml:11: agents[0].upstream.api_key: api_key must be a reference such as ${env:NAME}, not a literal secret"},
		},
		{
			name: "api key mixing a literal and a reference",
			src:  edit(t, "api_key: ${env:OPENAI_API_KEY}", "api_key: Bearer ${env:OPENAI_API_KEY}"),
			want: []string{"test.yaml:11: agents[0].upstream.api_key: api_key must be a reference such as ${env:NAME}, not a literal secret"},
		},
		{
			name: "api key reference to an empty variable",
			src:  edit(t, "api_key: ${env:OPENAI_API_KEY}", "api_key: ${env:EMPTY}"),
			want: []string{"test.yaml:11: agents[0].upstream.api_key: the reference resolved to an empty value"},
		},
		{
			name: "no api key at all (a local model server)",
			src:  edit(t, "\t\t\tapi_key: ${env:OPENAI_API_KEY}\n", ""),
		},
		{
			name: "api key header that is not a header name",
			src:  edit(t, "model: m\n", "model: m\n\t\t\tapi_key_header: 'api key'\n"),
			want: []string{"test.yaml:11: agents[0].upstream.api_key_header: must be an HTTP header name, such as Authorization or api-key"},
		},
		{
			name: "zero upstream timeouts",
			src:  edit(t, "model: m\n", "model: m\n\t\t\tconnect_timeout: 0s\n\t\t\tfirst_byte_timeout: 0s\n"),
			want: []string{
				"test.yaml:11: agents[0].upstream.connect_timeout: must be greater than 0",
				"test.yaml:12: agents[0].upstream.first_byte_timeout: must be greater than 0",
			},
		},

		// apps
		{
			name: "app name with capitals",
			src:  edit(t, "name: web", "name: Web"),
			want: []string{`test.yaml:13: apps[0].name: app name "Web" must be 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`},
		},
		{
			name: "duplicate app name",
			src:  validYAML + "\t- name: web\n\t\tsecrets:\n\t\t\t- ${env:HR_WEB_SECRET}\n\t\tagents: [helper]\n",
			want: []string{`test.yaml:17: apps[1].name: app name "web" is used twice`},
		},
		{
			name: "app without secrets",
			src:  edit(t, "\t\tsecrets:\n\t\t\t- ${env:HR_WEB_SECRET}\n", "\t\tsecrets: []\n"),
			want: []string{`test.yaml:14: apps[0].secrets: app "web" needs at least one secret, or client_ids for user tokens issued to it`},
		},
		{
			name: "app with three secrets",
			src: edit(t, "\t\t\t- ${env:HR_WEB_SECRET}\n",
				"\t\t\t- ${env:HR_WEB_SECRET}\n\t\t\t- ${env:HR_WEB_SECRET_NEXT}\n\t\t\t- ${env:OPENAI_API_KEY}\n"),
			want: []string{`test.yaml:14: apps[0].secrets: app "web" has 3 secrets; at most 2 may be active at once (for rotation)`},
		},
		{
			name: "literal app secret",
			src:  edit(t, "- ${env:HR_WEB_SECRET}", "- correct-horse-battery-staple-0123456789"),
			want: []string{"test.yaml:15: apps[0].secrets[0]: an app secret must be a reference such as ${env:NAME}, not a literal secret"},
		},
		{
			name: "short app secret",
			src:  edit(t, "- ${env:HR_WEB_SECRET}", "- ${env:SHORT_SECRET}"),
			want: []string{`test.yaml:15: apps[0].secrets[0]: the secret of app "web" must be at least 32 characters once resolved`},
		},
		{
			name: "the same secret twice",
			src:  edit(t, "\t\t\t- ${env:HR_WEB_SECRET}\n", "\t\t\t- ${env:HR_WEB_SECRET}\n\t\t\t- ${env:HR_WEB_SECRET}\n"),
			want: []string{`test.yaml:16: apps[0].secrets[1]: app "web" has the same secret twice; the second is for rotation and must differ`},
		},
		{
			name: "app without agents",
			src:  edit(t, "agents: [helper]", "agents: []"),
			want: []string{`test.yaml:16: apps[0].agents: app "web" must name at least one agent it may reach`},
		},
		{
			name: "app naming an unknown agent, and an agent twice",
			src:  edit(t, "agents: [helper]", "agents: [helper, ghost, helper]"),
			want: []string{
				`test.yaml:16: apps[0].agents[1]: no agent is named "ghost"`,
				`test.yaml:16: apps[0].agents[2]: agent "helper" is listed twice`,
			},
		},
		{
			name: "origins",
			src: validYAML + "\t\torigins:\n" +
				"\t\t\t- https://chat.example.com\n" + // 18: fine
				"\t\t\t- https://chat.example.com:8443\n" + // 19: fine
				"\t\t\t- http://localhost:3000\n" + // 20: fine, local
				"\t\t\t- http://127.0.0.1:3000\n" + // 21: fine, local
				"\t\t\t- https://chat.example.com/\n" + // 22: path
				"\t\t\t- http://chat.example.com\n" + // 23: plain http
				"\t\t\t- https://Chat.example.com\n" + // 24: capitals
				"\t\t\t- '*'\n" + // 25: wildcard
				"\t\t\t- https://chat.example.com:99999\n" + // 26: port
				"\t\t\t- https://chat.example.com?x=1\n", // 27: query
			want: []string{
				"test.yaml:22: apps[0].origins[4]: must be an origin: scheme://host[:port], such as https://chat.example.com, with no path",
				"test.yaml:23: apps[0].origins[5]: must use https unless the host is localhost or 127.0.0.1",
				"test.yaml:24: apps[0].origins[6]: must be lowercase, as browsers send it",
				"test.yaml:25: apps[0].origins[7]: must be an origin: scheme://host[:port], such as https://chat.example.com, with no path",
				"test.yaml:26: apps[0].origins[8]: has an invalid port",
				"test.yaml:27: apps[0].origins[9]: must be an origin: scheme://host[:port], such as https://chat.example.com, with no path",
			},
		},
		{
			name: "zero token lifetime",
			src:  validYAML + "\t\ttoken_ttl: 0s\n",
			want: []string{"test.yaml:17: apps[0].token_ttl: must be greater than 0"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseYAML(t, tc.src)
			got := problemLines(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if (err == nil) != (c != nil) {
				t.Errorf("Parse returned config %v with error %v; want exactly one", c != nil, err)
			}
			if err != nil {
				assertNoValues(t, err.Error())
			}
		})
	}
}

// Ensure problems from different sections and kinds are all reported in
// one error, sorted by line.
func TestValidateReportsAllProblems(t *testing.T) {
	_, err := parseYAML(t, `server:
	max_body_bytes: 10
environments:
	- name: eu
		region: eu-west
		transcript_retention_days: 0
agents:
	- name: a
		environment: nowhere
		kind: openai
		upstream:
			url: http://llm.example.com
			model: m
			api_key: sk-literal
apps:
	- name: web
		secrets:
			- ${env:MISSING_SECRET}
		agents: [b]
`)
	want := []string{
		"test.yaml:2: server.max_body_bytes: must be between 1024 (1 KiB) and 67108864 (64 MiB)",
		"test.yaml:6: environments[0].transcript_retention_days: must be at least 1 (leave the key out for the default, 30)",
		`test.yaml:9: agents[0].environment: no environment is named "nowhere"`,
		"test.yaml:12: agents[0].upstream.url: plain http to a host that is not loopback sends prompts and the API key unencrypted; use https, or set allow_insecure_http: true (UNSAFE)",
		"test.yaml:14: agents[0].upstream.api_key: api_key must be a reference such as ${env:NAME}, not a literal secret",
		"test.yaml:18: apps[0].secrets[0]: cannot resolve ${env:MISSING_SECRET}: environment variable MISSING_SECRET is not set",
		`test.yaml:19: apps[0].agents[0]: no agent is named "b"`,
	}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

// Ensure Validate works on a Config built in Go: problems carry paths but no
// file or line, and credentials must still be recorded as references.
func TestValidateHandBuilt(t *testing.T) {
	c := Default()
	c.Environments = []Environment{{Name: "eu", Region: "eu-west", RetentionDays: 30}}
	c.Agents = []Agent{{Name: "kb", Environment: "eu", Kind: AgentKnowledge, Timeout: Duration(1),
		Knowledge: []KnowledgeSource{{Name: "docs", Path: "/srv/docs"}}}}
	c.Apps = []App{{Name: "web", Secrets: []string{strings.Repeat("s", 40)}, Agents: []string{"kb"}, TokenTTL: Duration(1)}}
	err := c.Validate()
	want := []string{"apps[0].secrets[0]: an app secret must be a reference such as ${env:NAME}, not a literal secret"}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}

	c.Raw = map[string]string{"apps[0].secrets[0]": "${env:WEB_SECRET}"}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil once the secret is recorded as a reference", err)
	}
}

// Ensure Unsafe lists every unsafe flag that is on, and nothing else.
func TestUnsafe(t *testing.T) {
	c, err := parseYAML(t, `environments:
	- {name: eu, region: eu-west}
	- {name: us, region: us-east, allow_cross_region: true}
agents:
	- name: local
		environment: eu
		kind: openai
		upstream: {url: "http://127.0.0.1:8000/v1", model: m}
	- name: lan
		environment: us
		kind: openai
		upstream: {url: "http://10.0.0.5:8000/v1", model: m, allow_insecure_http: true}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`environments[1].allow_cross_region: environment "us" may move data out of region "us-east"`,
		`agents[1].upstream.allow_insecure_http: agent "lan" may send prompts over plain http to a host that is not loopback`,
	}
	if diff := cmp.Diff(want, c.Unsafe()); diff != "" {
		t.Errorf("Unsafe() mismatch (-want +got):\n%s", diff)
	}
}

// Ensure the upstream URL rule tells loopback hosts (plain http allowed)
// from the rest.
func TestCheckUpstreamURL(t *testing.T) {
	const insecure = "plain http to a host that is not loopback sends prompts and the API key unencrypted; " +
		"use https, or set allow_insecure_http: true (UNSAFE)"
	tests := []struct {
		url           string
		allowInsecure bool
		want          string
	}{
		{"https://api.openai.com/v1", false, ""},
		{"http://localhost:11434/v1", false, ""},
		{"http://LOCALHOST:11434/v1", false, ""},
		{"http://127.0.0.1:11434/v1", false, ""},
		{"http://127.1.2.3/v1", false, ""},
		{"http://[::1]:11434/v1", false, ""},
		{"http://localhost.example.com/v1", false, insecure},
		{"http://192.168.1.10/v1", false, insecure},
		{"http://[fe80::1]/v1", false, insecure},
		{"http://192.168.1.10/v1", true, ""},
		{"https://api.example.com:0x50/v1", false, "must be an absolute http or https URL, such as https://api.openai.com/v1"},
		{"https://api.example.com:70000/v1", false, "has an invalid port"},
		{"https:///v1", false, "must be an absolute http or https URL, such as https://api.openai.com/v1"},
		{"mailto:a@example.com", false, "must be an absolute http or https URL, such as https://api.openai.com/v1"},
	}
	for _, tc := range tests {
		if got := checkUpstreamURL(tc.url, tc.allowInsecure); got != tc.want {
			t.Errorf("checkUpstreamURL(%q, %v) = %q, want %q", tc.url, tc.allowInsecure, got, tc.want)
		}
	}
}
