package gateway

import (
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/signin"
)

//go:embed console
var consoleFiles embed.FS

var consolePage = template.Must(template.ParseFS(consoleFiles, "console/page.html"))

// sessionTokenTTL is the lifetime of the tokens Palisade's page uses; each
// use looks the session up, so revocation takes effect at once anyway.
const sessionTokenTTL = 5 * time.Minute

// consoleRoutes serves Palisade's own page, the sign-in endpoints, and the
// built-in identity provider.
func (g *Gateway) consoleRoutes(r *router) {
	if g.idp != nil {
		r.mux.Handle("/idp/", routeNamed("/idp/", g.idp))
	}
	if g.signin == nil {
		return
	}
	h := g.signin.Handler()
	r.handle("/auth/login", map[string]http.HandlerFunc{http.MethodGet: h.ServeHTTP})
	r.handle("/auth/callback", map[string]http.HandlerFunc{http.MethodGet: h.ServeHTTP})
	r.handle("/auth/logout", map[string]http.HandlerFunc{http.MethodPost: h.ServeHTTP})
	r.handle("/auth/backchannel-logout", map[string]http.HandlerFunc{http.MethodPost: h.ServeHTTP})
	r.handle("/auth/token", map[string]http.HandlerFunc{http.MethodPost: g.sessionToken})
	r.handle("/{$}", map[string]http.HandlerFunc{http.MethodGet: g.consoleHome})
	r.handle("/console.js", map[string]http.HandlerFunc{http.MethodGet: static("console/console.js", "text/javascript; charset=utf-8")})
	r.handle("/console.css", map[string]http.HandlerFunc{http.MethodGet: static("console/console.css", "text/css; charset=utf-8")})
}

func static(name, contentType string) http.HandlerFunc {
	b, err := consoleFiles.ReadFile(name)
	if err != nil {
		panic("gateway: embedded console file missing: " + name)
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	}
}

type consoleView struct {
	Providers []signin.ProviderInfo
	User      string
	Name      string
	MFA       bool
	Groups    []string
	Roles     []string
	ChatApp   string
	// Provider is the session's identity provider, for step-up sign-in.
	Provider string
}

// consoleHome serves the start page: the sign-in options, or who is signed
// in with what roles and a form to ask the agents they may use.
func (g *Gateway) consoleHome(w http.ResponseWriter, r *http.Request) {
	v := consoleView{Providers: g.signin.Providers(), ChatApp: g.sessionApp}
	if s, err := g.signin.FromRequest(r); err == nil {
		pr := s.Principal
		pr.App = g.sessionApp
		v.User, v.Name, v.MFA, v.Groups = pr.User(), pr.Name, pr.MFA, pr.Groups
		v.Roles = g.pipe.Policy.Grants(pr).Roles()
		v.Provider = s.Provider
		if v.Name == "" {
			v.Name = pr.Subject
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", consoleCSPValue(g.signin))
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	_ = consolePage.Execute(w, v)
}

// consoleCSPValue allows the page its own script and style only: no inline
// script, no framing, no other origin; the sign-out form may end at a
// provider's end-session endpoint (a redirect after a same-origin post).
func consoleCSPValue(_ *signin.Service) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self' https: http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'; base-uri 'none'"
}

// sessionToken gives Palisade's page a short-lived API token for its
// signed-in session. Only same-origin requests get one.
func (g *Gateway) sessionToken(w http.ResponseWriter, r *http.Request) {
	var pr identity.Principal
	refuse := func(err error) {
		id, rerr := g.pipe.RecordRefusal(r.Context(), requestID(r.Context()), pr, "", err)
		if rerr != nil {
			err = rerr
		}
		writeError(w, r, g.log, flavorPlain, err, id)
	}
	if !signin.SameOrigin(r, g.publicOrigin) {
		refuse(apperr.New(apperr.KindForbidden, apperr.CodeOriginNotAllowed, "Session tokens are only given to Palisade's own page."))
		return
	}
	if g.sessionApp == "" {
		refuse(apperr.New(apperr.KindForbidden, apperr.CodeAppNotRegistered, "No app is configured for Palisade's page (identity.sessions.app)."))
		return
	}
	s, err := g.signin.FromRequest(r)
	if err != nil {
		refuse(err)
		return
	}
	pr = s.Principal
	tok, exp, err := g.tokens.IssueSession(g.sessionApp, s.ID, sessionTokenTTL)
	if err != nil {
		refuse(err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "expires_in": int(time.Until(exp).Seconds()), "token_type": "Bearer"})
}
