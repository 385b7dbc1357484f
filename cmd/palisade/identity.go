package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/config"
	"github.com/palisade-gw/palisade/internal/gateway"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/bearer"
	"github.com/palisade-gw/palisade/internal/identity/localidp"
	"github.com/palisade-gw/palisade/internal/identity/signin"
	"github.com/palisade-gw/palisade/internal/store"
)

// localAudience is the audience of the built-in provider's access tokens
// for Palisade's API.
const localAudience = "palisade"

// Store key names of identity secrets shared by every replica.
const (
	consoleSecretKey = "console-client-secret"
	cookieKeyName    = "session-cookie-key"
	sealKeyName      = "session-seal-key"
)

// identityParts are the wired identity components.
type identityParts struct {
	users  *identity.AccessTokens
	signin *signin.Service
	idp    http.Handler
	// local is the built-in provider, when on.
	local *localidp.Provider
	// signals feeds the sign-in risk of conditional access.
	signals *riskSignals
}

// buildIdentity wires the built-in identity provider, the access-token
// verifier for every issuer, and browser sign-in.
func buildIdentity(ctx context.Context, cfg *config.Config, st store.Store, rec audit.Recorder, log *slog.Logger, risk *riskSignals, out *outbound) (*identityParts, error) {
	parts := &identityParts{signals: risk}
	// Identity providers are called through the egress policy, like every
	// other destination.
	ec, err := out.client(idpTimeout, 0, 0)
	if err != nil {
		return nil, err
	}
	client := ec.HTTPClient()
	var issuers []bearer.Issuer
	var rules []identity.IssuerClaims
	var providers []signin.Provider
	public := cfg.Server.PublicURL

	if cfg.Identity.Local.On() {
		issuer := public + "/idp"
		secret, err := randomSecret(ctx, st, consoleSecretKey, 32)
		if err != nil {
			return nil, err
		}
		clients, err := localClients(cfg, public, string(secret))
		if err != nil {
			return nil, err
		}
		addrKey, err := randomSecret(ctx, st, auditHashKeyName, 32)
		if err != nil {
			return nil, err
		}
		p, err := localidp.New(localidp.Options{
			Issuer: issuer, Store: st, Clients: clients,
			AccessTokenTTL: cfg.Identity.Local.AccessTokenTTL.D(), RefreshTokenTTL: cfg.Identity.Local.RefreshTokenTTL.D(),
			// Service principals get tokens here too (client credentials,
			// private_key_jwt, token exchange); federated issuers are
			// reached through the egress policy.
			KeyRotation:       cfg.Identity.Local.SigningKeyRotation.D(),
			ServicePrincipals: st, ServiceTokenTTL: cfg.Identity.Local.ServiceTokenTTL.D(),
			ServiceAudiences: []string{localAudience}, FederationHTTPClient: ec.HTTPClient(),
			OnSignIn: func(ctx context.Context, ev localidp.SignInEvent) error {
				outcome := audit.OutcomeSuccess
				if !ev.Success {
					outcome = audit.OutcomeDenied
				}
				// A name that is no account's is not recorded: it may be
				// a password typed into the wrong field.
				actor := config.LocalIssuer + ":" + ev.Username
				if ev.Reason == "unknown_user" {
					actor = ""
				}
				if _, err := rec.Record(context.WithoutCancel(ctx), audit.Event{Type: audit.TypeIdPLogin, Outcome: outcome,
					Actor: actor, Data: map[string]any{"client_id": ev.ClientID, "step": ev.Step,
						"reason": ev.Reason, "amr": ev.AMR, "remote_addr_hash": keyedHash(addrKey, ev.RemoteAddr)}}); err != nil {
					log.Error("could not record a sign-in at the built-in identity provider", "err", err)
					return err
				}
				return nil
			},
			OnToken: func(ctx context.Context, ev localidp.TokenEvent) error {
				e := audit.Event{Type: audit.TypeTokenIssued, Outcome: audit.OutcomeSuccess, Actor: ev.ClientID,
					Data: map[string]any{"grant": ev.Grant, "token_id": ev.TokenID,
						"remote_addr_hash": keyedHash(addrKey, ev.RemoteAddr)}}
				if !ev.ExpiresAt.IsZero() {
					e.Data["expires_at"] = ev.ExpiresAt.Format(time.RFC3339)
				}
				if ev.FederatedIssuer != "" {
					e.Data["federated_issuer"], e.Data["federated_subject"] = ev.FederatedIssuer, ev.FederatedSubject
				}
				if !ev.Success {
					// The client ID was claimed, not proven: it is data, not
					// the actor.
					e.Type, e.Outcome, e.Actor = audit.TypeTokenRefused, audit.OutcomeDenied, ""
					e.Data = map[string]any{"grant": ev.Grant, "error": ev.Error, "claimed_client_id": ev.ClientID,
						"remote_addr_hash": keyedHash(addrKey, ev.RemoteAddr)}
				}
				if _, err := rec.Record(context.WithoutCancel(ctx), e); err != nil {
					log.Error("could not record a service principal's token request", "err", err)
					return err
				}
				return nil
			},
		})
		if err != nil {
			return nil, fmt.Errorf("built-in identity provider: %w", err)
		}
		parts.local, parts.idp = p, p.Handler()
		// Palisade reaches its own provider in process: no network
		// round trip, and it works whatever the public URL resolves to.
		client.Transport = &inProcess{prefix: issuer + "/", h: parts.idp, next: client.Transport}
		rule := identity.IssuerClaims{Name: config.LocalIssuer, Issuer: issuer, NameClaim: "name", GroupsClaim: "groups",
			RolesClaim: "roles", MFAAMR: []string{"otp", "mfa"}, ServicePrincipals: true}
		rules = append(rules, rule)
		issuers = append(issuers, bearer.Issuer{Issuer: issuer, JWKSURL: issuer + "/keys", Audiences: []string{localAudience},
			Algorithms: []jose.SignatureAlgorithm{jose.ES256, jose.RS256}})
		providers = append(providers, signin.Provider{Claims: rule, DisplayName: "Palisade account",
			ClientID: config.ConsoleClientID, ClientSecret: string(secret),
			Scopes: []string{"openid", "profile", "email", localidp.ScopeGroups, "offline_access"}})
	}
	for _, is := range cfg.Identity.Issuers {
		var algs []jose.SignatureAlgorithm
		for _, a := range is.Algorithms {
			algs = append(algs, jose.SignatureAlgorithm(a))
		}
		issuers = append(issuers, bearer.Issuer{
			Issuer: is.Issuer, JWKSURL: is.JWKSURL, Audiences: is.Audiences, Algorithms: algs,
			Leeway: is.Leeway.D(), RequireATJWT: is.RequireATJWT,
		})
		rule := identity.IssuerClaims{
			Name: is.Name, Issuer: is.Issuer, NameClaim: is.Claims.Name, GroupsClaim: is.Claims.Groups,
			RolesClaim: is.Claims.Roles, MFAAMR: is.MFA.AMR, MFAACR: is.MFA.ACR, DeviceClaim: is.Claims.DeviceCompliant,
		}
		rules = append(rules, rule)
		if si := is.SignIn; si != nil {
			providers = append(providers, signin.Provider{Claims: rule, DisplayName: si.DisplayName,
				ClientID: si.ClientID, ClientSecret: si.ClientSecret, Scopes: si.Scopes})
		}
	}
	if len(issuers) > 0 {
		v, err := bearer.New(issuers, bearer.WithHTTPClient(client))
		if err != nil {
			return nil, fmt.Errorf("identity providers: %w", err)
		}
		clientApps := map[string]string{}
		for _, a := range cfg.Apps {
			for _, id := range a.ClientIDs {
				clientApps[id] = a.Name
			}
		}
		if parts.users, err = identity.NewAccessTokens(v, rules, clientApps); err != nil {
			return nil, err
		}
	}
	if len(providers) > 0 {
		cookieKey, err := randomSecret(ctx, st, cookieKeyName, 64)
		if err != nil {
			return nil, err
		}
		sealKey, err := randomSecret(ctx, st, sealKeyName, 32)
		if err != nil {
			return nil, err
		}
		parts.signin, err = signin.New(signin.Options{
			Providers: providers, Store: st, CookieKey: cookieKey, SealKey: sealKey, PublicURL: public,
			Lifetime: cfg.Identity.Sessions.Lifetime.D(), IdleTimeout: cfg.Identity.Sessions.IdleTimeout.D(),
			HTTPClient: client, Record: signInRecorder(rec), OnSignIn: risk.noteSignIn,
		})
		if err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// localClients are the built-in provider's clients: Palisade's own page,
// and the configured ones.
func localClients(cfg *config.Config, public, consoleSecret string) ([]localidp.Client, error) {
	hash, err := localidp.HashClientSecret(consoleSecret)
	if err != nil {
		return nil, err
	}
	out := []localidp.Client{{
		ID: config.ConsoleClientID, SecretHash: hash, RedirectURIs: []string{public + "/auth/callback"},
		PostLogoutRedirectURIs: []string{public + "/"}, Audiences: []string{localAudience},
	}}
	for _, c := range cfg.Identity.Local.Clients {
		lc := localidp.Client{ID: c.ID, RedirectURIs: c.RedirectURIs, Public: c.Secret == "", Audiences: []string{localAudience}}
		if c.Secret != "" {
			if lc.SecretHash, err = localidp.HashClientSecret(c.Secret); err != nil {
				return nil, err
			}
		}
		out = append(out, lc)
	}
	return out, nil
}

// signInRecorder writes sign-in events to the audit log.
func signInRecorder(rec audit.Recorder) func(context.Context, signin.Event) (string, error) {
	return func(ctx context.Context, ev signin.Event) (string, error) {
		typ, outcome := audit.TypeSignIn, audit.OutcomeSuccess
		switch ev.Type {
		case "signin_failed":
			typ, outcome = audit.TypeSignInFailed, audit.OutcomeDenied
		case "logout":
			typ = audit.TypeLogout
		case "session_revoked":
			typ = audit.TypeSessionRevoked
		}
		data := map[string]any{"provider": ev.Provider}
		if ev.SessionID != "" {
			// The session id is the hash of the cookie secret; keep a
			// prefix, enough to correlate events, not to use.
			data["session"] = ev.SessionID[:min(16, len(ev.SessionID))]
		}
		if ev.Code != "" {
			data["code"] = ev.Code
		}
		if ev.Reason != "" {
			data["reason"] = ev.Reason
		}
		if ev.Type == "session_revoked" {
			data["count"] = ev.Count
		}
		return rec.Record(ctx, audit.Event{Type: typ, Outcome: outcome, Actor: ev.User, Data: data})
	}
}

// randomSecret returns the store key name, creating n random bytes on
// first use (shared by every replica).
func randomSecret(ctx context.Context, st store.Store, name string, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if name == consoleSecretKey {
		b = []byte(hex.EncodeToString(b)[:n])
	}
	v, err := st.LoadOrCreateKey(ctx, name, b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	return v, nil
}

// auditHashKeyName is the store key of the HMAC key that turns values the
// audit log must not hold in clear, but that must be matched later (a
// client's IP address), into keyed hashes.
const auditHashKeyName = "audit-keyed-hash"

// keyedHash returns the keyed hash of v that audit events store in its
// place ("" for ""): equal values give equal hashes, so they can be matched
// (all failed sign-ins from one address), but the value cannot be read
// back or guessed without the key.
func keyedHash(key []byte, v string) string {
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil)[:16])
}

// idpTimeout bounds one call to an identity provider.
const idpTimeout = 15 * time.Second

// inProcess serves requests for one URL prefix with a handler in this
// process and sends the rest to next.
type inProcess struct {
	prefix string
	h      http.Handler
	next   http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.String(), t.prefix) {
		return t.next.RoundTrip(req)
	}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// riskSignals gives conditional access a signed-in user's sign-in history:
// the failed sign-ins since the last success (for users of the built-in
// provider; an external provider weighs its own), and the countries the
// user signed in from in a browser (noted at each sign-in, when a GeoIP
// database is configured). Answers are cached per user for riskCacheTTL so
// that a request costs no database read most of the time.
type riskSignals struct {
	st      store.Store
	geo     conditional.GeoIP
	proxies []netip.Prefix

	mu    sync.Mutex
	cache map[string]riskEntry
}

type riskEntry struct {
	failed    int
	countries []string
	at        time.Time
}

// riskCacheTTL bounds how stale a user's sign-in history may be.
const riskCacheTTL = 30 * time.Second

// signals implements gateway.Options.Signals.
func (r *riskSignals) signals(ctx context.Context, pr identity.Principal) (int, []string, error) {
	if r == nil {
		return 0, nil, nil
	}
	user, now := pr.User(), time.Now()
	r.mu.Lock()
	if e, ok := r.cache[user]; ok && now.Sub(e.at) < riskCacheTTL {
		r.mu.Unlock()
		return e.failed, e.countries, nil
	}
	r.mu.Unlock()
	var e riskEntry
	if pr.Issuer == config.LocalIssuer {
		u, err := r.st.GetUser(ctx, pr.Subject)
		switch {
		case err == nil:
			e.failed = u.FailedAttempts
		case !errors.Is(err, store.ErrNotFound):
			return 0, nil, err
		}
	}
	countries, err := r.st.KnownCountries(ctx, user)
	if err != nil {
		return 0, nil, err
	}
	e.countries, e.at = countries, now
	r.mu.Lock()
	if r.cache == nil || len(r.cache) > 100000 {
		r.cache = map[string]riskEntry{}
	}
	r.cache[user] = e
	r.mu.Unlock()
	return e.failed, e.countries, nil
}

// noteSignIn records the country a browser sign-in came from.
func (r *riskSignals) noteSignIn(ctx context.Context, req *http.Request, pr identity.Principal) error {
	if r == nil || r.geo == nil {
		return nil
	}
	ip := gateway.ClientIP(req, r.proxies)
	if !ip.IsValid() {
		return nil
	}
	country, err := r.geo.Country(ip)
	if err != nil || country == "" {
		return nil // an address without a country adds nothing to the history
	}
	if err := r.st.NoteCountry(ctx, pr.User(), country, time.Now().UTC()); err != nil {
		return err
	}
	r.mu.Lock()
	delete(r.cache, pr.User())
	r.mu.Unlock()
	return nil
}
