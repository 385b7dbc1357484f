package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
)

// site is a small site with a form, a redirect, a cookie, a console error
// and a CSP violation.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3cret", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-n0nce'; form-action 'self'")
		w.Header().Set("X-Test", "form page")
		fmt.Fprint(w, `<!doctype html><title>form</title>
<script nonce="n0nce">console.error("boom from the page")</script>
<script>document.title = "the CSP let an inline script run"</script>
<form method="post" action="/submit"><input id="name" name="name"><button id="go" type="submit">Go</button></form>`)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/done?"+url.Values{"name": {r.PostFormValue("name")}}.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><p id="out">Hello, %s!</p>`, r.URL.Query().Get("name"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// Ensure the helpers drive a page: navigate with headers, fill, click
// through a form's redirect, read text, URL and HttpOnly cookies, and
// collect console errors and CSP violations.
func TestPage(t *testing.T) {
	srv := site(t)
	start := time.Now()
	p := New(t)
	t.Logf("New: %v", time.Since(start))

	resp := p.Navigate(srv.URL + "/form")
	if resp.Status != 200 || Header(resp.Headers, "x-test") != "form page" {
		t.Errorf("form page: %d, headers %v", resp.Status, resp.Headers)
	}
	p.Fill("#name", "typed first")
	p.Fill("#name", "Ada & Bob") // Fill replaces, and types what a keyboard would
	resp = p.ClickAndWait("#go")
	if resp.Status != 200 || !strings.HasPrefix(resp.URL, srv.URL+"/done?") {
		t.Errorf("after the form: %d %s", resp.Status, resp.URL)
	}
	if got := p.Text("#out"); got != "Hello, Ada & Bob!" {
		t.Errorf("text = %q", got)
	}
	if got := p.URL(); got != srv.URL+"/done?name=Ada+%26+Bob" {
		t.Errorf("URL = %q", got)
	}
	if n := p.Count("#out"); n != 1 {
		t.Errorf("Count(#out) = %d", n)
	}
	if n := p.Count("#nothing"); n != 0 {
		t.Errorf("Count(#nothing) = %d", n)
	}

	cookies := p.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "sid" || !cookies[0].HTTPOnly ||
		cookies[0].SameSite != network.CookieSameSiteStrict || cookies[0].Path != "/" {
		t.Errorf("cookies of the page: %+v", cookies)
	}
	if c := p.Cookies("http://other.example/"); len(c) != 0 {
		t.Errorf("cookies for another site: %+v", c)
	}

	var urls []string
	for _, d := range p.Documents() {
		urls = append(urls, strings.TrimPrefix(d.URL, srv.URL))
	}
	if !slices.Equal(urls, []string{"/form", "/done?name=Ada+%26+Bob"}) {
		t.Errorf("documents = %q", urls)
	}

	errs := p.Errors()
	var sawConsole bool
	for _, m := range errs {
		sawConsole = sawConsole || (m.Source == "console" && m.Text == "boom from the page")
	}
	if !sawConsole {
		t.Errorf("console.error missing from %v", errs)
	}
	if v := p.CSPViolations(); len(v) != 1 || !strings.Contains(v[0].Text, "script-src") {
		t.Errorf("CSP violations = %v; all errors %v", v, errs)
	}
}

// Ensure each page has a browser context of its own: no cookies carry
// over from another test's page.
func TestPagesAreIsolated(t *testing.T) {
	srv := site(t)
	a := New(t)
	a.Navigate(srv.URL + "/form")
	if len(a.Cookies()) != 1 {
		t.Fatalf("first page has cookies %+v", a.Cookies())
	}
	start := time.Now()
	b := New(t)
	t.Logf("New: %v", time.Since(start))
	if c := b.Cookies(srv.URL + "/form"); len(c) != 0 {
		t.Errorf("second page sees cookies %+v", c)
	}
	// Both tabs keep working side by side.
	b.Navigate(srv.URL + "/done?name=b")
	a.Navigate(srv.URL + "/done?name=a")
	if ga, gb := a.Text("#out"), b.Text("#out"); ga != "Hello, a!" || gb != "Hello, b!" {
		t.Errorf("texts %q, %q", ga, gb)
	}
}

// recorder is a testing.TB that records Skipf and Fatalf.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(f string, args ...any)    { r.skipped = fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any)   { r.failed = fmt.Sprintf(f, args...) }
func (r *recorder) Logf(string, ...any)            {}
func (r *recorder) Cleanup(func())                 {}
func (r *recorder) Setenv(string, string)          {}
func (r *recorder) TempDir() string                { return "" }
func (r *recorder) Name() string                   { return "recorder" }
func (r *recorder) Context() (ctx context.Context) { return nil }

// Ensure a missing browser skips the test, except under CI=true where it
// fails it, and that a browser that fails to start always fails it.
func TestUnavailable(t *testing.T) {
	notFound := errors.New("no Chromium found")
	for _, c := range []struct {
		ci       string
		notFound bool
		skip     bool
	}{
		{"", true, true},
		{"false", true, true},
		{"true", true, false},
		{"", false, false},
		{"true", false, false},
	} {
		t.Setenv("CI", c.ci)
		r := &recorder{TB: t}
		unavailable(r, notFound, c.notFound)
		if skipped := r.skipped != "" && r.failed == ""; skipped != c.skip || (r.skipped == "" && r.failed == "") {
			t.Errorf("CI=%q notFound=%v: skipped %q, failed %q; want skip %v", c.ci, c.notFound, r.skipped, r.failed, c.skip)
		}
		if msg := r.skipped + r.failed; !strings.Contains(msg, "no Chromium found") {
			t.Errorf("message %q does not say why", msg)
		}
	}
}

// Ensure the browser is looked for where the package says.
func TestFindChromium(t *testing.T) {
	t.Setenv(EnvChromium, "/nonexistent/chromium")
	if _, err := findChromium(); err == nil || !strings.Contains(err.Error(), EnvChromium) {
		t.Errorf("%s set to a missing file: %v", EnvChromium, err)
	}
	t.Setenv(EnvChromium, "")
	t.Setenv("PATH", t.TempDir())
	if p, err := findChromium(); err == nil || !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Errorf("empty PATH: %q, %v", p, err)
	}
}
