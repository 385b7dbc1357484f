package localidp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Paths under the issuer's path.
const (
	loginPath        = "/login"
	loggedOutPath    = "/logged-out"
	callbackPath     = "/authorize/callback"
	authRequestParam = "authRequestID"
	maxFormBytes     = 16 << 10
)

// Sign-in steps, the value of the form's step field.
const (
	stepPassword = "password"
	stepTOTP     = "totp"
)

// What the login page tells the user. A failure never says which part
// was wrong, nor whether the user exists.
const (
	msgFailed       = "Sign-in failed. Check your username and password and try again."
	msgCodeFailed   = "Sign-in failed. Check the code and try again."
	msgExpired      = "This sign-in request is not valid or has expired. Go back to the application and sign in again."
	msgOtherBrowser = "This sign-in request was started in another browser. Go back to the application and sign in again."
	msgNoCookie     = "Your browser did not send the sign-in cookie. Allow cookies for this site, go back to the application and sign in again."
	msgTooMany      = "Too many failed attempts. Go back to the application and sign in again."
	msgUnavailable  = "Sign-in is not available right now. Try again in a few minutes."
	msgForbidden    = "This form cannot be sent from another site."
)

// routes builds the handler: the login pages, the browser check on the
// authorization callback, and zitadel's endpoints under the issuer path.
func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(p.basePath+loginPath, p.serveLogin)
	mux.HandleFunc(p.basePath+loggedOutPath, p.serveLoggedOut)
	opHandler := http.StripPrefix(p.basePath, p.op)
	mux.Handle(p.basePath+callbackPath, p.checkCallback(opHandler))
	mux.Handle(p.basePath+"/", opHandler)
	return securityHeaders(mux)
}

// securityHeaders sets the headers every response of the provider
// carries: nothing of it may be framed, sniffed or leak its URL (which
// holds request IDs) in a Referer.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// cookieName is the name of the cookie that binds a sign-in to the
// browser it started in.
func (p *Provider) cookieName() string {
	if p.secure {
		return "__Secure-palisade-idp"
	}
	return "palisade-idp"
}

// browserCookie returns the browser's binding cookie, setting a new one
// if it has none.
func (p *Provider) browserCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(p.cookieName()); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := newID()
	http.SetCookie(w, &http.Cookie{
		Name: p.cookieName(), Value: v, Path: p.basePath + "/",
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode,
	})
	return v
}

// formToken is the CSRF token of a form: an HMAC over the step, the
// authorization request and the browser cookie, so it is valid only for
// that request, in that browser.
func (p *Provider) formToken(step, id, browser string) string {
	m := hmac.New(sha256.New, p.formKey)
	m.Write([]byte("localidp-form\x00" + step + "\x00" + id + "\x00" + browser))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCallback refuses to complete a request in a browser other than the
// one it was signed in with.
func (p *Provider) checkCallback(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		p.mu.Lock()
		a := p.authRequestLocked(id, p.now())
		bound := ""
		if a != nil {
			bound = a.browser
		}
		p.mu.Unlock()
		if bound != "" {
			c, err := r.Cookie(p.cookieName())
			if err != nil || !hmac.Equal([]byte(tokenHash(c.Value)), []byte(bound)) {
				p.renderPage(w, http.StatusForbidden, pageView{Error: msgOtherBrowser})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// serveLogin serves the sign-in form (GET) and takes its answers (POST).
func (p *Provider) serveLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		p.loginGet(w, r)
	case http.MethodPost:
		p.loginPost(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// loginGet shows the form of the request's current step, binding the
// request to this browser on the first view.
func (p *Provider) loginGet(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get(authRequestParam)
	browser := p.browserCookie(w, r)
	p.mu.Lock()
	a := p.authRequestLocked(id, p.now())
	if a == nil || a.done {
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	bh := tokenHash(browser)
	if a.browser == "" {
		a.browser = bh
	}
	if a.browser != bh {
		p.mu.Unlock()
		p.renderPage(w, http.StatusForbidden, pageView{Error: msgOtherBrowser})
		return
	}
	v := p.formView(a, browser)
	p.mu.Unlock()
	p.renderPage(w, http.StatusOK, v)
}

// formView describes the form of the request's current step. p.mu is
// held.
func (p *Provider) formView(a *authRequest, browser string) pageView {
	step := stepPassword
	if a.pendingUser != "" {
		step = stepTOTP
	}
	return pageView{
		Form: true, Step: step, ID: a.ID, CSRF: p.formToken(step, a.ID, browser),
		Action: p.basePath + loginPath, Client: a.ClientID, redirectURI: a.RedirectURI,
	}
}

// loginPost checks one answer of the form.
func (p *Provider) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != p.origin {
		p.renderPage(w, http.StatusForbidden, pageView{Error: msgForbidden})
		return
	}
	id, step := r.PostForm.Get(authRequestParam), r.PostForm.Get("step")
	c, err := r.Cookie(p.cookieName())
	if err != nil {
		p.renderPage(w, http.StatusForbidden, pageView{Error: msgNoCookie})
		return
	}
	browser := c.Value
	if (step != stepPassword && step != stepTOTP) ||
		!hmac.Equal([]byte(p.formToken(step, id, browser)), []byte(r.PostForm.Get("csrf"))) {
		p.renderPage(w, http.StatusForbidden, pageView{Error: msgExpired})
		return
	}

	p.mu.Lock()
	a := p.authRequestLocked(id, p.now())
	switch {
	case a == nil || a.done:
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	case a.browser != tokenHash(browser):
		p.mu.Unlock()
		p.renderPage(w, http.StatusForbidden, pageView{Error: msgOtherBrowser})
		return
	case step == stepTOTP && a.pendingUser == "":
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	if step == stepPassword {
		a.pendingUser = "" // starting again
	}
	pending, clientID := a.pendingUser, a.ClientID
	p.mu.Unlock()

	ev := SignInEvent{ClientID: clientID, Step: step, RemoteAddr: remoteHost(r)}
	ctx := r.Context()
	switch step {
	case stepPassword:
		username := r.PostForm.Get("username")
		ev.Username = eventUsername(username)
		acct, reason, err := p.dir.authenticate(ctx, username, r.PostForm.Get("password"))
		if err != nil {
			ev.Reason = reason
			p.emit(ctx, ev)
			p.failed(w, id, browser, err, msgFailed, username)
			return
		}
		if acct.TOTP {
			ev.Success = true
			p.emit(ctx, ev)
			p.mu.Lock()
			a := p.authRequestLocked(id, p.now())
			if a == nil || a.done {
				p.mu.Unlock()
				p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
				return
			}
			a.pendingUser = acct.Username
			v := p.formView(a, browser)
			p.mu.Unlock()
			p.renderPage(w, http.StatusOK, v)
			return
		}
		p.complete(w, r, id, acct.Username, []string{"pwd"}, ev)
	case stepTOTP:
		ev.Username = pending
		reason, err := p.dir.verifyTOTP(ctx, pending, r.PostForm.Get("code"))
		if err != nil {
			ev.Reason = reason
			p.emit(ctx, ev)
			p.failed(w, id, browser, err, msgCodeFailed, "")
			return
		}
		p.complete(w, r, id, pending, []string{"pwd", "otp"}, ev)
	}
}

// failed answers a failed step: the same form again with msg, or, after
// maxFormFailures, the end of the request.
func (p *Provider) failed(w http.ResponseWriter, id, browser string, err error, msg, username string) {
	if !errors.Is(err, ErrInvalidCredentials) {
		p.renderPage(w, http.StatusServiceUnavailable, pageView{Error: msgUnavailable})
		return
	}
	p.mu.Lock()
	a := p.authRequestLocked(id, p.now())
	if a == nil || a.done {
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	a.failures++
	if a.failures >= maxFormFailures {
		delete(p.authReqs, id)
		p.mu.Unlock()
		p.renderPage(w, http.StatusUnauthorized, pageView{Error: msgTooMany})
		return
	}
	v := p.formView(a, browser)
	p.mu.Unlock()
	v.Error, v.Username = msg, username
	p.renderPage(w, http.StatusUnauthorized, v)
}

// complete marks the request signed in and sends the browser on to the
// authorization callback, which issues the code.
func (p *Provider) complete(w http.ResponseWriter, r *http.Request, id, username string, amr []string, ev SignInEvent) {
	now := p.now()
	p.mu.Lock()
	a := p.authRequestLocked(id, now)
	if a == nil || a.done {
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	a.Subject, a.AMR, a.AuthTime, a.done, a.pendingUser = username, amr, now, true, ""
	p.mu.Unlock()
	ev.Success, ev.AMR = true, amr
	p.emit(r.Context(), ev)
	http.Redirect(w, r, p.basePath+callbackPath+"?id="+url.QueryEscape(id), http.StatusSeeOther)
}

// emit hands the event to Options.OnSignIn.
func (p *Provider) emit(ctx context.Context, ev SignInEvent) {
	if p.onEvent == nil {
		return
	}
	ev.Time = p.now()
	p.onEvent(ctx, ev)
}

// eventUsername is the typed username as events carry it.
func eventUsername(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.ToValidUTF8(s, "")
}

func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// serveLoggedOut is where end_session sends the user when the client
// named no post_logout_redirect_uri.
func (p *Provider) serveLoggedOut(w http.ResponseWriter, _ *http.Request) {
	p.renderPage(w, http.StatusOK, pageView{Info: "You are signed out. You can close this window."})
}

// pageView is what the page template shows.
type pageView struct {
	Nonce    string
	Form     bool
	Step     string
	ID       string
	CSRF     string
	Action   string
	Client   string
	Username string
	Error    string
	Info     string
	// redirectURI's origin is allowed as a form-action: browsers apply
	// form-action to the redirects that follow the form.
	redirectURI string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Sign in · Palisade</title>
<style nonce="{{.Nonce}}">
body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin:.9rem 0 .25rem}
input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}
button{margin-top:1.3rem;padding:.6rem 1rem;width:100%;font-size:1rem}
.err{background:#fde8e8;border:1px solid #d99;padding:.6rem;border-radius:4px}
</style>
</head>
<body>
<main>
<h1>Sign in</h1>
{{- if .Client}}
<p>to continue to <strong>{{.Client}}</strong></p>
{{- end}}
{{- if .Error}}
<p class="err" role="alert">{{.Error}}</p>
{{- end}}
{{- if .Info}}
<p>{{.Info}}</p>
{{- end}}
{{- if .Form}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<input type="hidden" name="step" value="{{.Step}}">
{{- if eq .Step "totp"}}
<label for="code">Code from your authenticator app</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required autofocus>
<button type="submit">Verify</button>
{{- else}}
<label for="username">Username</label>
<input id="username" name="username" value="{{.Username}}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
{{- end}}
</form>
{{- end}}
</main>
</body>
</html>
`))

// renderPage writes the page with its security headers: a strict
// Content-Security-Policy (no script at all, the one inline style by
// nonce, forms only to the provider and the client's redirect origin),
// no framing and no caching.
func (p *Provider) renderPage(w http.ResponseWriter, status int, v pageView) {
	v.Nonce = base64.RawURLEncoding.EncodeToString(randomBytes(16))
	formAction := "'self'"
	if o := cspOrigin(v.redirectURI); o != "" {
		formAction += " " + o
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+v.Nonce+"'; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, v)
}

// cspOrigin returns the CSP source expression of a redirect URI's origin,
// or "" if it has none that CSP can express.
func cspOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	ok := func(s string) bool { return s != "" && !strings.ContainsAny(s, " ;,'\"\t\r\n") }
	if u.Host != "" {
		if !ok(u.Host) || !ok(u.Scheme) {
			return ""
		}
		return u.Scheme + "://" + u.Host
	}
	if !ok(u.Scheme) {
		return ""
	}
	return u.Scheme + ":"
}
