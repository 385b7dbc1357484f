package bearer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/apperr"
)

const (
	testIssuer   = "https://idp.example.com/tenant"
	testAudience = "api://palisade"
)

var (
	rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _  = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
)

// idp is a JWKS endpoint whose keys tests can change, counting fetches.
type idp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetches atomic.Int64
	down    atomic.Bool
}

func newIDP(t testing.TB, keys ...jose.JSONWebKey) *idp {
	t.Helper()
	p := &idp{keys: keys}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		if p.down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		p.mu.Lock()
		set := jose.JSONWebKeySet{Keys: p.keys}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) setKeys(keys ...jose.JSONWebKey) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

func pub(key crypto.Signer, kid string, alg jose.SignatureAlgorithm) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key.Public(), KeyID: kid, Algorithm: string(alg), Use: "sig"}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	v   *Verifier
	idp *idp
	clk *clock
}

func newFixture(t testing.TB, mod func(*Issuer)) *fixture {
	t.Helper()
	p := newIDP(t, pub(rsaKey, "rsa-1", jose.RS256), pub(ecKey, "ec-1", jose.ES256))
	clk := &clock{t: time.Now()}
	cfg := Issuer{Issuer: testIssuer, JWKSURL: p.srv.URL + "/keys", Audiences: []string{testAudience}}
	if mod != nil {
		mod(&cfg)
	}
	v, err := New([]Issuer{cfg}, WithClock(clk.now), WithHTTPClient(p.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{v: v, idp: p, clk: clk}
}

// claims returns a valid access token's claims at now.
func (f *fixture) claims() map[string]any {
	now := f.clk.now()
	return map[string]any{
		"iss": testIssuer, "sub": "alice", "aud": testAudience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"azp": "hr-web", "amr": []string{"pwd", "otp"},
	}
}

func b64(v any) string {
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		b, _ = json.Marshal(x)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sign signs claims with key under alg, with extra header fields.
func sign(t testing.TB, key any, alg jose.SignatureAlgorithm, kid string, claims map[string]any, extra map[jose.HeaderKey]any) string {
	t.Helper()
	opts := &jose.SignerOptions{ExtraHeaders: map[jose.HeaderKey]any{}}
	if kid != "" {
		opts.ExtraHeaders["kid"] = kid
	}
	for k, v := range extra {
		opts.ExtraHeaders[k] = v
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantRefused(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("token accepted, want refusal %s", code)
	}
	e := apperr.As(err)
	if e.Code != code || e.Kind != apperr.KindUnauthenticated {
		t.Fatalf("refusal = %s/%s (%v), want unauthenticated/%s", e.Kind, e.Code, err, code)
	}
}

func TestValidTokens(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	for name, tok := range map[string]string{
		"RS256":             sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil),
		"ES256":             sign(t, ecKey, jose.ES256, "ec-1", f.claims(), nil),
		"typ at+jwt":        sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"typ": "at+jwt"}),
		"typ JWT":           sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"typ": "JWT"}),
		"aud array":         sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "aud", []string{"other", testAudience}), nil),
		"exp within leeway": sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "exp", f.clk.now().Add(-10*time.Second).Unix()), nil),
	} {
		c, err := f.v.Verify(ctx, tok)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if c.Subject != "alice" || c.AuthorizedParty != "hr-web" || strings.Join(c.AMR, ",") != "pwd,otp" {
			t.Errorf("%s: claims %+v", name, c)
		}
	}
	if n := f.idp.fetches.Load(); n != 1 {
		t.Errorf("key set fetched %d times, want once (cached)", n)
	}
}

func with(c map[string]any, k string, v any) map[string]any {
	c[k] = v
	return c
}

func without(c map[string]any, k string) map[string]any {
	delete(c, k)
	return c
}

// The JWT attack suite: each token must be refused with 401 and a stable
// code, quickly and without a crash.
func TestAttackSuite(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	now := f.clk.now()
	attacker, _ := rsa.GenerateKey(rand.Reader, 2048)
	attackerJWK := jose.JSONWebKey{Key: attacker.Public(), KeyID: "rsa-1", Algorithm: "RS256"}
	good := sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil)
	parts := strings.Split(good, ".")

	pubDER, _ := x509.MarshalPKIXPublicKey(rsaKey.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs := func(secret []byte, kid string) string {
		h := b64(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"})
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(h + "." + parts[1]))
		return h + "." + parts[1] + "." + b64(m.Sum(nil))
	}

	cases := []struct {
		name, token, code string
	}{
		{"HS256 keyed with the issuer's PEM public key", hs(pubPEM, "rsa-1"), apperr.CodeInvalidToken},
		{"HS256 keyed with the issuer's DER public key", hs(pubDER, "rsa-1"), apperr.CodeInvalidToken},
		{"HS256 keyed with the modulus", hs(rsaKey.N.Bytes(), "rsa-1"), apperr.CodeInvalidToken},
		{"kid path traversal", sign(t, rsaKey, jose.RS256, "../../../../dev/null", f.claims(), nil), apperr.CodeInvalidToken},
		{"kid SQL injection", sign(t, rsaKey, jose.RS256, "' OR '1'='1' --", f.claims(), nil), apperr.CodeInvalidToken},
		{"attacker jku", sign(t, attacker, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"jku": "https://attacker.example/keys"}), apperr.CodeInvalidToken},
		{"attacker x5u", sign(t, attacker, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"x5u": "https://attacker.example/cert.pem"}), apperr.CodeInvalidToken},
		{"attacker embedded jwk", sign(t, attacker, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"jwk": attackerJWK}), apperr.CodeInvalidToken},
		{"signed by another key under the issuer's kid", sign(t, attacker, jose.RS256, "rsa-1", f.claims(), nil), apperr.CodeInvalidToken},
		{"payload swapped after signing", parts[0] + "." + b64(with(f.claims(), "sub", "admin")) + "." + parts[2], apperr.CodeInvalidToken},
		{"RSA key used with an EC algorithm", sign(t, ecKey, jose.ES256, "rsa-1", f.claims(), nil), apperr.CodeInvalidToken},
		{"algorithm not allowed (RS512)", sign(t, rsaKey, jose.RS512, "rsa-1", f.claims(), nil), apperr.CodeInvalidToken},
		{"expired", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "exp", now.Add(-time.Hour).Unix()), nil), apperr.CodeTokenExpired},
		{"not yet valid", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "nbf", now.Add(time.Hour).Unix()), nil), apperr.CodeInvalidToken},
		{"issued in the future", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "iat", now.Add(time.Hour).Unix()), nil), apperr.CodeInvalidToken},
		{"no exp", sign(t, rsaKey, jose.RS256, "rsa-1", without(f.claims(), "exp"), nil), apperr.CodeInvalidToken},
		{"wrong iss", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "iss", "https://evil.example.com"), nil), apperr.CodeInvalidToken},
		{"iss differs by a trailing slash", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "iss", testIssuer+"/"), nil), apperr.CodeInvalidToken},
		{"wrong aud", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "aud", "api://other"), nil), apperr.CodeInvalidToken},
		{"aud array without ours", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "aud", []string{"a", "b"}), nil), apperr.CodeInvalidToken},
		{"no aud", sign(t, rsaKey, jose.RS256, "rsa-1", without(f.claims(), "aud"), nil), apperr.CodeInvalidToken},
		{"no sub", sign(t, rsaKey, jose.RS256, "rsa-1", without(f.claims(), "sub"), nil), apperr.CodeInvalidToken},
		{"ID token (nonce)", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "nonce", "n-0S6_WzA2Mj"), nil), apperr.CodeInvalidToken},
		{"ID token (at_hash)", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "at_hash", "77QmUPtjPfzWtF2AnpK9RQ"), nil), apperr.CodeInvalidToken},
		{"ID token (token_use)", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "token_use", "id"), nil), apperr.CodeInvalidToken},
		{"ID token (Keycloak typ claim)", sign(t, rsaKey, jose.RS256, "rsa-1", with(f.claims(), "typ", "ID"), nil), apperr.CodeInvalidToken},
		{"typ header of another kind", sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"typ": "secevent+jwt"}), apperr.CodeInvalidToken},
		{"not a JWT", "hello", apperr.CodeInvalidToken},
		{"empty parts", "..", apperr.CodeInvalidToken},
		{"JWE-shaped", "a.b.c.d.e", apperr.CodeInvalidToken},
		{"header not JSON", b64("{not json") + "." + parts[1] + "." + parts[2], apperr.CodeInvalidToken},
		{"claims not an object", parts[0] + "." + b64("[1,2]") + "." + parts[2], apperr.CodeInvalidToken},
		{"oversized", parts[0] + "." + strings.Repeat("A", maxTokenBytes) + "." + parts[2], apperr.CodeInvalidToken},
	}
	for _, casing := range []string{"none", "None", "NONE", "nOnE"} {
		h := b64(map[string]any{"alg": casing, "typ": "JWT", "kid": "rsa-1"})
		cases = append(cases,
			struct{ name, token, code string }{"alg " + casing + ", no signature", h + "." + parts[1] + ".", apperr.CodeInvalidToken},
			struct{ name, token, code string }{"alg " + casing + ", original signature", h + "." + parts[1] + "." + parts[2], apperr.CodeInvalidToken})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(ctx, tc.token)
			wantRefused(t, err, tc.code)
		})
	}
	// Two unknown key ids cost at most one refetch: the first fetch, plus
	// one for the first unknown kid; the rest fall in the cooldown.
	if n := f.idp.fetches.Load(); n > 2 {
		t.Errorf("key set fetched %d times during the suite, want at most 2", n)
	}
}

// Ensure an ID token typed as such, and an untyped token where the issuer
// requires RFC 9068 typing, are refused.
func TestRequireATJWT(t *testing.T) {
	f := newFixture(t, func(c *Issuer) { c.RequireATJWT = true })
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), map[jose.HeaderKey]any{"typ": "application/at+jwt"})); err != nil {
		t.Fatalf("application/at+jwt refused: %v", err)
	}
	for _, typ := range []any{nil, "JWT", "id+jwt"} {
		extra := map[jose.HeaderKey]any{}
		if typ != nil {
			extra["typ"] = typ
		}
		_, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), extra))
		wantRefused(t, err, apperr.CodeInvalidToken)
	}
}

// Ensure a flood of tokens with made-up key ids, concurrent, does not
// become a flood of key set fetches.
func TestUnknownKidFlood(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, fmt.Sprintf("made-up-%d", i), f.claims(), nil))
			if err == nil || apperr.As(err).Code != apperr.CodeInvalidToken {
				t.Errorf("kid %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	if n := f.idp.fetches.Load(); n > 2 {
		t.Fatalf("%d key set fetches for 200 unknown kids, want at most 2", n)
	}
	// After the cooldown, one more unknown kid may look again, once.
	f.clk.add(DefaultCooldown + time.Second)
	for i := 0; i < 20; i++ {
		f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "later-unknown", f.claims(), nil))
	}
	if n := f.idp.fetches.Load(); n > 3 {
		t.Fatalf("%d key set fetches after the cooldown, want at most 3", n)
	}
}

// Ensure a rotated key is picked up through the unknown-kid refetch, and a
// removed key stops working once the set is refreshed.
func TestKeyRotation(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil)); err != nil {
		t.Fatal(err)
	}
	next, _ := rsa.GenerateKey(rand.Reader, 2048)
	f.idp.setKeys(pub(next, "rsa-2", jose.RS256))
	f.clk.add(DefaultCooldown + time.Second)
	if _, err := f.v.Verify(ctx, sign(t, next, jose.RS256, "rsa-2", f.claims(), nil)); err != nil {
		t.Fatalf("token signed with the rotated key: %v", err)
	}
	_, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
}

// Ensure verification fails closed when the keys cannot be had, and that a
// failed scheduled refresh keeps the cached keys within the grace period.
func TestKeysUnavailable(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.idp.down.Store(true)
	_, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(apperr.As(err).Message, "unavailable") {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}

	// While the IdP is down, requests do not each ask it again.
	before := f.idp.fetches.Load()
	for i := 0; i < 50; i++ {
		f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil))
	}
	if n := f.idp.fetches.Load() - before; n != 0 {
		t.Fatalf("%d fetches within the failure backoff, want 0", n)
	}
	f.idp.down.Store(false)
	f.clk.add(DefaultCooldown + time.Second)
	if _, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil)); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	f.idp.down.Store(true)
	f.clk.add(2 * time.Hour) // past the cache lifetime, within the grace
	if _, err := f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil)); err != nil {
		t.Fatalf("cached keys within the grace period: %v", err)
	}
	f.clk.add(staleGrace)
	_, err = f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
}

// Ensure weak or unsuitable published keys are never used.
func TestWeakKeysIgnored(t *testing.T) {
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	f := newFixture(t, nil)
	f.idp.setKeys(pub(weak, "weak", jose.RS256), pub(edPriv, "ed", jose.EdDSA),
		jose.JSONWebKey{Key: rsaKey.Public(), KeyID: "enc", Use: "enc"})
	ctx := context.Background()
	_, err := f.v.Verify(ctx, sign(t, weak, jose.RS256, "weak", f.claims(), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
	_, err = f.v.Verify(ctx, sign(t, rsaKey, jose.RS256, "enc", f.claims(), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
	if _, err := f.v.Verify(ctx, sign(t, edPriv, jose.EdDSA, "ed", f.claims(), nil)); err != nil {
		t.Fatalf("EdDSA: %v", err)
	}
}

// Ensure a token without kid is accepted only when one key fits.
func TestNoKid(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.v.Verify(ctx, sign(t, ecKey, jose.ES256, "", f.claims(), nil)); err != nil {
		t.Fatalf("single EC key, no kid: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.idp.setKeys(pub(ecKey, "ec-1", jose.ES256), pub(other, "ec-2", jose.ES256))
	f.clk.add(2 * time.Hour)
	_, err := f.v.Verify(ctx, sign(t, ecKey, jose.ES256, "", f.claims(), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
}

func TestConfigRefused(t *testing.T) {
	for name, cfg := range map[string]Issuer{
		"no audience":      {Issuer: testIssuer, JWKSURL: "https://idp.example.com/keys"},
		"plain http":       {Issuer: testIssuer, JWKSURL: "http://idp.example.com/keys", Audiences: []string{"a"}},
		"HMAC algorithm":   {Issuer: testIssuer, JWKSURL: "https://idp.example.com/keys", Audiences: []string{"a"}, Algorithms: []jose.SignatureAlgorithm{jose.HS256}},
		"none algorithm":   {Issuer: testIssuer, JWKSURL: "https://idp.example.com/keys", Audiences: []string{"a"}, Algorithms: []jose.SignatureAlgorithm{"none"}},
		"leeway too large": {Issuer: testIssuer, JWKSURL: "https://idp.example.com/keys", Audiences: []string{"a"}, Leeway: time.Hour},
		"no issuer":        {JWKSURL: "https://idp.example.com/keys", Audiences: []string{"a"}},
	} {
		if _, err := New([]Issuer{cfg}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLifetime(t *testing.T) {
	for cc, want := range map[string]time.Duration{
		"":                     defaultKeyLifetime,
		"public, max-age=7200": 2 * time.Hour,
		"max-age=1":            minKeyLifetime,
		"max-age=99999999":     maxKeyLifetime,
		"no-cache":             defaultKeyLifetime,
		"max-age=abc":          defaultKeyLifetime,
	} {
		if got := lifetime(cc); got != want {
			t.Errorf("lifetime(%q) = %s, want %s", cc, got, want)
		}
	}
}

// BenchmarkVerify measures verifying a token whose key is cached.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []struct {
		name string
		key  any
		alg  jose.SignatureAlgorithm
		kid  string
	}{{"RS256", rsaKey, jose.RS256, "rsa-1"}, {"ES256", ecKey, jose.ES256, "ec-1"}} {
		b.Run(alg.name, func(b *testing.B) {
			f := newFixture(b, nil)
			tok := sign(b, alg.key, alg.alg, alg.kid, f.claims(), nil)
			ctx := context.Background()
			if _, err := f.v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.v.verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cached", func(b *testing.B) {
		f := newFixture(b, nil)
		tok := sign(b, rsaKey, jose.RS256, "rsa-1", f.claims(), nil)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Ensure a verified token is trusted from the cache for at most cacheTTL
// (then its signature is checked again) and never past its own expiry.
func TestVerifiedCache(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	tok := sign(t, rsaKey, jose.RS256, "rsa-1", f.claims(), nil)
	if _, err := f.v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	key := sha256.Sum256([]byte(tok))
	if _, ok := f.v.cache.get(key, f.clk.now().Add(cacheTTL-time.Second)); !ok {
		t.Fatal("a token verified just now is not cached")
	}
	if _, ok := f.v.cache.get(key, f.clk.now().Add(cacheTTL)); ok {
		t.Fatal("a token is trusted from the cache longer than cacheTTL")
	}
	next, _ := rsa.GenerateKey(rand.Reader, 2048)
	f.idp.setKeys(pub(next, "rsa-2", jose.RS256))
	f.clk.add(DefaultCooldown + time.Second)
	short := sign(t, next, jose.RS256, "rsa-2", with(f.claims(), "exp", f.clk.now().Add(10*time.Second).Unix()), nil)
	if _, err := f.v.Verify(ctx, short); err != nil {
		t.Fatal(err)
	}
	f.clk.add(10*time.Second + DefaultLeeway + time.Second)
	_, err := f.v.Verify(ctx, short)
	wantRefused(t, err, apperr.CodeTokenExpired)
}

// Ensure several issuers each verify with their own keys and rules: a
// token is judged by the issuer it names, and one issuer's key cannot sign
// for another.
func TestSeveralIssuers(t *testing.T) {
	staff := newIDP(t, pub(rsaKey, "staff", jose.RS256))
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	contractors := newIDP(t, pub(other, "contractors", jose.ES256))
	clk := &clock{t: time.Now()}
	v, err := New([]Issuer{
		{Issuer: "https://staff.example.com", JWKSURL: staff.srv.URL, Audiences: []string{testAudience}},
		{Issuer: "https://contractors.example.com", JWKSURL: contractors.srv.URL, Audiences: []string{testAudience}, Algorithms: []jose.SignatureAlgorithm{jose.ES256}},
	}, WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clk: clk}
	ctx := context.Background()
	c, err := v.Verify(ctx, sign(t, other, jose.ES256, "contractors", with(f.claims(), "iss", "https://contractors.example.com"), nil))
	if err != nil || c.Issuer != "https://contractors.example.com" {
		t.Fatalf("contractor token: %v %+v", err, c)
	}
	if _, err := v.Verify(ctx, sign(t, rsaKey, jose.RS256, "staff", with(f.claims(), "iss", "https://staff.example.com"), nil)); err != nil {
		t.Fatalf("staff token: %v", err)
	}
	// The staff key signing a token that claims the contractors' issuer:
	// refused by algorithm (RS256 is not on that issuer's list) and key.
	_, err = v.Verify(ctx, sign(t, rsaKey, jose.RS256, "staff", with(f.claims(), "iss", "https://contractors.example.com"), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
	_, err = v.Verify(ctx, sign(t, rsaKey, jose.RS256, "staff", with(f.claims(), "iss", "https://unknown.example.com"), nil))
	wantRefused(t, err, apperr.CodeInvalidToken)
}
