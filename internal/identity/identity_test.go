package identity

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestAppsAuthenticate(t *testing.T) {
	apps := NewApps(map[string][]string{
		"web":  {"s-web-0123456789abcdef0123456789abcdef", "s-web-rotated-0123456789abcdef01234567"},
		"tool": {"s-tool-0123456789abcdef0123456789abcdef"},
	})
	tests := []struct {
		name, secret, want string
		wantErr            error
	}{
		{"first secret", "s-web-0123456789abcdef0123456789abcdef", "web", nil},
		{"rotated secret also works", "s-web-rotated-0123456789abcdef01234567", "web", nil},
		{"other app", "s-tool-0123456789abcdef0123456789abcdef", "tool", nil},
		{"unknown secret", "nope", "", ErrInvalidCredential},
		{"empty", "", "", ErrInvalidCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apps.Authenticate(context.Background(), tt.secret)
			if got != tt.want || !errors.Is(err, tt.wantErr) && !(err == nil && tt.wantErr == nil) {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	for _, tt := range []struct{ name, header, want string }{
		{"bearer", "Bearer abc", "abc"},
		{"case-insensitive scheme", "bearer abc", "abc"},
		{"missing", "", ""},
		{"basic is refused", "Basic dXNlcjpwYXNz", ""},
		{"no token", "Bearer ", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BearerToken(tt.header)
			if got != tt.want || (tt.want == "") != (err != nil) {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestTokensRoundTrip(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tk, err := NewTokens(NewKey(), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	raw, exp, err := tk.Issue(TokenClaims{App: "web", Subject: "dl_u1", ConversationID: "c1"}, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(30 * time.Minute)) {
		t.Fatalf("exp %v", exp)
	}
	c, err := tk.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.App != "web" || c.Subject != "dl_u1" || c.ConversationID != "c1" {
		t.Fatalf("claims %+v", c)
	}
}

// Ensure forged, tampered, expired and wrong-algorithm tokens are refused.
func TestTokensRefused(t *testing.T) {
	now := time.Now()
	key := NewKey()
	tk, _ := NewTokens(key, func() time.Time { return now })
	good, _, _ := tk.Issue(TokenClaims{App: "web", Subject: "u", ConversationID: "c"}, time.Minute)
	other, _ := NewTokens(NewKey(), nil)
	forged, _, _ := other.Issue(TokenClaims{App: "web", Subject: "u", ConversationID: "c"}, time.Minute)
	expiredIssuer, _ := NewTokens(key, func() time.Time { return now.Add(-time.Hour) })
	expired, _, _ := expiredIssuer.Issue(TokenClaims{App: "web", Subject: "u", ConversationID: "c"}, time.Minute)
	parts := strings.Split(good, ".")
	noneTok := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
	hs512, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS512, Key: append(key, key...)}, nil)
	wrongAlg, _ := jwt.Signed(hs512).Claims(jwt.Claims{Issuer: tokenIssuer, Audience: jwt.Audience{tokenAudience}}).Serialize()

	for _, tt := range []struct {
		name, raw string
		want      error
	}{
		{"garbage", "not-a-jwt", ErrInvalidCredential},
		{"signed with another key", forged, ErrInvalidCredential},
		{"expired", expired, ErrTokenExpired},
		{"alg none", noneTok, ErrInvalidCredential},
		{"payload tampered", parts[0] + "." + parts[1] + "x." + parts[2], ErrInvalidCredential},
		{"algorithm not allowed", wrongAlg, ErrInvalidCredential},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tk.Verify(tt.raw); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
