package tools

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	testIssuer   = "https://palisade.test"
	testAudience = "hr-api"
	testAPIKey   = "sk-live-SECRET-0123456789abcdef"
)

func newTestSigner(t testing.TB, kid string, now func() time.Time) (*Signer, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(priv, kid, testIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

func staticSecret(v string) SecretFunc {
	return func(context.Context) (string, error) { return v, nil }
}

// fetchJWKS gets the key set over HTTP, as a downstream API would.
func fetchJWKS(t testing.TB, url string) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("fetching JWKS: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=300") {
		t.Fatalf("JWKS response: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("decoding JWKS: %v", err)
	}
	return set
}

// seen is what the downstream API observed about one request.
type seen struct {
	Method, Path, Query, ContentType, Accept, UserAgent string
	Body                                                []byte
	Claims                                              *AssertionClaims
}

// downstream is an httptest API that requires the API key and a valid user
// assertion (verified against the JWKS fetched over HTTP) on every request.
type downstream struct {
	srv  *httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	last seen
	// handle, if set, answers instead of the default JSON echo.
	handle func(w http.ResponseWriter, r *http.Request)
}

func newDownstream(t testing.TB, signer *Signer) *downstream {
	t.Helper()
	jwksSrv := httptest.NewServer(signer.JWKSHandler())
	t.Cleanup(jwksSrv.Close)
	keys := fetchJWKS(t, jwksSrv.URL)
	d := &downstream{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		if r.Header.Get("X-API-Key") != testAPIKey {
			http.Error(w, `{"error":"bad api key"}`, http.StatusUnauthorized)
			return
		}
		claims, err := VerifyAssertion(r.Header.Get("X-Palisade-Assertion"), keys, testIssuer, testAudience, time.Now())
		if err != nil {
			http.Error(w, `{"error":"bad assertion"}`, http.StatusForbidden)
			return
		}
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.last = seen{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
			Accept: r.Header.Get("Accept"), UserAgent: r.Header.Get("User-Agent"), Body: body, Claims: claims}
		d.mu.Unlock()
		if d.handle != nil {
			d.handle(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": claims.Subject})
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *downstream) seen() seen {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

func apiKeyAuth() *APIKeyAuth {
	return &APIKeyAuth{Header: "X-API-Key", Value: staticSecret(testAPIKey)}
}

func assertion() *AssertionSpec { return &AssertionSpec{Audience: testAudience} }

var alice = Caller{Subject: "local:alice", Name: "Alice", Email: "alice@example.com", Groups: []string{"hr", "staff"}, App: "claude", Agent: "hr-bot", RequestID: "req-1"}

func newExec(t testing.TB, signer *Signer, tools ...Tool) *Executor {
	t.Helper()
	e, err := NewExecutor(tools, Options{Client: &http.Client{}, Signer: signer})
	if err != nil {
		t.Fatalf("NewExecutor: %v", err)
	}
	return e
}

// wantCode fails unless err has the code and matches the class sentinel.
func wantCode(t testing.TB, err error, class error, code string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got nil", code)
	}
	if !errors.Is(err, class) || Code(err) != code {
		t.Fatalf("want %s (%v), got code %q: %v", code, class, Code(err), err)
	}
	var e *Error
	errors.As(err, &e)
	return e
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
