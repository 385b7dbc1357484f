package tools

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// AssertionType is the JOSE "typ" header of user assertions. It differs from
// the "at+jwt" of OAuth2 access tokens and from plain "JWT", so a downstream
// API can never mistake an assertion for an access token or an ID token, nor
// the other way round.
const AssertionType = "palisade-assertion+jwt"

// Assertion lifetime bounds. Assertions are meant to be used once, for the
// request that carries them, so they live for seconds to minutes.
const (
	// DefaultAssertionTTL is the lifetime used when none is configured.
	DefaultAssertionTTL = 60 * time.Second
	// MaxAssertionTTL is the longest lifetime Assertion issues and
	// VerifyAssertion accepts (exp - iat).
	MaxAssertionTTL = 15 * time.Minute
	// AssertionLeeway is the clock skew VerifyAssertion tolerates on exp,
	// nbf and iat.
	AssertionLeeway = 30 * time.Second
)

// assertionAlgs are the only algorithms assertions are signed with and
// verified against; symmetric and RSA algorithms are never accepted.
var assertionAlgs = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256}

// Caller identifies the user a tool call is made for. The gateway fills it
// from the authenticated session; it becomes the claims of the user assertion.
type Caller struct {
	// Subject is the stable user identifier, "issuer:subject" (for
	// example "local:alice"). Required when the tool carries an assertion.
	Subject string
	// Name is the display name, if known.
	Name string
	// Email is the user's email address, if known.
	Email string
	// Groups are the user's groups, if any.
	Groups []string
	// App is the application (client) the agent runs in, if known.
	App string
	// Agent is the agent making the call, if known.
	Agent string
	// RequestID correlates the call with Palisade's audit log.
	RequestID string
}

// AssertionClaims are the verified claims of a user assertion, as returned
// by VerifyAssertion.
type AssertionClaims struct {
	// Issuer is "iss": the Palisade deployment that signed the assertion.
	Issuer string
	// Subject is "sub": the user, "issuer:subject".
	Subject string
	// Audience is "aud": the API the assertion is meant for.
	Audience []string
	// IssuedAt, NotBefore and Expiry are "iat", "nbf" and "exp".
	IssuedAt, NotBefore, Expiry time.Time
	// ID is "jti", random per assertion (for replay caches).
	ID string
	// Name, Email and Groups describe the user ("name", "email", "groups").
	Name, Email string
	Groups      []string
	// App and Agent name the application and agent ("app", "agent").
	App, Agent string
	// RequestID is "rid", Palisade's request id for audit correlation.
	RequestID string
}

// extraClaims are the non-registered claims of an assertion.
type extraClaims struct {
	Name      string   `json:"name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Groups    []string `json:"groups,omitempty"`
	App       string   `json:"app,omitempty"`
	Agent     string   `json:"agent,omitempty"`
	RequestID string   `json:"rid,omitempty"`
}

// Signer signs user assertions with Palisade's key and publishes the public
// keys (the current one and previous ones kept for rotation) as a JWKS, so
// downstream APIs can verify who a call is made for without trusting the
// agent. It is safe for concurrent use.
type Signer struct {
	signer jose.Signer
	issuer string
	now    func() time.Time
	cur    jose.JSONWebKey

	mu   sync.Mutex
	prev []jose.JSONWebKey
	jwks atomic.Pointer[[]byte] // serialized JWKS, replaced on AddPrevious
}

// NewSigner returns a Signer that signs with key (an ed25519.PrivateKey or
// an *ecdsa.PrivateKey on P-256), names it keyID in the "kid" header and the
// JWKS, and puts issuer in "iss". now is the clock (nil: time.Now).
func NewSigner(key crypto.Signer, keyID, issuer string, now func() time.Time) (*Signer, error) {
	if keyID == "" {
		return nil, errors.New("tools: signer: key id is empty")
	}
	if issuer == "" {
		return nil, errors.New("tools: signer: issuer is empty")
	}
	var alg jose.SignatureAlgorithm
	var priv any
	switch k := key.(type) {
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, errors.New("tools: signer: malformed Ed25519 key")
		}
		alg, priv = jose.EdDSA, k
	case *ed25519.PrivateKey:
		if k == nil || len(*k) != ed25519.PrivateKeySize {
			return nil, errors.New("tools: signer: malformed Ed25519 key")
		}
		alg, priv = jose.EdDSA, *k
	case *ecdsa.PrivateKey:
		if k == nil || k.Curve != elliptic.P256() {
			return nil, errors.New("tools: signer: ECDSA keys must use the P-256 curve")
		}
		alg, priv = jose.ES256, k
	default:
		return nil, fmt.Errorf("tools: signer: unsupported key type %T (want Ed25519 or ECDSA P-256)", key)
	}
	pub, err := publicJWK(key.Public(), keyID)
	if err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithType(AssertionType)
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: priv, KeyID: keyID, Algorithm: string(alg)}}, opts)
	if err != nil {
		return nil, fmt.Errorf("tools: signer: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	s := &Signer{signer: js, issuer: issuer, now: now, cur: pub}
	if err := s.publish(); err != nil {
		return nil, err
	}
	return s, nil
}

// publicJWK describes a public verification key.
func publicJWK(pub crypto.PublicKey, keyID string) (jose.JSONWebKey, error) {
	var alg jose.SignatureAlgorithm
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return jose.JSONWebKey{}, errors.New("tools: signer: malformed Ed25519 public key")
		}
		alg = jose.EdDSA
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return jose.JSONWebKey{}, errors.New("tools: signer: ECDSA keys must use the P-256 curve")
		}
		alg = jose.ES256
	default:
		return jose.JSONWebKey{}, fmt.Errorf("tools: signer: unsupported public key type %T (want Ed25519 or ECDSA P-256)", pub)
	}
	if keyID == "" {
		return jose.JSONWebKey{}, errors.New("tools: signer: key id is empty")
	}
	return jose.JSONWebKey{Key: pub, KeyID: keyID, Algorithm: string(alg), Use: "sig"}, nil
}

// AddPrevious publishes a verification-only public key (a key that signed
// assertions before the current one) in the JWKS, so assertions issued just
// before a key rotation still verify until they expire. Its key id must
// differ from the others.
func (s *Signer) AddPrevious(pub crypto.PublicKey, keyID string) error {
	jwk, err := publicJWK(pub, keyID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if keyID == s.cur.KeyID {
		return fmt.Errorf("tools: signer: key id %q is already used", keyID)
	}
	for _, p := range s.prev {
		if p.KeyID == keyID {
			return fmt.Errorf("tools: signer: key id %q is already used", keyID)
		}
	}
	s.prev = append(s.prev, jwk)
	return s.publishLocked()
}

func (s *Signer) publish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publishLocked()
}

func (s *Signer) publishLocked() error {
	set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey{s.cur}, s.prev...)}
	b, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("tools: signer: encoding JWKS: %w", err)
	}
	s.jwks.Store(&b)
	return nil
}

// Issuer returns the "iss" the Signer puts in assertions.
func (s *Signer) Issuer() string { return s.issuer }

// JWKS returns the public keys downstream APIs verify assertions with: the
// current signing key first, then the previous keys.
func (s *Signer) JWKS() jose.JSONWebKeySet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey{s.cur}, s.prev...)}
}

// JWKSHandler serves the JWKS as application/json to GET and HEAD requests,
// cacheable for five minutes (keep a rotated-out key published at least
// that long plus the assertion TTL).
func (s *Signer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b := *s.jwks.Load()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(b)
	})
}

// Assertion returns a signed JWT stating that the call is made for c,
// meant for audience and valid for ttl (0: DefaultAssertionTTL; at most
// MaxAssertionTTL). Its "typ" header is AssertionType.
func (s *Signer) Assertion(c Caller, audience string, ttl time.Duration) (string, error) {
	if c.Subject == "" {
		return "", errors.New("tools: assertion: the caller has no subject")
	}
	if audience == "" {
		return "", errors.New("tools: assertion: audience is empty")
	}
	if ttl == 0 {
		ttl = DefaultAssertionTTL
	}
	if ttl < time.Second || ttl > MaxAssertionTTL {
		return "", fmt.Errorf("tools: assertion: lifetime %v is outside 1s..%v", ttl, MaxAssertionTTL)
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("tools: assertion: %w", err)
	}
	now := s.now().Truncate(time.Second)
	std := jwt.Claims{
		Issuer:    s.issuer,
		Subject:   c.Subject,
		Audience:  jwt.Audience{audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(ttl)),
		ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
	}
	extra := extraClaims{Name: c.Name, Email: c.Email, Groups: c.Groups, App: c.App, Agent: c.Agent, RequestID: c.RequestID}
	tok, err := jwt.Signed(s.signer).Claims(std).Claims(extra).Serialize()
	if err != nil {
		return "", fmt.Errorf("tools: assertion: signing: %w", err)
	}
	return tok, nil
}

// VerifyAssertion is what a downstream API does with an assertion: it checks
// the signature against keys (selected by "kid"; only EdDSA and ES256), the
// "typ" header (AssertionType, so access tokens and ID tokens are refused),
// the issuer, that audience is among "aud", that exp, nbf and iat are present
// and hold at now with AssertionLeeway, that the lifetime is at most
// MaxAssertionTTL, and that "sub" is set. It returns the claims.
func VerifyAssertion(token string, keys jose.JSONWebKeySet, issuer, audience string, now time.Time) (*AssertionClaims, error) {
	if issuer == "" || audience == "" {
		return nil, errors.New("assertion: the expected issuer and audience must be set")
	}
	tok, err := jwt.ParseSigned(token, assertionAlgs)
	if err != nil {
		return nil, fmt.Errorf("assertion: malformed or unsupported token: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("assertion: want exactly one signature")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, AssertionType) {
		return nil, fmt.Errorf("assertion: token type %q is not %q", typ, AssertionType)
	}
	if h.KeyID == "" {
		return nil, errors.New("assertion: token has no key id")
	}
	var key *jose.JSONWebKey
	for _, k := range keys.Key(h.KeyID) {
		if !k.IsPublic() {
			continue // never verify with symmetric or private key material
		}
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			continue
		}
		key = &k
		break
	}
	if key == nil {
		return nil, fmt.Errorf("assertion: no usable public key with id %q", h.KeyID)
	}
	var std jwt.Claims
	var extra extraClaims
	if err := tok.Claims(key.Key, &std, &extra); err != nil {
		return nil, fmt.Errorf("assertion: signature: %w", err)
	}
	if std.Expiry == nil || std.NotBefore == nil || std.IssuedAt == nil {
		return nil, errors.New("assertion: exp, nbf and iat are required")
	}
	if std.Subject == "" {
		return nil, errors.New("assertion: sub is required")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{audience}, Time: now}, AssertionLeeway); err != nil {
		return nil, fmt.Errorf("assertion: %w", err)
	}
	if life := std.Expiry.Time().Sub(std.IssuedAt.Time()); life > MaxAssertionTTL || life <= 0 {
		return nil, fmt.Errorf("assertion: lifetime %v is outside 0..%v", life, MaxAssertionTTL)
	}
	return &AssertionClaims{
		Issuer: std.Issuer, Subject: std.Subject, Audience: []string(std.Audience),
		IssuedAt: std.IssuedAt.Time(), NotBefore: std.NotBefore.Time(), Expiry: std.Expiry.Time(),
		ID: std.ID, Name: extra.Name, Email: extra.Email, Groups: extra.Groups,
		App: extra.App, Agent: extra.Agent, RequestID: extra.RequestID,
	}, nil
}
