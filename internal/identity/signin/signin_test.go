package signin

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

const (
	alicePassword = "correct horse battery staple"
	gwClientID    = "palisade"
	gwSecret      = "palisade-client-secret-0123456789"
)

// clock is real time plus a settable offset, shared by the provider and
// the relying party.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// env is one https test server with the built-in provider at /idp, the
// relying party at /auth and /whoami showing the session.
type env struct {
	srv    *httptest.Server
	svc    *Service
	idp    *localidp.Provider
	st     *sqlite.Store
	clk    *clock
	mu     sync.Mutex
	events []Event
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st, clk: &clock{}}
	var h http.Handler
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	hash, err := localidp.HashClientSecret(gwSecret)
	if err != nil {
		t.Fatal(err)
	}
	e.idp, err = localidp.New(localidp.Options{
		Issuer: e.srv.URL + "/idp", Store: st, Clock: e.clk.Now,
		Clients: []localidp.Client{{ID: gwClientID, SecretHash: hash, RedirectURIs: []string{e.srv.URL + "/auth/callback"},
			PostLogoutRedirectURIs: []string{e.srv.URL + "/"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.idp.Directory().AddUser(ctx, localidp.NewUser{Username: "alice", DisplayName: "Alice", Groups: []string{"staff", "hr"}}, alicePassword); err != nil {
		t.Fatal(err)
	}
	e.svc, err = New(Options{
		Providers: []Provider{{
			Claims:   identity.IssuerClaims{Name: "local", Issuer: e.srv.URL + "/idp", NameClaim: "name", GroupsClaim: "groups", RolesClaim: "roles"},
			ClientID: gwClientID, ClientSecret: gwSecret, DisplayName: "Palisade accounts",
			Scopes: []string{"openid", "profile", "email", "groups", "offline_access"},
		}},
		Store: st, CookieKey: randomBytes(64), SealKey: randomBytes(32), PublicURL: e.srv.URL,
		HTTPClient: e.srv.Client(), Now: e.clk.Now, IdleTimeout: 30 * time.Minute,
		Record: func(_ context.Context, ev Event) (string, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
			return "ev_test", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/idp/", e.idp.Handler())
	mux.Handle("/auth/", e.svc.Handler())
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		s, err := e.svc.FromRequest(r)
		if err != nil {
			http.Error(w, apperr.As(err).Code, http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(s)
	})
	h = mux
	return e
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// browser is a cookie-keeping client that does not follow redirects.
func (e *env) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := *e.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func get(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// startLogin opens /auth/login and returns the provider's authorization
// URL it redirects to.
func (e *env) startLogin(t *testing.T, c *http.Client, query string) string {
	t.Helper()
	resp := get(t, c, e.srv.URL+"/auth/login?"+query)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// signIn runs the whole flow in browser c and returns the callback
// response.
func (e *env) signIn(t *testing.T, c *http.Client, returnTo string) *http.Response {
	t.Helper()
	auth := e.startLogin(t, c, url.Values{"provider": {"local"}, "return_to": {returnTo}}.Encode())
	cb, err := localidp.BrowserSignIn(context.Background(), c, auth, e.srv.URL+"/auth/callback", "alice", alicePassword, "")
	if err != nil {
		t.Fatal(err)
	}
	return get(t, c, cb.String())
}

func (e *env) whoami(t *testing.T, c *http.Client) (*Session, string) {
	t.Helper()
	resp, err := c.Get(e.srv.URL + "/whoami")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b := make([]byte, 100)
		n, _ := resp.Body.Read(b)
		return nil, strings.TrimSpace(string(b[:n]))
	}
	var s Session
	_ = json.NewDecoder(resp.Body).Decode(&s)
	return &s, ""
}

// Ensure a browser signs in through the built-in provider with code,
// PKCE, state and nonce, lands on its return path with a hardened session
// cookie, and the session carries the user's issuer-qualified groups.
func TestSignIn(t *testing.T) {
	e := newEnv(t)
	c := e.browser(t)
	auth := e.startLogin(t, c, "provider=local&return_to=/chat%3Fagent%3Dhr")
	u, _ := url.Parse(auth)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || len(q.Get("state")) < 20 {
		t.Fatalf("authorization request lacks PKCE, nonce or state: %s", auth)
	}
	cb, err := localidp.BrowserSignIn(context.Background(), c, auth, e.srv.URL+"/auth/callback", "alice", alicePassword, "")
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, c, cb.String())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/chat?agent=hr" {
		t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == SessionCookie {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || !sc.Secure || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Domain != "" {
		t.Fatalf("session cookie = %+v", sc)
	}
	s, code := e.whoami(t, c)
	if s == nil {
		t.Fatalf("no session: %s", code)
	}
	p := s.Principal
	if p.User() != "local:alice" || p.Name != "Alice" || strings.Join(p.Groups, ",") != "local:hr,local:staff" {
		t.Errorf("principal = %+v", p)
	}
	rec, err := e.st.GetSession(context.Background(), s.ID)
	// No token in the clear: every JWT starts "eyJ" ('{"' in base64). Two
	// bytes ("ey") would turn up in random ciphertext about once in 65
	// runs; three, about once in 16,000.
	if err != nil || strings.Contains(string(rec.Sealed), "eyJ") || strings.Contains(string(rec.Sealed), "alice") || len(rec.Sealed) < 40 {
		t.Errorf("stored session: %v, sealed %q", err, rec.Sealed)
	}
	if rec.ID == sc.Value || strings.Contains(string(rec.Data), sc.Value) {
		t.Error("the store holds the cookie value")
	}
	if e.events[len(e.events)-1].Type != "signin" {
		t.Errorf("events = %+v", e.events)
	}
}

// Ensure the callback refuses state mismatch, replay, another browser and
// a changed nonce; return_to cannot redirect off-site; a tampered cookie
// is no session; signing in again never adopts the old session.
func TestSignInRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	expectState := func(t *testing.T, resp *http.Response) {
		t.Helper()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400 login_state_invalid", resp.StatusCode)
		}
	}
	t.Run("unknown state", func(t *testing.T) {
		expectState(t, get(t, e.browser(t), e.srv.URL+"/auth/callback?code=x&state=forged"))
	})
	t.Run("replayed callback", func(t *testing.T) {
		c := e.browser(t)
		auth := e.startLogin(t, c, "provider=local")
		cb, err := localidp.BrowserSignIn(ctx, c, auth, e.srv.URL+"/auth/callback", "alice", alicePassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if resp := get(t, c, cb.String()); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %d", resp.StatusCode)
		}
		expectState(t, get(t, c, cb.String()))
	})
	t.Run("callback in another browser (login CSRF)", func(t *testing.T) {
		attacker := e.browser(t)
		auth := e.startLogin(t, attacker, "provider=local")
		cb, err := localidp.BrowserSignIn(ctx, attacker, auth, e.srv.URL+"/auth/callback", "alice", alicePassword, "")
		if err != nil {
			t.Fatal(err)
		}
		victim := e.browser(t)
		expectState(t, get(t, victim, cb.String()))
		if s, _ := e.whoami(t, victim); s != nil {
			t.Fatal("the victim was signed in as the attacker")
		}
	})
	t.Run("nonce changed", func(t *testing.T) {
		c := e.browser(t)
		auth := e.startLogin(t, c, "provider=local")
		state := mustQuery(t, auth, "state")
		raw, err := e.st.TakeTicket(ctx, ticketPrefix+state, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var tk loginTicket
		_ = json.Unmarshal(raw, &tk)
		tk.Nonce = "another-sign-in"
		raw, _ = json.Marshal(tk)
		if err := e.st.PutTicket(ctx, ticketPrefix+state, raw, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		cb, err := localidp.BrowserSignIn(ctx, c, auth, e.srv.URL+"/auth/callback", "alice", alicePassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if resp := get(t, c, cb.String()); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("open redirect", func(t *testing.T) {
		c := e.browser(t)
		if resp := e.signIn(t, c, "//evil.example/phish"); resp.Header.Get("Location") != "/" {
			t.Fatalf("redirected to %q", resp.Header.Get("Location"))
		}
	})
	t.Run("tampered cookie", func(t *testing.T) {
		c := e.browser(t)
		e.signIn(t, c, "/")
		u, _ := url.Parse(e.srv.URL)
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == SessionCookie {
				b := []byte(ck.Value)
				b[len(b)/2] ^= 1
				c.Jar.SetCookies(u, []*http.Cookie{{Name: SessionCookie, Value: string(b), Path: "/", Secure: true}})
			}
		}
		if s, code := e.whoami(t, c); s != nil || code != apperr.CodeMissingCredential {
			t.Fatalf("tampered cookie accepted: %v %s", s, code)
		}
	})
	t.Run("no session fixation", func(t *testing.T) {
		c := e.browser(t)
		e.signIn(t, c, "/")
		first, _ := e.whoami(t, c)
		e.signIn(t, c, "/")
		second, _ := e.whoami(t, c)
		if first == nil || second == nil || first.ID == second.ID {
			t.Fatal("signing in again kept the session id")
		}
		if _, err := e.svc.Lookup(ctx, first.ID); !errors.Is(err, ErrSessionEnded) {
			t.Errorf("the earlier session still works: %v", err)
		}
	})
}

func mustQuery(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

// Ensure return paths stay on this site.
func TestSafeReturnPath(t *testing.T) {
	for in, want := range map[string]string{
		"/chat?x=1": "/chat?x=1", "": "/", "https://evil.example/": "/", "//evil.example": "/",
		"/\\evil.example": "/", "evil": "/", "/a\r\nSet-Cookie: x": "/", "/%2F%2Fevil": "/%2F%2Fevil",
		"javascript:alert(1)": "/",
	} {
		if got := SafeReturnPath(in); got != want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// Ensure sign-out revokes the session and hands over to the provider's
// end-session endpoint with the ID token as hint; a cross-site post is
// refused.
func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.browser(t)
	e.signIn(t, c, "/")
	s, _ := e.whoami(t, c)
	post := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/auth/logout", nil)
		req.Header.Set("Origin", origin)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post("https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site logout: %d", resp.StatusCode)
	}
	resp := post(e.srv.URL)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.srv.URL+"/idp/") || mustQuery(t, loc, "id_token_hint") == "" ||
		mustQuery(t, loc, "post_logout_redirect_uri") != e.srv.URL+"/" {
		t.Fatalf("logout: %d to %s", resp.StatusCode, loc)
	}
	if _, err := e.svc.Lookup(context.Background(), s.ID); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("session after logout: %v", err)
	}
	if s, _ := e.whoami(t, c); s != nil {
		t.Fatal("still signed in")
	}
}

// Ensure a provider's back-channel logout token, signed with its key,
// revokes the user's sessions; a token signed by anyone else is refused.
func TestBackchannelLogout(t *testing.T) {
	e := newEnv(t)
	c := e.browser(t)
	e.signIn(t, c, "/")
	s, _ := e.whoami(t, c)
	// The provider's current signing key, as it keeps it in the store.
	period := time.Now().UnixNano() / int64(localidp.DefaultKeyRotation)
	der, err := e.st.LoadOrCreateKey(context.Background(), "localidp-signing-key/"+strconv.FormatInt(period, 10), []byte("unused"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	idpKey := k.(*rsa.PrivateKey)
	kid := keyID(t, &idpKey.PublicKey)
	logoutToken := func(key any, kid string) string {
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid).WithType("logout+jwt"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(map[string]any{"iss": e.srv.URL + "/idp", "aud": gwClientID, "sub": "alice", "iat": time.Now().Unix(),
			"exp": time.Now().Add(time.Minute).Unix(), "jti": rand.Text(),
			"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}})
		jws, err := sig.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jws.CompactSerialize()
		return out
	}
	post := func(tok string) int {
		resp, err := e.srv.Client().PostForm(e.srv.URL+"/auth/backchannel-logout", url.Values{"logout_token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if code := post(logoutToken(other, kid)); code != http.StatusBadRequest {
		t.Fatalf("forged logout token: %d", code)
	}
	if _, err := e.svc.Lookup(context.Background(), s.ID); err != nil {
		t.Fatalf("a forged logout token ended the session: %v", err)
	}
	if code := post(logoutToken(idpKey, kid)); code != http.StatusOK {
		t.Fatalf("logout token: %d", code)
	}
	if _, err := e.svc.Lookup(context.Background(), s.ID); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("session after back-channel logout: %v", err)
	}
}

func keyID(t *testing.T, pub any) string {
	t.Helper()
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// Ensure a session renews the provider's tokens when they expire, ends
// when the provider refuses (the user was disabled), and ends after its
// idle timeout.
func TestSessionRefreshAndTimeouts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.browser(t)
	e.signIn(t, c, "/")
	s, _ := e.whoami(t, c)
	// The provider's access token has expired (its own clock runs on
	// real time, so the expiry is moved rather than the clock).
	expire := func(id string) {
		t.Helper()
		if err := e.st.UpdateSession(ctx, id, func(se store.Session) (store.Session, error) {
			se.TokenExpiry = time.Now().Add(-time.Second)
			return se, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	expire(s.ID)
	if _, err := e.svc.Lookup(ctx, s.ID); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	rec, _ := e.st.GetSession(ctx, s.ID)
	if !rec.TokenExpiry.After(e.clk.Now()) {
		t.Fatalf("token expiry not renewed: %v", rec.TokenExpiry)
	}
	if err := e.idp.Directory().SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	expire(s.ID)
	if _, err := e.svc.Lookup(ctx, s.ID); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("a disabled user's session: %v", err)
	}
	rec, _ = e.st.GetSession(ctx, s.ID)
	if rec.RevokedAt.IsZero() {
		t.Error("the session was not revoked")
	}

	if err := e.idp.Directory().SetDisabled(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	c2 := e.browser(t)
	e.signIn(t, c2, "/")
	s2, _ := e.whoami(t, c2)
	e.clk.Add(31 * time.Minute) // idle timeout is 30 minutes
	if _, err := e.svc.Lookup(ctx, s2.ID); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("an idle session: %v", err)
	}
	if _, err := e.svc.Revoke(ctx, store.SessionFilter{Issuer: "local", Subject: "alice"}, "test"); err != nil {
		t.Fatal(err)
	}
}

// Ensure requests of one session that find its tokens expired together
// refresh them once: a second use of the rotated refresh token would make
// the provider end the session.
func TestConcurrentRefresh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.browser(t)
	e.signIn(t, c, "/")
	s, _ := e.whoami(t, c)
	if err := e.st.UpdateSession(ctx, s.ID, func(se store.Session) (store.Session, error) {
		se.TokenExpiry = time.Now().Add(-time.Second)
		return se, nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.Lookup(ctx, s.ID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent lookup: %v", err)
		}
	}
	if _, err := e.svc.Lookup(ctx, s.ID); err != nil {
		t.Fatalf("the session ended after a concurrent refresh: %v", err)
	}
}
