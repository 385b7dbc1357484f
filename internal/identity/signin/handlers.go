package signin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
)

// loginTicket is a sign-in in progress, kept server-side under its state.
type loginTicket struct {
	Provider string `json:"provider"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	ReturnTo string `json:"return_to"`
	// Binding is the SHA-256 of the browser's login cookie value.
	Binding string `json:"binding"`
	// ACRValues and MaxAge are what a step-up asked for; the new sign-in
	// must satisfy them.
	ACRValues []string `json:"acr_values,omitempty"`
	MaxAge    int      `json:"max_age,omitempty"`
	Started   int64    `json:"started"`
}

// Handler serves /auth/login, /auth/callback, /auth/logout and
// /auth/backchannel-logout.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/login", s.login)
	mux.HandleFunc("GET /auth/callback", s.callback)
	mux.HandleFunc("POST /auth/logout", s.logout)
	mux.HandleFunc("POST /auth/backchannel-logout", s.backchannelLogout)
	return mux
}

// login starts a sign-in with the provider named in the query.
func (s *Service) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("provider")
	if name == "" && len(s.order) == 1 {
		name = s.order[0]
	}
	p, ok := s.providers[name]
	if !ok {
		s.fail(w, r, name, apperr.New(apperr.KindInvalid, apperr.CodeInvalidRequest, "Choose one of the sign-in options."))
		return
	}
	op, err := s.discover(r.Context(), p)
	if err != nil {
		s.fail(w, r, name, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeIdPUnavailable, "The identity provider cannot be reached; try again shortly."))
		return
	}
	t := loginTicket{
		Provider: name, Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: SafeReturnPath(q.Get("return_to")), Started: s.opts.Now().Unix(),
	}
	if v := q.Get("acr_values"); v != "" {
		t.ACRValues = splitSpaces(v)
	}
	if v := q.Get("max_age"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			t.MaxAge = n
		}
	}
	// The browser binding: reuse this browser's login cookie so that two
	// tabs can sign in at once, or make one.
	var bind string
	if c, err := r.Cookie(LoginCookie); err == nil {
		_ = s.cookies.Decode(LoginCookie, c.Value, &bind)
	}
	if bind == "" {
		bind = rand.Text()
		enc, err := s.cookies.Encode(LoginCookie, bind)
		if err != nil {
			s.fail(w, r, name, apperr.As(err))
			return
		}
		http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: enc, Path: "/", MaxAge: int(loginTTL / time.Second),
			HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	}
	t.Binding = digest(bind)
	state := rand.Text()
	data, _ := json.Marshal(t)
	if err := s.opts.Store.PutTicket(r.Context(), ticketPrefix+state, data, s.opts.Now().Add(loginTTL)); err != nil {
		s.fail(w, r, name, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sign-in cannot start now; try again shortly."))
		return
	}
	params := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(t.Verifier), oidc.Nonce(t.Nonce)}
	if len(t.ACRValues) > 0 {
		params = append(params, oauth2.SetAuthURLParam("acr_values", joinSpaces(t.ACRValues)))
	}
	if q.Has("max_age") {
		params = append(params, oauth2.SetAuthURLParam("max_age", strconv.Itoa(t.MaxAge)), oauth2.SetAuthURLParam("prompt", "login"))
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.oauth(p, op).AuthCodeURL(state, params...), http.StatusFound)
}

// callback completes a sign-in.
func (s *Service) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 128 {
		s.fail(w, r, "", errLoginState)
		return
	}
	raw, err := s.opts.Store.TakeTicket(ctx, ticketPrefix+state, s.opts.Now())
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, "", errLoginState)
		return
	}
	if err != nil {
		s.fail(w, r, "", apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sign-in cannot be completed now; try again shortly."))
		return
	}
	var t loginTicket
	if err := json.Unmarshal(raw, &t); err != nil {
		s.fail(w, r, "", errLoginState)
		return
	}
	var bind string
	if c, err := r.Cookie(LoginCookie); err == nil {
		_ = s.cookies.Decode(LoginCookie, c.Value, &bind)
	}
	if bind == "" || subtle.ConstantTimeCompare([]byte(digest(bind)), []byte(t.Binding)) != 1 {
		// The callback reached another browser than the one that
		// started: a login CSRF attempt, or a link opened elsewhere.
		s.fail(w, r, t.Provider, errLoginState)
		return
	}
	p, ok := s.providers[t.Provider]
	if !ok {
		s.fail(w, r, t.Provider, errLoginState)
		return
	}
	if e := q.Get("error"); e != "" {
		s.fail(w, r, t.Provider, apperr.New(apperr.KindUnauthenticated, apperr.CodeSignInFailed,
			"The identity provider did not sign you in (%s).", audit.Clean(truncate(e, 64))))
		return
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeIdPUnavailable, "The identity provider cannot be reached; try again shortly."))
		return
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTPClient)
	tok, err := s.oauth(p, op).Exchange(hctx, q.Get("code"), oauth2.VerifierOption(t.Verifier))
	if err != nil {
		s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeSignInFailed, "The sign-in could not be completed; start again."))
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.opts.Now}).Verify(oidc.ClientContext(ctx, s.opts.HTTPClient), rawID)
	if err != nil {
		s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeSignInFailed, "The identity provider's answer could not be verified."))
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(t.Nonce)) != 1 {
		s.fail(w, r, t.Provider, apperr.New(apperr.KindUnauthenticated, apperr.CodeSignInFailed, "The identity provider's answer does not belong to this sign-in."))
		return
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeSignInFailed, "The identity provider's answer could not be verified."))
			return
		}
	}
	pr, err := s.principal(p, idt)
	if err != nil {
		s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeSignInFailed, "The identity provider's answer could not be read."))
		return
	}
	if len(t.ACRValues) > 0 && !slices.Contains(t.ACRValues, pr.ACR) || t.MaxAge > 0 && (pr.AuthTime.IsZero() || s.opts.Now().Sub(pr.AuthTime) > time.Duration(t.MaxAge+60)*time.Second) {
		s.fail(w, r, t.Provider, apperr.New(apperr.KindUnauthenticated, apperr.CodeMFARequired,
			"The sign-in did not meet what this request needs (a recent multi-factor sign-in)."))
		return
	}
	// A new session every time: whatever session cookie the browser
	// brought is revoked, never adopted.
	if old, err := s.FromRequest(r); err == nil {
		_, _ = s.opts.Store.RevokeSessions(ctx, store.SessionFilter{ID: old.ID}, s.opts.Now().UTC())
	}
	secret := rand.Text() + rand.Text()
	now := s.opts.Now().UTC()
	rec := store.Session{
		ID: sessionID(secret), Issuer: p.Claims.Name, Subject: pr.Subject, TokenExpiry: tok.Expiry,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.opts.Lifetime),
	}
	var sidClaim struct {
		SID string `json:"sid"`
	}
	_ = idt.Claims(&sidClaim)
	rec.SID = truncate(sidClaim.SID, 256)
	rec.Data, _ = json.Marshal(sessionData{Provider: p.Claims.Name, Principal: pr})
	rec.Sealed, err = s.sealTokens(rec.ID, sealedTokens{RefreshToken: tok.RefreshToken, IDToken: rawID})
	if err != nil {
		s.fail(w, r, t.Provider, apperr.As(err))
		return
	}
	if err := s.opts.Store.CreateSession(ctx, rec); err != nil {
		s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sign-in cannot be completed now; try again shortly."))
		return
	}
	if s.opts.OnSignIn != nil {
		if err := s.opts.OnSignIn(ctx, r, pr); err != nil {
			_, _ = s.opts.Store.RevokeSessions(ctx, store.SessionFilter{ID: rec.ID}, now)
			s.fail(w, r, t.Provider, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sign-in cannot be completed now; try again shortly."))
			return
		}
	}
	if _, err := s.opts.Record(ctx, Event{Type: "signin", Provider: p.Claims.Name, User: pr.User(), SessionID: rec.ID}); err != nil {
		_, _ = s.opts.Store.RevokeSessions(ctx, store.SessionFilter{ID: rec.ID}, now)
		s.fail(w, r, t.Provider, err)
		return
	}
	enc, err := s.cookies.Encode(SessionCookie, secret)
	if err != nil {
		s.fail(w, r, t.Provider, apperr.As(err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: enc, Path: "/", MaxAge: int(s.opts.Lifetime / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, t.ReturnTo, http.StatusSeeOther)
}

// logout revokes the session and sends the browser to the provider's end
// session endpoint, or home. Only same-origin posts are accepted, so
// another site cannot sign the user out.
func (s *Service) logout(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		s.fail(w, r, "", apperr.New(apperr.KindForbidden, apperr.CodeOriginNotAllowed, "Sign out from Palisade's own page."))
		return
	}
	clear := &http.Cookie{Name: SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
	target := s.public.String() + "/"
	sess, err := s.FromRequest(r)
	if err == nil {
		rec, gerr := s.opts.Store.GetSession(r.Context(), sess.ID)
		if _, err := s.opts.Store.RevokeSessions(r.Context(), store.SessionFilter{ID: sess.ID}, s.opts.Now().UTC()); err != nil {
			s.fail(w, r, sess.Provider, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sign-out cannot be completed now; try again."))
			return
		}
		if _, err := s.opts.Record(r.Context(), Event{Type: "logout", Provider: sess.Provider, User: sess.Principal.User(), SessionID: sess.ID, Count: 1}); err != nil {
			s.fail(w, r, sess.Provider, err)
			return
		}
		if p, ok := s.providers[sess.Provider]; ok && gerr == nil {
			if _, err := s.discover(r.Context(), p); err == nil && p.endSession != "" {
				toks, _ := s.unseal(rec)
				v := url.Values{"client_id": {p.ClientID}, "post_logout_redirect_uri": {target}}
				if toks.IDToken != "" {
					v.Set("id_token_hint", toks.IDToken)
				}
				target = p.endSession + "?" + v.Encode()
			}
		}
	}
	http.SetCookie(w, clear)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// backchannelLogout accepts a logout token from a provider and revokes
// the sessions it names.
func (s *Service) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	raw := r.PostForm.Get("logout_token")
	iss := unverifiedIssuer(raw)
	p, ok := s.byIssuer[iss]
	if !ok {
		http.Error(w, `{"error":"invalid_request","error_description":"unknown issuer"}`, http.StatusBadRequest)
		return
	}
	op, err := s.discover(r.Context(), p)
	if err != nil {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	lt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.opts.Now}).VerifyLogout(oidc.ClientContext(r.Context(), s.opts.HTTPClient), raw)
	if err != nil {
		_, _ = s.opts.Record(r.Context(), Event{Type: "signin_failed", Provider: p.Claims.Name, Code: "invalid_logout_token", Reason: truncate(err.Error(), 200)})
		http.Error(w, `{"error":"invalid_request","error_description":"the logout token is not valid"}`, http.StatusBadRequest)
		return
	}
	f := store.SessionFilter{Issuer: p.Claims.Name, Subject: audit.Clean(lt.Subject), SID: lt.SessionID}
	if _, err := s.Revoke(r.Context(), f, "back-channel logout"); err != nil {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// sameOrigin reports whether a state-changing browser request comes from
// Palisade's own pages.
func (s *Service) sameOrigin(r *http.Request) bool {
	return SameOrigin(r, s.public.Scheme+"://"+s.public.Host)
}

// SameOrigin reports whether a browser request comes from origin: by its
// Origin header, or, when a browser sends none, by Sec-Fetch-Site.
// Requests without either are refused.
func SameOrigin(r *http.Request, origin string) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return o == origin
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

var errLoginState = apperr.New(apperr.KindInvalid, apperr.CodeLoginStateInvalid,
	"This sign-in link has expired, was already used, or was opened in another browser. Start the sign-in again.")

// fail records a refused sign-in step and shows it to the person.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, provider string, err error) {
	e := apperr.As(err)
	id, rerr := s.opts.Record(r.Context(), Event{Type: "signin_failed", Provider: provider, Code: e.Code, Reason: errText(e.Err)})
	if rerr != nil {
		e = apperr.As(rerr)
	}
	status := http.StatusBadRequest
	switch e.Kind {
	case apperr.KindUnauthenticated:
		status = http.StatusUnauthorized
	case apperr.KindForbidden:
		status = http.StatusForbidden
	case apperr.KindUnavailable:
		status = http.StatusServiceUnavailable
	case apperr.KindInternal:
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	if id != "" {
		w.Header().Set("X-Palisade-Audit-Id", id)
	}
	w.WriteHeader(status)
	_ = failPage.Execute(w, map[string]string{"Message": e.Message, "Code": e.Code, "AuditID": id})
}

var failPage = template.Must(template.New("fail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in problem · Palisade</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}code{background:#f2f4f7;padding:0 .25rem}</style></head>
<body><h1>Sign-in problem</h1><p id="message">{{.Message}}</p>
<p>Code <code id="code">{{.Code}}</code>{{if .AuditID}}, audit event <code id="audit">{{.AuditID}}</code>{{end}}.</p>
<p><a href="/">Back to the start page</a></p></body></html>`))

func errText(err error) string {
	if err == nil {
		return ""
	}
	return truncate(err.Error(), 300)
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func splitSpaces(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if len(out) < 8 {
			out = append(out, truncate(f, 128))
		}
	}
	return out
}

func joinSpaces(vals []string) string { return strings.Join(vals, " ") }

// unverifiedIssuer reads the iss claim of a JWT without verifying it, to
// choose the provider whose keys will verify it.
func unverifiedIssuer(raw string) string {
	var c struct {
		Iss string `json:"iss"`
	}
	if !identity.PeekJWT(raw, 1, &c) {
		return ""
	}
	return c.Iss
}
