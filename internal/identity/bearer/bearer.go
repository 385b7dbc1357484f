// Package bearer verifies the bearer JWTs that API callers present: access
// tokens issued by a configured identity provider.
//
// A token is accepted only if all of this holds: it is a compact JWS signed
// with an algorithm on the issuer's allow-list (never "none", never an HMAC
// algorithm, whose key would be the issuer's public key); the signing key
// comes from the issuer's own JWKS, found by key id, of a type that fits the
// algorithm (headers that point elsewhere, jku, x5u and an embedded jwk, are
// refused, never followed); iss is the configured issuer exactly; aud
// names one of the configured audiences; exp is present and not past, nbf
// is not in the future and iat is not in the future, each with a small
// leeway; sub is present; and it is an access token, not an ID token.
package bearer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/palisade-gw/palisade/internal/apperr"
)

// DefaultAlgorithms are the signature algorithms accepted when an issuer
// names none: the asymmetric ones identity providers use.
var DefaultAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA}

// allowedAlgorithms are the algorithms an issuer may be configured with.
var allowedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

const (
	// DefaultLeeway absorbs clock skew between Palisade and the issuer.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway bounds what configuration may set.
	MaxLeeway = 5 * time.Minute
	// DefaultCooldown is the least time between key set fetches caused by
	// unknown key ids.
	DefaultCooldown = 30 * time.Second
	// maxTokenBytes bounds a token before any parsing.
	maxTokenBytes = 16 << 10
)

// Issuer configures one identity provider whose access tokens are accepted.
type Issuer struct {
	// Issuer is the exact "iss" value, e.g. https://login.example.com/tenant/v2.0.
	Issuer string
	// JWKSURL is where the issuer publishes its signing keys.
	JWKSURL string
	// Audiences are the values of which "aud" must contain at least one.
	Audiences []string
	// Algorithms is the allow-list; DefaultAlgorithms when empty.
	Algorithms []jose.SignatureAlgorithm
	// Leeway for exp, nbf and iat; DefaultLeeway when zero.
	Leeway time.Duration
	// RequireATJWT accepts only tokens typed "at+jwt" (RFC 9068). Without
	// it, untyped tokens and "JWT" are accepted too, and ID tokens are
	// told apart by their claims.
	RequireATJWT bool
	// Cooldown between fetches for unknown key ids; DefaultCooldown when zero.
	Cooldown time.Duration
}

// Claims is what a verified token says about its caller.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	IssuedAt time.Time
	// AuthorizedParty is the client the token was issued to (azp, or
	// client_id in RFC 9068 tokens).
	AuthorizedParty string
	// AMR and ACR say how the user authenticated (MFA is read from here).
	AMR []string
	ACR string
	// Raw holds every claim, for group and role mapping.
	Raw map[string]any
}

// Verifier checks bearer JWTs against a set of issuers.
type Verifier struct {
	issuers map[string]*issuer
	// algs is the union of the issuers' allow-lists, for parsing.
	algs []jose.SignatureAlgorithm
	now  func() time.Time
	// cache remembers recently verified tokens (see cacheTTL).
	cache *verifiedCache
}

type issuer struct {
	cfg  Issuer
	keys *keySet
}

// Option configures New.
type Option func(*Verifier, *options)

type options struct {
	client *http.Client
}

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option {
	return func(v *Verifier, _ *options) { v.now = now }
}

// WithHTTPClient sets the client that fetches key sets. The default has a
// 10-second timeout.
func WithHTTPClient(c *http.Client) Option {
	return func(_ *Verifier, o *options) { o.client = c }
}

// New returns a Verifier for the issuers. It fetches no keys until the
// first token arrives.
func New(issuers []Issuer, opts ...Option) (*Verifier, error) {
	v := &Verifier{issuers: make(map[string]*issuer, len(issuers)), now: time.Now, cache: newVerifiedCache()}
	o := options{client: &http.Client{Timeout: 10 * time.Second}}
	for _, opt := range opts {
		opt(v, &o)
	}
	for i, cfg := range issuers {
		if err := check(&cfg); err != nil {
			return nil, fmt.Errorf("bearer: issuer %d (%s): %w", i, cfg.Issuer, err)
		}
		if _, dup := v.issuers[cfg.Issuer]; dup {
			return nil, fmt.Errorf("bearer: issuer %q configured twice", cfg.Issuer)
		}
		v.issuers[cfg.Issuer] = &issuer{cfg: cfg, keys: &keySet{url: cfg.JWKSURL, client: o.client, cooldown: cfg.Cooldown, now: func() time.Time { return v.now() }}}
		for _, a := range cfg.Algorithms {
			if !slices.Contains(v.algs, a) {
				v.algs = append(v.algs, a)
			}
		}
	}
	return v, nil
}

// check validates an issuer's configuration and fills in defaults.
func check(c *Issuer) error {
	if c.Issuer == "" {
		return errors.New("issuer is empty")
	}
	u, err := url.Parse(c.JWKSURL)
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.Host == "" {
		return fmt.Errorf("jwks_url %q must be an https URL (http only to loopback)", c.JWKSURL)
	}
	if len(c.Audiences) == 0 {
		return errors.New("at least one audience is required: without it a token minted for any other application of the same issuer would be accepted")
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(allowedAlgorithms, a) {
			return fmt.Errorf("algorithm %q is not allowed (asymmetric algorithms only)", a)
		}
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.Leeway < 0 || c.Leeway > MaxLeeway {
		return fmt.Errorf("leeway %s is outside 0..%s", c.Leeway, MaxLeeway)
	}
	if c.Cooldown <= 0 {
		c.Cooldown = DefaultCooldown
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Refusals. Each carries the stable code of its class; the wrapped error
// says exactly what was wrong, for the audit log.
var (
	// ErrInvalidToken is any token that fails verification.
	ErrInvalidToken = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeInvalidToken,
		Message: "The bearer token is not valid for this gateway."}
	// ErrExpired is a token past its exp.
	ErrExpired = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeTokenExpired,
		Message: "The bearer token has expired; get a new one from your identity provider."}
	// ErrKeysUnavailable is an issuer whose keys cannot be fetched: the
	// token cannot be verified, so it is refused (fail closed).
	ErrKeysUnavailable = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeInvalidToken,
		Message: "The bearer token cannot be verified now: the identity provider's signing keys are unavailable."}
)

// refuse wraps a refusal with the reason.
func refuse(base *apperr.Error, format string, args ...any) error {
	return &apperr.Error{Kind: base.Kind, Code: base.Code, Message: base.Message, Err: fmt.Errorf(format, args...)}
}

// stdClaims are the registered claims plus those this package reads.
type stdClaims struct {
	jwt.Claims
	AZP      string
	ClientID string
	AMR      any
	ACR      any
}

// Verify checks token and returns its claims, which the caller must not
// modify (they may be shared with other calls for the same token). A token
// verified in the last minute is not checked again until then (or until it
// expires, if sooner). Every failure is an
// *apperr.Error with code invalid_token or token_expired.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxTokenBytes {
		return nil, refuse(ErrInvalidToken, "token is %d bytes, more than %d", len(token), maxTokenBytes)
	}
	if strings.Count(token, ".") != 2 {
		return nil, refuse(ErrInvalidToken, "not a compact JWS (want three dot-separated parts)")
	}
	if len(v.algs) == 0 {
		return nil, refuse(ErrInvalidToken, "no issuer is configured")
	}
	key := sha256.Sum256([]byte(token))
	if cl, ok := v.cache.get(key, v.now()); ok {
		return cl, nil
	}
	cl, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	v.cache.put(key, cl, v.now())
	return cl, nil
}

// verify checks token fully: header, key, signature and claims.
func (v *Verifier) verify(ctx context.Context, token string) (*Claims, error) {
	tok, err := jwt.ParseSigned(token, v.algs)
	if err != nil {
		return nil, refuse(ErrInvalidToken, "parse: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, refuse(ErrInvalidToken, "want exactly one signature")
	}
	h := tok.Headers[0]
	if h.JSONWebKey != nil {
		return nil, refuse(ErrInvalidToken, "embedded jwk header: keys come only from the issuer's JWKS")
	}
	for _, name := range []jose.HeaderKey{"jku", "x5u", "crit"} {
		if _, ok := h.ExtraHeaders[name]; ok {
			return nil, refuse(ErrInvalidToken, "%s header: keys come only from the issuer's JWKS", name)
		}
	}

	iss, err := v.issuerOf(tok)
	if err != nil {
		return nil, err
	}
	alg := jose.SignatureAlgorithm(h.Algorithm)
	if !slices.Contains(iss.cfg.Algorithms, alg) {
		return nil, refuse(ErrInvalidToken, "algorithm %s is not allowed for issuer %s", alg, iss.cfg.Issuer)
	}
	if err := checkType(h, iss.cfg.RequireATJWT); err != nil {
		return nil, err
	}

	key, err := iss.keys.key(ctx, h.KeyID, alg)
	if errors.Is(err, errUnknownKey) {
		return nil, refuse(ErrInvalidToken, "key id %q: %w", truncate(h.KeyID, 64), err)
	}
	if err != nil {
		return nil, refuse(ErrKeysUnavailable, "%w", err)
	}
	var payload json.RawMessage
	if err := tok.Claims(key, &payload); err != nil {
		return nil, refuse(ErrInvalidToken, "signature: %w", err)
	}
	raw := map[string]any{}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, refuse(ErrInvalidToken, "claims are not a JSON object: %w", err)
	}
	std, err := registered(raw)
	if err != nil {
		return nil, refuse(ErrInvalidToken, "claims: %w", err)
	}
	return v.validate(iss.cfg, std, raw)
}

// issuerOf returns the configured issuer whose keys and rules apply to
// tok. With several issuers the iss claim is read, unverified, only to
// choose; validate checks it again after the signature.
func (v *Verifier) issuerOf(tok *jwt.JSONWebToken) (*issuer, error) {
	if len(v.issuers) == 1 {
		for _, iss := range v.issuers {
			return iss, nil
		}
	}
	var peek struct {
		Issuer string `json:"iss"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&peek); err != nil {
		return nil, refuse(ErrInvalidToken, "claims are not a JSON object: %w", err)
	}
	iss, ok := v.issuers[peek.Issuer]
	if !ok {
		return nil, refuse(ErrInvalidToken, "issuer %q is not configured", peek.Issuer)
	}
	return iss, nil
}

// registered reads the registered claims and those this package uses from
// the decoded claims, refusing ones of the wrong JSON type.
func registered(raw map[string]any) (*stdClaims, error) {
	c := &stdClaims{}
	var ok bool
	str := func(name string, dst *string) error {
		v, present := raw[name]
		if !present {
			return nil
		}
		if *dst, ok = v.(string); !ok {
			return fmt.Errorf("%s is not a string", name)
		}
		return nil
	}
	date := func(name string, dst **jwt.NumericDate) error {
		v, present := raw[name]
		if !present {
			return nil
		}
		f, ok := v.(float64)
		if !ok || f < 0 || f > 1<<40 {
			return fmt.Errorf("%s is not a NumericDate", name)
		}
		*dst = jwt.NewNumericDate(time.Unix(int64(f), 0))
		return nil
	}
	for _, err := range []error{
		str("iss", &c.Issuer), str("sub", &c.Subject), str("jti", &c.ID), str("azp", &c.AZP), str("client_id", &c.ClientID),
		date("exp", &c.Expiry), date("nbf", &c.NotBefore), date("iat", &c.IssuedAt),
	} {
		if err != nil {
			return nil, err
		}
	}
	switch a := raw["aud"].(type) {
	case nil:
	case string:
		c.Audience = jwt.Audience{a}
	case []any:
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("aud holds a value that is not a string")
			}
			c.Audience = append(c.Audience, s)
		}
	default:
		return nil, errors.New("aud is neither a string nor an array")
	}
	c.AMR, c.ACR = raw["amr"], raw["acr"]
	return c, nil
}

// checkType refuses tokens whose typ header says they are not access
// tokens.
func checkType(h jose.Header, requireATJWT bool) error {
	typ, _ := h.ExtraHeaders["typ"].(string)
	t := strings.ToLower(strings.TrimPrefix(strings.ToLower(typ), "application/"))
	switch {
	case t == "at+jwt":
		return nil
	case requireATJWT:
		return refuse(ErrInvalidToken, "typ %q: this issuer's access tokens are typed at+jwt", typ)
	case t == "" || t == "jwt":
		return nil
	}
	return refuse(ErrInvalidToken, "typ %q is not an access token type", typ)
}

// validate checks the claims of a token whose signature is good.
func (v *Verifier) validate(cfg Issuer, c *stdClaims, raw map[string]any) (*Claims, error) {
	now := v.now()
	if c.Expiry == nil {
		return nil, refuse(ErrInvalidToken, "no exp claim: tokens without an expiry are refused")
	}
	err := c.Claims.ValidateWithLeeway(jwt.Expected{Issuer: cfg.Issuer, AnyAudience: cfg.Audiences, Time: now}, cfg.Leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, refuse(ErrExpired, "expired at %s", c.Expiry.Time().UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, refuse(ErrInvalidToken, "audience %q names none of %q", []string(c.Audience), cfg.Audiences)
	case errors.Is(err, jwt.ErrNotValidYet):
		return nil, refuse(ErrInvalidToken, "not valid before %s", c.NotBefore.Time().UTC().Format(time.RFC3339))
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return nil, refuse(ErrInvalidToken, "issued in the future, at %s", c.IssuedAt.Time().UTC().Format(time.RFC3339))
	case err != nil:
		return nil, refuse(ErrInvalidToken, "claims: %w", err)
	}
	if strings.TrimSpace(c.Subject) == "" {
		return nil, refuse(ErrInvalidToken, "no sub claim")
	}
	if reason := idTokenMarker(raw); reason != "" {
		return nil, refuse(ErrInvalidToken, "an ID token is not an access token (%s)", reason)
	}
	out := &Claims{
		Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience, Expiry: c.Expiry.Time(),
		AuthorizedParty: c.AZP, AMR: stringList(c.AMR), Raw: raw,
	}
	if out.AuthorizedParty == "" {
		out.AuthorizedParty = c.ClientID
	}
	if c.IssuedAt != nil {
		out.IssuedAt = c.IssuedAt.Time()
	}
	if s, ok := c.ACR.(string); ok {
		out.ACR = s
	}
	return out, nil
}

// idTokenMarker returns why the claims look like an OpenID Connect ID token,
// or "". ID tokens prove a sign-in to a client; they are not meant to be
// sent to APIs, and accepting them lets any client that signed a user in
// call as that user.
func idTokenMarker(raw map[string]any) string {
	for _, c := range []string{"nonce", "at_hash", "c_hash", "s_hash"} {
		if _, ok := raw[c]; ok {
			return "it carries " + c
		}
	}
	if tu, _ := raw["token_use"].(string); tu == "id" { // Amazon Cognito
		return `token_use is "id"`
	}
	if t, _ := raw["typ"].(string); strings.EqualFold(t, "ID") { // Keycloak
		return `typ claim is "ID"`
	}
	return ""
}

// stringList reads a claim that is a string or an array of strings.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
