package localidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/palisade-gw/palisade/internal/identity/bearer"
)

// rp is a relying party built on go-oidc and x/oauth2, as Palisade's
// gateway signs users in with any IdP.
type rp struct {
	provider *oidc.Provider
	cfg      *oauth2.Config
	ctx      context.Context
}

func newRP(t *testing.T, e *testEnv, clientID, secret, redirect string) *rp {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), e.srv.Client())
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &rp{provider: provider, ctx: ctx, cfg: &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Endpoint: provider.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", ScopeGroups, oidc.ScopeOfflineAccess},
	}}
}

// signIn runs the whole flow for the relying party and returns the tokens
// and the verified ID token.
func (r *rp) signIn(t *testing.T, e *testEnv, username, password, code string) (*oauth2.Token, *oidc.IDToken) {
	t.Helper()
	verifier, state, nonce := oauth2.GenerateVerifier(), "state-"+newID(), "nonce-"+newID()
	authURL := r.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	hc, _ := loginClient(e.srv.Client())
	cb, err := browserSignIn(r.ctx, hc, authURL, r.cfg.RedirectURL, username, password, code)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if got := cb.Query().Get("state"); got != state {
		t.Fatalf("state = %q, want %q", got, state)
	}
	tok, err := r.cfg.Exchange(r.ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.provider.Verifier(&oidc.Config{ClientID: r.cfg.ClientID}).Verify(r.ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != nonce {
		t.Fatalf("ID token nonce = %q, want %q", idt.Nonce, nonce)
	}
	return tok, idt
}

// accessClaims verifies an access token with go-oidc against the JWKS,
// for the audience aud, and returns its claims and header.
func (r *rp) accessClaims(t *testing.T, e *testEnv, token, aud string) (map[string]any, map[string]any) {
	t.Helper()
	ks := oidc.NewRemoteKeySet(r.ctx, e.issuer+"/keys")
	v := oidc.NewVerifier(e.issuer, ks, &oidc.Config{ClientID: aud, SupportedSigningAlgs: []string{"ES256", "RS256"}})
	at, err := v.Verify(r.ctx, token)
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	var claims map[string]any
	if err := at.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	hb, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var header map[string]any
	if err := json.Unmarshal(hb, &header); err != nil {
		t.Fatal(err)
	}
	return claims, header
}

func strs(v any) []string {
	var out []string
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

// Ensure a relying party on go-oidc signs a password user in with PKCE:
// ID token (nonce), access token JWT with the promised claims verified
// against the JWKS by go-oidc and by Palisade's bearer verifier, userinfo,
// refresh with rotation and reuse detection, and end_session.
func TestSignInPassword(t *testing.T) {
	e := newTestEnv(t, nil)
	r := newRP(t, e, publicClient, "", e.redirect)
	var meta struct {
		Methods []string `json:"code_challenge_methods_supported"`
		JWKS    string   `json:"jwks_uri"`
		EndSess string   `json:"end_session_endpoint"`
	}
	if err := r.provider.Claims(&meta); err != nil || !slices.Equal(meta.Methods, []string{"S256"}) ||
		meta.JWKS != e.issuer+"/keys" || meta.EndSess != e.issuer+"/end_session" {
		t.Errorf("discovery = %+v, %v", meta, err)
	}
	tok, idt := r.signIn(t, e, "Alice", alicePassword, "")

	var idc struct {
		Sub, Name, Email  string
		PreferredUsername string   `json:"preferred_username"`
		AMR               []string `json:"amr"`
		Groups            []string `json:"groups"`
		AtHash            string   `json:"at_hash"`
	}
	if err := idt.Claims(&idc); err != nil {
		t.Fatal(err)
	}
	if idc.Sub != "alice" || idc.Name != "Alice Example" || idc.Email != "alice@example.com" ||
		!slices.Equal(idc.AMR, []string{"pwd"}) || !slices.Equal(idc.Groups, []string{"hr", "staff"}) {
		t.Errorf("ID token claims = %+v", idc)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}

	claims, header := r.accessClaims(t, e, tok.AccessToken, publicClient)
	if header["alg"] != "RS256" || header["kid"] == "" || header["typ"] != "JWT" {
		t.Errorf("access token header = %v", header)
	}
	if claims["iss"] != e.issuer || claims["sub"] != "alice" || claims["client_id"] != publicClient ||
		claims["name"] != "Alice Example" || claims["exp"] == nil || claims["iat"] == nil {
		t.Errorf("access token claims = %v", claims)
	}
	if diff := cmp.Diff([]string{"pwd"}, strs(claims["amr"])); diff != "" {
		t.Errorf("amr (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hr", "staff"}, strs(claims["groups"])); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	for _, c := range []string{"nonce", "at_hash", "c_hash"} {
		if _, ok := claims[c]; ok {
			t.Errorf("the access token carries the ID token claim %s", c)
		}
	}
	if exp := time.Unix(int64(claims["exp"].(float64)), 0); time.Until(exp) > DefaultAccessTokenTTL+time.Minute || time.Until(exp) < DefaultAccessTokenTTL-time.Minute {
		t.Errorf("exp = %v, want about %v from now", exp, DefaultAccessTokenTTL)
	}

	// Palisade's own bearer verifier accepts it against the JWKS.
	bv, err := bearer.New([]bearer.Issuer{{Issuer: e.issuer, JWKSURL: e.issuer + "/keys", Audiences: []string{publicClient}}},
		bearer.WithHTTPClient(e.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	bc, err := bv.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatalf("bearer verifier: %v", err)
	}
	if bc.Subject != "alice" || !slices.Equal(bc.AMR, []string{"pwd"}) || bc.AuthorizedParty != publicClient {
		t.Errorf("bearer claims = %+v", bc)
	}
	// ...and refuses the ID token.
	if _, err := bv.Verify(context.Background(), tok.Extra("id_token").(string)); err == nil {
		t.Error("the bearer verifier accepted the ID token")
	}

	ui, err := r.provider.UserInfo(r.ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var uic struct {
		Groups []string `json:"groups"`
	}
	if err := ui.Claims(&uic); err != nil || ui.Subject != "alice" || ui.Email != "alice@example.com" || len(uic.Groups) != 2 {
		t.Errorf("userinfo = %+v %+v %v", ui, uic, err)
	}

	// Refresh: a new access token and a rotated refresh token.
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	tok2, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken {
		t.Fatal("the refresh token was not rotated")
	}
	c2, _ := r.accessClaims(t, e, tok2.AccessToken, publicClient)
	if c2["sub"] != "alice" || !slices.Equal(strs(c2["amr"]), []string{"pwd"}) {
		t.Errorf("refreshed access token claims = %v", c2)
	}
	// The old refresh token again: refused, and its family revoked.
	if _, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("a used refresh token was accepted again")
	}
	if _, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token family survived a reuse")
	}

	// end_session with the ID token revokes the refresh tokens and sends
	// the user to the registered post-logout URI with the state.
	tok3, _ := r.signIn(t, e, "alice", alicePassword, "")
	hc, _ := loginClient(e.srv.Client())
	q := url.Values{"id_token_hint": {tok3.Extra("id_token").(string)}, "post_logout_redirect_uri": {e.srv.URL + "/bye"}, "state": {"bye-1"}}
	resp, err := hc.Get(e.issuer + "/end_session?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != e.srv.URL+"/bye?state=bye-1" {
		t.Errorf("end_session = %d %q", resp.StatusCode, loc)
	}
	if _, err := r.cfg.TokenSource(r.ctx, &oauth2.Token{RefreshToken: tok3.RefreshToken}).Token(); err == nil {
		t.Error("a refresh token survived end_session")
	}
}

// Ensure a user with TOTP signs in with password and code (amr pwd+otp),
// and that a wrong or replayed code is refused.
func TestSignInTOTP(t *testing.T) {
	e := newTestEnv(t, nil)
	r := newRP(t, e, publicClient, "", e.redirect)
	code := e.bobCode(t, time.Now())
	tok, idt := r.signIn(t, e, "bob", bobPassword, code)
	var idc struct {
		AMR []string `json:"amr"`
	}
	_ = idt.Claims(&idc)
	if !slices.Equal(idc.AMR, []string{"pwd", "otp"}) {
		t.Errorf("ID token amr = %q", idc.AMR)
	}
	claims, _ := r.accessClaims(t, e, tok.AccessToken, publicClient)
	if diff := cmp.Diff([]string{"pwd", "otp"}, strs(claims["amr"])); diff != "" {
		t.Errorf("access token amr (-want +got):\n%s", diff)
	}

	// The same code again: refused, with the same message as a wrong one.
	_, errReplay := Login(context.Background(), e.srv.Client(), e.issuer, publicClient, e.redirect, "bob", bobPassword, code)
	if !errors.Is(errReplay, ErrLoginRefused) {
		t.Fatalf("replayed code: %v, want ErrLoginRefused", errReplay)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	_, errWrong := Login(context.Background(), e.srv.Client(), e.issuer, publicClient, e.redirect, "bob", bobPassword, wrong)
	if !errors.Is(errWrong, ErrLoginRefused) || errWrong.Error() != errReplay.Error() {
		t.Errorf("wrong code: %v; replayed code: %v; want the same refusal", errWrong, errReplay)
	}
	// Without a code the password alone does not do.
	if _, err := Login(context.Background(), e.srv.Client(), e.issuer, publicClient, e.redirect, "bob", bobPassword, ""); !errors.Is(err, ErrLoginRefused) {
		t.Errorf("no code: %v, want ErrLoginRefused", err)
	}
	var reasons []string
	for len(e.events) > 0 {
		if ev := <-e.events; !ev.Success {
			reasons = append(reasons, ev.Reason)
		}
	}
	if !slices.Contains(reasons, reasonReplay) || !slices.Contains(reasons, reasonBadTOTP) {
		t.Errorf("failure reasons in events = %q", reasons)
	}
}

// Ensure the Login helper drives the real flow and returns usable tokens.
func TestLoginHelper(t *testing.T) {
	e := newTestEnv(t, nil)
	tok, err := Login(context.Background(), e.srv.Client(), e.issuer, publicClient, e.redirect, "alice", alicePassword, "")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	bv, _ := bearer.New([]bearer.Issuer{{Issuer: e.issuer, JWKSURL: e.issuer + "/keys", Audiences: []string{publicClient}}},
		bearer.WithHTTPClient(e.srv.Client()))
	if c, err := bv.Verify(context.Background(), tok.AccessToken); err != nil || c.Subject != "alice" {
		t.Fatalf("bearer verify of Login's token: %+v, %v", c, err)
	}
	if tok.RefreshToken == "" || tok.Extra("id_token") == nil {
		t.Error("Login returned no refresh or ID token")
	}
}

// Ensure a confidential client (the gateway) signs in with its secret and
// gets tokens whose aud carries its configured audience, which a bearer
// verifier configured for that audience accepts.
func TestConfidentialClient(t *testing.T) {
	e := newTestEnv(t, nil)
	r := newRP(t, e, gwClient, gwSecret, e.gwRedirect)
	tok, _ := r.signIn(t, e, "alice", alicePassword, "")
	claims, _ := r.accessClaims(t, e, tok.AccessToken, apiAudience)
	if diff := cmp.Diff([]string{gwClient, apiAudience}, strs(claims["aud"])); diff != "" {
		t.Errorf("aud (-want +got):\n%s", diff)
	}
	bv, _ := bearer.New([]bearer.Issuer{{Issuer: e.issuer, JWKSURL: e.issuer + "/keys", Audiences: []string{apiAudience}}},
		bearer.WithHTTPClient(e.srv.Client()))
	if _, err := bv.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Errorf("bearer verify for %s: %v", apiAudience, err)
	}

	// A wrong secret is refused at the token endpoint.
	bad := *r
	cfg := *r.cfg
	cfg.ClientSecret = "not-the-secret-at-all"
	bad.cfg = &cfg
	verifier := oauth2.GenerateVerifier()
	hc, _ := loginClient(e.srv.Client())
	cb, err := browserSignIn(r.ctx, hc, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), cfg.RedirectURL, "alice", alicePassword, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Exchange(r.ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a wrong client secret was accepted")
	}
}

// Ensure a sign-in whose record cannot be written is refused: the login
// form answers 503 and no code is issued; once recording works again the
// same user signs in.
func TestSignInFailsClosedWithoutRecord(t *testing.T) {
	e := newTestEnv(t, nil)
	e.failRecords.Store(true)
	if _, err := Login(context.Background(), e.srv.Client(), e.issuer, publicClient, e.redirect, "alice", alicePassword, ""); err == nil {
		t.Fatal("a sign-in was completed without its record")
	}
	e.failRecords.Store(false)
	if _, err := Login(context.Background(), e.srv.Client(), e.issuer, publicClient, e.redirect, "alice", alicePassword, ""); err != nil {
		t.Fatalf("sign-in once recording works again: %v", err)
	}
}
