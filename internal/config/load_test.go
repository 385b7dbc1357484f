package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Ensure the defaults are the documented safe values.
func TestDefault(t *testing.T) {
	want := &Config{
		Server: Server{
			Addr:              "127.0.0.1:8080",
			MaxBodyBytes:      1 << 20,
			ReadHeaderTimeout: Duration(5 * time.Second),
			ReadTimeout:       Duration(30 * time.Second),
			WriteTimeout:      Duration(120 * time.Second),
			IdleTimeout:       Duration(120 * time.Second),
			ShutdownTimeout:   Duration(30 * time.Second),
			PublicURL:         "http://127.0.0.1:8080",
		},
		DataDir: "./palisade-data",
		Store:   Store{Driver: "sqlite", Path: filepath.Join("palisade-data", "palisade.db")},
		Identity: Identity{
			Local:    LocalIdP{AccessTokenTTL: Duration(10 * time.Minute), RefreshTokenTTL: Duration(8 * time.Hour), ServiceTokenTTL: Duration(10 * time.Minute), SigningKeyRotation: Duration(30 * 24 * time.Hour)},
			Sessions: Sessions{Lifetime: Duration(12 * time.Hour), IdleTimeout: Duration(time.Hour)},
		},
		Audit:  Audit{CheckpointEvery: 1000, CheckpointInterval: Duration(time.Minute), Origin: "127.0.0.1:8080/audit"},
		Egress: Egress{MaxResponseBytes: 10 << 20},
	}
	if diff := cmp.Diff(want, Default()); diff != "" {
		t.Errorf("Default() mismatch (-want +got):\n%s", diff)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default() does not validate: %v", err)
	}
	if u := Default().Unsafe(); len(u) != 0 {
		t.Errorf("Default() has unsafe options: %v", u)
	}
}

// Ensure a file that sets nothing yields the defaults, and is valid: an
// empty configuration is allowed (the server warns that it has no agents).
func TestParseEmpty(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"empty file", ""},
		{"comments only", "# nothing yet\n"},
		{"empty document", "---\n"},
		{"empty sections", "server:\nstore:\nagents: []\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseYAML(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Default(), c, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("mismatch with Default() (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure every key of the example file is read, references are resolved
// and recorded, and the relative knowledge path is made absolute against
// the file's directory.
func TestParseFull(t *testing.T) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("testdata/full.yaml", data, lookupTestEnv)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Server: Server{
			Addr:              "127.0.0.1:9443",
			MaxBodyBytes:      2 << 20,
			ReadHeaderTimeout: Duration(3 * time.Second),
			ReadTimeout:       Duration(20 * time.Second),
			WriteTimeout:      Duration(90 * time.Second),
			IdleTimeout:       Duration(2 * time.Minute),
			ShutdownTimeout:   Duration(15 * time.Second),
			PublicURL:         "https://palisade.example.com",
			TrustedProxies:    []string{"10.0.0.0/8"},
		},
		DataDir: "/var/lib/palisade",
		Store: Store{
			Driver: "postgres",
			DSN:    "postgres://palisade:pg-VALUE-never-printed@db.internal:5432/palisade?sslmode=verify-full",
		},
		Environments: []Environment{
			{Name: "eu", Region: "eu-west", RetentionDays: 14},
			{Name: "us", Region: "us-east", RetentionDays: 90, AllowCrossRegion: true},
		},
		Agents: []Agent{
			{
				Name:         "hr-helpdesk",
				Description:  "Answers questions about leave, benefits and payroll.",
				Environment:  "eu",
				Kind:         "knowledge",
				Instructions: "Answer only from the HR handbook and cite the section.",
				Knowledge: []KnowledgeSource{
					{Name: "handbook", Path: filepath.Join(dir, "knowledge", "hr")},
					{Name: "policies", Path: "/srv/palisade/policies", Labels: []string{"hr-internal"}},
				},
				Timeout: Duration(45 * time.Second),
			},
			{
				Name:         "gpt-helpdesk",
				Description:  "General assistant behind an OpenAI-compatible server.",
				Environment:  "us",
				Kind:         "openai",
				Instructions: "You are a careful assistant for employees.",
				Upstream: &Upstream{
					URL:              "https://api.openai.com/v1",
					Model:            "gpt-4o-mini",
					APIKey:           "sk-test-OPENAI-VALUE-never-printed",
					APIKeyHeader:     "Authorization",
					ConnectTimeout:   Duration(5 * time.Second),
					FirstByteTimeout: Duration(30 * time.Second),
				},
				Timeout: Duration(2 * time.Minute),
			},
		},
		Apps: []App{{
			Name:      "hr-web",
			Secrets:   []string{"hr-web-secret-VALUE-0123456789abcdef", "hr-web-secret-VALUE-next-0123456789ab"},
			Agents:    []string{"hr-helpdesk", "gpt-helpdesk"},
			Origins:   []string{"https://hr.example.com", "http://localhost:3000"},
			TokenTTL:  Duration(15 * time.Minute),
			ClientIDs: []string{"hr-web-spa"},
		}},
		Identity: Identity{
			Local: LocalIdP{Enabled: ptr(true), AccessTokenTTL: Duration(15 * time.Minute), RefreshTokenTTL: Duration(12 * time.Hour), ServiceTokenTTL: Duration(10 * time.Minute), SigningKeyRotation: Duration(30 * 24 * time.Hour),
				Clients: []LocalClient{{ID: "palisade-cli", RedirectURIs: []string{"http://127.0.0.1/callback"}}}},
			Sessions: Sessions{Lifetime: Duration(10 * time.Hour), IdleTimeout: Duration(30 * time.Minute), App: "hr-web"},
			Issuers: []Issuer{{
				Name:      "corp",
				Issuer:    "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
				JWKSURL:   "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys",
				Audiences: []string{"api://palisade"}, Algorithms: []string{"RS256"}, Leeway: Duration(time.Minute),
				Claims: ClaimNames{Name: "name", Groups: "groups", Roles: "roles"},
				MFA:    MFAClaims{AMR: []string{"mfa"}, ACR: []string{"possessionorinherence"}},
				SignIn: &SignIn{ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: "corp-client-secret-VALUE",
					Scopes: []string{"openid", "profile", "email", "offline_access"}, DisplayName: "Northwind staff"},
			}}},
		Roles: []Role{
			{Name: "employee", Description: "Every signed-in employee may ask the HR helpdesk.",
				Members: RoleMembers{AllUsers: true}, Permissions: Permissions{Agents: []string{"hr-helpdesk"}}},
			{Name: "hr-staff", Description: "The People team reads HR-internal documents and audits.",
				Members:     RoleMembers{Users: []string{"corp:8d1c7b4e-hr-director"}, Groups: []string{"corp:hr-staff"}, IdPRoles: []string{"corp:HR.Admin"}, Apps: []string{"hr-web"}},
				Permissions: Permissions{Agents: []string{"*"}, Knowledge: []string{"hr-internal", "hr-confidential"}, Tools: []string{"leave-balance"}, Admin: []string{"audit.read"}}},
		},
		Audit: Audit{CheckpointEvery: 500, CheckpointInterval: Duration(30 * time.Second),
			CheckpointDir: filepath.Join(dir, "checkpoints"), Origin: "palisade.example.com/audit",
			Export: AuditExport{
				Webhooks: []AuditWebhook{{Name: "siem", URL: "https://siem.example.com/ingest/palisade", BatchSize: 200, Timeout: Duration(10 * time.Second)}},
				Syslog:   []AuditSyslog{{Name: "soc", Address: "syslog.internal:6514", TLS: true, CAFile: filepath.Join(dir, "soc-ca.pem"), Facility: ptr(13), Zone: "corp"}},
			}},
		Secrets: Secrets{KEK: &SecretsKEK{KeysetFile: "/run/secrets/palisade-kek.json"}},
		Egress: Egress{
			Zones:            []EgressZone{{Name: "corp", CIDRs: []string{"10.20.0.0/16", "fd00:20::/64"}}},
			Destinations:     []EgressDestination{{Name: "leave-api", URL: "https://hr-api.internal/leave/", Zone: "corp", CAFile: filepath.Join(dir, "hr-ca.pem")}},
			MaxResponseBytes: 10 << 20,
		},
		Raw: map[string]string{
			"audit.export.webhooks[0].secret":           "${secret:siem-webhook}",
			"store.dsn":                                 "postgres://palisade:${env:PALISADE_PG_PASSWORD}@db.internal:5432/palisade?sslmode=verify-full",
			"agents[1].upstream.api_key":                "${env:OPENAI_API_KEY}",
			"apps[0].secrets[0]":                        "${env:HR_WEB_SECRET}",
			"apps[0].secrets[1]":                        "${env:HR_WEB_SECRET_NEXT}",
			"identity.issuers[0].sign_in.client_secret": "${env:CORP_CLIENT_SECRET}",
		},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	wantUnsafe := []string{`environments[1].allow_cross_region: environment "us" may move data out of region "us-east"`}
	if diff := cmp.Diff(wantUnsafe, c.Unsafe()); diff != "" {
		t.Errorf("Unsafe() mismatch (-want +got):\n%s", diff)
	}
}

// Ensure allow_commit_before_fsync parses and is reported as unsafe.
func TestCommitBeforeFsyncIsUnsafe(t *testing.T) {
	c, err := parseYAML(t, "store:\n  allow_commit_before_fsync: true\n")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Store.AllowCommitBeforeFsync {
		t.Fatal("allow_commit_before_fsync: true did not set AllowCommitBeforeFsync")
	}
	u := c.Unsafe()
	if len(u) != 1 || !strings.HasPrefix(u[0], "store.allow_commit_before_fsync:") {
		t.Errorf("Unsafe() = %q, want the store.allow_commit_before_fsync entry", u)
	}
}

// Ensure defaults apply to each list element that leaves a key out or sets
// it to null, and not to one that sets it.
func TestElementDefaults(t *testing.T) {
	c, err := parseYAML(t, `environments:
	- name: eu
		region: eu-west
	- name: us
		region: us-east
		transcript_retention_days:
	- name: ap
		region: ap-south
		transcript_retention_days: 7
agents:
	- name: a
		environment: eu
		kind: openai
		upstream:
			url: http://127.0.0.1:11434/v1
			model: llama3
	- name: b
		environment: eu
		kind: openai
		timeout: 5s
		upstream:
			url: http://localhost:11434/v1
			model: llama3
			connect_timeout: 1s
			first_byte_timeout: 2s
			api_key_header: api-key
apps:
	- name: web
		secrets:
			- ${env:HR_WEB_SECRET}
		agents: [a]
	- name: cli
		secrets:
			- ${env:HR_WEB_SECRET}
		agents: [b]
		token_ttl: 1m
data_dir: /srv/p
`)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Retention          []int
		AgentTimeout       []time.Duration
		Connect, FirstByte []time.Duration
		Header             []string
		TokenTTL           []time.Duration
		StorePath          string
	}
	want := got{
		Retention:    []int{30, 30, 7},
		AgentTimeout: []time.Duration{60 * time.Second, 5 * time.Second},
		Connect:      []time.Duration{10 * time.Second, time.Second},
		FirstByte:    []time.Duration{60 * time.Second, 2 * time.Second},
		Header:       []string{"Authorization", "api-key"},
		TokenTTL:     []time.Duration{30 * time.Minute, time.Minute},
		StorePath:    filepath.Join("/srv/p", "palisade.db"),
	}
	var g got
	for _, e := range c.Environments {
		g.Retention = append(g.Retention, e.RetentionDays)
	}
	for _, a := range c.Agents {
		g.AgentTimeout = append(g.AgentTimeout, a.Timeout.D())
		g.Connect = append(g.Connect, a.Upstream.ConnectTimeout.D())
		g.FirstByte = append(g.FirstByte, a.Upstream.FirstByteTimeout.D())
		g.Header = append(g.Header, a.Upstream.APIKeyHeader)
	}
	for _, a := range c.Apps {
		g.TokenTTL = append(g.TokenTTL, a.TokenTTL.D())
	}
	g.StorePath = c.Store.Path
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// Ensure problems found while decoding are reported with the file, the line
// and the field path, and never repeat the offending value.
func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{{
		name: "unknown top-level key with a suggestion",
		src:  "agent: []\n",
		want: []string{`test.yaml:1: unknown key "agent"; did you mean "agents"?`},
	}, {
		name: "unknown nested key",
		src:  "server:\n\taddr: 127.0.0.1:1\n\tlisten: :80\n",
		want: []string{`test.yaml:3: server: unknown key "listen"; known keys: addr, metrics_addr, max_body_bytes, read_header_timeout, read_timeout, write_timeout, idle_timeout, tls, public_url, trusted_proxies, shutdown_timeout`},
	}, {
		name: "unknown key in a list element",
		src:  "agents:\n\t- name: a\n\t\tupstream:\n\t\t\tulr: https://x\n",
		want: []string{`test.yaml:4: agents[0].upstream: unknown key "ulr"; did you mean "url"?`},
	}, {
		name: "duplicate key",
		src:  "server:\n\taddr: 127.0.0.1:1\n\taddr: 127.0.0.1:2\n",
		want: []string{`test.yaml:3: server: duplicate key "addr" (first defined at line 2)`},
	}, {
		name: "duplicate top-level key",
		src:  "data_dir: a\ndata_dir: b\n",
		want: []string{`test.yaml:2: duplicate key "data_dir" (first defined at line 1)`},
	}, {
		name: "bad duration",
		src:  "server:\n\tread_timeout: 30 seconds\n",
		want: []string{`test.yaml:2: server.read_timeout: not a valid duration; use a number with a unit, such as "30s", "5m" or "1h30m"`},
	}, {
		name: "duration without a unit",
		src:  "agents:\n\t- timeout: 30\n",
		want: []string{`test.yaml:2: agents[0].timeout: not a valid duration; use a number with a unit, such as "30s", "5m" or "1h30m"`},
	}, {
		name: "duration given a list",
		src:  "server:\n\tidle_timeout: [1s]\n",
		want: []string{`test.yaml:2: server.idle_timeout: expected a duration; use a number with a unit, such as "30s", "5m" or "1h30m"`},
	}, {
		name: "string for an integer, value not repeated",
		src:  "server:\n\tmax_body_bytes: sk-secret-looking\n",
		want: []string{`test.yaml:2: server.max_body_bytes: expected a whole number, got a string`},
	}, {
		name: "mapping for a list",
		src:  "agents:\n\tname: a\n",
		want: []string{`test.yaml:2: agents: expected a list, got a mapping`},
	}, {
		name: "scalar for a mapping",
		src:  "store: sqlite\n",
		want: []string{`test.yaml:1: store: expected a mapping, got a string`},
	}, {
		name: "mapping inside a string list",
		src:  "apps:\n\t- agents:\n\t\t\t- a\n\t\t\t- {b: c}\n",
		want: []string{`test.yaml:4: apps[0].agents[1]: expected a string, got a mapping`},
	}, {
		name: "boolean given a word",
		src:  "environments:\n\t- allow_cross_region: sometimes\n",
		want: []string{`test.yaml:2: environments[0].allow_cross_region: expected true or false, got a string`},
	}, {
		name: "file is a list",
		src:  "- a\n- b\n",
		want: []string{`test.yaml:1: the file must be a mapping of configuration keys, not a list`},
	}, {
		name: "two documents",
		src:  "data_dir: a\n---\ndata_dir: b\n",
		want: []string{`test.yaml:2: a configuration file holds one YAML document; found another (remove the second ---)`},
	}, {
		name: "YAML syntax error reported where the construct starts",
		src:  "server:\n\taddr: [127.0.0.1\n",
		want: []string{`test.yaml:2: invalid YAML: did not find expected ',' or ']'`},
	}, {
		name: "YAML scanner error",
		src:  "a: b\nserver:\n\taddr: x: y\n",
		want: []string{`test.yaml:3: invalid YAML: mapping values are not allowed in this context`},
	}, {
		name: "tab indentation",
		src:  "server:\n\u0009addr: x\n",
		want: []string{`test.yaml:2: invalid YAML: found character that cannot start any token`},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var (
				c   *Config
				err error
			)
			if tc.name == "tab indentation" {
				c, err = Parse("test.yaml", []byte(tc.src), lookupTestEnv)
			} else {
				c, err = parseYAML(t, tc.src)
			}
			if c != nil {
				t.Errorf("got a Config along with the error")
			}
			if diff := cmp.Diff(tc.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Ensure every decoding problem in a file is reported at once, in file
// order, not just the first.
func TestDecodeReportsAllProblems(t *testing.T) {
	_, err := parseYAML(t, `servr:
	addr: x
server:
	read_timeout: soon
	max_body_bytes: lots
agents:
	- name: a
		kindd: openai
`)
	want := []string{
		`test.yaml:1: unknown key "servr"; did you mean "server"?`,
		`test.yaml:4: server.read_timeout: not a valid duration; use a number with a unit, such as "30s", "5m" or "1h30m"`,
		`test.yaml:5: server.max_body_bytes: expected a whole number, got a string`,
		`test.yaml:8: agents[0]: unknown key "kindd"; did you mean "kind"?`,
	}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

// Ensure the *Error carries structured problems (file, line, column, path)
// and not only text.
func TestErrorStructure(t *testing.T) {
	_, err := parseYAML(t, "server:\n\tmax_body_bytes: 12\n")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error is %T, want *Error", err)
	}
	want := []Problem{{
		File: "test.yaml", Line: 2, Column: 3, Path: "server.max_body_bytes",
		Message: "must be between 1024 (1 KiB) and 67108864 (64 MiB)",
	}}
	if diff := cmp.Diff(want, ce.Problems); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

// Ensure YAML anchors and merge keys work, and that keys brought in by a
// merge count as set (the element default does not override them).
func TestMergeKeys(t *testing.T) {
	c, err := parseYAML(t, `environments:
	- name: eu
		region: eu-west
agents:
	- &base
		name: one
		environment: eu
		kind: openai
		timeout: 10s
		upstream:
			url: http://127.0.0.1:1/v1
			model: m
	- <<: *base
		name: two
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Agents[1].Timeout.D(); got != 10*time.Second {
		t.Errorf("merged timeout = %v, want 10s", got)
	}
}

// Ensure Load reads a file, resolves relative knowledge paths against the
// file's directory (not the working directory), and reports a missing file
// as fs.ErrNotExist.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "palisade.yaml")
	src := `environments:
  - {name: eu, region: eu-west}
agents:
  - name: hr
    environment: eu
    kind: knowledge
    knowledge:
      - {name: handbook, path: docs/handbook}
      - {name: up, path: ../shared}
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "docs", "handbook"), filepath.Join(filepath.Dir(dir), "shared")}
	got := []string{c.Agents[0].Knowledge[0].Path, c.Agents[0].Knowledge[1].Path}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("knowledge paths mismatch (-want +got):\n%s", diff)
	}

	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func ptr[T any](v T) *T { return &v }

// Ensure the audit log's origin is named after the public URL's host
// unless the file names it.
func TestAuditOriginDefault(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"server:\n\tpublic_url: https://gw.example.com/\n", "gw.example.com/audit"},
		{"server:\n\taddr: 0.0.0.0:9000\n", "127.0.0.1:9000/audit"},
		{"server:\n\tpublic_url: https://gw.example.com:8443\naudit:\n\torigin: example.com/palisade-log\n", "example.com/palisade-log"},
	} {
		c, err := parseYAML(t, tc.src)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if c.Audit.Origin != tc.want {
			t.Errorf("%q: origin %q, want %q", tc.src, c.Audit.Origin, tc.want)
		}
	}
}
