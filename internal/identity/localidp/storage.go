package localidp

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/palisade-gw/palisade/internal/store"
)

// authRequest is one authorization request, from /authorize until its
// code is exchanged. The provider keeps it in memory; zitadel gets copies.
type authRequest struct {
	ID            string
	ClientID      string
	RedirectURI   string
	State         string
	Nonce         string
	Scopes        []string
	Audience      []string
	ResponseType  oidc.ResponseType
	ResponseMode  oidc.ResponseMode
	CodeChallenge *oidc.CodeChallenge
	ExpiresAt     time.Time

	// browser is the hash of the browser cookie the request is bound to
	// on the first view of the login page.
	browser string
	// pendingUser has given the right password and owes a TOTP code.
	pendingUser string
	// failures counts wrong answers at the login form.
	failures int
	// passkeyLogin is the challenge of the password page's passkey
	// sign-in, replaced at every view, taken by its first answer.
	passkeyLogin *ceremony
	// enrollUser has signed in with password and code and asked to add
	// a passkey: the registration step is shown, with the challenge
	// enroll, and the sign-in completes with enrollAMR after it.
	enrollUser *waUser
	enrollAMR  []string
	enroll     *ceremony

	Subject  string
	AMR      []string
	AuthTime time.Time
	done     bool
}

func (a authRequest) GetID() string                         { return a.ID }
func (a authRequest) GetACR() string                        { return "" }
func (a authRequest) GetAMR() []string                      { return a.AMR }
func (a authRequest) GetAudience() []string                 { return a.Audience }
func (a authRequest) GetAuthTime() time.Time                { return a.AuthTime }
func (a authRequest) GetClientID() string                   { return a.ClientID }
func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.CodeChallenge }
func (a authRequest) GetNonce() string                      { return a.Nonce }
func (a authRequest) GetRedirectURI() string                { return a.RedirectURI }
func (a authRequest) GetResponseType() oidc.ResponseType    { return a.ResponseType }
func (a authRequest) GetResponseMode() oidc.ResponseMode    { return a.ResponseMode }
func (a authRequest) GetScopes() []string                   { return a.Scopes }
func (a authRequest) GetState() string                      { return a.State }
func (a authRequest) GetSubject() string                    { return a.Subject }
func (a authRequest) Done() bool                            { return a.done }

// snapshot returns a copy zitadel may keep without racing with the login
// form.
func (a *authRequest) snapshot() authRequest {
	c := *a
	c.Scopes = slices.Clone(a.Scopes)
	c.Audience = slices.Clone(a.Audience)
	c.AMR = slices.Clone(a.AMR)
	if a.CodeChallenge != nil {
		cc := *a.CodeChallenge
		c.CodeChallenge = &cc
	}
	return c
}

// codeEntry maps an authorization code to its request.
type codeEntry struct {
	authReqID string
	expiresAt time.Time
}

// refreshToken is a live refresh token. Its family is the ID of the
// authorization request that started it; each use retires the token and
// issues the next one of the family.
type refreshToken struct {
	id        string // hash of the token value
	family    string
	subject   string
	clientID  string
	scopes    []string
	audience  []string
	amr       []string
	authTime  time.Time
	expiresAt time.Time
}

// retiredToken remembers a used refresh token: presenting it again means
// it was stolen, and its whole family is revoked.
type retiredToken struct {
	family    string
	expiresAt time.Time
}

// refreshTokenRequest is what zitadel gets for a refresh token.
type refreshTokenRequest struct {
	rt     refreshToken
	scopes []string
}

func (r *refreshTokenRequest) GetAMR() []string            { return r.rt.amr }
func (r *refreshTokenRequest) GetAudience() []string       { return r.rt.audience }
func (r *refreshTokenRequest) GetAuthTime() time.Time      { return r.rt.authTime }
func (r *refreshTokenRequest) GetClientID() string         { return r.rt.clientID }
func (r *refreshTokenRequest) GetScopes() []string         { return r.scopes }
func (r *refreshTokenRequest) GetSubject() string          { return r.rt.subject }
func (r *refreshTokenRequest) SetCurrentScopes(s []string) { r.scopes = s }

// tokenHash is the key under which a token value is kept, so the maps
// never hold usable tokens.
func tokenHash(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// newID returns an unguessable identifier (256 random bits).
func newID() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// errNotFound answers lookups of unknown or expired requests and tokens.
var errNotFound = errors.New("localidp: not found or expired")

// sweepLocked drops expired entries, at most once a minute. p.mu is held.
func (p *Provider) sweepLocked(now time.Time) {
	if now.Sub(p.lastSweep) < time.Minute {
		return
	}
	p.lastSweep = now
	for id, a := range p.authReqs {
		if !now.Before(a.ExpiresAt) {
			delete(p.authReqs, id)
		}
	}
	for _, m := range []map[string]codeEntry{p.codes, p.usedCodes} {
		for c, e := range m {
			if !now.Before(e.expiresAt) {
				delete(m, c)
			}
		}
	}
	for h, rt := range p.refresh {
		if !now.Before(rt.expiresAt) {
			delete(p.refresh, h)
		}
	}
	for h, r := range p.retired {
		if !now.Before(r.expiresAt) {
			delete(p.retired, h)
		}
	}
}

// revokeFamilyLocked revokes every refresh token of a family. p.mu is
// held.
func (p *Provider) revokeFamilyLocked(family string) {
	for h, rt := range p.refresh {
		if rt.family == family {
			delete(p.refresh, h)
		}
	}
}

// storage is the provider as zitadel's op.Storage.
type storage struct{ p *Provider }

var (
	_ op.Storage                            = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest          = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest     = (*storage)(nil)
	_ op.ClientCredentialsStorage           = (*storage)(nil)
	_ op.TokenExchangeStorage               = (*storage)(nil)
	_ op.TokenExchangeTokensVerifierStorage = (*storage)(nil)
)

// CreateAuthRequest stores a validated authorization request. It adds
// what zitadel leaves to the provider: PKCE with S256 is required of
// public clients and plain is refused of every client, and prompt=none is
// refused (the provider keeps no sign-in session).
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	p := s.p
	c, ok := p.clients[req.ClientID]
	if !ok {
		return nil, oidc.ErrInvalidClient()
	}
	if req.CodeChallenge == "" && c.c.Public {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method=S256")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	now := p.now()
	a := &authRequest{
		ID:           newID(),
		ClientID:     req.ClientID,
		RedirectURI:  req.RedirectURI,
		State:        req.State,
		Nonce:        req.Nonce,
		Scopes:       slices.Clone(req.Scopes),
		Audience:     c.audience(),
		ResponseType: req.ResponseType,
		ResponseMode: req.ResponseMode,
		ExpiresAt:    now.Add(authRequestTTL),
	}
	if req.CodeChallenge != "" {
		a.CodeChallenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked(now)
	if len(p.authReqs) >= maxPendingAuthRequests {
		return nil, oidc.ErrServerError().WithDescription("too many sign-ins in progress; try again later")
	}
	p.authReqs[a.ID] = a
	return a.snapshot(), nil
}

// authRequestLocked returns the live request, or nil. p.mu is held.
func (p *Provider) authRequestLocked(id string, now time.Time) *authRequest {
	a, ok := p.authReqs[id]
	if !ok || !now.Before(a.ExpiresAt) {
		return nil
	}
	return a
}

// AuthRequestByID returns a copy of the request.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.authRequestLocked(id, p.now())
	if a == nil {
		return nil, errNotFound
	}
	return a.snapshot(), nil
}

// AuthRequestByCode redeems a code: it answers once. A code presented
// again revokes the refresh tokens issued from it (RFC 6749, 4.1.2).
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	p := s.p
	h := tokenHash(code)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.codes[h]
	if !ok {
		if used, ok := p.usedCodes[h]; ok {
			p.revokeFamilyLocked(used.authReqID)
			delete(p.authReqs, used.authReqID)
		}
		return nil, errNotFound
	}
	delete(p.codes, h)
	p.usedCodes[h] = codeEntry{authReqID: e.authReqID, expiresAt: now.Add(p.refreshTTL)}
	a := p.authRequestLocked(e.authReqID, now)
	if a == nil || !now.Before(e.expiresAt) || !a.done {
		return nil, errNotFound
	}
	return a.snapshot(), nil
}

// SaveAuthCode records the code issued for a completed request.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	p := s.p
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.authRequestLocked(id, now)
	if a == nil || !a.done {
		return errNotFound
	}
	p.codes[tokenHash(code)] = codeEntry{authReqID: id, expiresAt: now.Add(codeTTL)}
	return nil
}

// DeleteAuthRequest forgets the request once its tokens are issued.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.authReqs, id)
	return nil
}

// CreateAccessToken names an access token and sets its expiry; the token
// itself is a JWT zitadel signs. Service principals' tokens last
// ServiceTokenTTL.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	switch req.(type) {
	case *spTokenRequest, op.TokenExchangeRequest:
		id, exp := newID(), s.p.now().Add(s.p.spTTL())
		if call := tokenCallFrom(ctx); call != nil {
			// The token's record names it (jti) and its expiry.
			call.tokenID, call.expiresAt = id, exp
		}
		return id, exp, nil
	}
	return newID(), s.p.now().Add(s.p.accessTTL), nil
}

// CreateAccessAndRefreshTokens names an access token and issues a refresh
// token: the first of its family for a code exchange, or the next one
// for a refresh, retiring the one presented.
func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	p := s.p
	now := p.now()
	var next refreshToken
	switch r := req.(type) {
	case authRequest:
		next = refreshToken{
			family: r.ID, subject: r.Subject, clientID: r.ClientID, scopes: slices.Clone(r.Scopes),
			audience: slices.Clone(r.Audience), amr: slices.Clone(r.AMR), authTime: r.AuthTime,
			expiresAt: now.Add(p.refreshTTL),
		}
	case *refreshTokenRequest:
		next = r.rt
		next.scopes = slices.Clone(r.scopes)
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	value := newID()
	next.id = tokenHash(value)

	p.mu.Lock()
	defer p.mu.Unlock()
	if current != "" {
		h := tokenHash(current)
		old, ok := p.refresh[h]
		if !ok || old.family != next.family {
			// Refreshed twice at once: the other request won.
			return "", "", time.Time{}, oidc.ErrInvalidGrant()
		}
		delete(p.refresh, h)
		p.retired[h] = retiredToken{family: old.family, expiresAt: old.expiresAt}
	}
	p.refresh[next.id] = &next
	return newID(), value, now.Add(p.accessTTL), nil
}

// TokenRequestByRefreshToken looks a refresh token up. A retired one
// revokes its family; a disabled or deleted user's are revoked too.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	p := s.p
	h := tokenHash(token)
	now := p.now()
	p.mu.Lock()
	rt, ok := p.refresh[h]
	if !ok {
		if r, ok := p.retired[h]; ok {
			p.revokeFamilyLocked(r.family)
		}
		p.mu.Unlock()
		return nil, errNotFound
	}
	if !now.Before(rt.expiresAt) {
		delete(p.refresh, h)
		p.mu.Unlock()
		return nil, errNotFound
	}
	cp := *rt
	p.mu.Unlock()

	u, err := p.dir.st.GetUser(ctx, cp.subject)
	if err != nil || u.Disabled {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			p.mu.Lock()
			p.revokeFamilyLocked(cp.family)
			p.mu.Unlock()
			return nil, errNotFound
		}
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &refreshTokenRequest{rt: cp, scopes: slices.Clone(cp.scopes)}, nil
}

// TerminateSession, called by end_session, revokes the user's refresh
// tokens of the client (of every client when clientID is empty).
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	if userID == "" {
		return nil
	}
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for h, rt := range p.refresh {
		if rt.subject == userID && (clientID == "" || rt.clientID == clientID) {
			delete(p.refresh, h)
		}
	}
	return nil
}

// RevokeToken revokes a refresh token's family. Access tokens are JWTs
// and cannot be revoked before they expire; revoking one is answered
// with success, as RFC 7009 allows for tokens the server does not track.
func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	rt, ok := p.refresh[tokenOrID]
	if !ok {
		rt, ok = p.refresh[tokenHash(tokenOrID)]
	}
	if !ok {
		return nil
	}
	if rt.clientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
	}
	p.revokeFamilyLocked(rt.family)
	return nil
}

// GetRefreshTokenInfo returns the user and the ID of a live refresh
// token, or op.ErrInvalidRefreshToken.
func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	rt, ok := p.refresh[tokenHash(token)]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.id, nil
}

// signingKey is a signing key as op.SigningKey.
type signingKey struct{ k *ringKey }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.k.alg }
func (k signingKey) Key() any                                    { return k.k.signer }
func (k signingKey) ID() string                                  { return k.k.kid }

// publicKey is a published key as op.Key, for the JWKS.
type publicKey struct{ k *ringKey }

func (k publicKey) ID() string                         { return k.k.kid }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return k.k.alg }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.k.signer.Public() }

// SigningKey returns the key that signs tokens now: for the service
// principals' grants (client credentials, token exchange) the workload
// ring's ES256 key, for everything else (ID tokens, users' access tokens)
// the RS256 key.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	ring := s.p.keys
	if call, ok := ctx.Value(tokenCallKey{}).(*tokenCall); ok && call.workload() {
		ring = s.p.wkeys
	}
	k, err := ring.current(ctx)
	if err != nil {
		return nil, err
	}
	return signingKey{k}, nil
}

// SignatureAlgorithms returns the algorithms of the published keys.
func (s *storage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	k, err := s.p.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	return []jose.SignatureAlgorithm{k.alg}, nil
}

// KeySet returns the published keys (/keys): the previous, current and
// next signing keys of both rings.
func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	ks, err := s.p.keys.published(ctx)
	if err != nil {
		return nil, err
	}
	if s.p.wkeys != s.p.keys {
		wks, err := s.p.wkeys.published(ctx)
		if err != nil {
			return nil, err
		}
		ks = append(ks, wks...)
	}
	out := make([]op.Key, len(ks))
	for i, k := range ks {
		out[i] = publicKey{k}
	}
	return out, nil
}

// GetClientByClientID returns a registered client, or an enabled
// service principal.
func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	if _, isSP := ServicePrincipalName(clientID); isSP && s.p.sp != nil {
		sp, err := s.p.sp.load(ctx, clientID)
		if err != nil {
			return nil, err
		}
		return &spClient{id: clientID, sp: sp, ttl: s.p.sp.ttl}, nil
	}
	c, ok := s.p.clients[clientID]
	if !ok {
		return nil, errors.New("localidp: unknown client")
	}
	return c, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret. Service
// principals are checked by authorizeSPForExchange.
func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	if _, isSP := ServicePrincipalName(clientID); isSP {
		return s.authorizeSPForExchange(ctx, clientID, secret)
	}
	c, ok := s.p.clients[clientID]
	if !ok || c.c.Public {
		burnPasswordCheck(secret)
		return errors.New("localidp: client authentication failed")
	}
	if ok, _, err := VerifyPassword(c.c.SecretHash, secret); err != nil || !ok {
		return errors.New("localidp: client authentication failed")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in zitadel; SetUserinfoFromRequest
// does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims for the scopes.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	a, err := s.activeAccount(ctx, req.GetSubject())
	if err != nil {
		return err
	}
	setUserinfo(ui, a, scopes)
	return nil
}

// SetUserinfoFromToken answers userinfo for a valid access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, _, subject, _ string) error {
	a, err := s.activeAccount(ctx, subject)
	if err != nil {
		return err
	}
	setUserinfo(ui, a, nil)
	return nil
}

// SetIntrospectionFromToken answers introspection for a valid access
// token.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, _, subject, clientID string) error {
	a, err := s.activeAccount(ctx, subject)
	if err != nil {
		return err
	}
	ui := new(oidc.UserInfo)
	setUserinfo(ui, a, nil)
	resp.SetUserInfo(ui)
	resp.ClientID = clientID
	resp.Active = true
	return nil
}

// GetPrivateClaimsFromScopes is used by zitadel only without
// GetPrivateClaimsFromRequest; it gives the same claims, without amr.
func (s *storage) GetPrivateClaimsFromScopes(ctx context.Context, userID, _ string, _ []string) (map[string]any, error) {
	a, err := s.activeAccount(ctx, userID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"groups": groupsClaim(a.Groups), "name": displayName(a)}, nil
}

// GetPrivateClaimsFromRequest adds the access token's own claims: amr,
// groups and name.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	if r, ok := req.(*spTokenRequest); ok {
		name, _ := ServicePrincipalName(r.clientID)
		return spClaims(store.ServicePrincipal{Name: name, Description: r.description}), nil
	}
	a, err := s.activeAccount(ctx, req.GetSubject())
	if err != nil {
		return nil, err
	}
	claims := map[string]any{"groups": groupsClaim(a.Groups), "name": displayName(a)}
	if r, ok := req.(interface{ GetAMR() []string }); ok && len(r.GetAMR()) > 0 {
		claims["amr"] = r.GetAMR()
	}
	return claims, nil
}

// displayName is the name claim: the display name, or the username.
func displayName(a Account) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// groupsClaim is never null.
func groupsClaim(g []string) []string {
	if g == nil {
		return []string{}
	}
	return g
}

// GetKeyByIDAndClientID: the JWT profile grant is not supported.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("localidp: the JWT profile grant is not supported")
}

// ValidateJWTProfileScopes: the JWT profile grant is not supported.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("localidp: the JWT profile grant is not supported")
}

// Health reports the provider healthy; the store has its own probe.
func (s *storage) Health(context.Context) error { return nil }

// activeAccount returns the account of a user who may still hold tokens,
// or invalid_grant.
func (s *storage) activeAccount(ctx context.Context, username string) (Account, error) {
	u, err := s.p.dir.st.GetUser(ctx, username)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
		return Account{}, oidc.ErrInvalidGrant().WithDescription("the account cannot sign in")
	}
	if err != nil {
		return Account{}, oidc.ErrServerError().WithParent(err)
	}
	return accountOf(u), nil
}

// setUserinfo fills the standard claims the scopes ask for; nil scopes
// ask for all.
func setUserinfo(ui *oidc.UserInfo, a Account, scopes []string) {
	all := scopes == nil
	ui.Subject = a.Username
	if all || slices.Contains(scopes, oidc.ScopeProfile) {
		ui.Name = a.DisplayName
		ui.PreferredUsername = a.Username
		ui.UpdatedAt = oidc.FromTime(a.UpdatedAt)
	}
	if (all || slices.Contains(scopes, oidc.ScopeEmail)) && a.Email != "" {
		ui.Email = a.Email
		ui.EmailVerified = false
	}
	if all || slices.Contains(scopes, ScopeGroups) || slices.Contains(scopes, oidc.ScopeProfile) {
		ui.AppendClaims("groups", groupsClaim(a.Groups))
	}
}
