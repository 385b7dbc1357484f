package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// BuiltinGuardPolicy is the name of the built-in guard policy.
const BuiltinGuardPolicy = "default"

// Guard channels whose answers may have HTML escaped.
var guardChannels = []string{"openai", "directline"}

var (
	guardActions     = []string{"allow", "audit", "mask", "redact", "block"}
	guardTextActions = []string{"allow", "audit", "redact", "block"} // injection, output: no mask
	findingType      = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	linkHost         = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

const defaultClassifierTimeout = 2 * time.Second

// guardPolicies checks the guard section and returns the names of the
// policies agents and environments may name.
func (v *validator) guard() map[string]bool {
	g := v.c.Guard
	names := map[string]bool{}
	for i, p := range g.Policies {
		path := fmt.Sprintf("guard.policies[%d]", i)
		v.name(path+".name", "guard policy", p.Name, names)
		v.guardRules(path+".inbound", p.Inbound, "output")
		v.guardRules(path+".outbound", p.Outbound, "injection")
		if p.Content != "" && !slices.Contains([]string{"neutralize", "drop", "audit"}, p.Content) {
			v.add(path+".content", "must be neutralize, drop or audit")
		}
		for j, h := range p.LinkHosts {
			if !linkHost.MatchString(h) {
				v.add(fmt.Sprintf("%s.link_hosts[%d]", path, j), "%q must be a lower-case host name such as intranet.example.com or *.example.com", truncate(h, 64))
			}
		}
		for j, ch := range p.EscapeHTML {
			if !slices.Contains(guardChannels, ch) {
				v.add(fmt.Sprintf("%s.escape_html[%d]", path, j), "%q must be a channel: openai or directline", truncate(ch, 64))
			}
		}
		if p.MaxBytes != 0 && (p.MaxBytes < minBodyBytes || p.MaxBytes > maxBodyBytes) {
			v.add(path+".max_bytes", "must be between %d and %d", minBodyBytes, maxBodyBytes)
		}
		if p.Oversize != "" && p.Oversize != "refuse" && p.Oversize != "truncate" {
			v.add(path+".oversize", "must be refuse or truncate")
		}
		if p.StreamHoldback != 0 && (p.StreamHoldback < 32 || p.StreamHoldback > 65536) {
			v.add(path+".stream_holdback", "must be between 32 and 65536")
		}
		if p.Classifier != nil && *p.Classifier && g.Classifier == nil {
			v.add(path+".classifier", "no guard.classifier is configured")
		}
	}
	names[BuiltinGuardPolicy] = true
	if g.DefaultPolicy != "" && !names[g.DefaultPolicy] {
		v.add("guard.default_policy", "no guard policy is named %s", v.quote("guard.default_policy", g.DefaultPolicy))
	}
	detectors := map[string]bool{}
	for i, d := range g.Detectors {
		path := fmt.Sprintf("guard.detectors[%d]", i)
		switch {
		case d.Type == "":
			v.add(path+".type", "is required")
		case !findingType.MatchString(d.Type):
			v.add(path+".type", "%s must be 1 to 64 of a-z, 0-9 and '_', starting with a letter", v.quote(path+".type", d.Type))
		case detectors[d.Type]:
			v.add(path+".type", "detector type %s is used twice", v.quote(path+".type", d.Type))
		}
		detectors[d.Type] = true
		if d.Category != "" && !slices.Contains([]string{"pii", "phi", "secret", "custom"}, d.Category) {
			v.add(path+".category", "must be pii, phi, secret or custom")
		}
		if d.Pattern == "" {
			v.add(path+".pattern", "is required")
		}
		if d.Validator != "" && !slices.Contains([]string{"luhn", "iban", "us_ssn", "verhoeff"}, d.Validator) {
			v.add(path+".validator", "must be luhn, iban, us_ssn or verhoeff")
		}
		if d.Confidence < 0 || d.Confidence > 1 {
			v.add(path+".confidence", "must be between 0 and 1")
		}
	}
	if c := g.Classifier; c != nil {
		p := "guard.classifier"
		if c.Protocol != "prompt_shields" && c.Protocol != "text_classification" {
			v.add(p+".protocol", "must be prompt_shields or text_classification")
		}
		if c.URL == "" {
			v.add(p+".url", "is required")
		} else if msg := checkClassifierURL(c.URL, c.AllowInsecureHTTP); msg != "" {
			v.add(p+".url", "%s", msg)
		}
		if c.APIKey != "" || v.c.Raw[p+".api_key"] != "" {
			v.credential(p+".api_key", "api_key")
		}
		v.positive(p+".timeout", c.Timeout)
		if c.Threshold < 0 || c.Threshold > 1 {
			v.add(p+".threshold", "must be between 0 and 1")
		}
	}
	return names
}

// checkClassifierURL checks a classifier endpoint like a model server's,
// except that a query (Prompt Shields' api-version) is allowed.
func checkClassifierURL(raw string, allowInsecure bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "must be an absolute http or https URL"
	}
	if u.Fragment != "" {
		return "must not have a fragment"
	}
	u.RawQuery = ""
	return checkUpstreamURL(u.String(), allowInsecure)
}

// guardRules checks the actions of one direction; other is the category
// that does not apply in that direction.
func (v *validator) guardRules(path string, r GuardRules, other string) {
	for _, f := range []struct {
		key, val string
		allowed  []string
	}{
		{"pii", r.PII, guardActions}, {"phi", r.PHI, guardActions}, {"secret", r.Secret, guardActions},
		{"injection", r.Injection, guardTextActions}, {"output", r.Output, guardTextActions}, {"custom", r.Custom, guardActions},
	} {
		if f.val == "" {
			continue
		}
		if f.key == other {
			v.add(path+"."+f.key, "%s findings do not occur in this direction", f.key)
			continue
		}
		if !slices.Contains(f.allowed, f.val) {
			v.add(path+"."+f.key, "must be one of %v", f.allowed)
		}
	}
	for _, t := range sortedKeys(r.Types) {
		if !findingType.MatchString(t) {
			v.add(path+".types", "%q is not a finding type (lower-case letters, digits and '_')", truncate(t, 64))
			continue
		}
		if !slices.Contains(guardActions, r.Types[t]) {
			v.add(path+".types."+t, "must be one of %v", guardActions)
		}
	}
	if r.MinConfidence != nil && (*r.MinConfidence < 0 || *r.MinConfidence > 1) {
		v.add(path+".min_confidence", "must be between 0 and 1")
	}
}

// guardRefs checks that agents and environments name existing policies.
func (v *validator) guardRefs(policies map[string]bool) {
	for i, e := range v.c.Environments {
		if e.Guard != "" && !policies[e.Guard] {
			p := fmt.Sprintf("environments[%d].guard", i)
			v.add(p, "no guard policy is named %s", v.quote(p, e.Guard))
		}
	}
	for i, a := range v.c.Agents {
		if a.Guard != "" && !policies[a.Guard] {
			p := fmt.Sprintf("agents[%d].guard", i)
			v.add(p, "no guard policy is named %s", v.quote(p, a.Guard))
		}
	}
}

// unsafeGuard lists the guard settings that weaken the built-in default.
func (c *Config) unsafeGuard() []string {
	var out []string
	weak := func(a string) bool { return a == "allow" || a == "audit" }
	for i, p := range c.Guard.Policies {
		path := fmt.Sprintf("guard.policies[%d]", i)
		if weak(p.Inbound.Injection) {
			out = append(out, fmt.Sprintf("%s.inbound.injection: policy %q lets prompt injection reach the agent", path, p.Name))
		}
		if weak(p.Inbound.Secret) {
			out = append(out, fmt.Sprintf("%s.inbound.secret: policy %q lets secrets reach the agent", path, p.Name))
		}
		if weak(p.Outbound.Secret) {
			out = append(out, fmt.Sprintf("%s.outbound.secret: policy %q lets answers show secrets", path, p.Name))
		}
		if weak(p.Outbound.Output) {
			out = append(out, fmt.Sprintf("%s.outbound.output: policy %q keeps links to other sites and leaked instructions in answers", path, p.Name))
		}
		if p.Content == "audit" {
			out = append(out, fmt.Sprintf("%s.content: policy %q passes instructions found in retrieved content to the model", path, p.Name))
		}
	}
	if cl := c.Guard.Classifier; cl != nil {
		if cl.FailOpen {
			out = append(out, "guard.classifier.fail_open: content is allowed when the classifier cannot answer")
		}
		if cl.AllowInsecureHTTP {
			out = append(out, "guard.classifier.allow_insecure_http: prompts may be sent over plain http to a host that is not loopback")
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
