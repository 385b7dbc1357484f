package config

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// LoopbackZone is the built-in egress zone holding the loopback networks
// (127.0.0.0/8 and ::1). Like any zone it only applies where it is named.
const LoopbackZone = "loopback"

// minWebhookSecretChars is the shortest HMAC key accepted for a webhook.
const minWebhookSecretChars = 32

// egressPaths returns the file paths of the secrets, egress and export
// settings, to be made absolute against the config file's directory.
func egressPaths(c *Config) []*string {
	var out []*string
	if k := c.Secrets.KEK; k != nil {
		out = append(out, &k.KeysetFile)
		if k.VaultTransit != nil {
			out = append(out, &k.VaultTransit.CAFile)
		}
	}
	if kv := c.Secrets.VaultKV; kv != nil {
		out = append(out, &kv.CAFile)
	}
	for i := range c.Egress.Destinations {
		d := &c.Egress.Destinations[i]
		out = append(out, &d.CAFile, &d.ClientCertFile)
	}
	for i := range c.Audit.Export.Syslog {
		out = append(out, &c.Audit.Export.Syslog[i].CAFile)
	}
	for i := range c.Tools {
		out = append(out, &c.Tools[i].CAFile)
	}
	return out
}

// zones checks the egress zones and returns their names, the built-in
// loopback zone included.
func (v *validator) zones() map[string]bool {
	names := map[string]bool{}
	for i, z := range v.c.Egress.Zones {
		p := fmt.Sprintf("egress.zones[%d]", i)
		if z.Name == LoopbackZone {
			v.add(p+".name", "zone %q is built in (127.0.0.0/8 and ::1); choose another name", LoopbackZone)
		}
		v.name(p+".name", "zone", z.Name, names)
		if len(z.CIDRs) == 0 {
			v.add(p+".cidrs", "must list at least one prefix, such as 10.20.0.0/16")
		}
		for j, c := range z.CIDRs {
			pfx, err := netip.ParsePrefix(c)
			switch {
			case err != nil:
				v.add(fmt.Sprintf("%s.cidrs[%d]", p, j), "%s is not a CIDR prefix such as 10.20.0.0/16", v.quote(fmt.Sprintf("%s.cidrs[%d]", p, j), c))
			case pfx.Bits() == 0:
				v.add(fmt.Sprintf("%s.cidrs[%d]", p, j), "%s opens every address; name the networks the zone holds", v.quote(fmt.Sprintf("%s.cidrs[%d]", p, j), c))
			case pfx.Masked() != pfx:
				v.add(fmt.Sprintf("%s.cidrs[%d]", p, j), "%s has host bits set; write %s", v.quote(fmt.Sprintf("%s.cidrs[%d]", p, j), c), pfx.Masked())
			}
		}
	}
	names[LoopbackZone] = true
	return names
}

// zoneRef checks a reference to a zone.
func (v *validator) zoneRef(path, zone string, zones map[string]bool) {
	if zone != "" && !zones[zone] {
		v.add(path, "names zone %q, which is not defined under egress.zones", zone)
	}
}

// egress checks the egress settings and every zone reference.
func (v *validator) egress() {
	zones := v.zones()
	if v.c.Egress.MaxResponseBytes < 1024 {
		v.add("egress.max_response_bytes", "must be at least 1024")
	}
	seen := map[string]bool{}
	for i, d := range v.c.Egress.Destinations {
		p := fmt.Sprintf("egress.destinations[%d]", i)
		v.name(p+".name", "destination", d.Name, seen)
		if msg := checkDestinationURL(d.URL); msg != "" {
			v.add(p+".url", "%s", msg)
		}
		v.zoneRef(p+".zone", d.Zone, zones)
		if (d.ClientCertFile == "") != (d.ClientKey == "" && v.c.Raw[p+".client_key"] == "") {
			v.add(p, "client_cert_file and client_key go together")
		}
		if d.ClientKey != "" || v.c.Raw[p+".client_key"] != "" {
			v.credential(p+".client_key", "client_key")
		}
	}
	for i, a := range v.c.Agents {
		if a.Upstream != nil {
			v.zoneRef(fmt.Sprintf("agents[%d].upstream.zone", i), a.Upstream.Zone, zones)
		}
	}
	if cl := v.c.Guard.Classifier; cl != nil {
		v.zoneRef("guard.classifier.zone", cl.Zone, zones)
	}
	for i, is := range v.c.Identity.Issuers {
		v.zoneRef(fmt.Sprintf("identity.issuers[%d].zone", i), is.Zone, zones)
	}
	v.secrets(zones)
	v.export(zones)
	v.tools(zones)
}

// checkDestinationURL returns what is wrong with a destination URL, or "".
func checkDestinationURL(raw string) string {
	host := ""
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		host = rest[:end]
	}
	// url.Parse accepts "*" in a host; check the rest on a stand-in.
	wild := strings.HasPrefix(host, "*.")
	u, err := url.Parse(strings.Replace(raw, "://*.", "://wildcard.", 1))
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return "must be an absolute http or https URL, such as https://api.example.com/v2/"
	case u.User != nil:
		return "must not carry credentials"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "must not have a query or fragment"
	case u.Port() != "" && !validPort(u.Port()):
		return "has an invalid port"
	case strings.Contains(strings.TrimPrefix(host, "*."), "*"):
		return "may use * only as the first label of the host, as in https://*.example.com/"
	case wild && net.ParseIP(strings.TrimPrefix(u.Hostname(), "wildcard.")) != nil:
		return "a wildcard host must be a domain name"
	case slices.ContainsFunc(strings.Split(u.Path, "/"), func(seg string) bool { return seg == "." || seg == ".." }) ||
		strings.Contains(strings.ToLower(u.EscapedPath()), "%2f") || strings.Contains(u.Path, "\\"):
		return "path must not contain dot segments or encoded slashes"
	}
	return ""
}

// secrets checks the secret store settings.
func (v *validator) secrets(zones map[string]bool) {
	s := v.c.Secrets
	if k := s.KEK; k != nil {
		n := 0
		for _, set := range []bool{k.KeysetFile != "", k.KeysetEnv != "", k.VaultTransit != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			v.add("secrets.kek", "set exactly one of keyset_file, keyset_env and vault_transit")
		}
		if k.KeysetEnv != "" && !envName.MatchString(k.KeysetEnv) {
			v.add("secrets.kek.keyset_env", "must be an environment variable name such as PALISADE_KEK")
		}
		if t := k.VaultTransit; t != nil {
			v.vault("secrets.kek.vault_transit", t.Address, t.Token, t.Zone, zones)
			if strings.HasPrefix(strings.ToLower(t.Address), "http://") {
				v.add("secrets.kek.vault_transit.address", "Vault Transit is reached over https only")
			}
			if t.Key == "" {
				v.add("secrets.kek.vault_transit.key", "is required")
			}
		}
	}
	if kv := s.VaultKV; kv != nil {
		v.vault("secrets.vault_kv", kv.Address, kv.Token, kv.Zone, zones)
	}
	// Secrets stored in the database cannot protect the database's own
	// credentials, nor the store's key.
	if name, ok := v.c.SecretRef("store.dsn"); ok {
		v.add("store.dsn", "cannot be ${secret:%s}: the secret store lives in this database; use ${env:NAME}", name)
	}
}

// vault checks the shared settings of a Vault connection.
func (v *validator) vault(p, address, token, zone string, zones map[string]bool) {
	if address == "" {
		v.add(p+".address", "is required")
	} else if msg := checkUpstreamURL(address, false); msg != "" {
		v.add(p+".address", "%s", strings.Replace(msg, "prompts and the API key", "the Vault token", 1))
	}
	raw, isRef := v.c.Raw[p+".token"]
	switch {
	case !isRef && token == "":
		v.add(p+".token", "is required: a reference such as ${env:VAULT_TOKEN}")
	case !isRef || !isSingleRef(raw) || !strings.HasPrefix(raw, "${env:"):
		v.add(p+".token", "must be a reference to an environment variable such as ${env:VAULT_TOKEN}")
	}
	v.zoneRef(p+".zone", zone, zones)
}

// export checks the SIEM export sinks.
func (v *validator) export(zones map[string]bool) {
	seen := map[string]bool{}
	for i, w := range v.c.Audit.Export.Webhooks {
		p := fmt.Sprintf("audit.export.webhooks[%d]", i)
		v.name(p+".name", "export sink", w.Name, seen)
		if w.URL == "" {
			v.add(p+".url", "is required")
		} else if msg := checkUpstreamURL(w.URL, false); msg != "" {
			v.add(p+".url", "%s", strings.Replace(msg, "prompts and the API key", "audit events", 1))
		}
		v.zoneRef(p+".zone", w.Zone, zones)
		if w.Secret == "" && v.c.Raw[p+".secret"] == "" {
			v.add(p+".secret", "is required: a reference to the HMAC key, such as ${secret:siem-webhook}")
		} else {
			v.credential(p+".secret", "secret")
			if _, deferred := v.c.SecretRef(p + ".secret"); !deferred && len(w.Secret) < minWebhookSecretChars {
				v.add(p+".secret", "the HMAC key must be at least %d characters", minWebhookSecretChars)
			}
		}
		if w.BatchSize < 1 || w.BatchSize > 1000 {
			v.add(p+".batch_size", "must be between 1 and 1000")
		}
		v.positive(p+".timeout", w.Timeout)
	}
	for i, s := range v.c.Audit.Export.Syslog {
		p := fmt.Sprintf("audit.export.syslog[%d]", i)
		v.name(p+".name", "export sink", s.Name, seen)
		host, port, err := net.SplitHostPort(s.Address)
		if err != nil || host == "" || !validPort(port) {
			v.add(p+".address", "must be host:port, such as siem.example.com:6514")
		} else if !s.TLS && !isLoopback(host) && !s.AllowInsecureTCP {
			v.add(p+".tls", "plain TCP to a host that is not loopback sends audit events unencrypted; set tls: true, or allow_insecure_tcp: true (UNSAFE)")
		}
		if s.CAFile != "" && !s.TLS {
			v.add(p+".ca_file", "is only used with tls: true")
		}
		if s.Facility != nil && (*s.Facility < 0 || *s.Facility > 23) {
			v.add(p+".facility", "must be between 0 and 23")
		}
		v.zoneRef(p+".zone", s.Zone, zones)
	}
	for i, o := range v.c.Audit.Export.OTLP {
		p := fmt.Sprintf("audit.export.otlp[%d]", i)
		v.name(p+".name", "export sink", o.Name, seen)
		if o.Endpoint == "" {
			v.add(p+".endpoint", "is required, such as https://otlp.example.com (which posts to /v1/logs)")
		} else if msg := checkUpstreamURL(o.Endpoint, false); msg != "" {
			msg = strings.Replace(msg, "prompts and the API key", "audit events", 1)
			v.add(p+".endpoint", "%s", strings.Replace(msg, "use api_key with a reference", "use headers with a ${secret:NAME} reference", 1))
		}
		v.zoneRef(p+".zone", o.Zone, zones)
		v.otlpHeaders(p+".headers", o.Headers)
		if o.BatchSize < 1 || o.BatchSize > 1000 {
			v.add(p+".batch_size", "must be between 1 and 1000")
		}
		v.positive(p+".timeout", o.Timeout)
		if o.Compression != "gzip" && o.Compression != "none" {
			v.add(p+".compression", "must be gzip or none")
		}
	}
}

// reservedOTLPHeaders are the headers an OTLP sink sets itself, or that
// belong to the HTTP connection: configuring them is an error rather than
// a setting silently ignored.
var reservedOTLPHeaders = []string{"Connection", "Content-Encoding", "Content-Length", "Content-Type", "Host",
	"Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "User-Agent"}

// otlpHeaders checks the headers of an OTLP sink: names, references (only
// ${secret:NAME} and ${env:NAME}), no control characters, and credentials
// only from references. A value is never quoted: it may be a credential.
func (v *validator) otlpHeaders(p string, headers map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		hp := joinPath(p, name)
		value := headers[name]
		if !headerToken.MatchString(name) {
			v.add(hp, "%s is not an HTTP header name, such as Authorization or X-Scope-OrgID", v.quote(hp, name))
			continue
		}
		if slices.ContainsFunc(reservedOTLPHeaders, func(r string) bool { return strings.EqualFold(r, name) }) {
			v.add(hp, "%s is set by Palisade (or by HTTP itself); leave it out", name)
			continue
		}
		parts, err := ParseHeaderValue(value)
		if err != nil {
			v.add(hp, "%v", err)
			continue
		}
		refs := 0
		for _, part := range parts {
			if part.Scheme != "" {
				refs++
			}
			switch {
			case part.Scheme == "":
				if strings.ContainsFunc(part.Text, func(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) }) {
					v.add(hp, "must not contain control characters or line breaks")
				}
			case part.Scheme != SchemeSecret && part.Scheme != SchemeEnv:
				v.add(hp, "${%s:%s}: a header value takes ${secret:NAME} (read at each delivery) or ${env:NAME} references", part.Scheme, part.Name)
			case part.Scheme == SchemeEnv && !envName.MatchString(part.Name):
				v.add(hp, "${env:%s}: not a valid environment variable name", part.Name)
			}
		}
		switch {
		case len(parts) == 0:
			v.add(hp, "must not be empty")
		case refs == 0 && credentialHeader(name):
			v.add(hp, "header %s carries a credential: take it from a reference, such as \"Bearer ${secret:otlp-token}\", not a value written in the file", name)
		}
	}
}

// credentialHeader reports whether a header name looks like it carries a
// credential (Authorization, X-Api-Key, DD-API-KEY, X-Auth-Token…).
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "password", "credential", "cookie", "session", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// HeaderPart is one piece of a header value as written: literal text, or
// a reference (Scheme and Name set, Text empty).
type HeaderPart struct {
	// Text is literal text ("$${" already turned into "${").
	Text string
	// Scheme and Name are a reference's: ${Scheme:Name}.
	Scheme, Name string
}

// ParseHeaderValue splits a header value of audit.export.otlp[].headers
// into literal text and references. The loader does not resolve references
// in these values (they are map values, and a ${secret:NAME} is read at
// each delivery); the export resolves them with this.
func ParseHeaderValue(s string) ([]HeaderPart, error) {
	segs, err := parseRefs(s)
	if err != nil {
		return nil, err
	}
	out := make([]HeaderPart, len(segs))
	for i, seg := range segs {
		out[i] = HeaderPart{Text: seg.text, Scheme: seg.scheme, Name: seg.name}
	}
	return out, nil
}

// unsafeEgress lists the secrets, egress and export settings that weaken
// the defaults.
func (c *Config) unsafeEgress() []string {
	var out []string
	if k := c.Secrets.KEK; k != nil && k.KeysetFile != "" && c.DataDir != "" {
		if rel, ok := within(c.DataDir, k.KeysetFile); ok {
			out = append(out, fmt.Sprintf("secrets.kek.keyset_file: the key-encryption key (%s) lies in the data directory beside the database, so a copy of the directory decrypts every secret", rel))
		}
	}
	for i, s := range c.Audit.Export.Syslog {
		if s.AllowInsecureTCP {
			out = append(out, fmt.Sprintf("audit.export.syslog[%d].allow_insecure_tcp: audit events go to %q unencrypted", i, s.Name))
		}
	}
	return out
}

// within reports whether path lies inside dir, and returns it relative to
// dir's parent for a message.
func within(dir, path string) (string, bool) {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(d, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.Join(filepath.Base(d), rel), true
}
