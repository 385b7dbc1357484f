package tools

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
)

const leaveSchema = `{
  "type": "object",
  "properties": {
    "id":    {"type": "string", "minLength": 1},
    "year":  {"type": "integer"},
    "types": {"type": "array", "items": {"type": "string"}},
    "filter": {"type": "object"}
  },
  "required": ["id"],
  "additionalProperties": false
}`

func leaveTool(url string) Tool {
	return Tool{
		Name: "get_leave", Description: "Leave balance", URL: url + "/v1/employees/{id}/leave?v=2",
		Parameters: json.RawMessage(leaveSchema), APIKey: apiKeyAuth(), Assertion: assertion(),
	}
}

func TestCallGETQueryAndVerifiedAssertion(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	d := newDownstream(t, signer)
	e := newExec(t, signer, leaveTool(d.srv.URL))

	res, err := e.Call(context.Background(), "get_leave", json.RawMessage(`{"id":"e 42+x","year":2025,"types":["annual","sick"]}`), alice)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if res.Status != 200 || res.ContentType != "application/json" || !strings.Contains(string(res.Body), `"user":"local:alice"`) {
		t.Fatalf("result: %d %q %s", res.Status, res.ContentType, res.Body)
	}
	if res.Duration <= 0 {
		t.Errorf("duration %v", res.Duration)
	}
	s := d.seen()
	if s.Method != "GET" || s.Path != "/v1/employees/e%2042+x/leave" {
		t.Errorf("request %s %s", s.Method, s.Path)
	}
	if s.Query != "v=2&types=annual&types=sick&year=2025" {
		t.Errorf("query %q", s.Query)
	}
	if s.Accept != "application/json" || s.UserAgent != UserAgent || len(s.Body) != 0 || s.ContentType != "" {
		t.Errorf("headers/body: accept %q ua %q ct %q body %q", s.Accept, s.UserAgent, s.ContentType, s.Body)
	}
	c := s.Claims
	if c.Subject != "local:alice" || c.Name != "Alice" || c.Email != "alice@example.com" || !slices.Equal(c.Groups, []string{"hr", "staff"}) ||
		c.App != "claude" || c.Agent != "hr-bot" || c.RequestID != "req-1" || c.ID == "" || c.Issuer != testIssuer ||
		!slices.Equal(c.Audience, []string{testAudience}) || c.Expiry.Sub(c.IssuedAt) != DefaultAssertionTTL {
		t.Errorf("claims %+v", c)
	}
}

func TestCallPOSTJSONBody(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	d := newDownstream(t, signer)
	d.handle = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"lr-1"}`))
	}
	tool := Tool{
		Name: "request_leave", Method: "post", URL: d.srv.URL + "/v1/employees/{id}/leave-requests",
		Parameters: json.RawMessage(`{"type":"object","required":["id","days"],"properties":{"id":{"type":"integer"},"days":{"type":"number"},"note":{"type":"string"},"dates":{"type":"array"}}}`),
		APIKey:     apiKeyAuth(), Assertion: assertion(),
	}
	e := newExec(t, signer, tool)
	res, err := e.Call(context.Background(), "request_leave", json.RawMessage(`{"id":7,"days":1.5,"note":"<trip> & rest","dates":["2025-07-01",{"half":true}]}`), alice)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	if res.Status != 201 || string(res.Body) != `{"id":"lr-1"}` {
		t.Fatalf("result %d %s", res.Status, res.Body)
	}
	s := d.seen()
	if s.Method != "POST" || s.Path != "/v1/employees/7/leave-requests" || s.Query != "" || s.ContentType != "application/json" {
		t.Errorf("request %s %s?%s ct %q", s.Method, s.Path, s.Query, s.ContentType)
	}
	if string(s.Body) != `{"dates":["2025-07-01",{"half":true}],"days":1.5,"note":"<trip> & rest"}` {
		t.Errorf("body %s", s.Body)
	}
}

func TestPathPlaceholderRefused(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	d := newDownstream(t, signer)
	e := newExec(t, signer, leaveTool(d.srv.URL))
	for _, id := range []string{"a/b", "..", "x..y", ".", "../admin"} {
		args, _ := json.Marshal(map[string]any{"id": id})
		_, err := e.Call(context.Background(), "get_leave", args, alice)
		got := wantCode(t, err, ErrInvalidArguments, CodeInvalidArguments)
		if !strings.Contains(got.Error(), "argument /id") {
			t.Errorf("%q: message %q lacks the pointer", id, got)
		}
	}
	// Empty is refused by the schema (minLength) and by the executor.
	if err := e.Validate("get_leave", json.RawMessage(`{"id":""}`)); Code(err) != CodeInvalidArguments {
		t.Errorf("empty id: %v", err)
	}
	c, _ := compileTool(Tool{Name: "x", URL: "https://h/a/{id}", Parameters: json.RawMessage(`{"type":"object","required":["id"]}`)})
	if _, err := c.prepare(json.RawMessage(`{"id":""}`)); Code(err) != CodeInvalidArguments || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty id without schema help: %v", err)
	}
	// Encoded dots are just characters once escaped.
	if _, err := e.Call(context.Background(), "get_leave", json.RawMessage(`{"id":"%2e%2e"}`), alice); err != nil {
		t.Fatalf("%%2e%%2e: %v", err)
	}
	if p := d.seen().Path; p != "/v1/employees/%252e%252e/leave" {
		t.Errorf("path %q", p)
	}
	if n := d.hits.Load(); n != 1 {
		t.Errorf("downstream hit %d times, want 1", n)
	}
}

func TestSchemaErrors(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	d := newDownstream(t, signer)
	e := newExec(t, signer, leaveTool(d.srv.URL))
	big := `{"id":"` + strings.Repeat("a", MaxArgumentBytes) + `"}`
	cases := []struct{ name, args, want string }{
		{"wrong type", `{"id":"1","year":"2025"}`, `argument /year: must be integer, not string`},
		{"wrong item type", `{"id":"1","types":["a",3]}`, `argument /types/1: must be string, not number`},
		{"missing required", `{"year":2025}`, `arguments: missing required property "id"`},
		{"additional property", `{"id":"1","admin":true}`, `arguments: property "admin" is not allowed`},
		{"array", `[1,2]`, `arguments: must be a JSON object, not an array`},
		{"string", `"hello"`, `arguments: must be a JSON object, not a string`},
		{"not JSON", `{"id":`, `arguments: not valid JSON`},
		{"trailing", `{"id":"1"} {}`, `arguments: unexpected data`},
		{"oversized", big, `more than the 65536-byte limit`},
		{"object in query", `{"id":"1","filter":{"a":1}}`, `argument /filter: objects cannot be sent in a query string`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, err := range []error{
				e.Validate("get_leave", json.RawMessage(tc.args)),
				func() error {
					_, err := e.Call(context.Background(), "get_leave", json.RawMessage(tc.args), alice)
					return err
				}(),
			} {
				wantCode(t, err, ErrInvalidArguments, CodeInvalidArguments)
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("message %q does not contain %q", err, tc.want)
				}
			}
		})
	}
	if n := d.hits.Load(); n != 0 {
		t.Errorf("downstream hit %d times", n)
	}
	if err := e.Validate("get_leave", json.RawMessage(`{"id":"1","year":2025}`)); err != nil {
		t.Errorf("valid args: %v", err)
	}
	// A tool without parameters takes {} (or nothing) and nothing else.
	e2 := newExec(t, nil, Tool{Name: "ping", URL: "https://example.com/ping"})
	if err := e2.Validate("ping", nil); err != nil {
		t.Errorf("no args: %v", err)
	}
	if err := e2.Validate("ping", json.RawMessage(`{"x":1}`)); Code(err) != CodeInvalidArguments {
		t.Errorf("args to a no-arg tool: %v", err)
	}
}

func TestUnknownTool(t *testing.T) {
	e := newExec(t, nil, Tool{Name: "ping", URL: "https://example.com/ping"})
	_, err := e.Call(context.Background(), "pong", nil, alice)
	wantCode(t, err, ErrUnknownTool, CodeUnknownTool)
	if !strings.Contains(err.Error(), `"pong"`) {
		t.Errorf("message %q", err)
	}
	if _, ok := e.Tool("pong"); ok {
		t.Error("Tool(pong) found")
	}
	if tl, ok := e.Tool("ping"); !ok || tl.Method != "GET" || tl.Timeout != DefaultTimeout || tl.MaxResponseBytes != DefaultMaxResponseBytes {
		t.Errorf("Tool(ping) = %+v", tl)
	}
}

func TestCredentialFuncFails(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	failing := func(context.Context) (string, error) { return "", errors.New("vault: permission denied") }
	e := newExec(t, nil,
		Tool{Name: "key", URL: srv.URL + "/x", APIKey: &APIKeyAuth{Header: "X-API-Key", Value: failing}},
		Tool{Name: "empty", URL: srv.URL + "/x", APIKey: &APIKeyAuth{Value: staticSecret("")}},
		Tool{Name: "oauth", URL: srv.URL + "/x", OAuth2: &OAuth2Auth{TokenURL: srv.URL + "/token", ClientID: "c", ClientSecret: failing}},
	)
	for _, name := range []string{"key", "empty", "oauth"} {
		_, err := e.Call(context.Background(), name, nil, alice)
		wantCode(t, err, ErrCredentials, CodeCredentials)
	}
	if hits != 0 {
		t.Errorf("server hit %d times; no request may be sent without credentials", hits)
	}
	// A tool that asserts the user refuses anonymous calls.
	signer, _ := newTestSigner(t, "k1", nil)
	e2 := newExec(t, signer, Tool{Name: "a", URL: srv.URL + "/x", Assertion: assertion()})
	_, err := e2.Call(context.Background(), "a", nil, Caller{})
	wantCode(t, err, ErrCredentials, CodeCredentials)
	if hits != 0 {
		t.Errorf("server hit %d times", hits)
	}
}

func TestDownstreamErrorRedactsAndSanitizes(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	d := newDownstream(t, signer)
	d.handle = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		key := r.Header.Get("X-API-Key")
		if r.URL.Query().Get("escaped") == "1" {
			key = strings.ReplaceAll(key, "-", `\u002d`) // non-canonical JSON escaping
		}
		// Echo the credentials, with control and bidi characters, and far
		// more than 200 bytes.
		_, _ = w.Write([]byte("denied\x1b[31m\u202e key=" + key + " assertion=" + r.Header.Get("X-Palisade-Assertion") + "\r\n" + strings.Repeat("z", 1000)))
	}
	tool := leaveTool(d.srv.URL)
	tool.Parameters = json.RawMessage(`{"type":"object","required":["id"]}`)
	e := newExec(t, signer, tool)
	for _, tc := range []struct{ args, wantExcerpt string }{
		{`{"id":"1"}`, "denied [31m key=[REDACTED] assertion=[REDACTED] zzz"},
		{`{"id":"1","escaped":1}`, "(response body withheld: it contains credentials)"},
	} {
		_, err := e.Call(context.Background(), "get_leave", json.RawMessage(tc.args), alice)
		got := wantCode(t, err, ErrDownstream, CodeDownstream)
		if Status(err) != 403 || got.Status != 403 {
			t.Errorf("status %d", Status(err))
		}
		msg := err.Error()
		if strings.Contains(msg, testAPIKey) || strings.Contains(msg, "SECRET") || strings.Contains(msg, "eyJ") {
			t.Fatalf("message leaks a credential: %q", msg)
		}
		_, ex, ok := strings.Cut(msg, "HTTP 403 Forbidden: ")
		if !ok || !strings.HasPrefix(ex, tc.wantExcerpt) || len(ex) > 200 {
			t.Errorf("excerpt (%d bytes) %q", len(ex), ex)
		}
		if strings.IndexFunc(msg, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0 {
			t.Errorf("message has control characters: %q", msg)
		}
	}
}

func TestSuccessBodyRedactsEchoedKey(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	d := newDownstream(t, signer)
	d.handle = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"echo":"` + r.Header.Get("X-API-Key") + `"}`))
	}
	e := newExec(t, signer, leaveTool(d.srv.URL))
	res, err := e.Call(context.Background(), "get_leave", json.RawMessage(`{"id":"1"}`), alice)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Body) != `{"echo":"[REDACTED]"}` {
		t.Errorf("body %s", res.Body)
	}
}

func TestResponseTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 512))
		if r.URL.Path == "/declared" {
			w.Header().Set("Content-Length", "2048")
		}
		for range 4 {
			_, _ = w.Write(chunk)
			w.(http.Flusher).Flush() // chunked: no Content-Length
		}
	}))
	defer srv.Close()
	for _, path := range []string{"/declared", "/chunked"} {
		e := newExec(t, nil, Tool{Name: "big", URL: srv.URL + path, MaxResponseBytes: 1024})
		_, err := e.Call(context.Background(), "big", nil, alice)
		wantCode(t, err, ErrResponseTooLarge, CodeResponseTooLarge)
		if !strings.Contains(err.Error(), "1 KiB") {
			t.Errorf("message %q", err)
		}
		e = newExec(t, nil, Tool{Name: "big", URL: srv.URL + path, MaxResponseBytes: 2048})
		if res, err := e.Call(context.Background(), "big", nil, alice); err != nil || len(res.Body) != 2048 {
			t.Errorf("%s at the limit: %v", path, err)
		}
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	e := newExec(t, nil, Tool{Name: "slow", URL: srv.URL + "/slow", Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := e.Call(context.Background(), "slow", nil, alice)
	wantCode(t, err, ErrUnavailable, CodeUnavailable)
	if !strings.Contains(err.Error(), "did not answer within 100ms") || time.Since(start) > 5*time.Second {
		t.Errorf("message %q after %v", err, time.Since(start))
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	e = newExec(t, nil, Tool{Name: "down", URL: closed.URL + "/x?secret=arg"})
	_, err = e.Call(context.Background(), "down", nil, alice)
	wantCode(t, err, ErrUnavailable, CodeUnavailable)
	if strings.Contains(err.Error(), "secret=arg") {
		t.Errorf("message echoes the query: %q", err)
	}
}

func TestRedirects(t *testing.T) {
	var otherHits int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits++
		_, _ = w.Write([]byte(`{"stolen":"` + r.Header.Get("X-API-Key") + `"}`))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case "/away-localhost": // same port, different host name
			_, port, _ := net.SplitHostPort(r.Host)
			http.Redirect(w, r, "http://localhost:"+port+"/here", http.StatusFound)
		case "/stay":
			http.Redirect(w, r, "/here", http.StatusFound)
		case "/here":
			_, _ = w.Write([]byte(`{"key":"` + r.Header.Get("X-API-Key") + `"}`))
		}
	}))
	defer srv.Close()
	key := &APIKeyAuth{Header: "X-API-Key", Value: staticSecret(testAPIKey)}
	e := newExec(t, nil,
		Tool{Name: "away", URL: srv.URL + "/away", APIKey: key},
		Tool{Name: "away_host", URL: srv.URL + "/away-localhost", APIKey: key},
		Tool{Name: "stay", URL: srv.URL + "/stay", APIKey: key},
	)
	for _, name := range []string{"away", "away_host"} {
		_, err := e.Call(context.Background(), name, nil, alice)
		wantCode(t, err, ErrRefused, CodeRefused)
		if !strings.Contains(err.Error(), "redirected to another origin") {
			t.Errorf("message %q", err)
		}
	}
	if otherHits != 0 {
		t.Errorf("other host hit %d times", otherHits)
	}
	res, err := e.Call(context.Background(), "stay", nil, alice)
	if err != nil || string(res.Body) != `{"key":"[REDACTED]"}` {
		t.Errorf("same-origin redirect: %v %s", err, res.Body)
	}
}

func TestNewExecutorRefusesBadTools(t *testing.T) {
	signer, _ := newTestSigner(t, "k1", nil)
	key := staticSecret("k")
	obj := json.RawMessage(`{"type":"object","required":["id"]}`)
	cases := map[string]Tool{
		"bad name":              {Name: "bad name", URL: "https://h/x"},
		"long name":             {Name: strings.Repeat("a", 65), URL: "https://h/x"},
		"method":                {Name: "t", Method: "TRACE", URL: "https://h/x"},
		"relative URL":          {Name: "t", URL: "/x"},
		"ftp":                   {Name: "t", URL: "ftp://h/x"},
		"userinfo":              {Name: "t", URL: "https://u:p@h/x"},
		"fragment":              {Name: "t", URL: "https://h/x#f"},
		"dot segment":           {Name: "t", URL: "https://h/a/../x"},
		"placeholder in host":   {Name: "t", URL: "https://{id}.h/x", Parameters: obj},
		"placeholder in query":  {Name: "t", URL: "https://h/x?q={id}", Parameters: obj},
		"unbalanced brace":      {Name: "t", URL: "https://h/x/{id", Parameters: obj},
		"bad placeholder name":  {Name: "t", URL: "https://h/x/{a-b}", Parameters: obj},
		"placeholder optional":  {Name: "t", URL: "https://h/x/{id}", Parameters: json.RawMessage(`{"type":"object"}`)},
		"schema not object":     {Name: "t", URL: "https://h/x", Parameters: json.RawMessage(`{"type":"array"}`)},
		"schema invalid":        {Name: "t", URL: "https://h/x", Parameters: json.RawMessage(`{"type":"object","properties":{"a":{"type":"nope"}}}`)},
		"schema external ref":   {Name: "t", URL: "https://h/x", Parameters: json.RawMessage(`{"type":"object","properties":{"a":{"$ref":"file:///etc/passwd"}}}`)},
		"schema not JSON":       {Name: "t", URL: "https://h/x", Parameters: json.RawMessage(`{`)},
		"two credentials":       {Name: "t", URL: "https://h/x", APIKey: &APIKeyAuth{Value: key}, OAuth2: &OAuth2Auth{TokenURL: "https://h/t", ClientID: "c", ClientSecret: key}},
		"api key no value":      {Name: "t", URL: "https://h/x", APIKey: &APIKeyAuth{}},
		"api key header":        {Name: "t", URL: "https://h/x", APIKey: &APIKeyAuth{Header: "Bad Header", Value: key}},
		"api key reserved":      {Name: "t", URL: "https://h/x", APIKey: &APIKeyAuth{Header: "Host", Value: key}},
		"oauth2 no client":      {Name: "t", URL: "https://h/x", OAuth2: &OAuth2Auth{TokenURL: "https://h/t", ClientSecret: key}},
		"oauth2 token URL":      {Name: "t", URL: "https://h/x", OAuth2: &OAuth2Auth{TokenURL: "h/t", ClientID: "c", ClientSecret: key}},
		"assertion no audience": {Name: "t", URL: "https://h/x", Assertion: &AssertionSpec{}},
		"assertion long TTL":    {Name: "t", URL: "https://h/x", Assertion: &AssertionSpec{Audience: "a", TTL: time.Hour}},
		"assertion header clash": {Name: "t", URL: "https://h/x", APIKey: &APIKeyAuth{Header: "X-Palisade-Assertion", Value: key},
			Assertion: &AssertionSpec{Audience: "a"}},
		"timeout": {Name: "t", URL: "https://h/x", Timeout: -time.Second},
		"size":    {Name: "t", URL: "https://h/x", MaxResponseBytes: 1 << 30},
	}
	for name, tool := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := NewExecutor([]Tool{tool}, Options{Client: http.DefaultClient, Signer: signer})
			wantCode(t, err, ErrBadTool, CodeBadTool)
		})
	}
	_, err := NewExecutor([]Tool{{Name: "t", URL: "https://h/x"}, {Name: "t", URL: "https://h/y"}}, Options{Client: http.DefaultClient})
	wantCode(t, err, ErrBadTool, CodeBadTool)
	_, err = NewExecutor([]Tool{{Name: "t", URL: "https://h/x", Assertion: &AssertionSpec{Audience: "a"}}}, Options{Client: http.DefaultClient})
	wantCode(t, err, ErrBadTool, CodeBadTool)
	_, err = NewExecutor(nil, Options{})
	wantCode(t, err, ErrBadTool, CodeBadTool)
	// Partial-segment placeholders and a static query are fine.
	if _, err := NewExecutor([]Tool{{Name: "t", URL: "https://h:8443/files/{name}.json?api-version=2", Parameters: json.RawMessage(`{"type":"object","required":["name"]}`)}}, Options{Client: http.DefaultClient}); err != nil {
		t.Errorf("valid tool refused: %v", err)
	}
}
