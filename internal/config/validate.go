package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// namePattern is what environment, region, agent, knowledge source and app
// names look like; the same pattern is in the jsonschema tags.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// labelPattern is what a knowledge label looks like (as the knowledge
// loader stores it: lowercase).
var labelPattern = regexp.MustCompile(`^[a-z0-9._:-]{1,64}$`)

// headerToken is what an HTTP header name looks like (RFC 9110 token).
var headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// Validate checks the configuration as a whole and returns an *Error listing
// every problem, or nil. Load and Parse call it after resolving references;
// its problems carry field paths, and Load and Parse add the file and line.
//
// Credential fields (store.dsn's password, upstream.api_key, app secrets)
// must have been written as references: Validate knows this from c.Raw, so a
// hand-built Config must record its references there too.
//
// A configuration without agents is valid; the server warns about it.
func (c *Config) Validate() error {
	return problems(c.problems()).err()
}

// problems returns every problem with c, unsorted and without positions.
func (c *Config) problems() []Problem {
	v := &validator{c: c}
	v.server()
	if c.DataDir == "" {
		v.add("data_dir", "must not be empty")
	}
	v.store()
	envs := v.environments()
	agents := v.agents(envs)
	apps := v.apps(agents)
	issuers := v.identity()
	v.roles(issuers, apps, agents)
	v.access()
	v.audit()
	v.guardRefs(v.guard())
	v.egress()
	v.telemetry()
	return v.ps
}

// minCheckpointInterval keeps the checkpoint writer from signing in a
// tight loop.
const minCheckpointInterval = Duration(time.Second)

// audit checks the checkpoint settings. The origin becomes the first line
// of every checkpoint and the signing key's name, so it must be one line
// without spaces or "+" (C2SP signed-note key names).
func (v *validator) audit() {
	a := v.c.Audit
	if a.CheckpointEvery < 1 {
		v.add("audit.checkpoint_every", "must be at least 1")
	}
	if a.CheckpointInterval < minCheckpointInterval {
		v.add("audit.checkpoint_interval", "must be at least %s", time.Duration(minCheckpointInterval))
	}
	switch {
	case a.Origin == "":
		// It is derived from server.public_url, which is empty or
		// unusable only when server.addr or server.public_url is
		// reported; otherwise say so here, so nothing passes unnamed.
		if !slices.ContainsFunc(v.ps, func(p Problem) bool { return strings.HasPrefix(p.Path, "server.") }) {
			v.add("audit.origin", "must be set: it could not be derived from server.public_url")
		}
	case !utf8.ValidString(a.Origin) || len(a.Origin) > 255 ||
		strings.ContainsFunc(a.Origin, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '+' }):
		v.add("audit.origin", "%s must be at most 255 characters without spaces, control characters or \"+\", such as \"palisade.example.com/audit\"", v.quote("audit.origin", a.Origin))
	}
}

// validator accumulates problems for one Validate call.
type validator struct {
	c  *Config
	ps problems
}

func (v *validator) add(path, format string, args ...any) { v.ps.add(path, format, args...) }

// quote returns a value for a message: quoted and shortened, or, when the
// field was written with a reference, the reference as written, so that a
// resolved value never reaches a message.
func (v *validator) quote(path, value string) string {
	if raw, ok := v.c.Raw[path]; ok {
		return strconv.Quote(truncate(raw, 70))
	}
	return strconv.Quote(truncate(value, 70))
}

// positive checks a timeout.
func (v *validator) positive(path string, d Duration) {
	if d <= 0 {
		v.add(path, "must be greater than 0")
	}
}

// name checks a name's form and uniqueness among seen.
func (v *validator) name(path, what, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.add(path, "is required")
	case !namePattern.MatchString(name):
		v.add(path, "%s name %s must be 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit", what, v.quote(path, name))
	case seen[name]:
		v.add(path, "%s name %s is used twice", what, v.quote(path, name))
	}
	seen[name] = true
}

func (v *validator) server() {
	s := v.c.Server
	if host, port, err := net.SplitHostPort(s.Addr); err != nil || !validPort(port) {
		v.add("server.addr", "must be host:port with a numeric port, such as 127.0.0.1:8080")
	} else if strings.ContainsAny(host, " /") {
		v.add("server.addr", "has an invalid host")
	} else if msg := checkPublicURL(s.PublicURL); msg != "" {
		v.add("server.public_url", "%s", msg)
	}
	if s.MetricsAddr != "" {
		if host, port, err := net.SplitHostPort(s.MetricsAddr); err != nil || !validPort(port) {
			v.add("server.metrics_addr", "must be host:port with a numeric port, such as 127.0.0.1:9090")
		} else if strings.ContainsAny(host, " /") {
			v.add("server.metrics_addr", "has an invalid host")
		} else if s.MetricsAddr == s.Addr && port != "0" {
			v.add("server.metrics_addr", "must differ from server.addr: metrics are served on a listener of their own")
		}
	}
	if s.MaxBodyBytes < minBodyBytes || s.MaxBodyBytes > maxBodyBytes {
		v.add("server.max_body_bytes", "must be between %d (1 KiB) and %d (64 MiB)", minBodyBytes, maxBodyBytes)
	}
	v.positive("server.read_header_timeout", s.ReadHeaderTimeout)
	v.positive("server.read_timeout", s.ReadTimeout)
	v.positive("server.write_timeout", s.WriteTimeout)
	v.positive("server.idle_timeout", s.IdleTimeout)
	v.positive("server.shutdown_timeout", s.ShutdownTimeout)
	if t := s.TLS; t != nil {
		for _, f := range []struct{ key, path string }{{"cert_file", t.CertFile}, {"key_file", t.KeyFile}, {"device_ca_file", t.DeviceCAFile}} {
			if f.path == "" {
				if f.key != "device_ca_file" {
					v.add("server.tls."+f.key, "is required for HTTPS")
				}
				continue
			}
			if st, err := os.Stat(f.path); err != nil || st.IsDir() {
				v.add("server.tls."+f.key, "cannot read %q", truncate(f.path, 200))
			}
		}
	}
	for i, c := range s.TrustedProxies {
		if _, err := ParsePrefix(c); err != nil {
			v.add(fmt.Sprintf("server.trusted_proxies[%d]", i), "%s", err)
		}
	}
}

// validPort reports whether p is a decimal port number (0 picks a free one).
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535 && p == strconv.Itoa(n)
}

func (v *validator) store() {
	s := v.c.Store
	switch s.Driver {
	case "sqlite":
		if s.Path == "" && v.c.DataDir != "" { // else data_dir is reported
			v.add("store.path", "is required for the sqlite driver")
		}
		if s.DSN != "" {
			v.add("store.dsn", "is only used by the postgres driver; remove it or set driver: postgres")
		}
	case "postgres":
		if s.DSN == "" {
			v.add("store.dsn", "is required for the postgres driver; use a reference such as ${env:PALISADE_POSTGRES_DSN}")
		}
		if s.Path != "" {
			v.add("store.path", "is only used by the sqlite driver")
		}
	default:
		v.add("store.driver", "must be sqlite or postgres")
	}
	if s.DSN != "" {
		masked := s.DSN
		if raw, ok := v.c.Raw["store.dsn"]; ok {
			masked = maskRefs(raw)
		}
		if dsnHasLiteralPassword(masked) {
			v.add("store.dsn", "the password must be a reference such as ${env:NAME}, not a literal secret")
		}
	}
}

// environments checks the environments and returns their names.
func (v *validator) environments() map[string]bool {
	names := map[string]bool{}
	for i, e := range v.c.Environments {
		p := fmt.Sprintf("environments[%d]", i)
		v.name(p+".name", "environment", e.Name, names)
		switch {
		case e.Region == "":
			v.add(p+".region", "is required")
		case !namePattern.MatchString(e.Region):
			v.add(p+".region", "must be 1 to 64 of a-z, 0-9, '.', '_' and '-', such as eu-west")
		}
		if e.RetentionDays < 1 {
			v.add(p+".transcript_retention_days", "must be at least 1 (leave the key out for the default, 30)")
		}
	}
	return names
}

// agents checks the agents and returns their names.
func (v *validator) agents(envs map[string]bool) map[string]bool {
	names := map[string]bool{}
	for i, a := range v.c.Agents {
		p := fmt.Sprintf("agents[%d]", i)
		v.name(p+".name", "agent", a.Name, names)
		switch {
		case a.Environment == "":
			v.add(p+".environment", "is required")
		case !envs[a.Environment]:
			v.add(p+".environment", "no environment is named %s", v.quote(p+".environment", a.Environment))
		}
		v.positive(p+".timeout", a.Timeout)
		switch a.Kind {
		case AgentKnowledge:
			if len(a.Knowledge) == 0 {
				v.add(p+".knowledge", "a knowledge agent needs at least one knowledge source")
			}
			if a.Upstream != nil {
				v.add(p+".upstream", "a knowledge agent has no upstream; use kind: openai for a model server")
			}
		case AgentOpenAI:
			if len(a.Knowledge) > 0 {
				v.add(p+".knowledge", "knowledge sources are only used by kind: knowledge agents")
			}
			if a.Upstream == nil {
				v.add(p+".upstream", "is required for kind: openai")
			} else {
				v.upstream(p+".upstream", a.Upstream)
			}
		case "":
			v.add(p+".kind", "is required (knowledge or openai)")
		default:
			v.add(p+".kind", "must be knowledge or openai")
		}
		sources := map[string]bool{}
		for j, k := range a.Knowledge {
			kp := fmt.Sprintf("%s.knowledge[%d]", p, j)
			v.name(kp+".name", "knowledge source", k.Name, sources)
			if k.Path == "" {
				v.add(kp+".path", "is required")
			}
			for l, label := range k.Labels {
				if !labelPattern.MatchString(label) {
					v.add(fmt.Sprintf("%s.labels[%d]", kp, l), "label %q must be lowercase letters, digits, '.', '_', ':' or '-'", truncate(label, 64))
				}
			}
		}
	}
	return names
}

func (v *validator) upstream(p string, u *Upstream) {
	if u.URL == "" {
		v.add(p+".url", "is required")
	} else if msg := checkUpstreamURL(u.URL, u.AllowInsecureHTTP); msg != "" {
		v.add(p+".url", "%s", msg)
	}
	if u.Model == "" {
		v.add(p+".model", "is required")
	}
	if u.APIKey != "" || v.c.Raw[p+".api_key"] != "" {
		v.credential(p+".api_key", "api_key")
		_, deferred := v.c.SecretRef(p + ".api_key")
		if _, isRef := v.c.Raw[p+".api_key"]; isRef && u.APIKey == "" && !deferred {
			v.add(p+".api_key", "the reference resolved to an empty value")
		}
	}
	if u.APIKeyHeader != "" && !headerToken.MatchString(u.APIKeyHeader) {
		v.add(p+".api_key_header", "must be an HTTP header name, such as Authorization or api-key")
	}
	v.positive(p+".connect_timeout", u.ConnectTimeout)
	v.positive(p+".first_byte_timeout", u.FirstByteTimeout)
}

// checkUpstreamURL returns what is wrong with a model server URL, or "".
// It never quotes the URL, which may carry a token.
func checkUpstreamURL(raw string, allowInsecure bool) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "must be an absolute http or https URL, such as https://api.openai.com/v1"
	case u.User != nil:
		return "must not carry credentials; use api_key with a reference"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "must not have a query or fragment"
	case u.Port() != "" && !validPort(u.Port()):
		return "has an invalid port"
	case u.Scheme == "http" && !isLoopback(u.Hostname()) && !allowInsecure:
		return "plain http to a host that is not loopback sends prompts and the API key unencrypted; " +
			"use https, or set allow_insecure_http: true (UNSAFE)"
	}
	return ""
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// credential checks that a credential field was written as exactly one
// reference.
func (v *validator) credential(path, what string) {
	if raw, ok := v.c.Raw[path]; !ok || !isSingleRef(raw) {
		v.add(path, "%s must be a reference such as ${env:NAME}, not a literal secret", what)
	}
}

// apps checks the apps and returns their names.
func (v *validator) apps(agents map[string]bool) map[string]bool {
	names := map[string]bool{}
	clientIDs := map[string]string{}
	for i, a := range v.c.Apps {
		p := fmt.Sprintf("apps[%d]", i)
		v.name(p+".name", "app", a.Name, names)
		app := v.quote(p+".name", a.Name)
		for j, id := range a.ClientIDs {
			cp := fmt.Sprintf("%s.client_ids[%d]", p, j)
			switch other, dup := clientIDs[id]; {
			case strings.TrimSpace(id) == "":
				v.add(cp, "must not be empty")
			case dup:
				v.add(cp, "client id %s already belongs to app %q; a client id identifies one app", v.quote(cp, id), other)
			}
			clientIDs[id] = a.Name
		}
		switch {
		case len(a.Secrets) == 0 && len(a.ClientIDs) == 0:
			v.add(p+".secrets", "app %s needs at least one secret, or client_ids for user tokens issued to it", app)
		case len(a.Secrets) > maxAppSecrets:
			v.add(p+".secrets", "app %s has %d secrets; at most %d may be active at once (for rotation)", app, len(a.Secrets), maxAppSecrets)
		}
		for j, s := range a.Secrets {
			sp := fmt.Sprintf("%s.secrets[%d]", p, j)
			v.credential(sp, "an app secret")
			if _, isRef := v.c.Raw[sp]; isRef && utf8.RuneCountInString(s) < minSecretChars {
				v.add(sp, "the secret of app %s must be at least %d characters once resolved", app, minSecretChars)
			}
			if j == 1 && s == a.Secrets[0] && s != "" {
				v.add(sp, "app %s has the same secret twice; the second is for rotation and must differ", app)
			}
		}
		if len(a.Agents) == 0 {
			v.add(p+".agents", "app %s must name at least one agent it may reach", app)
		}
		listed := map[string]bool{}
		for j, name := range a.Agents {
			ap := fmt.Sprintf("%s.agents[%d]", p, j)
			switch {
			case !agents[name]:
				v.add(ap, "no agent is named %s", v.quote(ap, name))
			case listed[name]:
				v.add(ap, "agent %s is listed twice", v.quote(ap, name))
			}
			listed[name] = true
		}
		for j, o := range a.Origins {
			if msg := checkOrigin(o); msg != "" {
				v.add(fmt.Sprintf("%s.origins[%d]", p, j), "%s", msg)
			}
		}
		v.positive(p+".token_ttl", a.TokenTTL)
	}
	return names
}

// checkOrigin returns what is wrong with a browser origin, or "".
func checkOrigin(o string) string {
	const form = "must be an origin: scheme://host[:port], such as https://chat.example.com, with no path"
	u, err := url.Parse(o)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || u.User != nil ||
		(u.Scheme != "http" && u.Scheme != "https"):
		return form
	case u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return form
	case u.Port() != "" && !validPort(u.Port()):
		return "has an invalid port"
	case o != strings.ToLower(o):
		return "must be lowercase, as browsers send it"
	case u.Scheme == "http" && !isLocalOrigin(u.Hostname()):
		return "must use https unless the host is localhost or 127.0.0.1"
	}
	return ""
}

// isLocalOrigin reports whether a browser origin host may use plain http.
func isLocalOrigin(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Unsafe lists every unsafe option in effect, one line each, beginning with
// the field path: allow_cross_region on an environment and
// allow_insecure_http on an upstream. The posture report shows them; an
// empty list means none is on.
func (c *Config) Unsafe() []string {
	var out []string
	for i, e := range c.Environments {
		if e.AllowCrossRegion {
			out = append(out, fmt.Sprintf("environments[%d].allow_cross_region: environment %q may move data out of region %q", i, e.Name, e.Region))
		}
	}
	if c.Store.AllowCommitBeforeFsync {
		out = append(out, "store.allow_commit_before_fsync: requests are answered before their audit record is on disk; a power loss can lose the newest audit events")
	}
	for i, is := range c.Identity.Issuers {
		if is.AllowInsecureHTTP {
			out = append(out, fmt.Sprintf("identity.issuers[%d].allow_insecure_http: signing keys of issuer %q may be fetched over plain http", i, is.Name))
		}
	}
	for i, a := range c.Agents {
		if a.Upstream != nil && a.Upstream.AllowInsecureHTTP {
			out = append(out, fmt.Sprintf("agents[%d].upstream.allow_insecure_http: agent %q may send prompts over plain http to a host that is not loopback", i, a.Name))
		}
	}
	out = append(out, c.unsafeGuard()...)
	out = append(out, c.unsafeEgress()...)
	out = append(out, c.unsafeTelemetry()...)
	return out
}
