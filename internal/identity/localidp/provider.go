package localidp

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/palisade-gw/palisade/internal/store"
)

// Defaults and bounds of the token lifetimes.
const (
	DefaultAccessTokenTTL  = 10 * time.Minute
	DefaultRefreshTokenTTL = 8 * time.Hour
	// authRequestTTL is how long a user has to sign in.
	authRequestTTL = 10 * time.Minute
	// codeTTL is how long an authorization code can be exchanged.
	codeTTL = time.Minute
	// maxPendingAuthRequests bounds the memory unauthenticated callers
	// can make the provider hold.
	maxPendingAuthRequests = 10000
	// maxFormFailures is how many wrong answers one sign-in request may
	// take before it is dropped.
	maxFormFailures = 5
)

// ScopeGroups is the scope that adds the groups claim to the ID token and
// userinfo. Access tokens always carry the groups.
const ScopeGroups = "groups"

// Client is a relying party registered with the provider.
type Client struct {
	// ID is the client_id.
	ID string
	// RedirectURIs are the exact redirect_uri values the client may use.
	RedirectURIs []string
	// PostLogoutRedirectURIs are where end_session may send the user back.
	PostLogoutRedirectURIs []string
	// Public marks a client that cannot keep a secret (a browser or native
	// app): it authenticates with PKCE (S256) alone. Its loopback redirect
	// URIs match on any port (RFC 8252).
	Public bool
	// SecretHash is the argon2id hash (HashPassword) of a confidential
	// client's secret. Required unless Public.
	SecretHash string
	// Audiences are added to the client's own ID in the aud claim of the
	// tokens it gets, e.g. the audience Palisade's bearer verifier is
	// configured with.
	Audiences []string
}

// Options configure New.
type Options struct {
	// Issuer is the provider's external URL, e.g.
	// https://palisade.example.com/idp; every endpoint is under it. It
	// must be https, except on a loopback host.
	Issuer string
	// Store holds the users and the provider's keys.
	Store Store
	// SigningKey signs the tokens: an *ecdsa.PrivateKey on P-256 (ES256)
	// or an *rsa.PrivateKey of at least 2048 bits (RS256); it never
	// rotates. When nil, RSA-2048 keys are kept in Store (each created by
	// the first replica that needs it, as PKCS#8), so every replica signs
	// with the same key, and they rotate every KeyRotation.
	SigningKey crypto.Signer
	// KeyRotation is how long a signing key kept in the store signs
	// before the next one takes over (DefaultKeyRotation when zero; at
	// least MinKeyRotation). Ignored with SigningKey.
	KeyRotation time.Duration
	// Clients are the registered relying parties.
	Clients []Client
	// AccessTokenTTL is the lifetime of access and ID tokens;
	// DefaultAccessTokenTTL when zero.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is how long after sign-in refresh tokens can be
	// used; DefaultRefreshTokenTTL when zero.
	RefreshTokenTTL time.Duration
	// Clock is the time source (tests); time.Now when nil. The protocol
	// library stamps iat with the system clock.
	Clock func() time.Time
	// OnSignIn, when set, is called after every sign-in attempt at the
	// login form, successful or not, to audit it. When it fails for the
	// step that completes a sign-in, the sign-in is refused (fail closed).
	// It must not block for long.
	OnSignIn func(context.Context, SignInEvent) error
	// OnToken, when set, is called for every request for a service
	// principal's token (client credentials, token exchange), issued or
	// refused, to audit it. The answer is held back until it returns; when
	// it fails, no token is handed out (503 temporarily_unavailable).
	OnToken func(context.Context, TokenEvent) error

	// ServicePrincipals holds the service principals (see
	// ServicePrincipalPrefix). When nil, Store is used if it implements
	// store.ServicePrincipals; else there are none.
	ServicePrincipals store.ServicePrincipals
	// ServiceTokenTTL is the lifetime of service principals' access
	// tokens, 1m to 24h; DefaultServiceTokenTTL when zero.
	ServiceTokenTTL time.Duration
	// ServiceAudiences are added to a service principal's client ID in
	// the aud claim of its tokens, e.g. the audience Palisade's bearer
	// verifier is configured with.
	ServiceAudiences []string
	// FederationHTTPClient fetches the discovery documents and keys of
	// the external issuers service principals are federated with (only
	// issuers a service principal names are contacted). When nil, token
	// exchange is refused.
	FederationHTTPClient *http.Client
}

// SignInEvent describes one attempt at the login form.
type SignInEvent struct {
	Time time.Time
	// Username is what was typed (trimmed, lower case, at most 64 bytes),
	// whether or not such a user exists.
	Username string
	ClientID string
	// Success says whether the step succeeded.
	Success bool
	// Step is "password", "totp", "passkey" (a sign-in with a passkey)
	// or "passkey-register" (adding a passkey after a sign-in).
	Step string
	// Reason says why a step failed: unknown_user, bad_password,
	// disabled, locked, bad_totp, totp_replay, no_totp, bad_passkey,
	// passkey_clone, too_many_passkeys, bad_record or store_error. The
	// user is never told.
	Reason string
	// AMR is set on the success that completes the sign-in.
	AMR        []string
	RemoteAddr string
}

// Provider is the built-in OpenID provider. Create it with New and serve
// Handler.
type Provider struct {
	issuer   string
	origin   string // scheme://host of the issuer
	basePath string // the issuer's path, "" or "/idp"
	secure   bool   // https issuer: cookies are Secure

	dir     *Directory
	clients map[string]*opClient
	now     func() time.Time
	onEvent func(context.Context, SignInEvent) error
	onToken func(context.Context, TokenEvent) error

	accessTTL, refreshTTL time.Duration

	// keys sign the tokens and are published at /keys.
	keys *keyRing
	// wkeys sign service principals' access tokens (ES256); with a
	// configured SigningKey it is keys.
	wkeys *keyRing

	formKey []byte
	// wa is the passkey relying party; nil when the issuer's host is an
	// IP address, which WebAuthn does not allow: then no passkeys.
	wa *webauthn.WebAuthn

	op      *op.Provider
	handler http.Handler

	// sp is nil when there are no service principals.
	sp *spRuntime

	mu        sync.Mutex
	authReqs  map[string]*authRequest
	codes     map[string]codeEntry
	usedCodes map[string]codeEntry
	refresh   map[string]*refreshToken
	retired   map[string]retiredToken
	lastSweep time.Time
}

// New builds the provider: it checks the options, loads or creates its
// keys in the store and sets up the zitadel OpenID provider with this
// package's storage and login pages.
func New(opts Options) (*Provider, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if opts.Store == nil {
		return nil, errors.New("localidp: no store")
	}
	iss, err := checkIssuer(opts.Issuer)
	if err != nil {
		return nil, err
	}
	p := &Provider{
		issuer:     strings.TrimSuffix(iss.String(), "/"),
		origin:     iss.Scheme + "://" + iss.Host,
		basePath:   strings.TrimSuffix(iss.Path, "/"),
		secure:     iss.Scheme == "https",
		clients:    make(map[string]*opClient, len(opts.Clients)),
		now:        opts.Clock,
		onEvent:    opts.OnSignIn,
		onToken:    opts.OnToken,
		accessTTL:  opts.AccessTokenTTL,
		refreshTTL: opts.RefreshTokenTTL,
		authReqs:   make(map[string]*authRequest),
		codes:      make(map[string]codeEntry),
		usedCodes:  make(map[string]codeEntry),
		refresh:    make(map[string]*refreshToken),
		retired:    make(map[string]retiredToken),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.accessTTL == 0 {
		p.accessTTL = DefaultAccessTokenTTL
	}
	if p.refreshTTL == 0 {
		p.refreshTTL = DefaultRefreshTokenTTL
	}
	if p.accessTTL < time.Minute || p.accessTTL > 24*time.Hour {
		return nil, fmt.Errorf("localidp: AccessTokenTTL %v: use 1m to 24h", p.accessTTL)
	}
	if p.refreshTTL < p.accessTTL || p.refreshTTL > 90*24*time.Hour {
		return nil, fmt.Errorf("localidp: RefreshTokenTTL %v: use AccessTokenTTL to 90 days", p.refreshTTL)
	}
	for i, c := range opts.Clients {
		oc, err := newOPClient(c, p)
		if err != nil {
			return nil, fmt.Errorf("localidp: client %d (%q): %w", i, c.ID, err)
		}
		if _, dup := p.clients[c.ID]; dup {
			return nil, fmt.Errorf("localidp: client %q is registered twice", c.ID)
		}
		p.clients[c.ID] = oc
	}

	if p.wa, err = newWebAuthn(iss); err != nil {
		return nil, err
	}
	if p.dir, err = NewDirectory(ctx, opts.Store, p.now); err != nil {
		return nil, err
	}
	if err := p.loadSigningKey(ctx, opts.Store, opts.SigningKey, opts.KeyRotation); err != nil {
		return nil, err
	}
	if p.formKey, err = opts.Store.LoadOrCreateKey(ctx, keyFormHMAC, randomBytes(symmetricSize)); err != nil {
		return nil, fmt.Errorf("localidp: load the form key: %w", err)
	}
	if err := p.setupServicePrincipals(ctx, opts); err != nil {
		return nil, err
	}
	cryptoKey, err := opts.Store.LoadOrCreateKey(ctx, keyCrypto, randomBytes(symmetricSize))
	if err != nil {
		return nil, fmt.Errorf("localidp: load the code key: %w", err)
	}

	cfg := &op.Config{
		CryptoKey:                sha256.Sum256(cryptoKey),
		DefaultLogoutRedirectURI: p.basePath + loggedOutPath,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  p.sp != nil,
		GrantTypeRefreshToken:    true,
		SupportedClaims:          append(slices.Clone(op.DefaultSupportedClaims), "groups"),
		SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail,
			oidc.ScopeOfflineAccess, ScopeGroups},
	}
	// Any origin may call the token, userinfo, discovery and key
	// endpoints from a browser, but never with cookies.
	corsOpts := &cors.Options{
		AllowOriginFunc:  func(string) bool { return true },
		AllowCredentials: false,
		AllowedHeaders:   []string{"Accept", "Authorization", "Content-Type"},
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost},
	}
	opOpts := []op.Option{op.WithCORSOptions(corsOpts)}
	if !p.secure {
		opOpts = append(opOpts, op.WithAllowInsecure())
	}
	p.op, err = op.NewProvider(cfg, &storage{p: p}, op.StaticIssuer(p.issuer), opOpts...)
	if err != nil {
		return nil, fmt.Errorf("localidp: %w", err)
	}
	p.handler = p.routes()
	return p, nil
}

// checkIssuer parses the issuer URL: absolute, https (or http on a
// loopback host), no query, fragment or user info.
func checkIssuer(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return nil, fmt.Errorf("localidp: Issuer %q: want an absolute URL such as https://palisade.example.com/idp", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("localidp: Issuer %q: http is only allowed on a loopback host; use https", s)
		}
	default:
		return nil, fmt.Errorf("localidp: Issuer %q: the scheme must be https", s)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Issuer returns the issuer URL, as it appears in the tokens' iss claim.
func (p *Provider) Issuer() string { return p.issuer }

// Directory returns the directory of users the provider signs in.
func (p *Provider) Directory() *Directory { return p.dir }

// Handler returns the provider's HTTP handler. It serves the full paths
// under the issuer's path, so mount it there without stripping the
// prefix: for the issuer https://host/idp, mux.Handle("/idp/", h).
//
// It serves /.well-known/openid-configuration, /keys (JWKS),
// /authorize, /oauth/token, /userinfo, /end_session, /revoke,
// /oauth/introspect, /login (the sign-in form) and /logged-out.
func (p *Provider) Handler() http.Handler { return p.handler }

// loadSigningKey sets up the signing keys: the given one (which never
// rotates), or keys kept in the store that rotate every period.
func (p *Provider) loadSigningKey(ctx context.Context, st Store, given crypto.Signer, period time.Duration) error {
	if given != nil {
		k, err := newRingKey(given)
		if err != nil {
			return err
		}
		p.keys = &keyRing{fixed: k}
		p.wkeys = p.keys
		return nil
	}
	if period <= 0 {
		period = DefaultKeyRotation
	}
	if period < MinKeyRotation {
		return fmt.Errorf("localidp: KeyRotation %v is shorter than %v", period, MinKeyRotation)
	}
	p.keys = &keyRing{st: st, period: period, now: p.now, keys: map[int64]*ringKey{},
		name: keySigning, generate: generateRSA}
	p.wkeys = &keyRing{st: st, period: period, now: p.now, keys: map[int64]*ringKey{},
		name: keyWorkload, generate: generateP256}
	// Load (or create) the current and next keys now, so that a store
	// problem stops start-up rather than the first sign-in.
	if _, err := p.keys.published(ctx); err != nil {
		return err
	}
	_, err := p.wkeys.published(ctx)
	return err
}

// newRingKey checks a signing key and names it.
func newRingKey(signer crypto.Signer) (*ringKey, error) {
	k := &ringKey{signer: signer}
	switch key := signer.(type) {
	case *ecdsa.PrivateKey:
		if key.Curve != elliptic.P256() {
			return nil, errors.New("localidp: SigningKey: ECDSA keys must be on P-256")
		}
		k.alg = jose.ES256
	case *rsa.PrivateKey:
		if key.N.BitLen() < 2048 {
			return nil, errors.New("localidp: SigningKey: RSA keys must have at least 2048 bits")
		}
		k.alg = jose.RS256
	default:
		return nil, fmt.Errorf("localidp: SigningKey: a %T; use an *ecdsa.PrivateKey (P-256) or an *rsa.PrivateKey", signer)
	}
	jwk := jose.JSONWebKey{Key: signer.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("localidp: SigningKey: %w", err)
	}
	k.kid = base64.RawURLEncoding.EncodeToString(tp)
	return k, nil
}

// opClient is a Client as zitadel's op.Client.
type opClient struct {
	c        Client
	loginURL string
	idTTL    time.Duration
}

func newOPClient(c Client, p *Provider) (*opClient, error) {
	if c.ID == "" {
		return nil, errors.New("empty ID")
	}
	if len(c.RedirectURIs) == 0 {
		return nil, errors.New("no RedirectURIs")
	}
	for _, r := range append(slices.Clone(c.RedirectURIs), c.PostLogoutRedirectURIs...) {
		u, err := url.Parse(r)
		if err != nil || !u.IsAbs() || u.Fragment != "" {
			return nil, fmt.Errorf("redirect URI %q: want an absolute URL without a fragment", r)
		}
	}
	switch {
	case c.Public && c.SecretHash != "":
		return nil, errors.New("a public client has no secret")
	case !c.Public:
		if _, err := parseArgon2id(c.SecretHash); err != nil {
			return nil, errors.New("a confidential client needs SecretHash, an argon2id hash from HashClientSecret")
		}
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.Audiences = slices.Clone(c.Audiences)
	return &opClient{c: c, loginURL: p.basePath + loginPath + "?" + authRequestParam + "=", idTTL: p.accessTTL}, nil
}

// HashClientSecret returns the hash of a confidential client's secret, for
// Client.SecretHash.
func HashClientSecret(secret string) (string, error) {
	if len(secret) < 16 {
		return "", errors.New("localidp: a client secret must have at least 16 characters")
	}
	return HashPassword(secret)
}

// audience is the aud of the client's tokens: its ID, then Audiences.
func (c *opClient) audience() []string {
	aud := []string{c.c.ID}
	for _, a := range c.c.Audiences {
		if !slices.Contains(aud, a) {
			aud = append(aud, a)
		}
	}
	return aud
}

func (c *opClient) GetID() string                    { return c.c.ID }
func (c *opClient) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *opClient) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }
func (c *opClient) LoginURL(id string) string        { return c.loginURL + url.QueryEscape(id) }
func (c *opClient) DevMode() bool                    { return false }
func (c *opClient) ClockSkew() time.Duration         { return 0 }
func (c *opClient) IsScopeAllowed(s string) bool     { return s == ScopeGroups }

func (c *opClient) ApplicationType() op.ApplicationType {
	if c.c.Public {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c *opClient) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

// AccessTokenType is JWT: Palisade's bearer verifier checks access
// tokens against the provider's JWKS.
func (c *opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

// IDTokenLifetime is the access token lifetime.
func (c *opClient) IDTokenLifetime() time.Duration { return c.idTTL }

func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IDTokenUserinfoClaimsAssertion puts the profile, email and groups
// claims in the ID token, so the relying party need not call userinfo.
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
