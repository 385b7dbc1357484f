package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Defaults and limits of tool definitions and calls.
const (
	// DefaultTimeout bounds a whole call (token fetch, request, response
	// body) when the tool sets no Timeout.
	DefaultTimeout = 10 * time.Second
	// MaxTimeout is the longest Timeout a tool may set.
	MaxTimeout = 5 * time.Minute
	// DefaultMaxResponseBytes is the response size limit when the tool sets
	// none.
	DefaultMaxResponseBytes = 256 << 10
	// MaxMaxResponseBytes is the largest MaxResponseBytes a tool may set.
	MaxMaxResponseBytes = 16 << 20
	// MaxArgumentBytes is the largest arguments document a call may pass.
	MaxArgumentBytes = 64 << 10
	// DefaultAssertionHeader carries the user assertion when the tool's
	// AssertionSpec names no header.
	DefaultAssertionHeader = "X-Palisade-Assertion"
	// UserAgent is sent with every tool request.
	UserAgent = "palisade-tools"
)

// Tool is a configured HTTP operation an agent may call by name.
type Tool struct {
	// Name identifies the tool to agents: 1-64 of [a-zA-Z0-9_-].
	Name string
	// Description tells agents what the tool does.
	Description string
	// Method is GET (default), POST, PUT, PATCH or DELETE.
	Method string
	// URL is the absolute http(s) URL. Its path may contain {param}
	// placeholders, each filled with the path-escaped value of a string or
	// number argument of that name (a required property of Parameters);
	// values that are empty, contain '/' or '..', or are '.' are refused.
	// A static query string is kept; the host cannot contain placeholders.
	URL string
	// Parameters is the JSON Schema of the arguments object. It must compile
	// and have "type": "object". Nil means no arguments:
	// {"type":"object","additionalProperties":false}. References to other
	// documents ($ref to files or URLs) are refused.
	Parameters json.RawMessage
	// Query names arguments sent in the query string even when the method
	// sends the others as a JSON body (an OpenAPI operation's query
	// parameters). With GET and DELETE every argument not in the path is
	// a query parameter anyway.
	Query []string
	// Timeout bounds a whole call; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds the response body; 0 means
	// DefaultMaxResponseBytes. A larger response fails the call.
	MaxResponseBytes int64

	// APIKey and OAuth2 are the tool's credentials; at most one may be set.
	APIKey *APIKeyAuth
	// OAuth2 obtains an access token with the client-credentials grant.
	OAuth2 *OAuth2Auth

	// Assertion, when set, makes every call carry a short-lived JWT signed
	// by Palisade that says which user the call is made for.
	Assertion *AssertionSpec
}

// SecretFunc reads a secret at call time (typically from the secret store),
// so rotated secrets take effect without a restart and secrets are not kept
// in the tool definition.
type SecretFunc func(ctx context.Context) (string, error)

// APIKeyAuth sends an API key in a request header.
type APIKeyAuth struct {
	// Header is the header name; "" means "Authorization".
	Header string
	// Prefix is prepended to the value, for example "Bearer ".
	Prefix string
	// Value returns the key; it is called for every request.
	Value SecretFunc
}

// OAuth2Auth obtains access tokens with the OAuth2 client-credentials grant
// (RFC 6749 section 4.4) and sends them as "Authorization: Bearer". Tokens
// are cached per tool until shortly before they expire.
type OAuth2Auth struct {
	// TokenURL is the token endpoint, an absolute http(s) URL. It is called
	// through the Executor's client, so the egress policy must allow it.
	TokenURL string
	// ClientID identifies Palisade to the authorization server.
	ClientID string
	// ClientSecret returns the client secret; it is called for each token
	// request (not for each tool call).
	ClientSecret SecretFunc
	// Scopes are requested with each token.
	Scopes []string
	// Audience, when set, is sent as the "audience" token request parameter
	// (used by Auth0, Okta and others to select the API).
	Audience string
	// SendInBody sends client_id and client_secret in the form body instead
	// of HTTP Basic authentication (the default).
	SendInBody bool
}

// AssertionSpec configures the user assertion a tool sends.
type AssertionSpec struct {
	// Header carries the assertion; "" means DefaultAssertionHeader.
	Header string
	// Audience is the "aud" claim, identifying the downstream API. Required.
	Audience string
	// TTL is the assertion lifetime; 0 means DefaultAssertionTTL, at most
	// MaxAssertionTTL.
	TTL time.Duration
}

var (
	nameRE        = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)
	paramNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	headerNameRE  = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]{1,128}$")
)

// defaultParameters is the schema of tools that take no arguments.
var defaultParameters = json.RawMessage(`{"type":"object","additionalProperties":false}`)

// reservedHeaders may not be used for credentials or assertions: the
// Executor or the HTTP stack sets them.
var reservedHeaders = []string{
	"Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection",
	"Accept", "Accept-Encoding", "User-Agent", "Cookie", "Te", "Trailer", "Upgrade",
	"Proxy-Authorization", "Keep-Alive",
}

// compiled is a validated tool, ready to call.
type compiled struct {
	def        Tool // with defaults filled in
	schema     *jsonschema.Schema
	prefix     string   // scheme://host of URL
	pathParts  []string // literal path pieces; placeholders between them
	pathParams []string // placeholder names; len(pathParts) == len(pathParams)+1
	rawQuery   string   // static query of URL
	origin     string   // scheme://host[:port], lower-case, for redirects
	hasBody    bool
	query      map[string]bool // arguments sent in the query with a body
	apiHeader  string          // canonical API key header
	assertHdr  string          // canonical assertion header
	oauth      *tokenCache
	client     *http.Client // refuses redirects leaving origin
}

// compileTool validates t, fills in defaults and prepares it.
func compileTool(t Tool) (*compiled, error) {
	bad := func(format string, args ...any) error {
		return newErr(ErrBadTool, t.Name, fmt.Sprintf(format, args...), nil)
	}
	if !nameRE.MatchString(t.Name) {
		return nil, newErr(ErrBadTool, "", fmt.Sprintf("tool name %q must be 1-64 letters, digits, '_' or '-'", t.Name), nil)
	}
	c := &compiled{def: t}
	d := &c.def
	d.Method = strings.ToUpper(strings.TrimSpace(d.Method))
	if d.Method == "" {
		d.Method = http.MethodGet
	}
	switch d.Method {
	case http.MethodGet, http.MethodDelete:
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		c.hasBody = true
	default:
		return nil, bad("method %q is not one of GET, POST, PUT, PATCH, DELETE", t.Method)
	}
	switch {
	case d.Timeout == 0:
		d.Timeout = DefaultTimeout
	case d.Timeout < 0 || d.Timeout > MaxTimeout:
		return nil, bad("timeout %v is outside 0..%v", d.Timeout, MaxTimeout)
	}
	switch {
	case d.MaxResponseBytes == 0:
		d.MaxResponseBytes = DefaultMaxResponseBytes
	case d.MaxResponseBytes < 0 || d.MaxResponseBytes > MaxMaxResponseBytes:
		return nil, bad("max response size %d is outside 1..%d bytes", d.MaxResponseBytes, MaxMaxResponseBytes)
	}
	if err := c.parseURL(); err != nil {
		return nil, err
	}
	if len(d.Query) > 0 {
		d.Query = slices.Clone(d.Query)
		c.query = make(map[string]bool, len(d.Query))
		for _, name := range d.Query {
			if slices.Contains(c.pathParams, name) {
				return nil, bad("argument %q cannot be both in the path and in the query", name)
			}
			c.query[name] = true
		}
	}
	if err := c.compileSchema(); err != nil {
		return nil, err
	}
	if d.APIKey != nil && d.OAuth2 != nil {
		return nil, bad("set at most one of api_key and oauth2")
	}
	if k := d.APIKey; k != nil {
		cp := *k
		d.APIKey = &cp
		if cp.Header == "" {
			cp.Header = "Authorization"
		}
		if err := checkHeader(cp.Header); err != nil {
			return nil, bad("api key header: %v", err)
		}
		if cp.Value == nil {
			return nil, bad("api key has no value source")
		}
		if strings.ContainsAny(cp.Prefix, "\r\n") {
			return nil, bad("api key prefix contains a line break")
		}
		c.apiHeader = http.CanonicalHeaderKey(cp.Header)
	}
	if o := d.OAuth2; o != nil {
		cp := *o
		cp.Scopes = slices.Clone(o.Scopes)
		d.OAuth2 = &cp
		u, err := url.Parse(cp.TokenURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
			return nil, bad("oauth2 token URL must be an absolute http(s) URL without credentials or fragment")
		}
		if cp.ClientID == "" {
			return nil, bad("oauth2 client id is empty")
		}
		if cp.ClientSecret == nil {
			return nil, bad("oauth2 client secret has no value source")
		}
		c.oauth = &tokenCache{sem: make(chan struct{}, 1)}
	}
	if a := d.Assertion; a != nil {
		cp := *a
		d.Assertion = &cp
		if cp.Header == "" {
			cp.Header = DefaultAssertionHeader
		}
		if err := checkHeader(cp.Header); err != nil {
			return nil, bad("user assertion header: %v", err)
		}
		c.assertHdr = http.CanonicalHeaderKey(cp.Header)
		if c.assertHdr == c.apiHeader || (d.OAuth2 != nil && c.assertHdr == "Authorization") {
			return nil, bad("user assertion header %q is also used for credentials", cp.Header)
		}
		if cp.Audience == "" {
			return nil, bad("user assertion audience is required")
		}
		switch {
		case cp.TTL == 0:
			cp.TTL = DefaultAssertionTTL
		case cp.TTL < time.Second || cp.TTL > MaxAssertionTTL:
			return nil, bad("user assertion lifetime %v is outside 1s..%v", cp.TTL, MaxAssertionTTL)
		}
	}
	return c, nil
}

func checkHeader(h string) error {
	if !headerNameRE.MatchString(h) {
		return fmt.Errorf("%q is not a valid header name", h)
	}
	for _, r := range reservedHeaders {
		if strings.EqualFold(h, r) {
			return fmt.Errorf("%q is set by Palisade and cannot carry credentials", h)
		}
	}
	return nil
}

// parseURL checks the URL template and splits its path at placeholders.
func (c *compiled) parseURL() error {
	raw := c.def.URL
	bad := func(why string) error {
		return newErr(ErrBadTool, c.def.Name, "URL "+why, nil)
	}
	i := strings.Index(raw, "://")
	if i < 0 {
		return bad("must be an absolute http(s) URL")
	}
	// The path starts at the first '/' after the authority; the query at
	// the first '?'; placeholders may only appear in between.
	rest := raw[i+3:]
	pathStart := strings.IndexAny(rest, "/?#")
	if pathStart < 0 {
		pathStart = len(rest)
	}
	authority := rest[:pathStart]
	tail := rest[pathStart:]
	path, query := tail, ""
	if j := strings.IndexAny(tail, "?#"); j >= 0 {
		path, query = tail[:j], tail[j:]
	}
	if strings.ContainsAny(raw[:i+3]+authority, "{}") || strings.ContainsAny(query, "{}") {
		return bad("may contain {placeholders} only in its path")
	}
	// Check the URL with each placeholder replaced by a plain value.
	filled := placeholderRE.ReplaceAllString(path, "x")
	if strings.ContainsAny(filled, "{}") {
		return bad("has an unbalanced '{' or '}' in its path")
	}
	probe := raw[:i+3] + authority + filled + query
	u, err := url.Parse(probe)
	if err != nil {
		return bad("cannot be parsed")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("must use http or https")
	case u.Host == "" || u.Hostname() == "":
		return bad("has no host")
	case u.User != nil:
		return bad("must not contain credentials (userinfo)")
	case u.Fragment != "" || strings.Contains(query, "#"):
		return bad("must not have a fragment")
	case u.Opaque != "":
		return bad("must be hierarchical")
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "." || seg == ".." {
			return bad("must not contain dot segments")
		}
	}
	c.prefix = raw[:i+3] + authority
	c.origin = origin(u)
	c.rawQuery = u.RawQuery
	pos := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(path, -1) {
		name := path[m[2]:m[3]]
		if !paramNameRE.MatchString(name) {
			return bad(fmt.Sprintf("placeholder {%s} is not a valid parameter name", name))
		}
		c.pathParts = append(c.pathParts, path[pos:m[0]])
		c.pathParams = append(c.pathParams, name)
		pos = m[1]
	}
	c.pathParts = append(c.pathParts, path[pos:])
	if len(c.pathParts[0]) == 0 && len(c.pathParams) > 0 {
		return bad("must start its path with '/' before a placeholder")
	}
	return nil
}

// origin is scheme://host:port with default ports made explicit, lower-case.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// denyLoader refuses every external schema document: a tool's schema must be
// self-contained, and loading files or URLs at config time is a risk.
type denyLoader struct{}

func (denyLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external schema references are not allowed (%s)", u)
}

// compileSchema compiles Parameters and checks it describes an object whose
// required properties include every path placeholder.
func (c *compiled) compileSchema() error {
	raw := c.def.Parameters
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		raw = defaultParameters
	}
	c.def.Parameters = slices.Clone(raw)
	bad := func(why string, err error) error {
		return newErr(ErrBadTool, c.def.Name, "parameters: "+why, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return bad("not valid JSON", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok || obj["type"] != "object" {
		return bad(`must be a JSON Schema with "type": "object"`, nil)
	}
	comp := jsonschema.NewCompiler()
	comp.UseLoader(denyLoader{})
	comp.DefaultDraft(jsonschema.Draft2020)
	const loc = "palisade:tool-parameters.json"
	if err := comp.AddResource(loc, doc); err != nil {
		return bad("invalid schema", err)
	}
	sch, err := comp.Compile(loc)
	if err != nil {
		return newErr(ErrBadTool, c.def.Name, "parameters: invalid schema: "+firstLine(err.Error()), err)
	}
	c.schema = sch
	if len(c.pathParams) > 0 {
		req, _ := obj["required"].([]any)
		for _, p := range c.pathParams {
			if !slices.Contains(req, any(p)) {
				return bad(fmt.Sprintf("the URL placeholder {%s} must be a required property", p), nil)
			}
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
