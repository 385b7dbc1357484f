package localidp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

const (
	alicePassword = "correct horse battery staple"
	bobPassword   = "tr0ub4dor&3-but-longer"
	gwSecret      = "gateway-secret-0123456789"
	publicClient  = "webchat"
	gwClient      = "gateway"
	apiAudience   = "palisade-api"
)

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

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testEnv is a provider mounted at /idp on a test server, with a relying
// party's callback at /callback, and users alice (password) and bob
// (password and TOTP).
type testEnv struct {
	srv        *httptest.Server
	p          *Provider
	st         *sqlite.Store
	issuer     string
	redirect   string // the public client's
	gwRedirect string // the confidential client's
	bobSecret  string // bob's TOTP secret
	events     chan SignInEvent
	// failRecords makes recording a successful step fail (the audit log
	// is down).
	failRecords atomic.Bool
}

func newTestEnv(t *testing.T, clock func() time.Time) *testEnv {
	t.Helper()
	return newTestEnvOn(t, clock, false)
}

// newTestEnvOn is newTestEnv; with localhost, the issuer and redirect URIs
// name the host localhost instead of 127.0.0.1, a domain name, so the
// provider offers passkeys (WebAuthn allows no IP address as RP ID).
func newTestEnvOn(t *testing.T, clock func() time.Time, localhost bool) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	base := srv.URL
	if localhost {
		base = strings.Replace(base, "127.0.0.1", "localhost", 1)
	}
	e := &testEnv{srv: srv, st: st, issuer: base + "/idp", redirect: base + "/callback",
		gwRedirect: base + "/gw/callback", events: make(chan SignInEvent, 100)}
	secretHash, err := HashClientSecret(gwSecret)
	if err != nil {
		t.Fatal(err)
	}
	e.p, err = New(Options{
		Issuer: e.issuer,
		Store:  st,
		Clients: []Client{
			{ID: publicClient, Public: true, RedirectURIs: []string{e.redirect}, PostLogoutRedirectURIs: []string{srv.URL + "/bye"}},
			{ID: gwClient, SecretHash: secretHash, RedirectURIs: []string{e.gwRedirect}, Audiences: []string{apiAudience}},
		},
		Clock: clock,
		OnSignIn: func(_ context.Context, ev SignInEvent) error {
			if ev.Success && e.failRecords.Load() {
				return errors.New("the audit log is down")
			}
			select {
			case e.events <- ev:
			default:
			}
			return nil
		},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/idp/", e.p.Handler())
	mux.HandleFunc("/callback", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("relying party")) })
	h = mux

	dir := e.p.Directory()
	if _, err := dir.AddUser(ctx, NewUser{Username: "alice", DisplayName: "Alice Example", Email: "alice@example.com",
		Groups: []string{"staff", "hr"}}, alicePassword); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.AddUser(ctx, NewUser{Username: "bob", DisplayName: "Bob", Groups: []string{"it"}}, bobPassword); err != nil {
		t.Fatal(err)
	}
	u, err := dir.EnrollTOTP(ctx, "bob", "Palisade test")
	if err != nil {
		t.Fatal(err)
	}
	k, err := otp.NewKeyFromURL(u)
	if err != nil {
		t.Fatal(err)
	}
	e.bobSecret = k.Secret()
	return e
}

// bobCode returns bob's current TOTP code.
func (e *testEnv) bobCode(t *testing.T, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(e.bobSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// authorizeURL returns the authorization URL of the public client with
// the given extra parameters.
func (e *testEnv) authorizeURL(params url.Values) string {
	q := url.Values{
		"client_id":     {publicClient},
		"redirect_uri":  {e.redirect},
		"response_type": {"code"},
		"scope":         {"openid profile"},
		"state":         {"st-123"},
	}
	for k, v := range params {
		q[k] = v
	}
	return e.issuer + "/authorize?" + q.Encode()
}
