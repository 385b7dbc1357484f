package config

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Defaults of a tool.
const (
	defaultToolTimeout   = 10 * time.Second
	defaultToolMaxBytes  = 256 << 10
	defaultToolMethod    = http.MethodGet
	defaultAssertionHead = "X-Palisade-Assertion"
)

// toolPlaceholder is a {name} in a tool URL's path.
var toolPlaceholder = regexp.MustCompile(`\{([^{}]*)\}`)

// toolNamePattern is what a tool name looks like: a name that is also a
// valid function name in the OpenAI wire format (no dots).
var toolNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// argName is what a path placeholder may name.
var argName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// applyToolDefaults fills a tool's defaults for the keys the file leaves
// out.
func applyToolDefaults(c *Config, set func(path string) bool) {
	for i := range c.Tools {
		t := &c.Tools[i]
		p := fmt.Sprintf("tools[%d]", i)
		if t.Method == "" && t.OpenAPI == nil {
			t.Method = defaultToolMethod
		}
		if !set(p + ".timeout") {
			t.Timeout = Duration(defaultToolTimeout)
		}
		if !set(p + ".max_response_bytes") {
			t.MaxResponseBytes = defaultToolMaxBytes
		}
		if t.UserAssertion != nil && t.UserAssertion.Header == "" {
			t.UserAssertion.Header = defaultAssertionHead
		}
		if t.Auth != nil && t.Auth.APIKey != nil && t.Auth.APIKey.Header == "" {
			t.Auth.APIKey.Header = defaultAPIKeyHeader
		}
	}
}

// ToolPathPrefix returns the static part of a tool URL's path, before its
// first {placeholder}: the path prefix its egress destination allows.
func ToolPathPrefix(path string) string {
	if i := strings.IndexByte(path, '{'); i >= 0 {
		path = path[:i]
		if j := strings.LastIndexByte(path, '/'); j >= 0 {
			path = path[:j+1]
		}
	}
	return path
}

// tools checks the tools and the agents' references to them.
func (v *validator) tools(zones map[string]bool) {
	names := map[string]bool{}
	for i, t := range v.c.Tools {
		p := fmt.Sprintf("tools[%d]", i)
		switch {
		case t.Name == "":
			v.add(p+".name", "is required")
		case !toolNamePattern.MatchString(t.Name):
			v.add(p+".name", "tool name %s must be 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit", v.quote(p+".name", t.Name))
		case names[t.Name]:
			v.add(p+".name", "tool name %s is used twice", v.quote(p+".name", t.Name))
		}
		names[t.Name] = true
		if strings.TrimSpace(t.Description) == "" {
			v.add(p+".description", "is required: a model reads it to decide when to call the tool")
		}
		if !slices.Contains([]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}, t.Method) {
			v.add(p+".method", "must be GET, POST, PUT, PATCH or DELETE")
		}
		v.toolURL(p+".url", t.URL, "")
		v.zoneRef(p+".zone", t.Zone, zones)
		v.positive(p+".timeout", t.Timeout)
		if t.MaxResponseBytes < 1024 || t.MaxResponseBytes > 10<<20 {
			v.add(p+".max_response_bytes", "must be between 1024 and 10485760")
		}
		if t.Parameters != nil && t.Parameters["type"] != "object" {
			v.add(p+".parameters", `must be an object schema ("type": "object")`)
		}
		if a := t.Auth; a != nil {
			switch {
			case a.APIKey != nil && a.OAuth2 != nil:
				v.add(p+".auth", "set one of api_key and oauth2, not both")
			case a.APIKey != nil:
				if !headerToken.MatchString(a.APIKey.Header) {
					v.add(p+".auth.api_key.header", "must be an HTTP header name, such as X-API-Key")
				}
				v.credential(p+".auth.api_key.value", "value")
			case a.OAuth2 != nil:
				o := a.OAuth2
				if o.TokenURL == "" {
					v.add(p+".auth.oauth2.token_url", "is required")
				} else {
					v.toolURL(p+".auth.oauth2.token_url", o.TokenURL, "token_url")
				}
				if o.ClientID == "" {
					v.add(p+".auth.oauth2.client_id", "is required")
				}
				v.credential(p+".auth.oauth2.client_secret", "client_secret")
			default:
				v.add(p+".auth", "set api_key or oauth2, or leave auth out")
			}
		}
		if a := t.UserAssertion; a != nil {
			if strings.TrimSpace(a.Audience) == "" {
				v.add(p+".user_assertion.audience", "is required: the identifier the tool checks in the assertion's aud claim")
			}
			if !headerToken.MatchString(a.Header) {
				v.add(p+".user_assertion.header", "must be an HTTP header name")
			}
		}
		for j, in := range t.Intents {
			if strings.TrimSpace(in) == "" {
				v.add(fmt.Sprintf("%s.intents[%d]", p, j), "must not be empty")
			}
		}
	}
	for i, a := range v.c.Agents {
		seen := map[string]bool{}
		for j, name := range a.Tools {
			path := fmt.Sprintf("agents[%d].tools[%d]", i, j)
			switch {
			case !names[name]:
				v.add(path, "names tool %q, which is not defined under tools", name)
			case seen[name]:
				v.add(path, "names tool %q twice", name)
			}
			seen[name] = true
		}
	}
}

// toolURL checks a tool's (or its token endpoint's) URL: absolute http or
// https, https unless loopback, no credentials, query or fragment, and
// placeholders only as whole path segments naming an argument.
func (v *validator) toolURL(path, raw, what string) {
	masked := toolPlaceholder.ReplaceAllString(raw, "x")
	if msg := checkUpstreamURL(masked, false); msg != "" {
		v.add(path, "%s", strings.Replace(msg, "prompts and the API key", "tool arguments and credentials", 1))
		return
	}
	if what != "" && strings.Contains(raw, "{") {
		v.add(path, "must not contain placeholders")
		return
	}
	host := raw
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	pathPart := ""
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host, pathPart = host[:i], host[i:]
	}
	if strings.ContainsAny(host, "{}") {
		v.add(path, "placeholders are allowed in the path only")
		return
	}
	for _, seg := range strings.Split(pathPart, "/") {
		if !strings.ContainsAny(seg, "{}") {
			continue
		}
		m := toolPlaceholder.FindStringSubmatch(seg)
		if m == nil || m[0] != seg || !argName.MatchString(m[1]) {
			v.add(path, "a placeholder must be a whole path segment naming an argument, such as /employees/{employee_id}")
			return
		}
	}
}
