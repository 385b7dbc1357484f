package localidp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// get fetches u without following redirects.
func get(t *testing.T, hc *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Ensure a wrong password, an unknown user and a disabled user all get
// the same refusal, with no hint of which it was.
func TestRefusalsLookAlike(t *testing.T) {
	e := newTestEnv(t, nil)
	ctx := context.Background()
	if _, err := e.p.Directory().AddUser(ctx, NewUser{Username: "carol"}, "carol's long password"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Directory().SetDisabled(ctx, "carol", true); err != nil {
		t.Fatal(err)
	}
	login := func(user, pw string) error {
		_, err := Login(ctx, e.srv.Client(), e.issuer, publicClient, e.redirect, user, pw, "")
		return err
	}
	wrong := login("alice", "not alice's password")
	for name, err := range map[string]error{
		"unknown user":  login("nobody", alicePassword),
		"disabled user": login("carol", "carol's long password"),
		"bad username":  login("<script>", "whatever password"),
	} {
		if !errors.Is(err, ErrLoginRefused) || err.Error() != wrong.Error() {
			t.Errorf("%s: %v; wrong password: %v; want the same refusal", name, err, wrong)
		}
	}
	if !strings.Contains(wrong.Error(), msgFailed) {
		t.Errorf("refusal = %v, want %q", wrong, msgFailed)
	}
}

// Ensure the lockout through the form: five wrong passwords lock alice
// for a minute, during which her right password is refused alike; after
// it she can sign in.
func TestLockoutThroughForm(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newTestEnv(t, clock.Now)
	ctx := context.Background()
	login := func(pw string) error {
		_, err := Login(ctx, e.srv.Client(), e.issuer, publicClient, e.redirect, "alice", pw, "")
		return err
	}
	var wrong error
	for range MaxFailedAttempts {
		wrong = login("a wrong password!")
	}
	if err := login(alicePassword); err == nil || err.Error() != wrong.Error() {
		t.Fatalf("right password while locked: %v, want the refusal %v", err, wrong)
	}
	clock.Add(LockoutBase + time.Second)
	if err := login(alicePassword); err != nil {
		t.Fatalf("right password after the lockout: %v", err)
	}
}

// Ensure the lockout's backoff doubles from LockoutBase to LockoutMax,
// that it does not grow while locked, and that a success resets it.
func TestLockoutBackoff(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	e := newTestEnv(t, clock.Now)
	dir := e.p.Directory()
	ctx := context.Background()
	fail := func() {
		t.Helper()
		if _, err := dir.Authenticate(ctx, "alice", "a wrong password!"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	lockedFor := func() time.Duration {
		a, err := dir.Account(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		return a.LockedUntil.Sub(clock.Now())
	}
	for range MaxFailedAttempts - 1 {
		fail()
	}
	if d := lockedFor(); d > 0 {
		t.Fatalf("locked for %v after %d failures", d, MaxFailedAttempts-1)
	}
	want := LockoutBase
	for i := range 9 {
		fail()
		if d := lockedFor(); d != want {
			t.Fatalf("lockout %d: %v, want %v", i, d, want)
		}
		// While locked, even the right password is refused, and the
		// attempt does not lengthen the lockout.
		if _, err := dir.Authenticate(ctx, "alice", alicePassword); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("right password while locked: %v", err)
		}
		if d := lockedFor(); d != want {
			t.Fatalf("lockout %d changed to %v by an attempt while locked", i, d)
		}
		clock.Add(want)
		want = min(2*want, LockoutMax)
	}
	if want != LockoutMax {
		t.Fatalf("the backoff did not reach the cap: %v", want)
	}
	if _, err := dir.Authenticate(ctx, "alice", alicePassword); err != nil {
		t.Fatalf("right password after the lockout: %v", err)
	}
	if a, _ := dir.Account(ctx, "alice"); a.FailedAttempts != 0 || !a.LockedUntil.IsZero() {
		t.Errorf("after a success: %d failures, locked until %v; want reset", a.FailedAttempts, a.LockedUntil)
	}
	// SetPassword (palisade users reset) clears a lockout too.
	for range MaxFailedAttempts {
		fail()
	}
	if err := dir.SetPassword(ctx, "alice", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Authenticate(ctx, "alice", "a brand new password"); err != nil {
		t.Errorf("after reset: %v", err)
	}
}

// Ensure TOTP codes: right once, then refused as a replay; wrong codes and
// replays count towards the lockout; with TOTP the password alone does
// not reset the count.
func TestTOTPDirectory(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 9, 0, 10, 0, time.UTC)}
	e := newTestEnv(t, clock.Now)
	dir := e.p.Directory()
	ctx := context.Background()
	code := e.bobCode(t, clock.Now())
	if err := dir.VerifyTOTP(ctx, "bob", code); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if err := dir.VerifyTOTP(ctx, "bob", code); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("replayed code: %v", err)
	}
	// The previous step's code, within the skew, is a replay too now.
	if err := dir.VerifyTOTP(ctx, "bob", e.bobCode(t, clock.Now().Add(-totpPeriod*time.Second))); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("an older code after a newer one: %v", err)
	}
	if a, _ := dir.Account(ctx, "bob"); a.FailedAttempts != 2 {
		t.Errorf("FailedAttempts = %d after two replays, want 2", a.FailedAttempts)
	}
	// The next step's code is accepted (skew), once, and resets the count.
	clock.Add(5 * time.Second)
	next := e.bobCode(t, clock.Now().Add(totpPeriod*time.Second))
	if err := dir.VerifyTOTP(ctx, "bob", next); err != nil {
		t.Fatalf("next step's code: %v", err)
	}
	if err := dir.VerifyTOTP(ctx, "bob", next); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("replayed next step's code: %v", err)
	}
	// Three steps away is out of the window.
	if err := dir.VerifyTOTP(ctx, "bob", e.bobCode(t, clock.Now().Add(3*totpPeriod*time.Second))); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("a code three steps ahead: %v", err)
	}
	a, _ := dir.Account(ctx, "bob")
	if a.FailedAttempts != 2 {
		t.Errorf("FailedAttempts = %d after a success, a replay and a wrong code, want 2", a.FailedAttempts)
	}
	if _, err := dir.Authenticate(ctx, "bob", bobPassword); err != nil {
		t.Fatal(err)
	}
	if a, _ := dir.Account(ctx, "bob"); a.FailedAttempts != 2 {
		t.Errorf("the password alone reset the count of a TOTP user: %d", a.FailedAttempts)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if err := dir.VerifyTOTP(ctx, "bob", bad); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("code %q: %v", bad, err)
		}
	}
	if err := dir.VerifyTOTP(ctx, "alice", "123456"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("TOTP of a user without TOTP: %v", err)
	}
	// The secret is sealed at rest.
	u, _ := e.st.GetUser(ctx, "bob")
	if strings.Contains(u.TOTPSecret, e.bobSecret) || !strings.HasPrefix(u.TOTPSecret, sealPrefix) {
		t.Errorf("the stored TOTP secret is not sealed: %q", u.TOTPSecret)
	}
}

// Ensure PKCE is enforced: a public client without code_challenge, or
// with plain, is refused at /authorize with the error sent back to the
// redirect URI and the state preserved; a wrong code_verifier and a
// reused code are refused at the token endpoint.
func TestPKCEAndCodes(t *testing.T) {
	e := newTestEnv(t, nil)
	hc, _ := loginClient(e.srv.Client())
	for name, params := range map[string]url.Values{
		"missing": {},
		"plain":   {"code_challenge": {"abcdefghijabcdefghijabcdefghijabcdefghij123"}, "code_challenge_method": {"plain"}},
		"default": {"code_challenge": {"abcdefghijabcdefghijabcdefghijabcdefghij123"}},
	} {
		resp, _ := get(t, hc, e.authorizeURL(params))
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), e.redirect) {
			t.Errorf("PKCE %s: %d %q, want a redirect to the client", name, resp.StatusCode, loc)
			continue
		}
		if loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "st-123" || loc.Query().Get("code") != "" {
			t.Errorf("PKCE %s: redirect %q, want error=invalid_request with the state", name, loc)
		}
	}

	r := newRP(t, e, publicClient, "", e.redirect)
	verifier := oauth2.GenerateVerifier()
	cb, err := browserSignIn(r.ctx, hc, r.cfg.AuthCodeURL("s1", oauth2.S256ChallengeOption(verifier)), e.redirect, "alice", alicePassword, "")
	if err != nil {
		t.Fatal(err)
	}
	code := cb.Query().Get("code")
	if _, err := r.cfg.Exchange(r.ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Error("a wrong code_verifier was accepted")
	}
	if _, err := r.cfg.Exchange(r.ctx, code); err == nil {
		t.Error("a missing code_verifier was accepted")
	}

	// A fresh code: exchanged once; the second time refused, and the
	// refresh token it gave revoked.
	hc2, _ := loginClient(e.srv.Client())
	cb, err = browserSignIn(r.ctx, hc2, r.cfg.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier)), e.redirect, "alice", alicePassword, "")
	if err != nil {
		t.Fatal(err)
	}
	code = cb.Query().Get("code")
	tok, err := r.cfg.Exchange(r.ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, err := r.cfg.Exchange(r.ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code was exchanged twice")
	}
	if _, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token of a reused code survived")
	}
}

// Ensure an unregistered redirect_uri, or an unknown client, is refused
// without redirecting anywhere.
func TestRedirectURINotRegistered(t *testing.T) {
	e := newTestEnv(t, nil)
	hc, _ := loginClient(e.srv.Client())
	pkce := url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	for name, extra := range map[string]url.Values{
		"other path":   {"redirect_uri": {e.srv.URL + "/evil"}},
		"other host":   {"redirect_uri": {"https://attacker.example/callback"}},
		"with query":   {"redirect_uri": {e.redirect + "?x=1"}},
		"other client": {"client_id": {"nobody"}},
	} {
		for k, v := range pkce {
			extra[k] = v
		}
		resp, _ := get(t, hc, e.authorizeURL(extra))
		if resp.StatusCode/100 == 3 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d, redirect to %q; want a refusal without redirect", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// Ensure the login form is protected: security headers, CSRF token bound
// to the request and the browser, cross-site posts and other browsers
// refused, and an unknown request ID refused.
func TestLoginFormProtection(t *testing.T) {
	e := newTestEnv(t, nil)
	hc, _ := loginClient(e.srv.Client())
	pkce := url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	resp, _ := get(t, hc, e.authorizeURL(pkce))
	loginURL, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loginURL.Path, "/idp/login") {
		t.Fatalf("authorize redirected to %q", resp.Header.Get("Location"))
	}
	resp, body := get(t, hc, loginURL.String())
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || h.Get("X-Frame-Options") != "DENY" || !strings.Contains(csp, "frame-ancestors 'none'") ||
		!strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || h.Get("Cache-Control") != "no-store" {
		t.Errorf("login page: %d, headers %v", resp.StatusCode, h)
	}
	fields := map[string]string{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		fields[m[1]] = m[2]
	}
	id := loginURL.Query().Get(authRequestParam)
	if fields["authRequestID"] != id || len(id) < 40 || fields["csrf"] == "" {
		t.Fatalf("form fields %v", fields)
	}
	post := func(c *http.Client, form url.Values, origin string) int {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := func() url.Values {
		return url.Values{"authRequestID": {id}, "csrf": {fields["csrf"]}, "step": {stepPassword},
			"username": {"alice"}, "password": {alicePassword}}
	}
	noCSRF := good()
	noCSRF.Del("csrf")
	otherReq := good()
	otherReq.Set("authRequestID", newID())
	totpStep := good()
	totpStep.Set("step", stepTOTP)
	other, _ := loginClient(e.srv.Client()) // another browser, no cookie
	for name, code := range map[string]int{
		"no csrf":       post(hc, noCSRF, ""),
		"other request": post(hc, otherReq, ""),
		"step swapped":  post(hc, totpStep, ""),
		"cross-site":    post(hc, good(), "https://attacker.example"),
		"no cookie":     post(other, good(), ""),
	} {
		if code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	// Another browser cannot take over the request by opening its page.
	if resp, _ := get(t, other, loginURL.String()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login page in another browser: %d, want 403", resp.StatusCode)
	}
	// The right browser still can.
	if code := post(hc, good(), e.srv.URL); code != http.StatusSeeOther {
		t.Errorf("good post: %d, want 303", code)
	}
	// The callback only completes in the browser that signed in.
	cbURL := e.issuer + "/authorize/callback?id=" + url.QueryEscape(id)
	if resp, _ := get(t, other, cbURL); resp.StatusCode != http.StatusForbidden {
		t.Errorf("callback in another browser: %d, want 403", resp.StatusCode)
	}
	resp, _ = get(t, hc, cbURL)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, e.redirect+"?code=") || !strings.Contains(loc, "state=st-123") {
		t.Errorf("callback redirect %q", loc)
	}
	if resp, _ := get(t, hc, e.issuer+"/login?authRequestID=unknown"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown request: %d", resp.StatusCode)
	}
}

// Ensure prompt=none is refused with login_required: the provider keeps
// no sign-in session.
func TestPromptNone(t *testing.T) {
	e := newTestEnv(t, nil)
	hc, _ := loginClient(e.srv.Client())
	resp, _ := get(t, hc, e.authorizeURL(url.Values{"prompt": {"none"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("error") != "login_required" || loc.Query().Get("state") != "st-123" {
		t.Errorf("prompt=none: %d %v", resp.StatusCode, loc)
	}
}

// Ensure a disabled user's refresh token stops working.
func TestDisabledUserRefresh(t *testing.T) {
	e := newTestEnv(t, nil)
	r := newRP(t, e, publicClient, "", e.redirect)
	tok, _ := r.signIn(t, e, "alice", alicePassword, "")
	if err := e.p.Directory().SetDisabled(context.Background(), "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("a disabled user's refresh token worked")
	}
}
