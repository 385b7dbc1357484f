package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/palisade-gw/palisade/internal/browsertest"
	"github.com/palisade-gw/palisade/internal/identity/localidp"
)

// consoleServer runs the served configuration of the demo's shape (the
// built-in identity provider, an HR agent with the HR-staff document, roles
// for employees and HR staff, a page app) and returns its URL and config.
// miaSecret is the TOTP secret of the test user mia.
var miaSecret string

func consoleServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := writeDemoKnowledge(filepath.Join(dir, "knowledge")); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONSOLE_APP_SECRET", "a-console-app-secret-long-enough-0123456789")
	cfgText := fmt.Sprintf(`server: {addr: %q}
data_dir: %q
environments: [{name: prod, region: eu}]
agents:
  - {name: hr-helpdesk, environment: prod, kind: knowledge, knowledge: [{name: hr, path: knowledge/hr}]}
apps:
  - {name: console, secrets: ["${env:CONSOLE_APP_SECRET}"], agents: [hr-helpdesk]}
identity:
  sessions: {app: console}
roles:
  - {name: employee, members: {all_users: true}, permissions: {agents: [hr-helpdesk]}}
  - {name: hr-staff, members: {groups: ["local:hr"]}, permissions: {knowledge: [hr-confidential]}}
access:
  policies:
    - {name: managers-need-mfa, when: '"local:managers" in groups', action: require_mfa, max_auth_age: 1h}
`, ln.Addr().String(), filepath.Join(dir, "data"))
	path := filepath.Join(dir, "palisade.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := localidp.NewDirectory(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []localidp.NewUser{
		{Username: "hana", DisplayName: "Hana Kobayashi", Groups: []string{"staff", "hr"}},
		{Username: "alice", DisplayName: "Alice Moreau", Groups: []string{"staff"}},
		{Username: "mia", DisplayName: "Mia Laurent", Groups: []string{"staff", "managers"}},
		{Username: "max", DisplayName: "Max Weber", Groups: []string{"staff", "managers"}},
	} {
		if _, err := d.AddUser(ctx, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	otpURL, err := d.EnrollTOTP(ctx, "mia", "Palisade test")
	if err != nil {
		t.Fatal(err)
	}
	key, err := otp.NewKeyFromURL(otpURL)
	if err != nil {
		t.Fatal(err)
	}
	miaSecret = key.Secret()
	st.Close()
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() { done <- serve(sctx, cfg, ln, slog.New(slog.DiscardHandler), func(a string) { ready <- a }) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + <-ready
}

// Ensure a person signs in on Palisade's start page in a real browser
// through the built-in identity provider, gets a hardened session cookie,
// asks the HR agent and is answered from the HR-staff document only as HR
// staff, and that signing out ends the session on the server.
func TestConsoleInBrowser(t *testing.T) {
	base := consoleServer(t)
	signIn := func(p *browsertest.Page, user string) {
		t.Helper()
		resp := p.Navigate(base + "/")
		for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
			if browsertest.Header(resp.Headers, h) == "" {
				t.Errorf("the start page has no %s", h)
			}
		}
		p.ClickAndWait("#signin-local")
		if !strings.Contains(p.URL(), "/idp/login") {
			t.Fatalf("sign-in went to %s", p.URL())
		}
		p.Fill("#username", user)
		p.Fill("#password", "a long enough password")
		p.ClickAndWait("button[type=submit]")
		if got := p.URL(); got != base+"/" {
			t.Fatalf("after sign-in the browser is at %s", got)
		}
	}
	ask := func(p *browsertest.Page, question string) string {
		t.Helper()
		p.Run(chromedp.WaitEnabled("#ask"))
		p.Fill("#question", question)
		p.Click("#ask")
		return browsertest.Get(p, "the answer", chromedp.Poll[string](
			`(() => { const a = document.getElementById("answer").textContent; return a && a !== "…" ? a : null })()`,
			chromedp.WithPollingTimeout(10*time.Second)))
	}

	hana := browsertest.New(t)
	signIn(hana, "hana")
	if got := hana.Text("#user"); got != "local:hana" {
		t.Errorf("signed in as %q", got)
	}
	if got := hana.Text("#roles"); got != "employee, hr-staff" {
		t.Errorf("roles shown: %q", got)
	}
	var session *network.Cookie
	for _, c := range hana.Cookies(base + "/") {
		if c.Name == "__Host-palisade-session" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || !session.Secure || session.SameSite != network.CookieSameSiteLax || session.Path != "/" {
		t.Fatalf("session cookie: %+v", session)
	}
	if a := ask(hana, "What is the pay review budget?"); !strings.Contains(a, "3.5%") {
		t.Errorf("HR staff were not answered from the HR-staff document: %q", a)
	}

	alice := browsertest.New(t)
	signIn(alice, "alice")
	if a := ask(alice, "What is the pay review budget?"); strings.Contains(a, "3.5%") {
		t.Errorf("an employee was answered from the HR-staff document: %q", a)
	}

	// Sign out: the session is revoked on the server, so even a token the
	// page obtained before stops working, and the page offers sign-in.
	tok := browsertest.Get(hana, "a session token", chromedp.Evaluate[string](
		`fetch("/auth/token", {method: "POST"}).then(r => r.json()).then(b => b.token)`, chromedp.EvalAwaitPromise))
	if status, _ := getWith(t, base+"/v1/models", tok); status != http.StatusOK {
		t.Fatalf("the page's token before sign-out: %d", status)
	}
	hana.ClickAndWait("#signout")
	if status, body := getWith(t, base+"/v1/models", tok); status != http.StatusUnauthorized || !strings.Contains(body, "session_ended") {
		t.Errorf("the page's token after sign-out: %d %s", status, body)
	}
	hana.Navigate(base + "/")
	if hana.Count("#signin-local") != 1 {
		t.Error("after signing out the start page does not offer sign-in")
	}
	// Step-up: managers need a multi-factor sign-in. max signed in with a
	// password only: he is refused with mfa_required and offered a new
	// sign-in that asks for it.
	max := browsertest.New(t)
	signIn(max, "max")
	if a := ask(max, "How many days of annual leave do I get?"); !strings.Contains(a, "mfa_required") {
		t.Errorf("a manager without MFA: %q", a)
	}
	if max.Count("#stepup") != 1 {
		t.Error("no step-up sign-in is offered")
	}
	// mia has TOTP, so her
	// sign-in through the form is one; the policy is satisfied.
	mia := browsertest.New(t)
	mia.Navigate(base + "/")
	mia.ClickAndWait("#signin-local")
	mia.Fill("#username", "mia")
	mia.Fill("#password", "a long enough password")
	mia.ClickAndWait("button[type=submit]")
	code, err := totp.GenerateCode(miaSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mia.Fill("#code", code)
	mia.ClickAndWait("button[type=submit]")
	if a := ask(mia, "How many days of annual leave do I get?"); strings.Contains(a, "mfa_required") || !strings.Contains(a, "days") {
		t.Errorf("a manager signed in with TOTP: %q", a)
	}

	if v := append(hana.CSPViolations(), alice.CSPViolations()...); len(v) != 0 {
		t.Errorf("CSP violations on the pages: %v", v)
	}
}

func getWith(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
