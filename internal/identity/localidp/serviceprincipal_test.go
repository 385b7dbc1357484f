package localidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/palisade-gw/palisade/internal/audit"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/bearer"
	"github.com/palisade-gw/palisade/internal/store"
	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

const spAudience = "palisade"

// spEnv is a provider with service principals, mounted at /idp with its
// token endpoint also at /oauth2/token, and an external OpenID issuer.
type spEnv struct {
	srv      *httptest.Server
	p        *Provider
	st       *sqlite.Store
	issuer   string
	secret   string // build-bot's
	argon    string // slow-bot's (argon2id hash)
	key      *ecdsa.PrivateKey
	ext      *extIssuer
	stranger *extIssuer // an issuer no service principal is federated with

	mu        sync.Mutex
	tokens    []TokenEvent // what OnToken saw
	recordErr error        // what OnToken returns
}

// tokenEvents returns the events OnToken saw since the last call.
func (e *spEnv) tokenEvents() []TokenEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.tokens
	e.tokens = nil
	return out
}

// spEnvOptions vary the test provider.
type spEnvOptions struct {
	dbPath  string // the SQLite database; in memory when empty
	onToken func(context.Context, TokenEvent) error
}

// extIssuer is a minimal OpenID issuer: discovery, JWKS and a signer.
type extIssuer struct {
	srv    *httptest.Server
	signer jose.Signer
}

func newExtIssuer(t *testing.T) *extIssuer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e := &extIssuer{}
	e.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "ext-1"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": e.srv.URL, "jwks_uri": e.srv.URL + "/keys",
			"authorization_endpoint": e.srv.URL + "/authorize", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "ext-1", Algorithm: "RS256", Use: "sig"}}})
	})
	return e
}

// token signs a JWT of this issuer for sub and aud.
func (e *extIssuer) token(t *testing.T, sub, aud string) string {
	t.Helper()
	now := time.Now()
	s, err := jwt.Signed(e.signer).Claims(jwt.Claims{Issuer: e.srv.URL, Subject: sub, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newSPEnv(t testing.TB) *spEnv { return newSPEnvOpts(t, spEnvOptions{}) }

func newSPEnvOpts(t testing.TB, o spEnvOptions) *spEnv {
	t.Helper()
	ctx := context.Background()
	if o.dbPath == "" {
		o.dbPath = ":memory:"
	}
	st, err := sqlite.Open(ctx, o.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	e := &spEnv{srv: srv, st: st, issuer: srv.URL + "/idp"}
	if tt, ok := t.(*testing.T); ok {
		e.ext, e.stranger = newExtIssuer(tt), newExtIssuer(tt)
	}
	onToken := o.onToken
	if onToken == nil {
		onToken = func(_ context.Context, ev TokenEvent) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.recordErr != nil {
				return e.recordErr
			}
			e.tokens = append(e.tokens, ev)
			return nil
		}
	}
	e.p, err = New(Options{Issuer: e.issuer, Store: st, ServiceAudiences: []string{spAudience},
		FederationHTTPClient: &http.Client{Timeout: 5 * time.Second}, OnToken: onToken})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/idp/", e.p.Handler())
	mux.Handle("POST "+TokenPath, e.p.TokenHandler())
	h = mux

	hasher, err := NewSecretHasher(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	secret, hash := hasher.NewSecret()
	e.secret = secret
	e.argon = "argon2id-secret-0123456789"
	argonHash, err := HashClientSecret(e.argon)
	if err != nil {
		t.Fatal(err)
	}
	e.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := json.Marshal(jose.JSONWebKey{Key: e.key.Public(), KeyID: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := ParsePublicKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	sps := []store.ServicePrincipal{
		{Name: "build-bot", Description: "Build robot", SecretHashes: []string{hash}},
		{Name: "slow-bot", SecretHashes: []string{argonHash}},
		{Name: "off", SecretHashes: []string{hash}, Disabled: true},
		{Name: "keyed", PublicKeys: jwks},
	}
	if e.ext != nil {
		sps = append(sps, store.ServicePrincipal{Name: "fed", Description: "Federated robot", Federation: []store.FederatedIdentity{
			{Issuer: e.ext.srv.URL, Subject: "repo:acme/app", Audience: "palisade-fed"}}})
	}
	for _, sp := range sps {
		sp.CreatedAt, sp.UpdatedAt = now, now
		if err := st.CreateServicePrincipal(ctx, sp); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// post sends a form to the token endpoint and returns the status and the
// decoded body.
func (e *spEnv) post(t testing.TB, endpoint string, form url.Values, user, pass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// accessTokens is the gateway's view of the provider's tokens.
func (e *spEnv) accessTokens(t *testing.T) *identity.AccessTokens {
	t.Helper()
	v, err := bearer.New([]bearer.Issuer{{Issuer: e.issuer, JWKSURL: e.issuer + "/keys", Audiences: []string{spAudience},
		Algorithms: []jose.SignatureAlgorithm{jose.RS256, jose.ES256}}})
	if err != nil {
		t.Fatal(err)
	}
	at, err := identity.NewAccessTokens(v, []identity.IssuerClaims{{Name: "local", Issuer: e.issuer, NameClaim: "name",
		GroupsClaim: "groups", ServicePrincipals: true}}, map[string]string{"sp:build-bot": "ci"})
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// claimsOf returns a JWT's claims, unverified.
func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := parsed.UnsafeClaimsWithoutVerification(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func wantOAuthError(t *testing.T, what string, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantCode {
		t.Errorf("%s: %d %v, want %d %s", what, status, body, wantStatus, wantCode)
	}
}

// Ensure a service principal gets a short-lived JWT with its secret, by
// HTTP Basic or in the form, at both token URLs, that the gateway's
// verifier maps to a KindService principal.
func TestServicePrincipalClientCredentials(t *testing.T) {
	e := newSPEnv(t)
	ctx := context.Background()
	at := e.accessTokens(t)
	for _, tc := range []struct {
		name  string
		url   string
		style oauth2.AuthStyle
	}{
		{"basic", e.issuer + "/oauth/token", oauth2.AuthStyleInHeader},
		{"post", e.issuer + "/oauth/token", oauth2.AuthStyleInParams},
		{"oauth2 route", e.srv.URL + TokenPath, oauth2.AuthStyleInHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := clientcredentials.Config{ClientID: "sp:build-bot", ClientSecret: e.secret, TokenURL: tc.url, AuthStyle: tc.style}
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if ttl := time.Until(tok.Expiry); ttl < 9*time.Minute || ttl > 11*time.Minute {
				t.Errorf("expires in %v, want about %v", ttl, DefaultServiceTokenTTL)
			}
			if jws, err := jose.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.ES256}); err != nil {
				t.Errorf("a service principal's token is not signed ES256 (the workload key ring): %v", err)
			} else if kid := jws.Signatures[0].Header.KeyID; kid == "" {
				t.Error("the token has no kid")
			}
			c := claimsOf(t, tok.AccessToken)
			if c["sub"] != "sp:build-bot" || c["client_id"] != "sp:build-bot" || c[KindClaim] != KindService || c["name"] != "Build robot" {
				t.Errorf("claims = %v", c)
			}
			pr, err := at.Authenticate(ctx, tok.AccessToken)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			want := identity.Principal{Kind: identity.KindService, Subject: "build-bot", Name: "Build robot", Issuer: "local",
				ClientID: "sp:build-bot", App: "ci"}
			if pr.Kind != want.Kind || pr.Subject != want.Subject || pr.Name != want.Name || pr.Issuer != want.Issuer ||
				pr.ClientID != want.ClientID || pr.App != want.App || pr.MFA || pr.Actor() != "sp:build-bot" {
				t.Errorf("principal = %+v, actor %q", pr, pr.Actor())
			}
		})
	}
	// An argon2id hash works too.
	cc := clientcredentials.Config{ClientID: "sp:slow-bot", ClientSecret: e.argon, TokenURL: e.issuer + "/oauth/token"}
	if _, err := cc.Token(ctx); err != nil {
		t.Errorf("argon2id secret: %v", err)
	}
}

// Ensure wrong secrets, unknown and disabled service principals get
// invalid_client (401), and other grants unsupported_grant_type.
func TestServicePrincipalRefusals(t *testing.T) {
	e := newSPEnv(t)
	tokenURL := e.issuer + "/oauth/token"
	cc := url.Values{"grant_type": {"client_credentials"}}
	for _, tc := range []struct{ what, user, pass string }{
		{"wrong secret", "sp:build-bot", "wrong-secret-0123456789"},
		{"old-style argon secret wrong", "sp:slow-bot", e.secret},
		{"disabled", "sp:off", e.secret},
		{"unknown", "sp:nobody", e.secret},
		{"no sp prefix", "build-bot", e.secret},
		{"keys only, no secret", "sp:keyed", ""},
	} {
		st, body := e.post(t, tokenURL, cc, tc.user, tc.pass)
		wantOAuthError(t, tc.what, st, body, http.StatusUnauthorized, "invalid_client")
	}
	st, body := e.post(t, tokenURL, url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, "sp:build-bot", e.secret)
	wantOAuthError(t, "password grant", st, body, http.StatusBadRequest, "unsupported_grant_type")
	st, body = e.post(t, tokenURL, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"x.y.z"}}, "", "")
	wantOAuthError(t, "jwt-bearer grant", st, body, http.StatusBadRequest, "unsupported_grant_type")

	// Discovery advertises the grants and methods.
	resp, err := http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Grants  []string `json:"grant_types_supported"`
		Methods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"} {
		if !slices.Contains(d.Grants, g) {
			t.Errorf("discovery grants %v lack %s", d.Grants, g)
		}
	}
	for _, m := range []string{"client_secret_basic", "client_secret_post", "private_key_jwt"} {
		if !slices.Contains(d.Methods, m) {
			t.Errorf("discovery auth methods %v lack %s", d.Methods, m)
		}
	}
}

// assertion signs a client assertion of sp:keyed.
func (e *spEnv) assertion(t *testing.T, aud, jti string, exp time.Time, key *ecdsa.PrivateKey) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(jwt.Claims{Issuer: "sp:keyed", Subject: "sp:keyed", Audience: jwt.Audience{aud}, ID: jti,
		IssuedAt: jwt.NewNumericDate(time.Now().Add(-time.Second)), Expiry: jwt.NewNumericDate(exp)}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Ensure private_key_jwt: a fresh assertion with the issuer or a token
// endpoint as audience gets a token; replayed, expired, far-future,
// wrongly addressed or wrongly signed ones get invalid_client.
func TestServicePrincipalPrivateKeyJWT(t *testing.T) {
	e := newSPEnv(t)
	tokenURL := e.issuer + "/oauth/token"
	form := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_assertion": {a},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
	}
	soon := time.Now().Add(2 * time.Minute)
	first := e.assertion(t, e.issuer, "jti-1", soon, e.key)
	st, body := e.post(t, tokenURL, form(first), "", "")
	if st != http.StatusOK {
		t.Fatalf("assertion: %d %v", st, body)
	}
	at := e.accessTokens(t)
	pr, err := at.Authenticate(context.Background(), body["access_token"].(string))
	if err != nil || pr.Kind != identity.KindService || pr.Subject != "keyed" {
		t.Errorf("principal %+v, %v", pr, err)
	}
	st, body = e.post(t, tokenURL, form(first), "", "")
	wantOAuthError(t, "replayed assertion", st, body, http.StatusUnauthorized, "invalid_client")

	for _, aud := range []string{tokenURL, e.srv.URL + TokenPath} {
		f := form(e.assertion(t, aud, "jti-aud-"+aud, soon, e.key))
		f.Set("client_id", "sp:keyed")
		if st, body := e.post(t, e.srv.URL+TokenPath, f, "", ""); st != http.StatusOK {
			t.Errorf("aud %s: %d %v", aud, st, body)
		}
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct{ what, a string }{
		{"expired", e.assertion(t, e.issuer, "jti-2", time.Now().Add(-time.Minute), e.key)},
		{"exp too far ahead", e.assertion(t, e.issuer, "jti-3", time.Now().Add(3*time.Hour), e.key)},
		{"wrong audience", e.assertion(t, "https://elsewhere.example", "jti-4", soon, e.key)},
		{"no jti", e.assertion(t, e.issuer, "", soon, e.key)},
		{"wrong key", e.assertion(t, e.issuer, "jti-5", soon, other)},
	} {
		st, body := e.post(t, tokenURL, form(tc.a), "", "")
		wantOAuthError(t, tc.what, st, body, http.StatusUnauthorized, "invalid_client")
	}
	// Assertion and secret at once.
	st, body = e.post(t, tokenURL, form(e.assertion(t, e.issuer, "jti-6", soon, e.key)), "sp:build-bot", e.secret)
	wantOAuthError(t, "two methods", st, body, http.StatusUnauthorized, "invalid_client")
}

// Ensure token exchange: a JWT of a federated identity gets the service
// principal's token; another subject, audience or issuer, or one of the
// provider's own tokens, gets invalid_grant.
func TestServicePrincipalTokenExchange(t *testing.T) {
	e := newSPEnv(t)
	tokenURL := e.issuer + "/oauth/token"
	exchange := func(subjectToken string) url.Values {
		return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "client_id": {"sp:fed"},
			"subject_token": {subjectToken}, "subject_token_type": {"urn:ietf:params:oauth:token-type:jwt"}}
	}
	st, body := e.post(t, tokenURL, exchange(e.ext.token(t, "repo:acme/app", "palisade-fed")), "", "")
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	tok := body["access_token"].(string)
	if body["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" {
		t.Errorf("issued_token_type = %v", body["issued_token_type"])
	}
	c := claimsOf(t, tok)
	if c["sub"] != "sp:fed" || c[KindClaim] != KindService || c[ClaimFederatedIssuer] != e.ext.srv.URL || c[ClaimFederatedSubject] != "repo:acme/app" {
		t.Errorf("claims = %v", c)
	}
	pr, err := e.accessTokens(t).Authenticate(context.Background(), tok)
	if err != nil || pr.Kind != identity.KindService || pr.Subject != "fed" || pr.Name != "Federated robot" {
		t.Errorf("principal %+v, %v", pr, err)
	}
	if evs := e.tokenEvents(); len(evs) != 1 || !evs[0].Success || evs[0].Grant != string(oidc.GrantTypeTokenExchange) ||
		evs[0].ClientID != "sp:fed" || evs[0].FederatedIssuer != e.ext.srv.URL || evs[0].FederatedSubject != "repo:acme/app" {
		t.Errorf("token exchange record: %+v", evs)
	}
	// HTTP Basic with an empty password names the client too.
	if st, body := e.post(t, e.srv.URL+TokenPath, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {e.ext.token(t, "repo:acme/app", "palisade-fed")}, "subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}},
		"sp:fed", ""); st != http.StatusOK {
		t.Errorf("exchange with Basic: %d %v", st, body)
	}

	// The provider's own token (a service principal's) is no federated identity.
	own, err := (&clientcredentials.Config{ClientID: "sp:build-bot", ClientSecret: e.secret, TokenURL: tokenURL}).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, tok, typ string }{
		{"wrong subject", e.ext.token(t, "repo:acme/evil", "palisade-fed"), ""},
		{"wrong audience", e.ext.token(t, "repo:acme/app", "other"), ""},
		{"unknown issuer", e.stranger.token(t, "repo:acme/app", "palisade-fed"), ""},
		{"own access token", own.AccessToken, "urn:ietf:params:oauth:token-type:access_token"},
		{"garbage", "not-a-jwt", ""},
	} {
		f := exchange(tc.tok)
		if tc.typ != "" {
			f.Set("subject_token_type", tc.typ)
		}
		st, body := e.post(t, tokenURL, f, "", "")
		wantOAuthError(t, tc.what, st, body, http.StatusBadRequest, "invalid_grant")
	}
	good := e.ext.token(t, "repo:acme/app", "palisade-fed")
	f := exchange(good)
	f.Set("audience", "https://elsewhere.example")
	st, body = e.post(t, tokenURL, f, "", "")
	wantOAuthError(t, "foreign audience", st, body, http.StatusBadRequest, "invalid_target")
	// A service principal without federation cannot exchange without its secret.
	f = exchange(good)
	f.Set("client_id", "sp:build-bot")
	st, body = e.post(t, tokenURL, f, "", "")
	wantOAuthError(t, "no federation", st, body, http.StatusUnauthorized, "invalid_client")
	// A disabled or unknown one cannot either.
	f.Set("client_id", "sp:nobody")
	st, body = e.post(t, tokenURL, f, "", "")
	wantOAuthError(t, "unknown", st, body, http.StatusUnauthorized, "invalid_client")
}

// Ensure public keys are read from a JWK, JWKS or PEM, and private keys
// refused.
func TestParsePublicKeys(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	priv, _ := json.Marshal(jose.JSONWebKey{Key: k})
	if _, err := ParsePublicKeys(priv); err == nil {
		t.Error("a private JWK was accepted")
	}
	pub, _ := json.Marshal(jose.JSONWebKey{Key: k.Public()})
	out, err := ParsePublicKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(out, &set); err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID == "" {
		t.Errorf("JWKS %s, %v", out, err)
	}
	if _, err := ParsePublicKeys([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); err == nil {
		t.Error("a PEM private key was accepted")
	}
}

// BenchmarkClientCredentials measures token issuance with a generated
// secret (keyed hash) and with an argon2id hash, over HTTP.
func BenchmarkClientCredentials(b *testing.B) {
	run := func(b *testing.B, e *spEnv, id, secret string) {
		form := url.Values{"grant_type": {"client_credentials"}}
		b.SetParallelism(16) // 16 × GOMAXPROCS clients at once
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if st, body := e.post(b, e.issuer+"/oauth/token", form, id, secret); st != http.StatusOK {
					b.Fatalf("%d %v", st, body)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	}
	e := newSPEnv(b)
	for _, bc := range []struct{ name, id, secret string }{
		{"hmac", "sp:build-bot", e.secret},
		{"argon2id", "sp:slow-bot", e.argon},
	} {
		b.Run(bc.name, func(b *testing.B) { run(b, e, bc.id, bc.secret) })
	}
	// As palisade serve runs it: each token's audit event made durable
	// (SQLite file, synchronous=FULL, group commit) before the token is
	// handed out.
	b.Run("hmac+durable-audit", func(b *testing.B) {
		var j *audit.Journal
		e := newSPEnvOpts(b, spEnvOptions{dbPath: filepath.Join(b.TempDir(), "idp.db"),
			onToken: func(ctx context.Context, ev TokenEvent) error {
				_, err := j.Record(ctx, audit.Event{Type: audit.TypeTokenIssued, Outcome: audit.OutcomeSuccess, Actor: ev.ClientID,
					Data: map[string]any{"grant": ev.Grant, "token_id": ev.TokenID, "expires_at": ev.ExpiresAt}})
				return err
			}})
		j = audit.NewJournal(e.st, audit.JournalOptions{})
		defer j.Close()
		b.ResetTimer()
		run(b, e, "sp:build-bot", e.secret)
	})
}

// Ensure every request for a service principal's token is reported to
// OnToken before its answer leaves: an issued token with its jti and
// lifetime, a refusal with its OAuth error and the claimed client ID only
// when it has a service principal's form; and that no token is handed out
// when the record fails (fail closed).
func TestServicePrincipalTokensAreRecorded(t *testing.T) {
	e := newSPEnv(t)
	tokenURL := e.issuer + "/oauth/token"
	cc := url.Values{"grant_type": {"client_credentials"}}

	st, body := e.post(t, tokenURL, cc, "sp:build-bot", e.secret)
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, body)
	}
	evs := e.tokenEvents()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(evs), evs)
	}
	jti, _ := claimsOf(t, body["access_token"].(string))["jti"].(string)
	if ev := evs[0]; !ev.Success || ev.Grant != "client_credentials" || ev.ClientID != "sp:build-bot" ||
		ev.TokenID == "" || ev.TokenID != jti || ev.ExpiresAt.Before(time.Now().Add(9*time.Minute)) || ev.ExpiresAt.After(time.Now().Add(11*time.Minute)) || ev.Error != "" || ev.RemoteAddr != "127.0.0.1" {
		t.Errorf("issued: %+v (jti %q)", ev, jti)
	}

	for _, tc := range []struct{ what, user, pass, wantClient string }{
		{"wrong secret", "sp:build-bot", "wrong-secret-0123456789", "sp:build-bot"},
		{"a secret typed as the client ID", "hunter2-not-a-client", e.secret, ""},
	} {
		st, body := e.post(t, tokenURL, cc, tc.user, tc.pass)
		wantOAuthError(t, tc.what, st, body, http.StatusUnauthorized, "invalid_client")
		evs := e.tokenEvents()
		if len(evs) != 1 || evs[0].Success || evs[0].Error != "invalid_client" || evs[0].ClientID != tc.wantClient || evs[0].TokenID != "" {
			t.Errorf("%s: events %+v", tc.what, evs)
		}
	}

	// Other grants at the same endpoint are not service principals' and
	// are not reported here.
	e.post(t, tokenURL, url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, "sp:build-bot", e.secret)
	if evs := e.tokenEvents(); len(evs) != 0 {
		t.Errorf("password grant reported: %+v", evs)
	}

	e.mu.Lock()
	e.recordErr = errors.New("audit log unavailable")
	e.mu.Unlock()
	st, body = e.post(t, tokenURL, cc, "sp:build-bot", e.secret)
	wantOAuthError(t, "record fails", st, body, http.StatusServiceUnavailable, "temporarily_unavailable")
	if _, ok := body["access_token"]; ok {
		t.Error("a token was handed out without its record")
	}
}
