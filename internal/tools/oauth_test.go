package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const clientSecret = "cs-TOPSECRET-987654321"

// tokenServer is an OAuth2 token endpoint issuing numbered tokens.
type tokenServer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	issued  int
	refuse  bool
	lastReq string
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{}
	ts.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.lastReq = r.Form.Encode()
		w.Header().Set("Content-Type", "application/json")
		if ts.refuse || !ok || id != "palisade" || secret != clientSecret || r.Form.Get("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			// A hostile or buggy endpoint echoing the secret back.
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, secret)
			return
		}
		ts.issued++
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":%d}`, ts.issued, expiresIn)
	}))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *tokenServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.issued
}

// bearerAPI answers with the bearer token it received.
func bearerAPI(t *testing.T) (*httptest.Server, *int) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "tok-revoked" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		// Say which token arrived without echoing it (echoed credentials
		// are redacted from bodies).
		_ = json.NewEncoder(w).Encode(map[string]string{"token": strings.Replace(tok, "tok-", "number ", 1)})
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestOAuth2TokenCachedAndRefreshed(t *testing.T) {
	ts := newTokenServer(t, 3600)
	api, _ := bearerAPI(t)
	clock := &fakeClock{t: time.Now()}
	e, err := NewExecutor([]Tool{{
		Name: "o", URL: api.URL + "/me",
		OAuth2: &OAuth2Auth{TokenURL: ts.srv.URL + "/token", ClientID: "palisade", ClientSecret: staticSecret(clientSecret),
			Scopes: []string{"hr.read", "hr.write"}, Audience: "https://hr.example.com"},
	}}, Options{Client: &http.Client{}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	call := func() string {
		t.Helper()
		res, err := e.Call(context.Background(), "o", nil, alice)
		if err != nil {
			t.Fatalf("Call: %v", err)
		}
		return strings.TrimSpace(string(res.Body))
	}
	var wg sync.WaitGroup
	for range 4 { // concurrent first calls share one token request
		wg.Add(1)
		go func() { defer wg.Done(); call() }()
	}
	wg.Wait()
	if got := call(); got != `{"token":"number 1"}` {
		t.Errorf("body %s", got)
	}
	if n := ts.count(); n != 1 {
		t.Fatalf("token requested %d times, want 1", n)
	}
	ts.mu.Lock()
	req := ts.lastReq
	ts.mu.Unlock()
	if !strings.Contains(req, "scope=hr.read+hr.write") || !strings.Contains(req, "audience=https%3A%2F%2Fhr.example.com") {
		t.Errorf("token request %q", req)
	}
	clock.Advance(3600*time.Second - tokenEarlyRefresh - time.Second) // still fresh
	call()
	if n := ts.count(); n != 1 {
		t.Fatalf("token requested %d times before expiry, want 1", n)
	}
	clock.Advance(2 * time.Second) // within the early-refresh margin
	if got := call(); got != `{"token":"number 2"}` {
		t.Errorf("after expiry body %s", got)
	}
	if n := ts.count(); n != 2 {
		t.Fatalf("token requested %d times after expiry, want 2", n)
	}
}

func TestOAuth2DownstreamUnauthorizedDropsToken(t *testing.T) {
	ts := newTokenServer(t, 3600)
	api, _ := bearerAPI(t)
	e, err := NewExecutor([]Tool{{Name: "o", URL: api.URL + "/me",
		OAuth2: &OAuth2Auth{TokenURL: ts.srv.URL, ClientID: "palisade", ClientSecret: staticSecret(clientSecret)}}},
		Options{Client: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	c := e.tools["o"]
	c.oauth.token, c.oauth.refresh = "tok-revoked", time.Now().Add(time.Hour)
	_, err = e.Call(context.Background(), "o", nil, alice)
	wantCode(t, err, ErrDownstream, CodeDownstream)
	if _, err := e.Call(context.Background(), "o", nil, alice); err != nil || ts.count() != 1 {
		t.Errorf("after 401: %v, %d token requests", err, ts.count())
	}
}

func TestOAuth2EndpointRefuses(t *testing.T) {
	ts := newTokenServer(t, 3600)
	ts.refuse = true
	api, hits := bearerAPI(t)
	e, err := NewExecutor([]Tool{{Name: "o", URL: api.URL + "/me",
		OAuth2: &OAuth2Auth{TokenURL: ts.srv.URL + "/token", ClientID: "palisade", ClientSecret: staticSecret(clientSecret)}}},
		Options{Client: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Call(context.Background(), "o", nil, alice)
	wantCode(t, err, ErrCredentials, CodeCredentials)
	if msg := err.Error(); strings.Contains(msg, clientSecret) || strings.Contains(msg, "TOPSECRET") || !strings.Contains(msg, "HTTP 401, invalid_client") {
		t.Errorf("message %q", msg)
	}
	if *hits != 0 {
		t.Errorf("API hit %d times without a token", *hits)
	}

	// Unreachable token endpoint: unavailable, not a credentials problem.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	e, _ = NewExecutor([]Tool{{Name: "o", URL: api.URL + "/me",
		OAuth2: &OAuth2Auth{TokenURL: closed.URL + "/token", ClientID: "palisade", ClientSecret: staticSecret(clientSecret)}}},
		Options{Client: &http.Client{}})
	_, err = e.Call(context.Background(), "o", nil, alice)
	wantCode(t, err, ErrUnavailable, CodeUnavailable)
	if !strings.Contains(err.Error(), "token endpoint") {
		t.Errorf("message %q", err)
	}
}
