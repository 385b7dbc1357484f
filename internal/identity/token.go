package identity

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/palisade-gw/palisade/internal/apperr"
)

// TokenAlgorithm is the signature algorithm of Direct Line tokens. No
// identity provider's token is accepted with it (HMAC algorithms are not
// on any issuer's allow-list), so it tells the two kinds apart.
const TokenAlgorithm = "HS256"

// JWTAlgorithm returns the "alg" of a compact JWS without verifying
// anything, to pick the verifier that will; "" when s is not a JWS.
func JWTAlgorithm(s string) string {
	var h struct {
		Alg string `json:"alg"`
	}
	if !PeekJWT(s, 0, &h) {
		return ""
	}
	return h.Alg
}

// PeekJWT decodes part 0 (the header) or 1 (the claims) of a compact JWS
// into v WITHOUT verifying anything, to choose the verifier that will.
// It reports false when s is not a JWS or the part is not a JSON object of
// at most 8 KiB.
func PeekJWT(s string, part int, v any) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || part < 0 || part > 1 || len(parts[part]) > 8<<10 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[part])
	return err == nil && json.Unmarshal(b, v) == nil
}

const (
	tokenIssuer   = "palisade"
	tokenAudience = "palisade:directline"
)

// Tokens issues and verifies Direct Line tokens: short-lived HS256 JWTs,
// bound to one app, one user and one conversation, signed with a key shared
// by every replica.
type Tokens struct {
	signer jose.Signer
	key    []byte
	now    func() time.Time
}

// TokenClaims are what a Direct Line token asserts.
type TokenClaims struct {
	App            string
	Subject        string
	Name           string
	ConversationID string
	Expiry         time.Time
	// IssuedAt is when the token was issued (whole seconds), for
	// revocation.
	IssuedAt time.Time
}

// RevocationKeys are the keys under which a Direct Line token can be
// revoked (store.Revocations): all tokens of one user of one app, or all
// tokens of one conversation.
func (c TokenClaims) RevocationKeys() []string {
	return []string{UserRevocationKey(c.App, c.Subject), ConversationRevocationKey(c.ConversationID)}
}

// UserRevocationKey names the Direct Line tokens of one user of one app.
func UserRevocationKey(app, user string) string { return "directline-user:" + app + ":" + user }

// ConversationRevocationKey names the Direct Line tokens of one
// conversation.
func ConversationRevocationKey(conv string) string { return "directline-conversation:" + conv }

// ErrTokenRevoked refuses a token issued before its user or conversation
// was revoked.
var ErrTokenRevoked = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeTokenRevoked,
	Message: "This token has been revoked; get a new one."}

type dlClaims struct {
	jwt.Claims
	App  string `json:"app"`
	Conv string `json:"conv"`
	Name string `json:"name,omitempty"`
}

// NewTokens returns an issuer using key (at least 32 bytes). now may be nil.
func NewTokens(key []byte, now func() time.Time) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("identity: token key must be at least 32 bytes")
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("identity: token signer: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{signer: s, key: key, now: now}, nil
}

// Issue returns a signed token for c that lives for ttl, and its lifetime.
func (t *Tokens) Issue(c TokenClaims, ttl time.Duration) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl)
	cl := dlClaims{
		Claims: jwt.Claims{
			Issuer:   tokenIssuer,
			Audience: jwt.Audience{tokenAudience},
			Subject:  c.Subject,
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(exp),
			ID:       randomHex(12),
		},
		App:  c.App,
		Conv: c.ConversationID,
		Name: c.Name,
	}
	s, err := jwt.Signed(t.signer).Claims(cl).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("identity: sign token: %w", err)
	}
	return s, exp, nil
}

// Verify checks a token's signature, algorithm, issuer, audience and
// lifetime. Returns ErrTokenExpired or ErrInvalidCredential.
func (t *Tokens) Verify(raw string) (TokenClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return TokenClaims{}, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeInvalidCredential, "%s", ErrInvalidCredential.Message)
	}
	var cl dlClaims
	if err := tok.Claims(t.key, &cl); err != nil {
		return TokenClaims{}, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeInvalidCredential, "%s", ErrInvalidCredential.Message)
	}
	err = cl.Claims.ValidateWithLeeway(jwt.Expected{
		Issuer:      tokenIssuer,
		AnyAudience: jwt.Audience{tokenAudience},
		Time:        t.now(),
	}, 5*time.Second)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return TokenClaims{}, ErrTokenExpired
	case err != nil:
		return TokenClaims{}, apperr.Wrap(err, apperr.KindUnauthenticated, apperr.CodeInvalidCredential, "%s", ErrInvalidCredential.Message)
	}
	if cl.App == "" || cl.Conv == "" || cl.Expiry == nil || cl.IssuedAt == nil {
		return TokenClaims{}, ErrInvalidCredential
	}
	return TokenClaims{App: cl.App, Subject: cl.Subject, Name: cl.Name, ConversationID: cl.Conv, Expiry: cl.Expiry.Time(),
		IssuedAt: cl.IssuedAt.Time()}, nil
}

// NewKey returns 32 random bytes for a token key.
func NewKey() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("identity: crypto/rand failed: %v", err))
	}
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("identity: crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

// RandomID returns a random identifier with the given prefix, for
// conversation and user ids.
func RandomID(prefix string) string { return prefix + randomHex(12) }

// sessionAudience marks the short-lived tokens that let Palisade's own
// page call the API on behalf of a browser session.
const sessionAudience = "palisade:session"

type sessionClaims struct {
	jwt.Claims
	App string `json:"app"`
	SID string `json:"sid"`
}

// IssueSession returns a token for the browser session sid, through app,
// that lives for ttl. It names the session only: every use looks the
// session up, so revoking the session stops the token at once.
func (t *Tokens) IssueSession(app, sid string, ttl time.Duration) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl)
	cl := sessionClaims{
		Claims: jwt.Claims{Issuer: tokenIssuer, Audience: jwt.Audience{sessionAudience}, IssuedAt: jwt.NewNumericDate(now),
			Expiry: jwt.NewNumericDate(exp), ID: randomHex(12)},
		App: app, SID: sid,
	}
	s, err := jwt.Signed(t.signer).Claims(cl).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("identity: sign session token: %w", err)
	}
	return s, exp, nil
}

// VerifySession checks a session token and returns its app and session
// id. Returns ErrTokenExpired or ErrInvalidCredential.
func (t *Tokens) VerifySession(raw string) (app, sid string, err error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return "", "", ErrInvalidCredential
	}
	var cl sessionClaims
	if err := tok.Claims(t.key, &cl); err != nil {
		return "", "", ErrInvalidCredential
	}
	err = cl.Claims.ValidateWithLeeway(jwt.Expected{Issuer: tokenIssuer, AnyAudience: jwt.Audience{sessionAudience}, Time: t.now()}, 5*time.Second)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return "", "", ErrTokenExpired
	case err != nil || cl.App == "" || cl.SID == "" || cl.Expiry == nil:
		return "", "", ErrInvalidCredential
	}
	return cl.App, cl.SID, nil
}

// IsSessionToken reports, without verifying it, whether raw claims to be
// a session token (to pick the verifier that will check it).
func IsSessionToken(raw string) bool {
	var c struct {
		Aud any `json:"aud"`
	}
	if !PeekJWT(raw, 1, &c) {
		return false
	}
	switch a := c.Aud.(type) {
	case string:
		return a == sessionAudience
	case []any:
		return len(a) == 1 && a[0] == sessionAudience
	}
	return false
}
