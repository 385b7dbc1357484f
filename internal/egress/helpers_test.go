package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// fakeResolver answers from a table; answer receives the 1-based call
// number for the host so tests can simulate DNS rebinding.
type fakeResolver struct {
	mu     sync.Mutex
	calls  map[string]int
	answer func(host string, call int) []netip.Addr
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[host]++
	n := r.calls[host]
	r.mu.Unlock()
	a := r.answer(host, n)
	if a == nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return a, nil
}

func (r *fakeResolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[host]
}

// staticResolver maps host names to fixed answers.
func staticResolver(m map[string][]string) *fakeResolver {
	return &fakeResolver{answer: func(host string, _ int) []netip.Addr {
		ss, ok := m[host]
		if !ok {
			return nil
		}
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}}
}

// refusals records OnRefuse calls.
type refusals struct {
	mu    sync.Mutex
	codes []string
	errs  []*Error
}

func (r *refusals) hook(_ context.Context, e *Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes = append(r.codes, e.Code)
	r.errs = append(r.errs, e)
}

func (r *refusals) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.codes...)
}

var loopZone = Zone{Name: "loop", Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func mustPolicy(t testing.TB, rules []Rule, zones []Zone) *Policy {
	t.Helper()
	p, err := NewPolicy(rules, zones)
	if err != nil {
		t.Fatalf("NewPolicy: %v", err)
	}
	return p
}

func mustClient(t testing.TB, opts Options) *Client {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func port(t testing.TB, srv *httptest.Server) int {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t testing.TB, c *Client, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", rawURL, err)
	}
	return c.Do(req)
}

// wantCode fails unless err is an *Error whose outermost code is code.
func wantCode(t testing.TB, err error, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error with code %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s, want %s (error: %v)", e.Code, code, err)
	}
	return e
}

func okHandler(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }
