package localidp

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/palisade-gw/palisade/internal/store"
)

// Service principals are non-human clients of the provider. Their client
// ID is ServicePrincipalPrefix + name ("sp:build-bot"); usernames cannot
// contain ':', so no user shares it. They get access tokens only, at the
// token endpoint, by:
//
//   - client_credentials with client_secret_basic or client_secret_post
//     (a secret from NewServicePrincipalSecret), or with private_key_jwt
//     (a client assertion, RFC 7523, signed by a key of the service
//     principal's JWKS, with iss = sub = the client ID, aud = the issuer
//     or a token endpoint URL, a jti never seen before and an exp at
//     most MaxAssertionLifetime ahead);
//   - token exchange (RFC 8693) of a JWT issued by an external OpenID
//     provider to one of the service principal's federated identities
//     (iss, sub and an aud value equal to the entry's), for workload
//     identity federation: no secret is stored anywhere. The service
//     principal is named by client_id (form field, or HTTP Basic with an
//     empty password); the subject token is verified against its
//     issuer's JWKS found by discovery.
//
// Their access tokens are JWTs signed like every other, lasting
// Options.ServiceTokenTTL, with sub = client_id = the client ID, aud =
// the client ID and Options.ServiceAudiences, and the claims
// KindClaim: KindService and name: the description. Federated tokens also
// carry ClaimFederatedIssuer and ClaimFederatedSubject.

// ServicePrincipalPrefix starts the client ID (and token subject) of a
// service principal.
const ServicePrincipalPrefix = "sp:"

// Claims of service principals' access tokens.
const (
	// KindClaim marks what a token's subject is; only service principals'
	// tokens carry it, with the value KindService.
	KindClaim   = "palisade_kind"
	KindService = "service"
	// ClaimFederatedIssuer and ClaimFederatedSubject name the external
	// identity a token exchange was made for.
	ClaimFederatedIssuer  = "palisade_fed_iss"
	ClaimFederatedSubject = "palisade_fed_sub"
)

// Bounds of service principals.
const (
	// DefaultServiceTokenTTL is the lifetime of service principals'
	// access tokens when Options.ServiceTokenTTL is zero.
	DefaultServiceTokenTTL = 10 * time.Minute
	// MaxSecrets is how many secrets a service principal may hold at
	// once: the current one and the one it replaced.
	MaxSecrets = 2
	// MaxAssertionLifetime bounds how far ahead a client assertion's exp
	// may be (so remembered assertion IDs are bounded too).
	MaxAssertionLifetime = time.Hour
	// maxSubjectToken bounds the subject token of a token exchange.
	maxSubjectToken = 16 << 10
	// maxTokenForm bounds the body of a token request.
	maxTokenForm = 64 << 10
	// discoveryTTL is how long an external issuer's discovery is cached
	// (its keys are refreshed by go-oidc when an unknown kid appears).
	discoveryTTL = time.Hour
)

// keySPSecret names the key of service principals' secret hashes.
const keySPSecret = "localidp-sp-secret-hmac"

// spNameRE is what a service principal's name may look like.
var spNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ErrInvalidServicePrincipalName is returned for a name spNameRE refuses.
var ErrInvalidServicePrincipalName = errors.New("localidp: invalid service principal name: use 1-64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")

// CheckServicePrincipalName reports whether name is a valid service
// principal name.
func CheckServicePrincipalName(name string) error {
	if !spNameRE.MatchString(name) {
		return ErrInvalidServicePrincipalName
	}
	return nil
}

// ServicePrincipalClientID returns the client ID of the service principal
// name.
func ServicePrincipalClientID(name string) string { return ServicePrincipalPrefix + name }

// ServicePrincipalName returns the name in a service principal's client
// ID, and whether clientID is one.
func ServicePrincipalName(clientID string) (string, bool) {
	name, ok := strings.CutPrefix(clientID, ServicePrincipalPrefix)
	if !ok || CheckServicePrincipalName(name) != nil {
		return "", false
	}
	return name, true
}

// hmacPrefix starts a keyed secret hash: HMAC-SHA256 under the store key
// keySPSecret. Generated secrets have 256 random bits, so a fast keyed
// hash is as safe as a slow one and costs microseconds, not the tens of
// milliseconds of argon2id (which is for human passwords).
const hmacPrefix = "$hmac-sha256$"

// SecretHasher hashes and checks service principals' secrets. Create it
// with NewSecretHasher; the provider has its own.
type SecretHasher struct{ key []byte }

// NewSecretHasher loads (creating on first use) the key of secret hashes
// from the store, shared by every replica and the CLI.
func NewSecretHasher(ctx context.Context, st store.Keys) (*SecretHasher, error) {
	key, err := st.LoadOrCreateKey(ctx, keySPSecret, randomBytes(symmetricSize))
	if err != nil {
		return nil, fmt.Errorf("localidp: load the service principal secret key: %w", err)
	}
	return &SecretHasher{key: key}, nil
}

func (h *SecretHasher) mac(secret string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("palisade-sp-secret\x00"))
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// NewSecret returns a new random secret (32 bytes, base64url, 43
// characters) and its keyed hash, for ServicePrincipal.SecretHashes. Show
// the secret once; store only the hash.
func (h *SecretHasher) NewSecret() (secret, hash string) {
	secret = base64.RawURLEncoding.EncodeToString(randomBytes(32))
	return secret, hmacPrefix + base64.RawStdEncoding.EncodeToString(h.mac(secret))
}

// Verify reports whether secret matches one of hashes: keyed hashes from
// NewSecret, or argon2id hashes (HashClientSecret). Comparisons are in
// constant time; every hash is checked.
func (h *SecretHasher) Verify(hashes []string, secret string) bool {
	if secret == "" || len(secret) > MaxPasswordLength {
		return false
	}
	var mac []byte
	ok := false
	for _, enc := range hashes {
		if b64, isMAC := strings.CutPrefix(enc, hmacPrefix); isMAC {
			want, err := base64.RawStdEncoding.Strict().DecodeString(b64)
			if err != nil {
				continue
			}
			if mac == nil {
				mac = h.mac(secret)
			}
			if subtle.ConstantTimeCompare(mac, want) == 1 {
				ok = true
			}
			continue
		}
		if match, _, err := VerifyPassword(enc, secret); err == nil && match {
			ok = true
		}
	}
	return ok
}

// ParsePublicKeys reads the public keys a service principal signs its
// client assertions with: a JWK, a JWKS, or PEM ("PUBLIC KEY" or
// "CERTIFICATE" blocks). It returns them as a JWKS (JSON), each with a
// kid (its RFC 7638 thumbprint when it had none) and use "sig". Private
// keys, symmetric keys and RSA keys under 2048 bits are refused.
func ParsePublicKeys(data []byte) ([]byte, error) {
	var keys []jose.JSONWebKey
	trimmed := strings.TrimSpace(string(data))
	switch {
	case strings.HasPrefix(trimmed, "-----BEGIN"):
		rest := []byte(trimmed)
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			var pub any
			switch b.Type {
			case "PUBLIC KEY":
				k, err := x509.ParsePKIXPublicKey(b.Bytes)
				if err != nil {
					return nil, fmt.Errorf("localidp: public key: %w", err)
				}
				pub = k
			case "CERTIFICATE":
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					return nil, fmt.Errorf("localidp: certificate: %w", err)
				}
				pub = c.PublicKey
			default:
				return nil, fmt.Errorf("localidp: a PEM %q block: give the public key (PUBLIC KEY) or a certificate, never a private key", b.Type)
			}
			keys = append(keys, jose.JSONWebKey{Key: pub})
		}
	case strings.HasPrefix(trimmed, "{"):
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(data, &set); err == nil && len(set.Keys) > 0 {
			keys = set.Keys
		} else {
			var k jose.JSONWebKey
			if err := json.Unmarshal(data, &k); err != nil {
				return nil, fmt.Errorf("localidp: not a JWK or JWKS: %w", err)
			}
			keys = []jose.JSONWebKey{k}
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("localidp: no public key found: give a JWK, a JWKS or PEM")
	}
	out := jose.JSONWebKeySet{}
	for i, k := range keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("localidp: key %d is private or symmetric: register the public key only", i)
		}
		if !k.Valid() {
			return nil, fmt.Errorf("localidp: key %d is not valid", i)
		}
		if err := checkAssertionKey(k.Key); err != nil {
			return nil, fmt.Errorf("localidp: key %d: %w", i, err)
		}
		if k.Use != "" && k.Use != "sig" {
			return nil, fmt.Errorf("localidp: key %d has use %q; want sig", i, k.Use)
		}
		k.Use = "sig"
		if k.KeyID == "" {
			tp, err := k.Thumbprint(crypto.SHA256)
			if err != nil {
				return nil, fmt.Errorf("localidp: key %d: %w", i, err)
			}
			k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
		}
		if slices.ContainsFunc(out.Keys, func(o jose.JSONWebKey) bool { return o.KeyID == k.KeyID }) {
			return nil, fmt.Errorf("localidp: key id %q appears twice", k.KeyID)
		}
		out.Keys = append(out.Keys, k)
	}
	return json.Marshal(out)
}

// checkAssertionKey accepts the key types client assertions may be
// verified with.
func checkAssertionKey(k any) error {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return errors.New("RSA keys must have at least 2048 bits")
		}
	case *ecdsa.PublicKey:
	default:
		return fmt.Errorf("a %T; use an RSA (2048 bits or more) or ECDSA key", k)
	}
	return nil
}

// spRuntime is what the provider needs for service principals.
type spRuntime struct {
	st        store.ServicePrincipals
	hasher    *SecretHasher
	ttl       time.Duration
	audiences []string
	client    *http.Client

	mu        sync.Mutex
	providers map[string]cachedIssuer
}

type cachedIssuer struct {
	p  *gooidc.Provider
	at time.Time
}

// tokenCall is what the token endpoint's middleware saw of a request,
// for the storage methods zitadel calls without the request.
type tokenCall struct {
	grant         string
	formClientID  string
	assertionType string
	assertion     string
	basicAuth     bool
	subjectToken  string
	// exchangeClient is the client ID a token exchange names.
	exchangeClient  string
	subjectVerified *federatedSubject
	// client is the service principal ClientCredentials authenticated.
	client     *spClient
	subjectErr error
	// tokenID and expiresAt are the issued access token's jti and expiry.
	tokenID   string
	expiresAt time.Time
}

// workload reports whether the call is one of the service principals'
// grants, whose tokens the workload key ring signs. Only service
// principals are registered for them.
func (c *tokenCall) workload() bool {
	switch oidc.GrantType(c.grant) {
	case oidc.GrantTypeClientCredentials, oidc.GrantTypeTokenExchange:
		return true
	}
	return false
}

type federatedSubject struct {
	sp            store.ServicePrincipal
	issuer, sub   string
	matchedClient string
}

type tokenCallKey struct{}

func tokenCallFrom(ctx context.Context) *tokenCall {
	c, _ := ctx.Value(tokenCallKey{}).(*tokenCall)
	return c
}

// tokenEndpoint is the token endpoint's path under the issuer.
const tokenEndpoint = "/oauth/token"

// TokenPath is where TokenHandler is meant to be mounted on the public
// URL's host; client assertions may name its URL as their audience.
const TokenPath = "/oauth2/token"

// TokenHandler serves the provider's token endpoint (the one at
// Issuer()+"/oauth/token") under another path: mount it at TokenPath on
// the server that serves the issuer's host, e.g.
// mux.Handle("POST "+localidp.TokenPath, p.TokenHandler()).
func (p *Provider) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		u := *r.URL
		u.Path = p.basePath + tokenEndpoint
		u.RawPath = ""
		r2.URL = &u
		r2.RequestURI = u.RequestURI()
		p.handler.ServeHTTP(w, r2)
	})
}

// serveToken prepares requests of the token endpoint for the service
// principals' grants, then hands them to zitadel:
//
//   - the JWT profile authorization grant (RFC 7523 2.1) is refused: it
//     would bypass the assertion replay check;
//   - the client assertion and the form's client_id are kept in the
//     context for storage.ClientCredentials (zitadel passes it the
//     client_id and secret only);
//   - for token exchange, zitadel reads the client only from HTTP Basic:
//     a form client_id (and client_secret) are moved there, and the
//     service principal's audiences are requested when none is.
func (p *Provider) serveToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || p.sp == nil {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, string(oidc.InvalidRequest), "the form cannot be parsed")
			return
		}
		f := r.PostForm
		call := &tokenCall{
			grant: f.Get("grant_type"), formClientID: f.Get("client_id"),
			assertionType: f.Get("client_assertion_type"), assertion: f.Get("client_assertion"),
		}
		_, _, call.basicAuth = r.BasicAuth()
		switch oidc.GrantType(call.grant) {
		case oidc.GrantTypeBearer:
			writeOAuthError(w, http.StatusBadRequest, string(oidc.UnsupportedGrantType), "the JWT bearer grant is not supported; use client_credentials with private_key_jwt")
			return
		case oidc.GrantTypeTokenExchange:
			call.subjectToken = f.Get("subject_token")
			if !call.basicAuth && call.formClientID != "" {
				r.SetBasicAuth(url.QueryEscape(call.formClientID), url.QueryEscape(f.Get("client_secret")))
				call.basicAuth = true
			}
			if id, _, ok := r.BasicAuth(); ok {
				id, _ = url.QueryUnescape(id)
				call.exchangeClient = id
				if _, isSP := ServicePrincipalName(id); isSP && len(r.Form["audience"]) == 0 {
					r.Form["audience"] = p.sp.audience(id)
				}
			}
		}
		r = r.WithContext(context.WithValue(r.Context(), tokenCallKey{}, call))
		if call.workload() && p.onToken != nil {
			p.recordToken(w, r, call, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeOAuthError writes an RFC 6749 error response.
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// audience is the aud of a service principal's tokens.
func (r *spRuntime) audience(clientID string) []string {
	aud := []string{clientID}
	for _, a := range r.audiences {
		if !slices.Contains(aud, a) {
			aud = append(aud, a)
		}
	}
	return aud
}

// load returns an enabled service principal by client ID.
func (r *spRuntime) load(ctx context.Context, clientID string) (store.ServicePrincipal, error) {
	name, ok := ServicePrincipalName(clientID)
	if !ok {
		return store.ServicePrincipal{}, errors.New("localidp: unknown client")
	}
	sp, err := r.st.GetServicePrincipal(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.ServicePrincipal{}, errors.New("localidp: unknown client")
	case err != nil:
		return store.ServicePrincipal{}, oidc.ErrServerError().WithParent(err)
	case sp.Disabled:
		return store.ServicePrincipal{}, errors.New("localidp: the service principal is disabled")
	}
	return sp, nil
}

// spClient is a service principal as zitadel's op.Client.
type spClient struct {
	id  string
	sp  store.ServicePrincipal
	ttl time.Duration
}

func (c *spClient) GetID() string                       { return c.id }
func (c *spClient) RedirectURIs() []string              { return nil }
func (c *spClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *spClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *spClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (c *spClient) LoginURL(string) string              { return "" }
func (c *spClient) DevMode() bool                       { return false }
func (c *spClient) ClockSkew() time.Duration            { return 0 }
func (c *spClient) IsScopeAllowed(string) bool          { return false }
func (c *spClient) IDTokenLifetime() time.Duration      { return c.ttl }

// IDTokenUserinfoClaimsAssertion: service principals get no ID tokens.
func (c *spClient) IDTokenUserinfoClaimsAssertion() bool { return false }

// AccessTokenType is JWT, verified offline like users' tokens.
func (c *spClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

func (c *spClient) AuthMethod() oidc.AuthMethod {
	switch {
	case len(c.sp.SecretHashes) > 0:
		return oidc.AuthMethodBasic
	case len(c.sp.PublicKeys) > 0:
		return oidc.AuthMethodPrivateKeyJWT
	}
	return oidc.AuthMethodNone
}

func (c *spClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials, oidc.GrantTypeTokenExchange}
}

func (c *spClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func([]string) []string { return nil }
}

func (c *spClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func([]string) []string { return nil }
}

// spTokenRequest is a client credentials grant of a service principal.
type spTokenRequest struct {
	clientID    string
	audience    []string
	description string
}

func (r *spTokenRequest) GetSubject() string    { return r.clientID }
func (r *spTokenRequest) GetAudience() []string { return r.audience }
func (r *spTokenRequest) GetScopes() []string   { return nil }

// spClaims are the private claims of a service principal's token.
func spClaims(sp store.ServicePrincipal) map[string]any {
	name := sp.Description
	if name == "" {
		name = sp.Name
	}
	return map[string]any{KindClaim: KindService, "name": name}
}

// ClientCredentials authenticates a service principal for the client
// credentials grant: by the client assertion the token endpoint's
// middleware saw (private_key_jwt), or by its secret.
func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	r := s.p.sp
	call := tokenCallFrom(ctx)
	if r == nil || call == nil {
		return nil, errors.New("localidp: client credentials are for service principals")
	}
	if call.assertion != "" || call.assertionType != "" {
		if secret != "" || call.basicAuth {
			return nil, errors.New("localidp: more than one client authentication method")
		}
		if call.assertionType != oidc.ClientAssertionTypeJWTAssertion {
			return nil, errors.New("localidp: unsupported client_assertion_type")
		}
		c, err := s.verifyClientAssertion(ctx, call.formClientID, call.assertion)
		if err != nil {
			return nil, err
		}
		call.client = c
		return c, nil
	}
	sp, err := r.load(ctx, clientID)
	if err != nil {
		if _, isSP := ServicePrincipalName(clientID); isSP {
			// Spend about what a check of a stored hash spends.
			r.hasher.Verify([]string{hmacPrefix}, secret)
		}
		return nil, err
	}
	if !r.hasher.Verify(sp.SecretHashes, secret) {
		return nil, errors.New("localidp: client authentication failed")
	}
	call.client = &spClient{id: clientID, sp: sp, ttl: r.ttl}
	return call.client, nil
}

// verifyClientAssertion checks a private_key_jwt client assertion with
// zitadel's JWT profile verifier (signature by a key of the service
// principal, iss = sub, aud, exp, iat), then that its jti is fresh.
func (s *storage) verifyClientAssertion(ctx context.Context, formClientID, assertion string) (*spClient, error) {
	r := s.p.sp
	var claims oidc.JWTTokenRequest
	if _, err := oidc.ParseToken(assertion, &claims); err != nil {
		return nil, fmt.Errorf("localidp: client assertion: %w", err)
	}
	clientID := claims.Issuer
	if formClientID != "" && formClientID != clientID {
		return nil, errors.New("localidp: client assertion: iss is not the client_id")
	}
	sp, err := r.load(ctx, clientID)
	if err != nil {
		return nil, err
	}
	aud := ""
	for _, want := range []string{s.p.issuer, s.p.issuer + tokenEndpoint, s.p.origin + TokenPath} {
		if slices.Contains(claims.Audience, want) {
			aud = want
			break
		}
	}
	if aud == "" {
		return nil, errors.New("localidp: client assertion: aud must be the issuer or the token endpoint")
	}
	v := op.NewJWTProfileVerifier(assertionKeys{sp: sp, clientID: clientID}, aud, MaxAssertionLifetime, 0)
	req, err := op.VerifyJWTAssertion(ctx, assertion, v)
	if err != nil {
		return nil, fmt.Errorf("localidp: client assertion: %w", err)
	}
	exp := req.ExpiresAt.AsTime()
	if exp.After(time.Now().Add(MaxAssertionLifetime + time.Minute)) {
		return nil, fmt.Errorf("localidp: client assertion: exp more than %v ahead", MaxAssertionLifetime)
	}
	if req.JWTID == "" {
		return nil, errors.New("localidp: client assertion: no jti")
	}
	id := sha256.Sum256([]byte(clientID + "\x00" + req.JWTID))
	if err := r.st.UseAssertionID(ctx, hex.EncodeToString(id[:]), exp.Add(time.Minute)); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errors.New("localidp: client assertion: jti replayed")
		}
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &spClient{id: clientID, sp: sp, ttl: r.ttl}, nil
}

// assertionKeys are a service principal's public keys, as zitadel's
// JWTProfileKeyStorage.
type assertionKeys struct {
	sp       store.ServicePrincipal
	clientID string
}

// GetKeyByIDAndClientID returns the key the assertion's kid names (or the
// only key, when the assertion names none).
func (k assertionKeys) GetKeyByIDAndClientID(_ context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	if clientID != k.clientID || len(k.sp.PublicKeys) == 0 {
		return nil, errors.New("localidp: the client has no public keys")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(k.sp.PublicKeys, &set); err != nil {
		return nil, fmt.Errorf("localidp: the client's public keys: %w", err)
	}
	if keyID == "" && len(set.Keys) == 1 {
		return &set.Keys[0], nil
	}
	for i := range set.Keys {
		if set.Keys[i].KeyID == keyID && keyID != "" && set.Keys[i].IsPublic() {
			return &set.Keys[i], nil
		}
	}
	return nil, errors.New("localidp: no such key")
}

// ClientCredentialsTokenRequest is the token request of an authenticated
// service principal: its tokens name it and carry its audiences; scopes
// are ignored.
// The client is the one ClientCredentials authenticated (zitadel passes
// the form's client_id, which a client assertion may leave out).
func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, _ []string) (op.TokenRequest, error) {
	call := tokenCallFrom(ctx)
	if call == nil || call.client == nil || (clientID != "" && clientID != call.client.id) {
		return nil, oidc.ErrInvalidClient()
	}
	c := call.client
	return &spTokenRequest{clientID: c.id, audience: s.p.sp.audience(c.id), description: c.sp.Description}, nil
}

// authorizeSPForExchange is AuthorizeClientIDSecret for a service
// principal. Only the token endpoint's token exchange authenticates
// service principals this way: with their secret, or with none when they
// have federated identities, since ValidateTokenExchangeRequest then
// demands a subject token of one of them.
func (s *storage) authorizeSPForExchange(ctx context.Context, clientID, secret string) error {
	r := s.p.sp
	call := tokenCallFrom(ctx)
	if r == nil || call == nil || oidc.GrantType(call.grant) != oidc.GrantTypeTokenExchange {
		return errors.New("localidp: service principals authenticate at the token endpoint only")
	}
	sp, err := r.load(ctx, clientID)
	if err != nil {
		return err
	}
	if secret == "" {
		if len(sp.Federation) == 0 {
			return errors.New("localidp: the service principal has no federated identity")
		}
		return nil
	}
	if !r.hasher.Verify(sp.SecretHashes, secret) {
		return errors.New("localidp: client authentication failed")
	}
	return nil
}

// VerifyExchangeSubjectToken verifies an external subject token against
// the federated identities of the service principal the request names.
// It never fails itself: the outcome is kept for
// ValidateTokenExchangeRequest, which answers invalid_grant (zitadel
// would answer invalid_request).
func (s *storage) VerifyExchangeSubjectToken(ctx context.Context, token string, _ oidc.TokenType) (string, string, map[string]any, error) {
	call := tokenCallFrom(ctx)
	if call == nil || s.p.sp == nil {
		return "", "", nil, errors.New("localidp: token exchange is for service principals")
	}
	fs, err := s.verifyFederated(ctx, call, token)
	if err != nil {
		call.subjectErr = err
		return "", "unverified", nil, nil
	}
	call.subjectVerified = fs
	return tokenHash(token), fs.sub, map[string]any{}, nil
}

// VerifyExchangeActorToken: actor tokens are not supported.
func (s *storage) VerifyExchangeActorToken(context.Context, string, oidc.TokenType) (string, string, map[string]any, error) {
	return "", "", nil, errors.New("localidp: actor tokens are not supported")
}

// verifyFederated verifies token against the federated identities of
// the service principal the token exchange names.
func (s *storage) verifyFederated(ctx context.Context, call *tokenCall, token string) (*federatedSubject, error) {
	clientID := call.exchangeClient
	if len(token) > maxSubjectToken {
		return nil, errors.New("the subject token is too long")
	}
	sp, err := s.p.sp.load(ctx, clientID)
	if err != nil {
		return nil, err
	}
	var unverified struct {
		Issuer string `json:"iss"`
	}
	if _, err := oidc.ParseToken(token, &unverified); err != nil {
		return nil, errors.New("the subject token is not a JWT")
	}
	// Only issuers the service principal names are ever contacted.
	var entries []store.FederatedIdentity
	for _, f := range sp.Federation {
		if f.Issuer == unverified.Issuer {
			entries = append(entries, f)
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("the subject token's issuer is not federated with this service principal")
	}
	prov, err := s.p.sp.issuer(ctx, unverified.Issuer)
	if err != nil {
		return nil, err
	}
	ctx = gooidc.ClientContext(ctx, s.p.sp.client)
	idt, err := prov.Verifier(&gooidc.Config{SkipClientIDCheck: true,
		SupportedSigningAlgs: []string{gooidc.RS256, gooidc.ES256, gooidc.PS256, gooidc.EdDSA}}).Verify(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("the subject token does not verify: %w", err)
	}
	for _, f := range entries {
		if idt.Subject == f.Subject && slices.Contains(idt.Audience, f.Audience) {
			return &federatedSubject{sp: sp, issuer: idt.Issuer, sub: idt.Subject, matchedClient: clientID}, nil
		}
	}
	return nil, errors.New("the subject token's subject or audience is not federated with this service principal")
}

// issuer returns the discovery of an external issuer, cached.
func (r *spRuntime) issuer(ctx context.Context, iss string) (*gooidc.Provider, error) {
	r.mu.Lock()
	c, ok := r.providers[iss]
	r.mu.Unlock()
	if ok && time.Since(c.at) < discoveryTTL {
		return c.p, nil
	}
	// The provider keeps the client, not the context, for its key set.
	dctx, cancel := context.WithTimeout(gooidc.ClientContext(ctx, r.client), 15*time.Second)
	defer cancel()
	p, err := gooidc.NewProvider(dctx, iss)
	if err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", iss, err)
	}
	r.mu.Lock()
	if r.providers == nil || len(r.providers) > 1000 {
		r.providers = map[string]cachedIssuer{}
	}
	r.providers[iss] = cachedIssuer{p: p, at: time.Now()}
	r.mu.Unlock()
	return p, nil
}

// ValidateTokenExchangeRequest admits only the exchange of a verified
// external subject token of one of the client's federated identities for
// an access token of that service principal, with its own audiences.
func (s *storage) ValidateTokenExchangeRequest(ctx context.Context, req op.TokenExchangeRequest) error {
	call := tokenCallFrom(ctx)
	if call == nil || s.p.sp == nil {
		return oidc.ErrInvalidGrant()
	}
	fs := call.subjectVerified
	if fs == nil {
		desc := "the subject token must be a JWT of a federated identity of the service principal"
		if call.subjectErr != nil {
			desc = call.subjectErr.Error()
		}
		return oidc.ErrInvalidGrant().WithDescription("%s", desc)
	}
	if fs.matchedClient != req.GetClientID() {
		return oidc.ErrInvalidGrant()
	}
	switch req.GetRequestedTokenType() {
	case "":
		req.SetRequestedTokenType(oidc.AccessTokenType)
	case oidc.AccessTokenType, oidc.JWTTokenType:
		req.SetRequestedTokenType(oidc.AccessTokenType)
	default:
		return oidc.ErrInvalidRequest().WithDescription("only access tokens are issued to service principals")
	}
	if req.GetExchangeActor() != "" {
		return oidc.ErrInvalidRequest().WithDescription("actor tokens are not supported")
	}
	allowed := s.p.sp.audience(req.GetClientID())
	for _, a := range req.GetAudience() {
		if !slices.Contains(allowed, a) {
			return oidc.ErrInvalidTarget().WithDescription("audience %q is not one of the service principal's", a)
		}
	}
	if len(req.GetResourses()) > 0 {
		return oidc.ErrInvalidTarget().WithDescription("resource is not supported; use audience")
	}
	req.SetCurrentScopes(nil)
	req.SetSubject(req.GetClientID())
	return nil
}

// CreateTokenExchangeRequest keeps nothing: the tokens are JWTs.
func (s *storage) CreateTokenExchangeRequest(context.Context, op.TokenExchangeRequest) error {
	return nil
}

// GetPrivateClaimsFromTokenExchangeRequest marks the token as a service
// principal's and names the external identity it was exchanged for.
func (s *storage) GetPrivateClaimsFromTokenExchangeRequest(ctx context.Context, _ op.TokenExchangeRequest) (map[string]any, error) {
	call := tokenCallFrom(ctx)
	if call == nil || call.subjectVerified == nil {
		return nil, oidc.ErrInvalidGrant()
	}
	fs := call.subjectVerified
	c := spClaims(fs.sp)
	c[ClaimFederatedIssuer], c[ClaimFederatedSubject] = fs.issuer, fs.sub
	return c, nil
}

// SetUserinfoFromTokenExchangeRequest: no ID tokens are issued by token
// exchange.
func (s *storage) SetUserinfoFromTokenExchangeRequest(context.Context, *oidc.UserInfo, op.TokenExchangeRequest) error {
	return oidc.ErrInvalidRequest().WithDescription("only access tokens are issued to service principals")
}

// spTTL is the lifetime of service principals' tokens.
func (p *Provider) spTTL() time.Duration {
	if p.sp == nil {
		return DefaultServiceTokenTTL
	}
	return p.sp.ttl
}

// setupServicePrincipals enables service principals when a store for
// them is given.
func (p *Provider) setupServicePrincipals(ctx context.Context, opts Options) error {
	st := opts.ServicePrincipals
	if st == nil {
		st, _ = opts.Store.(store.ServicePrincipals)
	}
	if st == nil {
		return nil
	}
	ttl := opts.ServiceTokenTTL
	if ttl == 0 {
		ttl = DefaultServiceTokenTTL
	}
	if ttl < time.Minute || ttl > 24*time.Hour {
		return fmt.Errorf("localidp: ServiceTokenTTL %v: use 1m to 24h", ttl)
	}
	h, err := NewSecretHasher(ctx, opts.Store)
	if err != nil {
		return err
	}
	client := opts.FederationHTTPClient
	if client == nil {
		client = &http.Client{Transport: refuseTransport{}}
	}
	p.sp = &spRuntime{st: st, hasher: h, ttl: ttl, audiences: slices.Clone(opts.ServiceAudiences), client: client}
	return nil
}

// refuseTransport is the federation client when none is given.
type refuseTransport struct{}

// RoundTrip refuses every request.
func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("localidp: no FederationHTTPClient: token exchange is off")
}
