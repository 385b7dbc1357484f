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
	// stepPasskey answers the passkey challenge of the password page.
	stepPasskey = "passkey"
	// stepRegister adds a passkey after a multi-factor sign-in.
	stepRegister = "passkey-register"
)

// What the login page tells the user. A failure never says which part
// was wrong, nor whether the user exists.
const (
	msgFailed       = "Sign-in failed. Check your username and password and try again."
	msgCodeFailed   = "Sign-in failed. Check the code and try again."
	msgExpired      = "This sign-in request is not valid or has expired. Go back to the application and sign in again."
	msgNotRecorded  = "The sign-in could not be recorded, so it was refused. Try again in a moment."
	msgOtherBrowser = "This sign-in request was started in another browser. Go back to the application and sign in again."
	msgNoCookie     = "Your browser did not send the sign-in cookie. Allow cookies for this site, go back to the application and sign in again."
	msgTooMany      = "Too many failed attempts. Go back to the application and sign in again."
	msgUnavailable  = "Sign-in is not available right now. Try again in a few minutes."
	msgForbidden    = "This form cannot be sent from another site."
	// msgPasskeyFailed answers every refused passkey: unknown, removed,
	// of another user, cloned, of a disabled or locked account.
	msgPasskeyFailed    = "Sign-in with the passkey failed. Try again, or sign in with your username and password."
	msgPasskeyAddFailed = "The passkey could not be added. Try again, or skip this step."
)

// routes builds the handler: the login pages, the browser check on the
// authorization callback, and zitadel's endpoints under the issuer path.
func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(p.basePath+loginPath, p.serveLogin)
	mux.HandleFunc(p.basePath+loggedOutPath, p.serveLoggedOut)
	if p.wa != nil {
		mux.HandleFunc(p.basePath+passkeyScriptPath, p.servePasskeyScript)
	}
	opHandler := http.StripPrefix(p.basePath, p.op)
	mux.Handle(p.basePath+callbackPath, p.checkCallback(opHandler))
	mux.Handle(p.basePath+tokenEndpoint, p.serveToken(opHandler))
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
// held. A step with a passkey ceremony (the password page's sign-in, the
// registration step) gets a fresh challenge, replacing the previous one.
func (p *Provider) formView(a *authRequest, browser string) pageView {
	step := stepPassword
	switch {
	case a.enrollUser != nil:
		step = stepRegister
	case a.pendingUser != "":
		step = stepTOTP
	}
	v := pageView{
		Form: true, Step: step, ID: a.ID, CSRF: p.formToken(step, a.ID, browser),
		Action: p.basePath + loginPath, Client: a.ClientID, redirectURI: a.RedirectURI,
	}
	if p.wa == nil {
		return v
	}
	now := p.now()
	switch step {
	case stepPassword:
		if c, err := p.beginPasskeyLogin(now); err == nil {
			a.passkeyLogin = c
			v.PasskeyOptions, v.PasskeyCSRF = c.options, p.formToken(stepPasskey, a.ID, browser)
		}
	case stepTOTP:
		v.OfferPasskey = true
	case stepRegister:
		c, err := p.beginPasskeyRegistration(a.enrollUser, now)
		if err != nil {
			a.enroll = nil
			v.Error = msgUnavailable
			break
		}
		a.enroll = c
		v.PasskeyOptions = c.options
	}
	return v
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
	validStep := step == stepPassword || step == stepTOTP || (p.wa != nil && (step == stepPasskey || step == stepRegister))
	if !validStep ||
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
	case step == stepTOTP && (a.pendingUser == "" || a.enrollUser != nil),
		step == stepRegister && a.enrollUser == nil,
		step == stepPasskey && a.enrollUser != nil:
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	if step == stepPassword || step == stepPasskey {
		// Starting again.
		a.pendingUser, a.enrollUser, a.enrollAMR, a.enroll = "", nil, nil, nil
	}
	pending, clientID := a.pendingUser, a.ClientID
	// A passkey challenge is answered once: taken now, whatever the
	// answer.
	var cer *ceremony
	switch step {
	case stepPasskey:
		cer, a.passkeyLogin = a.passkeyLogin, nil
	case stepRegister:
		cer, a.enroll = a.enroll, nil
	}
	enrollUser, enrollAMR := a.enrollUser, a.enrollAMR
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
		amr := []string{"pwd", "otp"}
		if p.wa != nil && r.PostForm.Get("addPasskey") != "" {
			p.startPasskeyRegistration(w, r, id, browser, pending, amr, ev)
			return
		}
		p.complete(w, r, id, pending, amr, ev)
	case stepPasskey:
		p.passkeyLoginPost(w, r, id, browser, cer, ev)
	case stepRegister:
		p.passkeyRegisterPost(w, r, id, browser, cer, enrollUser, enrollAMR, ev)
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
	p.mu.Unlock()
	// The sign-in is recorded before it completes: if the record cannot
	// be written, no code is issued (fail closed).
	ev.Success, ev.AMR = true, amr
	if err := p.emit(r.Context(), ev); err != nil {
		p.renderPage(w, http.StatusServiceUnavailable, pageView{Error: msgNotRecorded})
		return
	}
	p.mu.Lock()
	a = p.authRequestLocked(id, now)
	if a == nil || a.done {
		p.mu.Unlock()
		p.renderPage(w, http.StatusBadRequest, pageView{Error: msgExpired})
		return
	}
	a.Subject, a.AMR, a.AuthTime, a.done, a.pendingUser = username, amr, now, true, ""
	a.enrollUser, a.enrollAMR, a.enroll, a.passkeyLogin = nil, nil, nil, nil
	p.mu.Unlock()
	http.Redirect(w, r, p.basePath+callbackPath+"?id="+url.QueryEscape(id), http.StatusSeeOther)
}

// emit hands the event to Options.OnSignIn and returns its error: a
// successful step whose record fails is refused by the caller.
func (p *Provider) emit(ctx context.Context, ev SignInEvent) error {
	if p.onEvent == nil {
		return nil
	}
	ev.Time = p.now()
	return p.onEvent(ctx, ev)
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
	// PasskeyOptions, when set, are the WebAuthn options of the step's
	// passkey ceremony (JSON), which passkey.js hands to the browser.
	PasskeyOptions string
	// PasskeyCSRF is the CSRF token of the password page's passkey form.
	PasskeyCSRF string
	// OfferPasskey shows, on the code step, the choice to add a passkey.
	OfferPasskey bool
	// Script is the path of passkey.js, set when the page needs it.
	Script string
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
.check{display:flex;gap:.5rem;align-items:center}
.check input{width:auto}
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
{{- if .OfferPasskey}}
<label class="check"><input type="checkbox" id="addPasskey" name="addPasskey" value="1"> Add a passkey after signing in</label>
{{- end}}
<button type="submit">Verify</button>
{{- else if eq .Step "passkey-register"}}
<p>Add a passkey to sign in next time with this device's screen lock or a security key, without your password and code.</p>
<input type="hidden" name="credential" value="">
<label for="passkey-name">Name of the passkey</label>
<input id="passkey-name" name="name" maxlength="64" value="Passkey" autocomplete="off" spellcheck="false">
{{- if .PasskeyOptions}}
<div data-passkey hidden><button type="button" id="passkey-register" data-options="{{.PasskeyOptions}}">Add a passkey</button></div>
{{- end}}
<button type="submit" id="passkey-skip" name="skip" value="1">Skip and continue</button>
{{- else}}
<label for="username">Username</label>
<input id="username" name="username" value="{{.Username}}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
{{- end}}
</form>
{{- if and .PasskeyOptions (eq .Step "password")}}
<form method="post" action="{{.Action}}" id="passkey-form" data-passkey hidden>
<input type="hidden" name="authRequestID" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.PasskeyCSRF}}">
<input type="hidden" name="step" value="passkey">
<input type="hidden" name="credential" value="">
<button type="button" id="passkey-signin" data-options="{{.PasskeyOptions}}">Sign in with a passkey</button>
</form>
{{- end}}
{{- if .Script}}
<p id="passkey-status" class="err" role="status" hidden></p>
<script src="{{.Script}}" defer></script>
{{- end}}
{{- end}}
</main>
</body>
</html>
`))

// renderPage writes the page with its security headers: a strict
// Content-Security-Policy (no script but the provider's own passkey.js
// on pages with a passkey ceremony, no inline script, the one inline
// style by nonce, forms only to the provider and the client's redirect
// origin), no framing and no caching.
func (p *Provider) renderPage(w http.ResponseWriter, status int, v pageView) {
	v.Nonce = base64.RawURLEncoding.EncodeToString(randomBytes(16))
	formAction := "'self'"
	if o := cspOrigin(v.redirectURI); o != "" {
		formAction += " " + o
	}
	scripts := ""
	if v.PasskeyOptions != "" && v.Form {
		v.Script = p.basePath + passkeyScriptPath
		scripts = "; script-src 'self'"
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+v.Nonce+"'"+scripts+"; form-action "+formAction+
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
