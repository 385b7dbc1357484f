// Package browsertest drives browser-facing pages in a real headless
// Chromium from Go tests.
//
// A test calls New to get a Page: a tab in a browser context of its own
// (like an incognito window: its own cookies, cache and storage) in one
// Chromium that all tests of the test binary share. Starting Chromium
// takes a few hundred milliseconds; a new browser context takes about a
// tenth of that, so the browser is started once, on first use.
//
// New looks for Chromium in $PALISADE_CHROMIUM, then for chromium,
// chromium-browser, google-chrome and google-chrome-stable on $PATH. When
// there is none the test is skipped, except under CI=true, where it fails:
// in CI nothing may be skipped silently.
//
// The helpers of Page fail the test (t.Fatal) when the browser does not do
// what they ask within ActionTimeout. Page.Context gives the chromedp
// context for anything they do not cover.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// EnvChromium names the environment variable that, when set, is the path
// (or the name on $PATH) of the Chromium or Chrome binary to use.
const EnvChromium = "PALISADE_CHROMIUM"

// ActionTimeout bounds each helper of Page, and the start of the browser.
const ActionTimeout = 30 * time.Second

// candidates are the names New looks for on $PATH, in order.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// dirPrefix starts the name of the temporary user-data directory, which
// goes on with the PID of the test process (see sweepStaleDirs).
const dirPrefix = "palisade-browsertest-"

// shared is the browser of this test process.
var shared struct {
	once sync.Once
	ctx  context.Context // chromedp context of the browser's first tab
	err  error
	skip bool // err means no browser was found, not that it failed
}

// Page is one tab in a fresh browser context. Its methods fail the test
// on error; they must not be called after the test has ended.
type Page struct {
	t   testing.TB
	ctx context.Context

	mu        sync.Mutex
	console   []Message
	documents []*network.Response
}

// Message is an error the page reported: an uncaught exception, a call of
// console.error, or an error of the browser's log, such as a refused
// resource or a Content-Security-Policy violation.
type Message struct {
	// Source is "console" for console.error, "exception" for an uncaught
	// exception, or the source the browser's log gives ("security",
	// "network", "rendering"...).
	Source string
	// Text is the message as the DevTools console would show it.
	Text string
	// URL is where it came from, when the browser says.
	URL string
}

// String returns the source and the text of the message.
func (m Message) String() string { return m.Source + ": " + m.Text }

// New returns a tab in a new browser context of the test process's
// Chromium, starting Chromium if needed. The browser context and its tab
// are closed when the test ends. Without a Chromium, New skips the test,
// or fails it under CI=true.
func New(t testing.TB) *Page {
	t.Helper()
	shared.once.Do(startBrowser)
	if shared.err != nil {
		unavailable(t, shared.err, shared.skip)
		return nil
	}

	p := &Page{t: t}
	ctx, cancel := chromedp.NewContext(shared.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(p.listen))
	// The first Run creates the browser context and the tab, which then
	// live as long as ctx: ctx must not have a deadline, so a timer
	// bounds the start instead.
	timer := time.AfterFunc(ActionTimeout, cancel)
	err := chromedp.Do(ctx)
	if !timer.Stop() {
		err = fmt.Errorf("no tab after %v: %w", ActionTimeout, err)
	}
	if err != nil {
		cancel()
		t.Fatalf("browsertest: open a tab: %v", err)
	}
	p.ctx = ctx
	t.Cleanup(func() {
		// Cancel closes the tab and disposes of its browser context,
		// and waits for that.
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("browsertest: close the tab: %v", err)
		}
		cancel()
	})
	return p
}

// unavailable ends the test for want of a browser: it skips it when none
// was found (notFound), except under CI=true, and fails it otherwise.
func unavailable(t testing.TB, err error, notFound bool) {
	t.Helper()
	if notFound && os.Getenv("CI") != "true" {
		t.Skipf("browsertest: %v", err)
		return
	}
	if notFound {
		t.Fatalf("browsertest: %v (under CI=true a missing browser fails the test)", err)
		return
	}
	t.Fatalf("browsertest: %v", err)
}

// startBrowser finds and starts the shared browser, setting shared.
func startBrowser() {
	path, err := findChromium()
	if err != nil {
		shared.err, shared.skip = err, true
		return
	}
	sweepStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		shared.err = err
		return
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.UserDataDir(dir),
		// Chromium keeps shared memory in /dev/shm, which is 64 MB in a
		// default Docker container and too small: Chromium then
		// crashes. This flag puts it in the temporary directory.
		chromedp.Flag("disable-dev-shm-usage", true),
		// Chromium's sandbox refuses to run as root, which is how tests
		// usually run in containers (and CI machines), and it needs user
		// namespaces that a container's seccomp profile often forbids.
		// The pages under test are our own, so as root it is turned
		// off; as any other user the sandbox stays on.
		chromedp.Flag("no-sandbox", os.Getuid() == 0),
		chromedp.Flag("disable-gpu", true),
	)
	// The allocator and the browser are never cancelled: they live as
	// long as the test process. When the process exits, the kernel kills
	// Chromium (chromedp starts it with Pdeathsig on Linux); the next
	// run removes the user-data directory (sweepStaleDirs).
	allocCtx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	timer := time.AfterFunc(ActionTimeout, cancel)
	err = chromedp.Do(ctx)
	if !timer.Stop() {
		err = fmt.Errorf("the browser did not start within %v: %w", ActionTimeout, err)
	}
	if err != nil {
		cancel()
		os.RemoveAll(dir)
		shared.err = fmt.Errorf("start %s (set %s to another browser): %w", path, EnvChromium, err)
		return
	}
	shared.ctx = ctx
}

// findChromium returns the path of the browser to use.
func findChromium() (string, error) {
	if v := os.Getenv(EnvChromium); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvChromium, v, err)
		}
		return p, nil
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found: install it (Debian: apt-get install chromium) or set %s; looked for %s on $PATH",
		EnvChromium, strings.Join(candidates, ", "))
}

// sweepStaleDirs removes the user-data directories of test processes that
// have ended. Their browser never shut down cleanly (see startBrowser),
// so nothing else removes them.
func sweepStaleDirs() {
	tmp := os.TempDir()
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), dirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(tmp, e.Name()))
	}
}

// processAlive reports whether the process pid may still run: only a
// definite "no such process" counts as ended.
func processAlive(pid int) bool {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return !errors.Is(err, os.ErrProcessDone)
	}
	err = proc.Signal(syscall.Signal(0))
	return !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}

// listen records the page's errors and document responses. It runs on
// chromedp's reading goroutine, so it only appends under the lock.
func (p *Page) listen(ev any) {
	var m *Message
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		m = &Message{Source: "exception", Text: text, URL: d.URL}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			switch {
			case a.Value != nil:
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			case a.Description != "":
				parts = append(parts, a.Description)
			}
		}
		m = &Message{Source: "console", Text: strings.Join(parts, " ")}
	case *log.EventEntryAdded:
		if e := ev.Entry; e.Level == log.EntryLevelError {
			m = &Message{Source: string(e.Source), Text: e.Text, URL: e.URL}
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			p.mu.Lock()
			p.documents = append(p.documents, ev.Response)
			p.mu.Unlock()
		}
	}
	if m != nil {
		p.mu.Lock()
		p.console = append(p.console, *m)
		p.mu.Unlock()
	}
}

// Context returns the chromedp context of the tab, to run chromedp
// actions the helpers do not cover. Bound each run with a timeout derived
// from it; never cancel it.
func (p *Page) Context() context.Context { return p.ctx }

// Run runs chromedp actions in the tab, failing the test on error or
// after ActionTimeout.
func (p *Page) Run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := p.do(actions...); err != nil {
		p.t.Fatalf("browsertest: %v", err)
	}
}

func (p *Page) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, ActionTimeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Get runs a chromedp action with a result in the page's tab and returns
// the result, failing the test (with what, in the message) on error or
// after ActionTimeout.
func Get[T any](p *Page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("browsertest: %s: %v", what, err)
	}
	return v
}

// Navigate opens url in the tab, follows its redirects, waits for the
// page to load and returns the response of the final document.
func (p *Page) Navigate(url string) *network.Response {
	p.t.Helper()
	resp := Get(p, "navigate to "+url, chromedp.NavigateResponse(url))
	if resp == nil {
		p.t.Fatalf("browsertest: navigate to %s: no response", url)
	}
	return resp
}

// Fill waits for the form field matching the CSS selector to be visible,
// empties it and types value into it, key by key.
func (p *Page) Fill(selector, value string) {
	p.t.Helper()
	// chromedp.SetValue cannot set "" (it reports a failure), so the
	// field is emptied by script. DevTools' evaluation is not subject to
	// the page's Content-Security-Policy.
	clear := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ok, err := chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+strconv.Quote(selector)+`);
			if (!e) return false; e.value = ""; return true; })()`)(ctx, t)
		if err == nil && !ok {
			err = errors.New("no such element")
		}
		return err
	})
	if err := p.do(
		chromedp.WaitVisible(chromedp.CSS(selector)),
		clear,
		chromedp.SendKeys(chromedp.CSS(selector), value, chromedp.NodeVisible),
	); err != nil {
		p.t.Fatalf("browsertest: fill %s: %v", selector, err)
	}
}

// Click waits for the element matching the CSS selector to be visible
// and clicks it. It does not wait for what the click causes: use
// ClickAndWait for a click that loads a page.
func (p *Page) Click(selector string) {
	p.t.Helper()
	if err := p.do(chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible)); err != nil {
		p.t.Fatalf("browsertest: click %s: %v", selector, err)
	}
}

// ClickAndWait clicks the element matching the CSS selector, as Click,
// and waits for the page that the click loads, such as the answer to a
// form (after its redirects). It returns that page's response.
func (p *Page) ClickAndWait(selector string) *network.Response {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, ActionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
	if err != nil || resp == nil {
		p.t.Fatalf("browsertest: click %s and wait for a page: %v (response %v)", selector, err, resp)
	}
	return resp
}

// Text waits for the element matching the CSS selector to be visible and
// returns its visible text.
func (p *Page) Text(selector string) string {
	p.t.Helper()
	return Get(p, "text of "+selector, chromedp.Text(chromedp.CSS(selector), chromedp.NodeVisible))
}

// Count returns how many elements match the CSS selector now, without
// waiting for any.
func (p *Page) Count(selector string) int {
	p.t.Helper()
	return Get(p, "count "+selector,
		chromedp.Evaluate[int]("document.querySelectorAll("+strconv.Quote(selector)+").length"))
}

// URL returns the URL of the document in the tab.
func (p *Page) URL() string {
	p.t.Helper()
	return Get(p, "location", chromedp.Location())
}

// Cookies returns the cookies the browser would send to the URLs, or to
// the current page (and its frames) when no URL is given, with all their
// attributes, HttpOnly ones included.
func (p *Page) Cookies(urls ...string) []*network.Cookie {
	p.t.Helper()
	res := Get(p, "cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: urls})
	})
	return res.Cookies
}

// Errors returns the errors the tab reported so far: uncaught
// exceptions, console.error calls and the browser log's errors, which
// include Content-Security-Policy violations and failed loads.
func (p *Page) Errors() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Message(nil), p.console...)
}

// CSPViolations returns the Content-Security-Policy violations among
// Errors.
func (p *Page) CSPViolations() []Message {
	var out []Message
	for _, m := range p.Errors() {
		if strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, m)
		}
	}
	return out
}

// Documents returns the responses of the documents the tab has loaded so
// far, frames included, in order. A redirect is not a document: only the
// response at its end is here.
func (p *Page) Documents() []*network.Response {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*network.Response(nil), p.documents...)
}

// Header returns the value of the header name in h, whatever the case of
// its name there, or "" if h has none.
func Header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}
