package localidp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/palisade-gw/palisade/internal/browsertest"
)

// browserFlow is an authorization-code + PKCE request of the public client
// that a real browser signs in to.
type browserFlow struct {
	e        *testEnv
	r        *rp
	page     *browsertest.Page
	state    string
	nonce    string
	verifier string
}

// startBrowserFlow opens the authorization URL of a new request in a new
// browser page, and checks that it lands on the login form with the
// security headers.
func startBrowserFlow(t *testing.T, e *testEnv) *browserFlow {
	t.Helper()
	return startBrowserFlowIn(t, e, browsertest.New(t))
}

// startBrowserFlowIn is startBrowserFlow in a page already open, such as
// the page of an earlier sign-in.
func startBrowserFlowIn(t *testing.T, e *testEnv, pg *browsertest.Page) *browserFlow {
	t.Helper()
	f := &browserFlow{e: e, r: newRP(t, e, publicClient, "", e.redirect), page: pg,
		state: "state-" + newID(), nonce: "nonce-" + newID(), verifier: oauth2.GenerateVerifier()}
	authURL := f.r.cfg.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier), oidc.Nonce(f.nonce))
	resp := f.page.Navigate(authURL)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.URL, e.issuer+"/login?") {
		t.Fatalf("authorize led to %d %s", resp.Status, resp.URL)
	}
	checkPageHeaders(t, "login page", resp, e.p.wa != nil)
	return f
}

// checkPageHeaders checks the headers of a page of the provider as the
// browser received them. scripts says the page has a passkey ceremony,
// whose script (passkey.js, and nothing else) the policy must allow.
func checkPageHeaders(t *testing.T, what string, resp *network.Response, scripts bool) {
	t.Helper()
	csp := browsertest.Header(resp.Headers, "Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, want)
		}
	}
	switch {
	case scripts && !strings.Contains(csp, "; script-src 'self';"):
		t.Errorf("%s: Content-Security-Policy %q does not allow the provider's script", what, csp)
	case scripts && strings.Count(csp, "script-src") != 1, scripts && strings.Contains(csp, "unsafe"):
		t.Errorf("%s: Content-Security-Policy %q allows more scripts than passkey.js", what, csp)
	case !scripts && strings.Contains(csp, "script-src"):
		t.Errorf("%s: Content-Security-Policy %q allows scripts", what, csp)
	}
	if got := browsertest.Header(resp.Headers, "X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options = %q, want DENY", what, got)
	}
}

// callback checks that the browser is at the relying party's redirect URI
// with a code and the request's state, and exchanges the code (with the
// PKCE verifier) for tokens, returning the verified ID token's subject
// and amr.
func (f *browserFlow) callback(t *testing.T) (string, []string) {
	t.Helper()
	u, err := url.Parse(f.page.URL())
	if err != nil || !strings.HasPrefix(u.String(), f.e.redirect+"?") {
		t.Fatalf("browser at %q, showing %q; want the redirect URI %s", u, f.page.Text("body"), f.e.redirect)
	}
	if got := f.page.Text("body"); got != "relying party" {
		t.Errorf("redirect URI page says %q", got)
	}
	q := u.Query()
	if q.Get("state") != f.state || q.Get("code") == "" || q.Get("error") != "" {
		t.Fatalf("redirect query %v, want a code and state %q", q, f.state)
	}
	tok, err := f.r.cfg.Exchange(f.r.ctx, q.Get("code"), oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := f.r.provider.Verifier(&oidc.Config{ClientID: publicClient}).Verify(f.r.ctx, raw)
	if err != nil || idt.Nonce != f.nonce {
		t.Fatalf("ID token: %v (nonce %q, want %q)", err, idt.Nonce, f.nonce)
	}
	var claims struct {
		AMR []string `json:"amr"`
	}
	_ = idt.Claims(&claims)
	// Without the verifier the code would not do; with it, once.
	if _, err := f.r.cfg.Exchange(f.r.ctx, q.Get("code"), oauth2.VerifierOption(f.verifier)); err == nil {
		t.Error("the code was accepted twice")
	}
	return idt.Subject, claims.AMR
}

// checkCookies checks the cookies the sign-in set: all HttpOnly and
// SameSite; Secure as the provider chooses (only for an https issuer).
func (f *browserFlow) checkCookies(t *testing.T) {
	t.Helper()
	cookies := f.page.Cookies(f.e.issuer + "/login")
	if len(cookies) == 0 {
		t.Fatal("the sign-in set no cookie")
	}
	for _, c := range cookies {
		t.Logf("cookie %s: path %s, HttpOnly %v, Secure %v, SameSite %q, session %v", c.Name, c.Path, c.HTTPOnly, c.Secure, c.SameSite, c.Session)
		if c.Name != f.e.p.cookieName() || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax ||
			c.Secure != f.e.p.secure || c.Path != "/idp/" || !c.Session {
			t.Errorf("cookie %+v: want %s, HttpOnly, SameSite=Lax, Secure=%v, path /idp/, for the session", c, f.e.p.cookieName(), f.e.p.secure)
		}
	}
	// The binding cookie is not sent to the relying party's pages.
	if c := f.page.Cookies(f.e.redirect); len(c) != 0 {
		t.Errorf("cookies sent to the redirect URI: %+v", c)
	}
}

// checkNoCSPViolations checks that the provider's pages broke none of
// their own Content-Security-Policy, such as a style without the nonce.
func (f *browserFlow) checkNoCSPViolations(t *testing.T) {
	t.Helper()
	if v := f.page.CSPViolations(); len(v) != 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

// Ensure a password user signs in through the login form in a real
// browser: the browser lands on the redirect URI with a code and the
// original state, the code and the PKCE verifier give tokens for alice,
// and the form's cookie is HttpOnly and SameSite.
func TestBrowserSignInPassword(t *testing.T) {
	start := time.Now()
	e := newTestEnv(t, nil)
	f := startBrowserFlow(t, e)
	if got := f.page.Text("h1"); got != "Sign in" {
		t.Errorf("heading %q", got)
	}
	f.page.Fill("#username", "alice")
	f.page.Fill("#password", alicePassword)
	f.page.ClickAndWait("button[type=submit]")
	sub, amr := f.callback(t)
	if sub != "alice" || !slices.Equal(amr, []string{"pwd"}) {
		t.Errorf("signed in %q with amr %q, want alice with pwd", sub, amr)
	}
	f.checkCookies(t)
	f.checkNoCSPViolations(t)
	t.Logf("test took %v", time.Since(start))
}

// Ensure a TOTP user gets the code step after the password, in the same
// browser, and a correct code completes the sign-in with amr pwd+otp.
func TestBrowserSignInTOTP(t *testing.T) {
	start := time.Now()
	e := newTestEnv(t, nil)
	f := startBrowserFlow(t, e)
	f.page.Fill("#username", "bob")
	f.page.Fill("#password", bobPassword)
	resp := f.page.ClickAndWait("button[type=submit]")
	if resp.Status != http.StatusOK || !strings.HasPrefix(f.page.URL(), e.issuer+"/login") {
		t.Fatalf("after bob's password: %d at %s: %q", resp.Status, f.page.URL(), f.page.Text("main"))
	}
	checkPageHeaders(t, "code step", resp, false)
	if got := f.page.Text("label[for=code]"); got != "Code from your authenticator app" {
		t.Errorf("code step label %q", got)
	}
	if n := f.page.Count("#password"); n != 0 {
		t.Errorf("the code step still asks for the password (%d fields)", n)
	}
	f.page.Fill("#code", e.bobCode(t, time.Now()))
	f.page.ClickAndWait("button[type=submit]")
	sub, amr := f.callback(t)
	if sub != "bob" || !slices.Equal(amr, []string{"pwd", "otp"}) {
		t.Errorf("signed in %q with amr %q, want bob with pwd+otp", sub, amr)
	}
	f.checkCookies(t)
	f.checkNoCSPViolations(t)
	t.Logf("test took %v", time.Since(start))
}

// Ensure a wrong password and an unknown user show the same generic error
// on the form, with its security headers, and do not redirect.
func TestBrowserWrongPassword(t *testing.T) {
	start := time.Now()
	e := newTestEnv(t, nil)
	f := startBrowserFlow(t, e)
	var shown []string
	for _, try := range [][2]string{{"alice", "not alice's password"}, {"nobody", alicePassword}} {
		f.page.Fill("#username", try[0])
		f.page.Fill("#password", try[1])
		resp := f.page.ClickAndWait("button[type=submit]")
		if resp.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", try[0], resp.Status)
		}
		checkPageHeaders(t, "error page", resp, false)
		if u := f.page.URL(); !strings.HasPrefix(u, e.issuer+"/login") || strings.Contains(u, "code=") {
			t.Fatalf("%s: browser at %s, want the login page", try[0], u)
		}
		shown = append(shown, f.page.Text("p.err[role=alert]"))
		if f.page.Count("#password") != 1 {
			t.Fatalf("%s: no form to try again; the page says %q", try[0], shown[len(shown)-1])
		}
	}
	if shown[0] != msgFailed || shown[1] != msgFailed {
		t.Errorf("errors shown %q, want %q for both", shown, msgFailed)
	}
	for _, d := range f.page.Documents() {
		if strings.HasPrefix(d.URL, e.redirect) {
			t.Errorf("the browser reached the redirect URI: %s", d.URL)
		}
	}
	// The form still works after the failures.
	f.page.Fill("#username", "alice")
	f.page.Fill("#password", alicePassword)
	f.page.ClickAndWait("button[type=submit]")
	if sub, _ := f.callback(t); sub != "alice" {
		t.Errorf("signed in %q after the failures", sub)
	}
	f.checkNoCSPViolations(t)
	t.Logf("test took %v", time.Since(start))
}

// Ensure the browser refuses to show the login page in a frame of another
// origin, while it shows a frameable page in the same parent.
func TestBrowserLoginNotFramed(t *testing.T) {
	start := time.Now()
	e := newTestEnv(t, nil)
	f := startBrowserFlow(t, e) // sets the cookie, as a real victim would have
	loginURL := f.page.URL()
	framer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><iframe id="control" src="%s"></iframe><iframe id="idp" src="%s"></iframe>`,
			e.srv.URL+"/callback", loginURL)
	}))
	t.Cleanup(framer.Close)
	f.page.Navigate(framer.URL)

	res := browsertest.Get(f.page, "frame tree", func(ctx context.Context, t *chromedp.Target) (page.GetFrameTreeResult, error) {
		return cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
	})
	var children []string
	for _, c := range res.FrameTree.ChildFrames {
		children = append(children, c.Frame.URL)
	}
	t.Logf("frames: %q", children)
	if len(children) != 2 || children[0] != e.srv.URL+"/callback" {
		t.Fatalf("frames %q: want the control frame loaded first", children)
	}
	if strings.HasPrefix(children[1], e.issuer) {
		t.Errorf("the login page loaded in a frame: %s", children[1])
	}
	var blocked bool
	for _, m := range f.page.Errors() {
		blocked = blocked || strings.Contains(m.Text, "frame-ancestors") || strings.Contains(m.Text, "X-Frame-Options")
	}
	if !blocked {
		t.Errorf("no frame-ancestors or X-Frame-Options refusal in %v", f.page.Errors())
	}
	t.Logf("test took %v", time.Since(start))
}
