package tools

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestVerifyAssertion(t *testing.T) {
	now := time.Now()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := NewSigner(priv, "k1", testIssuer, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	keys := signer.JWKS()
	good, err := signer.Assertion(alice, testAudience, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := VerifyAssertion(good, keys, testIssuer, testAudience, now); err != nil || c.Subject != "local:alice" {
		t.Fatalf("valid assertion refused: %v", err)
	}
	// Leeway: 20s after expiry still accepted, 40s refused.
	if _, err := VerifyAssertion(good, keys, testIssuer, testAudience, now.Add(DefaultAssertionTTL+20*time.Second)); err != nil {
		t.Errorf("within leeway: %v", err)
	}

	other, _ := newTestSigner(t, "k1", func() time.Time { return now }) // same kid, different key
	forged, _ := other.Assertion(alice, testAudience, 0)
	old, _ := NewSigner(priv, "k1", testIssuer, func() time.Time { return now.Add(-time.Hour) })
	expired, _ := old.Assertion(alice, testAudience, 0)

	cases := map[string]struct {
		token            string
		issuer, audience string
		at               time.Time
		want             string
	}{
		"wrong audience":  {good, testIssuer, "payroll-api", now, "audience"},
		"wrong issuer":    {good, "https://evil.test", testAudience, now, "issuer"},
		"expired":         {good, testIssuer, testAudience, now.Add(DefaultAssertionTTL + 40*time.Second), "expired"},
		"expired at iss":  {expired, testIssuer, testAudience, now, "expired"},
		"not yet valid":   {good, testIssuer, testAudience, now.Add(-time.Minute), "not valid yet"},
		"other key":       {forged, testIssuer, testAudience, now, "signature"},
		"access token":    {signRaw(t, priv, "at+jwt", now, time.Minute), testIssuer, testAudience, now, "at+jwt"},
		"plain JWT":       {signRaw(t, priv, "JWT", now, time.Minute), testIssuer, testAudience, now, "token type"},
		"too long-lived":  {signRaw(t, priv, AssertionType, now, 2*time.Hour), testIssuer, testAudience, now, "lifetime"},
		"garbage":         {"not.a.jwt", testIssuer, testAudience, now, "malformed"},
		"empty audience":  {good, testIssuer, "", now, "must be set"},
		"tampered claims": {tamper(good), testIssuer, testAudience, now, "signature"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := VerifyAssertion(tc.token, keys, tc.issuer, tc.audience, tc.at)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// signRaw signs a valid-looking assertion with the signer's key but the given
// typ header and lifetime, to test that typ and lifetime are enforced.
func signRaw(t *testing.T, priv ed25519.PrivateKey, typ string, now time.Time, life time.Duration) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: priv, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: testIssuer, Subject: "local:alice", Audience: jwt.Audience{testAudience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(life))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tamper changes the payload of a compact JWS, keeping the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = strings.Replace(parts[1], parts[1][:4], "eyJz", 1)
	return strings.Join(parts, ".")
}

func TestKeyRotation(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	oldSigner, oldPub := newTestSigner(t, "2025-01", clock)
	oldTok, _ := oldSigner.Assertion(alice, testAudience, 0)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	newSigner, err := NewSigner(key, "2025-02", testIssuer, clock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyAssertion(oldTok, newSigner.JWKS(), testIssuer, testAudience, now); err == nil {
		t.Fatal("old key verified before it was added")
	}
	if err := newSigner.AddPrevious(oldPub, "2025-01"); err != nil {
		t.Fatal(err)
	}
	if err := newSigner.AddPrevious(oldPub, "2025-02"); err == nil {
		t.Error("duplicate key id accepted")
	}
	// Fetched over HTTP, like a downstream API would.
	srv := httptest.NewServer(newSigner.JWKSHandler())
	defer srv.Close()
	keys := fetchJWKS(t, srv.URL)
	if len(keys.Keys) != 2 || keys.Keys[0].KeyID != "2025-02" || keys.Keys[0].Algorithm != "ES256" || keys.Keys[1].Algorithm != "EdDSA" {
		t.Fatalf("JWKS %+v", keys.Keys)
	}
	for _, k := range keys.Keys {
		if !k.IsPublic() {
			t.Fatal("JWKS contains private key material")
		}
	}
	if _, err := VerifyAssertion(oldTok, keys, testIssuer, testAudience, now); err != nil {
		t.Errorf("previous key no longer verifies: %v", err)
	}
	newTok, err := newSigner.Assertion(alice, testAudience, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := VerifyAssertion(newTok, keys, testIssuer, testAudience, now); err != nil || c.Expiry.Sub(c.IssuedAt) != 30*time.Second {
		t.Errorf("current key: %v", err)
	}
	raw, _ := jose.ParseSigned(newTok, assertionAlgs)
	if raw.Signatures[0].Header.KeyID != "2025-02" || raw.Signatures[0].Header.ExtraHeaders[jose.HeaderType] != AssertionType {
		t.Errorf("header %+v", raw.Signatures[0].Header)
	}
}

func TestNewSignerRefusesBadKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, err := NewSigner(p384, "k", testIssuer, nil); err == nil {
		t.Error("P-384 accepted")
	}
	if _, err := NewSigner(rsaKey, "k", testIssuer, nil); err == nil {
		t.Error("RSA accepted")
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := NewSigner(p256, "", testIssuer, nil); err == nil {
		t.Error("empty key id accepted")
	}
	if _, err := NewSigner(p256, "k", "", nil); err == nil {
		t.Error("empty issuer accepted")
	}
	s, _ := NewSigner(p256, "k", testIssuer, nil)
	if _, err := s.Assertion(Caller{}, "a", 0); err == nil {
		t.Error("assertion without subject")
	}
	if _, err := s.Assertion(alice, "a", time.Hour); err == nil {
		t.Error("hour-long assertion")
	}
}
