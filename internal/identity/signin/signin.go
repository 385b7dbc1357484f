// Package signin signs people in with a browser: the OpenID Connect
// relying party that Palisade uses for every identity provider (external
// ones such as Entra ID, Google, Okta or Keycloak, and its own built-in
// provider), and the server-side sessions that follow.
//
// The flow is authorization code with PKCE (S256), state and nonce:
//
//   - GET /auth/login?provider=NAME&return_to=/path starts a sign-in. The
//     state, nonce, PKCE verifier and return path are kept server-side as a
//     single-use ticket (store.Tickets), bound to this browser by a random
//     value in an encrypted, HttpOnly, Secure, SameSite=Lax cookie.
//   - GET /auth/callback takes the ticket (once: a replayed callback finds
//     none), checks that the browser is the one that started (login CSRF),
//     exchanges the code with the verifier, verifies the ID token with
//     go-oidc (signature, issuer, audience, expiry) and its nonce, and
//     creates a new session (never reusing one the browser brought along:
//     no session fixation).
//   - POST /auth/logout revokes the session and, when the provider has an
//     end_session_endpoint, sends the browser there (RP-initiated logout).
//   - POST /auth/backchannel-logout accepts a provider's logout token
//     (OpenID Connect Back-Channel Logout 1.0) and revokes the sessions it
//     names by provider session id or subject.
//
// Sessions live in the store, so any replica can revoke them and a revoked
// session stops working on the next request. The cookie holds a random
// secret; the store holds only its SHA-256, the user (as JSON) and the
// provider's tokens sealed with AES-GCM. A session ends at its absolute
// lifetime, after its idle timeout, when revoked, or when the provider
// refuses to refresh its tokens (the user was disabled there).
package signin

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/securecookie"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/store"
)

// Cookie names. The __Host- prefix makes browsers refuse them unless they
// are Secure, host-only and for path /, so a sibling domain cannot plant
// one.
const (
	SessionCookie = "__Host-palisade-session"
	LoginCookie   = "__Host-palisade-login"
)

// Defaults.
const (
	DefaultLifetime    = 12 * time.Hour
	DefaultIdleTimeout = time.Hour
	// loginTTL is how long a user has to complete a sign-in at the
	// provider.
	loginTTL = 10 * time.Minute
	// touchEvery bounds how often a session's last-seen time is written.
	touchEvery = time.Minute
	// ticketPrefix names sign-in tickets in the shared ticket store.
	ticketPrefix = "signin:"
)

// Provider is an identity provider people sign in with.
type Provider struct {
	// Claims are the issuer's name, iss value and claim rules (shared
	// with access-token verification).
	Claims identity.IssuerClaims
	// DisplayName is shown on the sign-in button.
	DisplayName string
	// ClientID and ClientSecret are Palisade's registration at the
	// provider. Without a secret the client is public and PKCE alone
	// proves it.
	ClientID     string
	ClientSecret string
	// Scopes requested; default openid, profile, email, offline_access.
	Scopes []string
}

// Store is what sessions need from the database.
type Store interface {
	store.Sessions
	store.Tickets
}

// Event reports something the audit log must hold: sign-in success and
// failure, logout, session revocation. Recording it must succeed before
// the browser is answered; a failure refuses (fail closed).
type Event struct {
	// Type is "signin", "signin_failed", "logout" or "session_revoked".
	Type     string
	Provider string
	// User is the issuer-qualified subject, when known.
	User      string
	SessionID string
	// Code is the refusal code of a failure.
	Code   string
	Reason string
	// Count is how many sessions a revocation ended.
	Count int
}

// Options configure New.
type Options struct {
	Providers []Provider
	Store     Store
	// CookieKey authenticates and encrypts cookies: 64 bytes (32 for
	// HMAC-SHA256, 32 for AES-256), shared by every replica.
	CookieKey []byte
	// SealKey encrypts the provider's tokens in the store: 32 bytes.
	SealKey []byte
	// PublicURL is Palisade's external base URL (scheme://host[:port]);
	// the redirect URI is PublicURL + "/auth/callback".
	PublicURL string
	// Lifetime and IdleTimeout bound sessions (defaults 12h and 1h).
	Lifetime, IdleTimeout time.Duration
	// HTTPClient reaches the providers (discovery, token endpoint, keys).
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Record writes an event to the audit log and returns its id.
	Record func(context.Context, Event) (string, error)
	// OnSignIn, when set, runs after a session is created, with the
	// request that completed the sign-in (to note where the user signed
	// in from). An error refuses the sign-in.
	OnSignIn func(ctx context.Context, r *http.Request, pr identity.Principal) error
}

// Service is the relying party and session keeper.
type Service struct {
	opts      Options
	providers map[string]*provider // by configured name
	byIssuer  map[string]*provider // by iss
	order     []string
	cookies   *securecookie.SecureCookie
	seal      cipher.AEAD
	public    *url.URL
	// refreshing lets concurrent requests of one session share a refresh.
	refreshing singleflight.Group
}

// provider is a Provider with its discovered endpoints, fetched on first
// use (and retried after a failure) so that a provider that is down at
// start does not stop Palisade.
type provider struct {
	Provider
	mu         sync.Mutex
	oidc       *oidc.Provider
	endSession string
}

// New builds the service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Record == nil {
		return nil, errors.New("signin: a store and an audit recorder are required")
	}
	if len(opts.CookieKey) != 64 || len(opts.SealKey) != 32 {
		return nil, errors.New("signin: the cookie key must be 64 bytes and the seal key 32")
	}
	pub, err := url.Parse(opts.PublicURL)
	if err != nil || (pub.Scheme != "https" && pub.Scheme != "http") || pub.Host == "" || (pub.Path != "" && pub.Path != "/") {
		return nil, fmt.Errorf("signin: the public URL %q must be scheme://host[:port]", opts.PublicURL)
	}
	pub.Path = ""
	if opts.Lifetime <= 0 {
		opts.Lifetime = DefaultLifetime
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	block, err := aes.NewCipher(opts.SealKey)
	if err != nil {
		return nil, fmt.Errorf("signin: seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("signin: seal key: %w", err)
	}
	sc := securecookie.New(opts.CookieKey[:32], opts.CookieKey[32:])
	sc.SetSerializer(securecookie.JSONEncoder{})
	sc.MaxAge(int(opts.Lifetime / time.Second))
	s := &Service{opts: opts, providers: map[string]*provider{}, byIssuer: map[string]*provider{}, cookies: sc, seal: aead, public: pub}
	for _, p := range opts.Providers {
		if p.Claims.Name == "" || p.Claims.Issuer == "" || p.ClientID == "" {
			return nil, errors.New("signin: a provider needs a name, an issuer and a client id")
		}
		if _, dup := s.providers[p.Claims.Name]; dup {
			return nil, fmt.Errorf("signin: provider %q configured twice", p.Claims.Name)
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}
		}
		if p.DisplayName == "" {
			p.DisplayName = p.Claims.Name
		}
		pp := &provider{Provider: p}
		s.providers[p.Claims.Name] = pp
		s.byIssuer[p.Claims.Issuer] = pp
		s.order = append(s.order, p.Claims.Name)
	}
	return s, nil
}

// ProviderInfo describes a provider for the sign-in page.
type ProviderInfo struct {
	Name, DisplayName string
}

// Providers lists the providers in configuration order.
func (s *Service) Providers() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, ProviderInfo{Name: n, DisplayName: s.providers[n].DisplayName})
	}
	return out
}

// discover returns the provider's OpenID configuration, fetching it on
// first use.
func (s *Service) discover(ctx context.Context, p *provider) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oidc != nil {
		return p.oidc, nil
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, s.opts.HTTPClient), p.Claims.Issuer)
	if err != nil {
		return nil, fmt.Errorf("signin: discover %s: %w", p.Claims.Name, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&extra)
	p.oidc, p.endSession = op, extra.EndSession
	return op, nil
}

func (s *Service) oauth(p *provider, op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: s.public.String() + "/auth/callback", Scopes: p.Scopes,
	}
}

// Session is a signed-in browser session.
type Session struct {
	ID        string
	Provider  string
	Principal identity.Principal
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Refusals.
var (
	// ErrNoSession means the request carries no valid session cookie.
	ErrNoSession = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeMissingCredential,
		Message: "You are not signed in."}
	// ErrSessionEnded means the session was revoked, expired or idle too
	// long, or the provider ended it.
	ErrSessionEnded = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeSessionEnded,
		Message: "Your session has ended; sign in again."}
)

// sessionData is what the store's Data holds.
type sessionData struct {
	Provider  string             `json:"provider"`
	Principal identity.Principal `json:"principal"`
}

// sealedTokens is what the store's Sealed holds, encrypted.
type sealedTokens struct {
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// FromRequest returns the session of the request's cookie.
func (s *Service) FromRequest(r *http.Request) (*Session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, ErrNoSession
	}
	var secret string
	if err := s.cookies.Decode(SessionCookie, c.Value, &secret); err != nil || secret == "" {
		return nil, ErrNoSession
	}
	return s.Lookup(r.Context(), sessionID(secret))
}

// Lookup returns the live session with this id: not revoked, not past its
// lifetime or idle timeout, its provider tokens refreshed when they have
// expired. A session the provider refuses to refresh is revoked.
func (s *Service) Lookup(ctx context.Context, id string) (*Session, error) {
	now := s.opts.Now().UTC()
	rec, err := s.opts.Store.GetSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sessions cannot be checked now, so the request was refused.")
	}
	if !rec.RevokedAt.IsZero() || !now.Before(rec.ExpiresAt) || now.Sub(rec.LastSeenAt) > s.opts.IdleTimeout {
		return nil, ErrSessionEnded
	}
	var data sessionData
	if err := json.Unmarshal(rec.Data, &data); err != nil {
		return nil, apperr.Wrap(err, apperr.KindInternal, apperr.CodeInternal, "The session cannot be read.")
	}
	if !rec.TokenExpiry.IsZero() && !now.Before(rec.TokenExpiry) {
		// Requests of one session that arrive together refresh once:
		// providers rotate refresh tokens and treat a second use of the
		// old one as theft, ending the whole session.
		v, err, _ := s.refreshing.Do(rec.ID, func() (any, error) {
			cur, err := s.opts.Store.GetSession(ctx, rec.ID)
			if err != nil {
				return nil, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sessions cannot be checked now, so the request was refused.")
			}
			if !cur.RevokedAt.IsZero() {
				return nil, ErrSessionEnded
			}
			if err := json.Unmarshal(cur.Data, &data); err != nil {
				return nil, apperr.Wrap(err, apperr.KindInternal, apperr.CodeInternal, "The session cannot be read.")
			}
			if !cur.TokenExpiry.IsZero() && now.Before(cur.TokenExpiry) {
				return refreshed{cur, data}, nil // another request has just renewed it
			}
			cur, data, err := s.refresh(ctx, cur, data)
			return refreshed{cur, data}, err
		})
		if err != nil {
			return nil, err
		}
		rec, data = v.(refreshed).rec, v.(refreshed).data
	} else if now.Sub(rec.LastSeenAt) >= touchEvery {
		err := s.opts.Store.UpdateSession(ctx, id, func(se store.Session) (store.Session, error) {
			se.LastSeenAt = now
			return se, nil
		})
		if err != nil {
			return nil, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sessions cannot be checked now, so the request was refused.")
		}
	}
	return &Session{ID: rec.ID, Provider: data.Provider, Principal: data.Principal, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}, nil
}

// refreshed is the result of a shared refresh.
type refreshed struct {
	rec  store.Session
	data sessionData
}

// refresh renews the provider's tokens. Without a refresh token the
// session keeps its claims until its own lifetime ends. When the provider
// refuses the refresh token the session is revoked; when it cannot be
// reached the request is refused but the session kept.
func (s *Service) refresh(ctx context.Context, rec store.Session, data sessionData) (store.Session, sessionData, error) {
	toks, err := s.unseal(rec)
	if err != nil {
		return rec, data, err
	}
	now := s.opts.Now().UTC()
	p, ok := s.providers[data.Provider]
	if toks.RefreshToken == "" || !ok {
		rec.TokenExpiry = time.Time{}
		return rec, data, s.save(ctx, rec, now, nil)
	}
	op, err := s.discover(ctx, p)
	if err != nil {
		return rec, data, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeIdPUnavailable, "The identity provider cannot be reached to renew your session; try again shortly.")
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTPClient)
	tok, err := s.oauth(p, op).TokenSource(hctx, &oauth2.Token{RefreshToken: toks.RefreshToken, Expiry: now.Add(-time.Second)}).Token()
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500:
		_, _ = s.opts.Store.RevokeSessions(ctx, store.SessionFilter{ID: rec.ID}, now)
		_, _ = s.opts.Record(ctx, Event{Type: "session_revoked", Provider: p.Claims.Name, User: data.Principal.User(),
			SessionID: rec.ID, Reason: "the provider refused to renew the session", Count: 1})
		return rec, data, ErrSessionEnded
	case err != nil:
		return rec, data, apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeIdPUnavailable, "The identity provider cannot be reached to renew your session; try again shortly.")
	}
	if raw, ok := tok.Extra("id_token").(string); ok && raw != "" {
		idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.opts.Now}).Verify(ctx, raw)
		if err != nil || idt.Subject != data.Principal.Subject {
			return rec, data, ErrSessionEnded
		}
		if pr, err := s.principal(p, idt); err == nil {
			data.Principal = pr
		}
		toks.IDToken = raw
	}
	if tok.RefreshToken != "" {
		toks.RefreshToken = tok.RefreshToken
	}
	rec.TokenExpiry = tok.Expiry
	rec.Data, _ = json.Marshal(data)
	return rec, data, s.save(ctx, rec, now, &toks)
}

// save writes a session back with a new last-seen time (and tokens).
func (s *Service) save(ctx context.Context, rec store.Session, now time.Time, toks *sealedTokens) error {
	if toks != nil {
		sealed, err := s.sealTokens(rec.ID, *toks)
		if err != nil {
			return err
		}
		rec.Sealed = sealed
	}
	rec.LastSeenAt = now
	err := s.opts.Store.UpdateSession(ctx, rec.ID, func(store.Session) (store.Session, error) { return rec, nil })
	if err != nil {
		return apperr.Wrap(err, apperr.KindUnavailable, apperr.CodeStoreUnavailable, "Sessions cannot be updated now, so the request was refused.")
	}
	return nil
}

// Revoke ends the sessions f selects and records it.
func (s *Service) Revoke(ctx context.Context, f store.SessionFilter, reason string) (int, error) {
	n, err := s.opts.Store.RevokeSessions(ctx, f, s.opts.Now().UTC())
	if err != nil {
		return 0, err
	}
	_, err = s.opts.Record(ctx, Event{Type: "session_revoked", Provider: f.Issuer, User: f.Subject, SessionID: f.ID, Reason: reason, Count: n})
	return n, err
}

// principal maps an ID token to the user by the provider's claim rules.
func (s *Service) principal(p *provider, idt *oidc.IDToken) (identity.Principal, error) {
	var raw map[string]any
	if err := idt.Claims(&raw); err != nil {
		return identity.Principal{}, err
	}
	pr := p.Claims.Principal(idt.Subject, raw)
	pr.ClientID = p.ClientID
	return pr, nil
}

func (s *Service) sealTokens(id string, t sealedTokens) ([]byte, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.seal.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.seal.Seal(nonce, nonce, plain, []byte(id)), nil
}

func (s *Service) unseal(rec store.Session) (sealedTokens, error) {
	var t sealedTokens
	if len(rec.Sealed) == 0 {
		return t, nil
	}
	n := s.seal.NonceSize()
	if len(rec.Sealed) < n {
		return t, ErrSessionEnded
	}
	plain, err := s.seal.Open(nil, rec.Sealed[:n], rec.Sealed[n:], []byte(rec.ID))
	if err != nil {
		return t, ErrSessionEnded // sealed for another session: moved or forged
	}
	err = json.Unmarshal(plain, &t)
	return t, err
}

// sessionID is the stored id of a cookie secret.
func sessionID(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// SafeReturnPath returns p when it is a path on this site, else "/": no
// scheme, no host, not protocol-relative (//host or /\host), no control
// characters. It stops open redirects through return_to.
func SafeReturnPath(p string) string {
	if p == "" || p[0] != '/' || len(p) > 2048 {
		return "/"
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return "/"
	}
	if strings.ContainsAny(p, "\\\r\n\t") {
		return "/"
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return p
}
