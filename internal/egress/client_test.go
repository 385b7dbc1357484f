package egress

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSSRFSuite runs the classic SSRF payloads through Client.Do. Every one
// must be refused with the right code, before any connection, and reported
// to OnRefuse.
func TestSSRFSuite(t *testing.T) {
	var rec refusals
	res := staticResolver(map[string][]string{
		"api.example.com":  {"93.184.216.34"},
		"evil.example.com": {"10.0.0.7"},
		"ula.example.com":  {"fc00::7"},
		"meta.example.com": {"169.254.169.254"},
	})
	p := mustPolicy(t, []Rule{
		{Name: "api", Host: "api.example.com", Schemes: []string{"http", "https"}},
		{Name: "allowed", Host: "allowed.example.com", Schemes: []string{"http"}},
		{Name: "evil", Host: "evil.example.com", Schemes: []string{"http"}},
		{Name: "ula", Host: "ula.example.com"},
		{Name: "meta", Host: "meta.example.com", Schemes: []string{"http"}},
	}, nil)
	c := mustClient(t, Options{Policy: p, Resolver: res, OnRefuse: rec.hook})
	var dials atomic.Int32
	c.netDial = func(context.Context, *compiledRule, string, string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("test: no dialling in the SSRF suite")
	}
	cases := []struct {
		url, code string
	}{
		{"http://127.1/", CodeBadURL},
		{"http://0/", CodeBadURL},
		{"http://2130706433/", CodeBadURL},
		{"http://0x7f000001/", CodeBadURL},
		{"http://0177.0.0.1/", CodeBadURL},
		{"http://1.2.3/", CodeBadURL},
		{"http://0x7f.1/", CodeBadURL},
		{"http://127.0.0.1/", CodeAddressDenied},
		{"http://[::1]/", CodeAddressDenied},
		{"http://[::ffff:127.0.0.1]/", CodeAddressDenied},
		{"http://[::ffff:7f00:1]/", CodeAddressDenied},
		{"http://169.254.169.254/latest/meta-data/", CodeAddressDenied},
		{"http://[fd00:ec2::254]/", CodeAddressDenied},
		{"http://[fc00::1]/", CodeAddressDenied},
		{"http://100.64.0.1/", CodeAddressDenied},
		{"http://10.0.0.1/", CodeAddressDenied},
		{"http://0.0.0.0/", CodeAddressDenied},
		{"http://metadata.google.internal/computeMetadata/v1/", CodeDestinationDenied},
		{"http://metadata.google.internal./", CodeDestinationDenied},
		{"http://metadata/", CodeDestinationDenied},
		{"http://instance-data/", CodeDestinationDenied},
		{"http://localhost/", CodeDestinationDenied},
		{"http://x.localhost/", CodeDestinationDenied},
		{"http://anything.internal/", CodeDestinationDenied},
		{"http://allowed.example.com@evil.example.com/", CodeBadURL},
		{"http://allowed@evil/", CodeBadURL},
		{"https://user:pw@api.example.com/", CodeBadURL},
		{"file:///etc/passwd", CodeSchemeDenied},
		{"gopher://api.example.com:70/_GET", CodeSchemeDenied},
		{"ftp://api.example.com/", CodeSchemeDenied},
		{"ws://api.example.com/", CodeSchemeDenied},
		{"dict://api.example.com:11211/", CodeSchemeDenied},
		{"http://unlisted.example.com/", CodeDestinationDenied},
		{"http://allowed.example.com/../../etc", CodeBadURL},
		{"http://allowed.example.com/a/%2e%2e/b", CodeBadURL},
		// Allowed names whose DNS answer is internal: refused at dial.
		{"http://evil.example.com/", CodeAddressDenied},
		{"https://ula.example.com/", CodeAddressDenied},
		{"http://meta.example.com/", CodeAddressDenied},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			before := len(rec.list())
			_, err := get(t, c, tc.url)
			e := wantCode(t, err, tc.code)
			if got := rec.list(); len(got) != before+1 || got[len(got)-1] != tc.code {
				t.Errorf("OnRefuse calls = %v, want one more with %s", got[before:], tc.code)
			}
			msg := e.Error()
			if strings.Contains(msg, "pw") || strings.Contains(msg, "allowed@") || strings.Contains(msg, "user:") {
				t.Errorf("message leaks userinfo: %s", msg)
			}
		})
	}
	// data: cannot even go through http.NewRequest in a useful way; check it
	// through the policy directly.
	u, _ := url.Parse("data:text/plain,hello")
	if _, err := p.Check(u); CodeOf(err) != CodeSchemeDenied {
		t.Errorf("data: URL: %v", err)
	}
	if n := dials.Load(); n != 0 {
		t.Errorf("%d dials attempted; every refusal must happen before dialling", n)
	}
}

// TestLoopbackZone: a loopback server is reachable only through a rule whose
// zone contains 127.0.0.1/32.
func TestLoopbackZone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	defer srv.Close()
	pt := port(t, srv)
	res := staticResolver(map[string][]string{"svc.test": {"127.0.0.1"}, "nozone.test": {"127.0.0.1"}})
	p := mustPolicy(t, []Rule{
		{Name: "ip", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{pt}, Zone: "loop"},
		{Name: "named", Host: "svc.test", Schemes: []string{"http"}, Ports: []int{pt}, Zone: "loop"},
		{Name: "nozone", Host: "nozone.test", Schemes: []string{"http"}, Ports: []int{pt}},
	}, []Zone{loopZone})
	var rec refusals
	c := mustClient(t, Options{Policy: p, Resolver: res, OnRefuse: rec.hook})

	for _, u := range []string{srv.URL + "/", "http://svc.test:" + strconv.Itoa(pt) + "/x"} {
		resp, err := get(t, c, u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("GET %s: body %q", u, b)
		}
	}
	_, err := get(t, c, "http://nozone.test:"+strconv.Itoa(pt)+"/")
	e := wantCode(t, err, CodeAddressDenied)
	if e.Rule != "nozone" || !strings.Contains(e.Error(), `zone "loop"`) {
		t.Errorf("error = %v (rule %q)", e, e.Rule)
	}
	// A port the rule does not list.
	_, err = get(t, c, "http://127.0.0.1:1/")
	wantCode(t, err, CodeAddressDenied)
	if got := rec.list(); len(got) != 2 {
		t.Errorf("OnRefuse calls = %v", got)
	}
}

// TestDNSRebinding: the resolver answers a public address first and
// 127.0.0.1 afterwards. The checked address is the one dialled (never a
// second lookup), and the later loopback answer is refused.
func TestDNSRebinding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	defer srv.Close()
	res := &fakeResolver{answer: func(_ string, call int) []netip.Addr {
		if call == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}}
	p := mustPolicy(t, []Rule{{Name: "rebind", Host: "rebind.test", Schemes: []string{"http"}}}, nil)
	var rec refusals
	c := mustClient(t, Options{Policy: p, Resolver: res, OnRefuse: rec.hook})
	var mu sync.Mutex
	var dialled []string
	c.netDial = func(ctx context.Context, _ *compiledRule, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialled = append(dialled, addr)
		mu.Unlock()
		// Pretend 93.184.216.34 is the test server, without the internet.
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	resp, err := get(t, c, "http://rebind.test/")
	if err != nil {
		t.Fatalf("first GET: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n := res.count("rebind.test"); n != 1 {
		t.Fatalf("resolver called %d times for one connection", n)
	}
	if len(dialled) != 1 || dialled[0] != "93.184.216.34:80" {
		t.Fatalf("dialled %v, want the checked IP literally", dialled)
	}
	c.CloseIdleConnections()
	_, err = get(t, c, "http://rebind.test/")
	wantCode(t, err, CodeAddressDenied)
	if len(dialled) != 1 {
		t.Fatalf("dialled %v after a rebinding answer", dialled)
	}
	if got := rec.list(); len(got) != 1 || got[0] != CodeAddressDenied {
		t.Errorf("OnRefuse calls = %v", got)
	}
}

// TestDNSMixedAnswer: one answer holding a public and a private address is
// refused outright, without dialling either.
func TestDNSMixedAnswer(t *testing.T) {
	for _, answer := range [][]string{
		{"93.184.216.34", "127.0.0.1"},
		{"127.0.0.1", "93.184.216.34"},
		{"2606:4700::1111", "::ffff:169.254.169.254"},
	} {
		res := staticResolver(map[string][]string{"mixed.test": answer})
		p := mustPolicy(t, []Rule{{Name: "mixed", Host: "mixed.test", Schemes: []string{"http"}}}, nil)
		var rec refusals
		c := mustClient(t, Options{Policy: p, Resolver: res, OnRefuse: rec.hook})
		var dials atomic.Int32
		c.netDial = func(context.Context, *compiledRule, string, string) (net.Conn, error) {
			dials.Add(1)
			return nil, errors.New("test: must not dial")
		}
		_, err := get(t, c, "http://mixed.test/")
		wantCode(t, err, CodeAddressDenied)
		if dials.Load() != 0 || len(rec.list()) != 1 {
			t.Errorf("%v: dials=%d refusals=%v", answer, dials.Load(), rec.list())
		}
	}
}

// TestControlRecheck: the connect-time hook refuses an address the rule
// does not allow, whatever the earlier checks said.
func TestControlRecheck(t *testing.T) {
	p := mustPolicy(t, []Rule{
		{Name: "pub", Host: "pub.test"},
		{Name: "loop", Host: "loop.test", Zone: "loop"},
	}, []Zone{loopZone})
	c := mustClient(t, Options{Policy: p})
	pub, loop := p.rules[0], p.rules[1]
	for _, a := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:127.0.0.1]:80", "169.254.169.254:80", "garbage"} {
		if err := c.controlCheck(pub, a); CodeOf(err) != CodeAddressDenied {
			t.Errorf("controlCheck(pub, %s) = %v", a, err)
		}
	}
	if err := c.controlCheck(pub, "93.184.216.34:443"); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := c.controlCheck(loop, "127.0.0.1:80"); err != nil {
		t.Errorf("zone address refused: %v", err)
	}
	// End to end through the real dialer: dial() is bypassed so that only
	// the Control hook stands between the rule and 127.0.0.1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = c.systemDial(context.Background(), pub, "tcp", ln.Addr().String())
	if CodeOf(err) != CodeAddressDenied {
		t.Fatalf("systemDial to loopback for a rule without zone = %v", err)
	}
	conn, err := c.systemDial(context.Background(), loop, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("systemDial with zone: %v", err)
	}
	conn.Close()
}

func TestNoEnvironmentProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:9")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:9")
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	defer srv.Close()
	p := mustPolicy(t, []Rule{{Name: "l", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{port(t, srv)}, Zone: "loop"}}, []Zone{loopZone})
	c := mustClient(t, Options{Policy: p})
	for _, tr := range c.transports {
		if tr.Proxy != nil {
			t.Fatal("transport has a Proxy func")
		}
		if tr.TLSClientConfig.InsecureSkipVerify || tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
			t.Fatal("weak TLS config")
		}
	}
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
}

// redirectServers starts two loopback servers, "a.test" and "b.test" (both
// resolving to 127.0.0.1), each recording the headers it saw per path.
type seen struct {
	mu  sync.Mutex
	hdr map[string]http.Header
}

func (s *seen) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hdr == nil {
		s.hdr = map[string]http.Header{}
	}
	s.hdr[r.Host+r.URL.Path] = r.Header.Clone()
}

func (s *seen) get(key string) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hdr[key]
}

func TestRedirects(t *testing.T) {
	var saw seen
	var aURL, bHost string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		saw.record(r)
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		if r.URL.Path == "/loop" {
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	srvA := httptest.NewServer(mux)
	defer srvA.Close()
	srvB := httptest.NewServer(mux)
	defer srvB.Close()
	srvX := httptest.NewServer(mux) // no rule at all
	defer srvX.Close()
	pa, pb := port(t, srvA), port(t, srvB)
	aURL = "http://a.test:" + strconv.Itoa(pa)
	bHost = "b.test:" + strconv.Itoa(pb)
	res := staticResolver(map[string][]string{
		"a.test": {"127.0.0.1"}, "b.test": {"127.0.0.1"}, "c.test": {"127.0.0.1"},
	})
	p := mustPolicy(t, []Rule{
		{Name: "a", Host: "a.test", Schemes: []string{"http"}, Ports: []int{pa}, Zone: "loop",
			Inject: func(_ context.Context, r *http.Request) error {
				r.Header.Set("X-Api-Key", "secret-a")
				r.Header.Set("Authorization", "Bearer injected-a")
				return nil
			}},
		{Name: "b", Host: "b.test", Schemes: []string{"http"}, Ports: []int{pb}, Zone: "loop",
			Inject: func(_ context.Context, r *http.Request) error {
				r.Header.Set("X-B-Key", "secret-b")
				return nil
			}},
		// c.test is allowed by name but has no zone: its loopback answer
		// is refused at dial time.
		{Name: "c", Host: "c.test", Schemes: []string{"http"}, Ports: []int{pa}},
	}, []Zone{loopZone})
	var rec refusals
	c := mustClient(t, Options{Policy: p, Resolver: res, OnRefuse: rec.hook, MaxRedirects: 3})

	refused := []struct{ name, to, inner string }{
		{"to loopback literal", "http://127.0.0.1:" + strconv.Itoa(pa) + "/", CodeAddressDenied},
		{"to server without rule", srvX.URL + "/", CodeAddressDenied},
		{"to host without rule", "http://unlisted.test/", CodeDestinationDenied},
		{"to metadata", "http://169.254.169.254/latest/meta-data/", CodeAddressDenied},
		{"to metadata name", "http://metadata.google.internal/", CodeDestinationDenied},
		{"to userinfo", "http://a.test@evil.test/", CodeBadURL},
		{"to file", "file:///etc/passwd", CodeSchemeDenied},
		{"to allowed name resolving to loopback", "http://c.test:" + strconv.Itoa(pa) + "/", CodeAddressDenied},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rec.list())
			_, err := get(t, c, aURL+"/start?to="+url.QueryEscape(tc.to))
			e := wantCode(t, err, CodeRedirectDenied)
			if !HasCode(err, tc.inner) {
				t.Errorf("inner cause of %v is not %s", err, tc.inner)
			}
			var inner *Error
			if !errors.As(e.Err, &inner) || inner.Code != tc.inner {
				t.Errorf("Err = %v, want *Error %s", e.Err, tc.inner)
			}
			if got := rec.list(); len(got) != before+1 || got[before] != CodeRedirectDenied {
				t.Errorf("OnRefuse = %v", got[before:])
			}
			if strings.Contains(e.Error(), "to=") {
				t.Errorf("message leaks the query: %s", e.Error())
			}
		})
	}

	t.Run("hop limit", func(t *testing.T) {
		_, err := get(t, c, aURL+"/loop")
		e := wantCode(t, err, CodeRedirectDenied)
		if !strings.Contains(e.Reason, "more than 3") {
			t.Errorf("reason = %q", e.Reason)
		}
	})

	t.Run("not followed when negative", func(t *testing.T) {
		c2 := mustClient(t, Options{Policy: p, Resolver: res, MaxRedirects: -1})
		resp, err := get(t, c2, aURL+"/start?to=/final")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("status = %d, want 302", resp.StatusCode)
		}
	})

	t.Run("credentials", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, aURL+"/start?to="+url.QueryEscape("/same?to="+url.QueryEscape("http://"+bHost+"/other")), nil)
		req.Header.Set("Authorization", "Bearer caller")
		req.Header.Set("Cookie", "sid=caller")
		req.Header.Set("Proxy-Authorization", "Basic caller")
		req.Header.Set("X-Caller-Token", "caller-token")
		req.Header.Set("X-Trace", "keep-me")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Request.Header.Get("X-Api-Key") != "" {
			t.Error("injected header leaked into resp.Request")
		}
		// First hop and same-origin hop: injected credentials present.
		for _, k := range []string{"a.test:" + strconv.Itoa(pa) + "/start", "a.test:" + strconv.Itoa(pa) + "/same"} {
			h := saw.get(k)
			if h == nil {
				t.Fatalf("no request recorded for %s", k)
			}
			if h.Get("X-Api-Key") != "secret-a" || h.Get("Authorization") != "Bearer injected-a" {
				t.Errorf("%s: injected headers missing: %v", k, h)
			}
		}
		// Cross-origin hop: nothing sensitive.
		h := saw.get(bHost + "/other")
		if h == nil {
			t.Fatal("redirect to b not followed")
		}
		for _, k := range []string{"Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key", "X-Caller-Token", "X-B-Key", "Referer"} {
			if v := h.Get(k); v != "" {
				t.Errorf("cross-origin hop got %s: %q", k, v)
			}
		}
		if h.Get("X-Trace") != "keep-me" {
			t.Errorf("ordinary header dropped: %v", h)
		}
	})

	t.Run("HTTPClient with replaced CheckRedirect", func(t *testing.T) {
		hc := c.HTTPClient()
		hc.CheckRedirect = nil // http.Client default: follow up to 10
		resp, err := hc.Get(aURL + "/start?to=" + url.QueryEscape(srvX.URL+"/"))
		if err == nil {
			resp.Body.Close()
			t.Fatal("redirect to a server without rule followed")
		}
		if !HasCode(err, CodeRedirectDenied) || !HasCode(err, CodeAddressDenied) {
			t.Errorf("error = %v", err)
		}
		resp, err = hc.Get(aURL + "/loop")
		if err == nil {
			resp.Body.Close()
			t.Fatal("redirect loop followed past the limit")
		}
		if !HasCode(err, CodeRedirectDenied) {
			t.Errorf("error = %v", err)
		}
	})
}

func TestInjectFailureAndTampering(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	defer srv.Close()
	pt := port(t, srv)
	p := mustPolicy(t, []Rule{
		{Name: "fail", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{pt}, Zone: "loop", PathPrefix: "/fail",
			Inject: func(context.Context, *http.Request) error { return errors.New("vault says token=hunter2") }},
		{Name: "move", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{pt}, Zone: "loop", PathPrefix: "/move",
			Inject: func(_ context.Context, r *http.Request) error { r.URL.Host = "evil.test"; return nil }},
		{Name: "query", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{pt}, Zone: "loop", PathPrefix: "/query",
			Inject: func(_ context.Context, r *http.Request) error {
				q := r.URL.Query()
				q.Set("key", "k")
				r.URL.RawQuery = q.Encode()
				return nil
			}},
	}, []Zone{loopZone})
	c := mustClient(t, Options{Policy: p})
	_, err := get(t, c, srv.URL+"/fail")
	e := wantCode(t, err, CodeCredentials)
	if strings.Contains(e.Error(), "hunter2") {
		t.Errorf("message leaks the injector's error: %s", e.Error())
	}
	_, err = get(t, c, srv.URL+"/move")
	wantCode(t, err, CodeCredentials)
	resp, err := get(t, c, srv.URL+"/query")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestHostHeaderOverrideRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(okHandler))
	defer srv.Close()
	p := mustPolicy(t, []Rule{{Name: "l", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{port(t, srv)}, Zone: "loop"}}, []Zone{loopZone})
	c := mustClient(t, Options{Policy: p})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Host = "internal-admin.example.com"
	_, err := c.Do(req)
	wantCode(t, err, CodeBadURL)
}

func TestResponseSizeLimit(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		_, _ = w.Write(make([]byte, 5000))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for range 10 {
			_, _ = w.Write(make([]byte, 500))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p := mustPolicy(t, []Rule{{Name: "l", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{port(t, srv)}, Zone: "loop"}}, []Zone{loopZone})
	var rec refusals
	c := mustClient(t, Options{Policy: p, MaxResponseBytes: 1000, OnRefuse: rec.hook})

	_, err := get(t, c, srv.URL+"/declared")
	wantCode(t, err, CodeResponseTooLarge)

	resp, err := get(t, c, srv.URL+"/chunked")
	if err != nil {
		t.Fatalf("chunked: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantCode(t, err, CodeResponseTooLarge)
	if len(b) != 1000 {
		t.Errorf("read %d bytes before the error, want exactly the limit", len(b))
	}
	if _, err := resp.Body.Read(make([]byte, 10)); CodeOf(err) != CodeResponseTooLarge {
		t.Errorf("read after limit = %v", err)
	}

	resp, err = get(t, c, srv.URL+"/exact")
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != 1000 {
		t.Errorf("body at the limit: %d bytes, %v", len(b), err)
	}
	if got := rec.list(); len(got) != 2 {
		t.Errorf("OnRefuse = %v, want two too-large refusals", got)
	}
}

func TestTimeoutsAndUnreachable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	p := mustPolicy(t, []Rule{
		{Name: "slow", Host: "127.0.0.1", Schemes: []string{"http"}, Ports: []int{port(t, srv), deadAddr.Port}, Zone: "loop"},
		{Name: "nxdomain", Host: "nx.test", Schemes: []string{"http"}},
	}, []Zone{loopZone})
	var rec refusals
	res := staticResolver(nil)
	c := mustClient(t, Options{Policy: p, Timeout: 200 * time.Millisecond, Resolver: res, OnRefuse: rec.hook})
	_, err = get(t, c, srv.URL+"/?secret=1")
	e := wantCode(t, err, CodeTimeout)
	if strings.Contains(e.Error(), "secret") {
		t.Errorf("message leaks query: %s", e.Error())
	}
	c2 := mustClient(t, Options{Policy: p, ResponseHeaderTimeout: 100 * time.Millisecond})
	_, err = get(t, c2, srv.URL)
	wantCode(t, err, CodeTimeout)

	_, err = get(t, c, "http://127.0.0.1:"+strconv.Itoa(deadAddr.Port)+"/")
	wantCode(t, err, CodeUnreachable)
	_, err = get(t, c, "http://nx.test/")
	wantCode(t, err, CodeUnreachable)
	if got := rec.list(); len(got) != 0 {
		t.Errorf("failures reported as refusals: %v", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err = c.Do(req)
	wantCode(t, err, CodeCanceled)
}

func TestTLSRootCAs(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(okHandler))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	pt := port(t, srv)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	// httptest's certificate is valid for 127.0.0.1 and example.com.
	res := staticResolver(map[string][]string{"example.com": {"127.0.0.1"}, "wrong.example.net": {"127.0.0.1"}})
	p := mustPolicy(t, []Rule{
		{Name: "no-ca", Host: "127.0.0.1", Ports: []int{pt}, Zone: "loop", PathPrefix: "/no-ca"},
		{Name: "ca", Host: "127.0.0.1", Ports: []int{pt}, Zone: "loop", RootCAs: pool, PathPrefix: "/ca"},
		{Name: "by-name", Host: "example.com", Ports: []int{pt}, Zone: "loop", RootCAs: pool},
		{Name: "wrong-name", Host: "wrong.example.net", Ports: []int{pt}, Zone: "loop", RootCAs: pool},
	}, []Zone{loopZone})
	var rec refusals
	c := mustClient(t, Options{Policy: p, Resolver: res, OnRefuse: rec.hook})

	_, err := get(t, c, srv.URL+"/no-ca")
	wantCode(t, err, CodeTLS)
	_, err = get(t, c, "https://wrong.example.net:"+strconv.Itoa(pt)+"/")
	wantCode(t, err, CodeTLS)
	if got := rec.list(); len(got) != 2 || got[0] != CodeTLS {
		t.Errorf("OnRefuse = %v", got)
	}
	for _, u := range []string{srv.URL + "/ca", "https://example.com:" + strconv.Itoa(pt) + "/"} {
		resp, err := get(t, c, u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		resp.Body.Close()
		if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
			t.Errorf("GET %s: TLS state %v", u, resp.TLS)
		}
	}
	// Plain http to an https-only rule is refused by the policy.
	_, err = get(t, c, "http://127.0.0.1:"+strconv.Itoa(pt)+"/ca")
	wantCode(t, err, CodeSchemeDenied)
}

func TestMutualTLS(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	cliKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cliTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "palisade"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	cliDER, err := x509.CreateCertificate(rand.Reader, cliTmpl, caCert, &cliKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	clientCert := &tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(caCert)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	pt := port(t, srv)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	var calls atomic.Int32
	p := mustPolicy(t, []Rule{
		{Name: "mtls", Host: "127.0.0.1", Ports: []int{pt}, Zone: "loop", RootCAs: roots, PathPrefix: "/with",
			ClientCert: func() (*tls.Certificate, error) { calls.Add(1); return clientCert, nil }},
		{Name: "nocert", Host: "127.0.0.1", Ports: []int{pt}, Zone: "loop", RootCAs: roots, PathPrefix: "/without"},
	}, []Zone{loopZone})
	c := mustClient(t, Options{Policy: p})
	resp, err := get(t, c, srv.URL+"/with")
	if err != nil {
		t.Fatalf("mTLS GET: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "palisade" || calls.Load() < 1 {
		t.Errorf("body %q, ClientCert calls %d", b, calls.Load())
	}
	_, err = get(t, c, srv.URL+"/without")
	if err == nil {
		t.Fatal("server requiring a client certificate accepted a request without one")
	}
	if code := CodeOf(err); code != CodeTLS {
		t.Errorf("code = %s (%v), want %s", code, err, CodeTLS)
	}
}

func TestErrorAPI(t *testing.T) {
	p := testPolicy(t)
	u, _ := url.Parse("https://api.example.com/v1x?token=sekrit#frag")
	_, err := p.Check(u)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeDestinationDenied {
		t.Fatalf("err = %v", err)
	}
	if e.URL != "https://api.example.com/v1x" {
		t.Errorf("URL = %q", e.URL)
	}
	msg := err.Error()
	if strings.Contains(msg, "sekrit") || strings.Contains(msg, "frag") || !strings.HasPrefix(msg, "egress: ") {
		t.Errorf("message = %q", msg)
	}
	wrapped := &Error{Code: CodeRedirectDenied, Err: e}
	if CodeOf(wrapped) != CodeRedirectDenied || !HasCode(wrapped, CodeDestinationDenied) || HasCode(wrapped, CodeTLS) {
		t.Errorf("CodeOf/HasCode wrong for %v", wrapped)
	}
	if !strings.Contains(wrapped.Error(), "no egress rule") {
		t.Errorf("redirect message omits its cause: %s", wrapped.Error())
	}
	if CodeOf(errors.New("x")) != "" || HasCode(nil, CodeTLS) {
		t.Error("CodeOf/HasCode on foreign errors")
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without Policy succeeded")
	}
	c := mustClient(t, Options{Policy: p})
	if _, err := c.Do(nil); CodeOf(err) != CodeBadURL {
		t.Errorf("Do(nil) = %v", err)
	}
}
