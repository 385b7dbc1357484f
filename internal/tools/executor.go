package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/telemetry"
)

// Options configures an Executor.
type Options struct {
	// Client sends every request (tool calls and OAuth2 token requests).
	// Required; it should be the egress client (egress.Client.HTTPClient),
	// so the egress policy applies. The Executor uses copies whose
	// CheckRedirect also refuses redirects that leave the tool's origin
	// (and, for token requests, all redirects), then defers to Client's own.
	Client *http.Client
	// Signer signs user assertions. Required if any tool has an Assertion.
	Signer *Signer
	// Now is the clock for OAuth2 token expiry (nil: time.Now). Assertion
	// times come from the Signer's clock.
	Now func() time.Time
}

// Executor validates and performs tool calls. It is safe for concurrent use.
type Executor struct {
	tools       map[string]*compiled
	order       []string
	client      *http.Client
	tokenClient *http.Client
	signer      *Signer
	now         func() time.Time
}

// Result is the successful (2xx) answer of a tool call.
type Result struct {
	// Status is the HTTP status code.
	Status int
	// ContentType is the response's Content-Type header.
	ContentType string
	// Body is the response body, at most the tool's MaxResponseBytes.
	// Occurrences of the credentials used for the call are replaced by
	// "[REDACTED]", so an API echoing them cannot leak them to the agent.
	Body []byte
	// Duration is the wall time of the call, credentials included.
	Duration time.Duration
}

// errRedirectRefused is returned by the per-tool CheckRedirect.
var errRedirectRefused = errors.New("redirect to another origin refused")

// NewExecutor validates tools (names unique and well-formed, methods, URL
// templates, schemas, credentials, assertions) and returns an Executor that
// calls them through opts.Client. Every problem is an ErrBadTool error.
func NewExecutor(tools []Tool, opts Options) (*Executor, error) {
	if opts.Client == nil {
		return nil, newErr(ErrBadTool, "", "an HTTP client is required", nil)
	}
	e := &Executor{tools: make(map[string]*compiled, len(tools)), client: opts.Client, signer: opts.Signer, now: opts.Now}
	if e.now == nil {
		e.now = time.Now
	}
	// Token endpoints never legitimately redirect; following one would
	// resend the client credentials elsewhere.
	tc := *opts.Client
	tc.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirectRefused }
	e.tokenClient = &tc
	for _, t := range tools {
		c, err := compileTool(t)
		if err != nil {
			return nil, err
		}
		if _, dup := e.tools[c.def.Name]; dup {
			return nil, newErr(ErrBadTool, c.def.Name, "another tool has the same name", nil)
		}
		if c.def.Assertion != nil && opts.Signer == nil {
			return nil, newErr(ErrBadTool, c.def.Name, "the tool sends a user assertion but no signer is configured", nil)
		}
		c.client = sameOriginClient(opts.Client, c.origin)
		e.tools[c.def.Name] = c
		e.order = append(e.order, c.def.Name)
	}
	return e, nil
}

// sameOriginClient returns a copy of hc that refuses redirects leaving
// origin, then applies hc's own redirect check (or Go's 10-hop limit).
func sameOriginClient(hc *http.Client, origin_ string) *http.Client {
	cp := *hc
	next := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if origin(req.URL) != origin_ {
			return errRedirectRefused
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// Tool returns a copy of the named tool's definition, defaults filled in.
func (e *Executor) Tool(name string) (*Tool, bool) {
	c, ok := e.tools[name]
	if !ok {
		return nil, false
	}
	t := c.def
	return &t, true
}

// Tools returns copies of all tool definitions in configuration order, for
// listing them to agents.
func (e *Executor) Tools() []Tool {
	out := make([]Tool, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.tools[n].def)
	}
	return out
}

func (e *Executor) lookup(name string) (*compiled, error) {
	c, ok := e.tools[name]
	if !ok {
		shown := name
		if len(shown) > 64 {
			shown = shown[:64] + "..."
		}
		return nil, newErr(ErrUnknownTool, "", fmt.Sprintf("no tool is named %s", strconv.Quote(shown)), nil)
	}
	return c, nil
}

// Validate checks args for the named tool without calling it: a JSON object
// of at most MaxArgumentBytes that matches the schema and can be placed in
// the request (path values, query values). Errors are ErrUnknownTool or
// ErrInvalidArguments.
func (e *Executor) Validate(name string, args json.RawMessage) error {
	c, err := e.lookup(name)
	if err != nil {
		return err
	}
	_, err = c.prepare(args)
	return err
}

// Call validates args, builds the request, attaches credentials and the
// user assertion for caller, sends it within the tool's timeout and returns
// the 2xx response. Non-2xx answers are ErrDownstream errors; see Code for
// the other classes.
func (e *Executor) Call(ctx context.Context, name string, args json.RawMessage, caller Caller) (_ *Result, err error) {
	start := time.Now()
	c, err := e.lookup(name)
	if err != nil {
		return nil, err
	}
	p, err := c.prepare(args)
	if err != nil {
		return nil, err
	}
	ctx, span := startCall(ctx, c)
	defer func() { endCall(span, err) }()
	ctx, cancel := context.WithTimeout(ctx, c.def.Timeout)
	defer cancel()

	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.def.Method, p.url, body)
	if err != nil {
		return nil, newErr(ErrInvalidArguments, c.def.Name, "the request could not be built from the arguments", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if p.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	// Credentials first: if they cannot be obtained, nothing is sent.
	var secrets []string
	var oauthTok string
	switch {
	case c.def.APIKey != nil:
		v, err := c.def.APIKey.Value(ctx)
		if err != nil {
			return nil, newErr(ErrCredentials, c.def.Name, "could not read the API key from the secret store", err)
		}
		if v == "" {
			return nil, newErr(ErrCredentials, c.def.Name, "the API key is empty", nil)
		}
		if strings.ContainsFunc(v, isCtl) {
			return nil, newErr(ErrCredentials, c.def.Name, "the API key contains control characters", nil)
		}
		secrets = append(secrets, v)
		req.Header.Set(c.apiHeader, c.def.APIKey.Prefix+v)
	case c.def.OAuth2 != nil:
		tok, sec, err := e.token(ctx, c)
		secrets = append(secrets, sec...)
		if err != nil {
			return nil, err
		}
		oauthTok = tok
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if a := c.def.Assertion; a != nil {
		if caller.Subject == "" {
			return nil, newErr(ErrCredentials, c.def.Name, "the tool asserts the user's identity but the call has no signed-in user", nil)
		}
		jwt, err := e.signer.Assertion(caller, a.Audience, a.TTL)
		if err != nil {
			return nil, newErr(ErrCredentials, c.def.Name, "could not sign the user assertion", err)
		}
		secrets = append(secrets, jwt)
		req.Header.Set(c.assertHdr, jwt)
	}

	// The API can join its logs to Palisade's audit events by the trace
	// id (W3C traceparent; tracestate only when the trace has one).
	telemetry.Inject(ctx, req.Header)
	callTarget(span, req)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, classifyTransport(ctx, c.def.Name, "the API", c.def.Timeout, err)
	}
	defer resp.Body.Close()
	if span.IsRecording() {
		span.SetAttributes(telemetry.AttrHTTPStatus.Int(resp.StatusCode))
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode == http.StatusUnauthorized && oauthTok != "" {
			c.oauth.invalidate(oauthTok) // revoked or rotated: fetch a new one next time
		}
		ex := excerpt(resp.Body, secrets)
		reason := fmt.Sprintf("the API answered HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		if ex != "" {
			reason += ": " + ex
		}
		return nil, &Error{Class: ErrDownstream, Tool: c.def.Name, Status: resp.StatusCode, Reason: strings.TrimSpace(reason)}
	}

	limit := c.def.MaxResponseBytes
	tooLarge := newErr(ErrResponseTooLarge, c.def.Name, fmt.Sprintf("the response is larger than the %s limit", sizeText(limit)), nil)
	if resp.ContentLength > limit {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, classifyTransport(ctx, c.def.Name, "the API", c.def.Timeout, err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return &Result{
		Status:      resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Body:        redactBytes(b, secrets),
		Duration:    time.Since(start),
	}, nil
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}

// prepared is a request built from arguments, without credentials.
type prepared struct {
	url  string
	body []byte // nil for GET and DELETE
}

// prepare validates args and builds the request URL and body.
func (c *compiled) prepare(args json.RawMessage) (*prepared, error) {
	invalid := func(reason string, cause error) error {
		return newErr(ErrInvalidArguments, c.def.Name, reason, cause)
	}
	if len(args) > MaxArgumentBytes {
		return nil, invalid(fmt.Sprintf("arguments: %d bytes is more than the %d-byte limit", len(args), MaxArgumentBytes), nil)
	}
	trimmed := bytes.TrimSpace(args)
	if len(trimmed) == 0 {
		trimmed = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalid("arguments: not valid JSON", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("arguments: unexpected data after the JSON object", nil)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("arguments: must be a JSON object, not "+jsonKind(v), nil)
	}
	if err := c.schema.Validate(v); err != nil {
		return nil, invalid(describeValidation(err), err)
	}

	// Path placeholders.
	var path strings.Builder
	used := make(map[string]bool, len(c.pathParams))
	for i, name := range c.pathParams {
		path.WriteString(c.pathParts[i])
		var s string
		switch x := obj[name].(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		case nil:
			return nil, invalid(fmt.Sprintf("argument /%s: required to build the URL", name), nil)
		default:
			return nil, invalid(fmt.Sprintf("argument /%s: must be a string or a number to be placed in the URL path", name), nil)
		}
		switch {
		case s == "":
			return nil, invalid(fmt.Sprintf("argument /%s: must not be empty (it is placed in the URL path)", name), nil)
		case strings.Contains(s, "/"):
			return nil, invalid(fmt.Sprintf("argument /%s: must not contain '/' (it is placed in the URL path)", name), nil)
		case strings.Contains(s, "..") || s == ".":
			return nil, invalid(fmt.Sprintf("argument /%s: must not contain '..' or be '.' (it is placed in the URL path)", name), nil)
		}
		path.WriteString(url.PathEscape(s))
		used[name] = true
	}
	path.WriteString(c.pathParts[len(c.pathParts)-1])

	rest := make(map[string]any, len(obj))
	for k, val := range obj {
		if !used[k] {
			rest[k] = val
		}
	}
	query := c.rawQuery
	p := &prepared{}
	if c.hasBody {
		inQuery := map[string]any{}
		for k, val := range rest {
			if c.query[k] {
				inQuery[k] = val
				delete(rest, k)
			}
		}
		q, err := queryValues(inQuery)
		if err != nil {
			return nil, invalid(err.Error(), nil)
		}
		if enc := q.Encode(); enc != "" {
			if query != "" {
				query += "&"
			}
			query += enc
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rest); err != nil {
			return nil, invalid("arguments: cannot be encoded as JSON", err)
		}
		p.body = bytes.TrimRight(buf.Bytes(), "\n")
	} else {
		q, err := queryValues(rest)
		if err != nil {
			return nil, invalid(err.Error(), nil)
		}
		if enc := q.Encode(); enc != "" {
			if query != "" {
				query += "&"
			}
			query += enc
		}
	}
	raw := c.prefix + path.String()
	if query != "" {
		raw += "?" + query
	}
	u, err := url.Parse(raw)
	if err != nil || origin(u) != c.origin {
		return nil, invalid("arguments: the URL built from them is not valid", err)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "." || seg == ".." {
			return nil, invalid("arguments: the URL built from them contains a dot segment", nil)
		}
	}
	p.url = u.String()
	return p, nil
}

// queryValues turns the top-level arguments of a GET or DELETE into query
// parameters: scalars become one value, arrays of scalars repeated keys,
// null is omitted, and objects are refused.
func queryValues(args map[string]any) (url.Values, error) {
	q := url.Values{}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch x := args[k].(type) {
		case nil:
		case []any:
			for i, el := range x {
				s, ok := scalarString(el)
				if !ok {
					return nil, fmt.Errorf("argument /%s/%d: only strings, numbers and booleans can be sent in a query string", escapePtr(k), i)
				}
				q.Add(k, s)
			}
		default:
			s, ok := scalarString(x)
			if !ok {
				return nil, fmt.Errorf("argument /%s: objects cannot be sent in a query string", escapePtr(k))
			}
			q.Add(k, s)
		}
	}
	return q, nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an object"
}

// escapePtr escapes a JSON Pointer reference token (RFC 6901).
func escapePtr(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
