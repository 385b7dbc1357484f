package gateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/access"
	"github.com/palisade-gw/palisade/internal/access/conditional"
	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/identity"
	"github.com/palisade-gw/palisade/internal/identity/bearer"
)

const (
	corpIssuer   = "https://login.corp.example/tenant/v2.0"
	corpAudience = "api://palisade"
)

// corpIDP is an identity provider's signing key and published key set.
type corpIDP struct {
	key *rsa.PrivateKey
	srv *httptest.Server
}

func newCorpIDP(t testing.TB) *corpIDP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return &corpIDP{key: key, srv: srv}
}

// token signs an access token for sub with extra claims.
func (p *corpIDP) token(t testing.TB, sub string, extra map[string]any) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{"iss": corpIssuer, "aud": corpAudience, "sub": sub, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withUsers configures the corp issuer, a "spa" app known by its client
// id, and roles: every corp user uses echo; the hr group reads
// hr-confidential and uses slow.
func withUsers(t testing.TB, p *corpIDP) func(*Options) {
	return func(o *Options) {
		v, err := bearer.New([]bearer.Issuer{{Issuer: corpIssuer, JWKSURL: p.srv.URL, Audiences: []string{corpAudience}, Algorithms: []jose.SignatureAlgorithm{jose.RS256}}},
			bearer.WithHTTPClient(p.srv.Client()))
		if err != nil {
			t.Fatal(err)
		}
		users, err := identity.NewAccessTokens(v, []identity.IssuerClaims{{
			Name: "corp", Issuer: corpIssuer, NameClaim: "name", GroupsClaim: "groups", RolesClaim: "roles", MFAAMR: []string{"mfa"},
		}}, map[string]string{"spa-client": "spa"})
		if err != nil {
			t.Fatal(err)
		}
		o.Users = users
		o.Apps = append(o.Apps, AppInfo{Name: "spa", Agents: []string{"echo", "slow"}})
		o.Roles = append(o.Roles,
			access.Role{Name: "employee", AllUsers: true, Agents: []string{"echo"}},
			access.Role{Name: "hr-staff", Groups: []string{"corp:hr"}, Agents: []string{"slow"}, Labels: []string{"hr-confidential"}})
	}
}

func (e *testEnv) chat(t *testing.T, headers map[string]string, model string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"`+model+`","messages":[{"role":"user","content":"hello"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("status %d, body %q: %v", resp.StatusCode, b, err)
	}
	return resp, body
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// Ensure users' access tokens are accepted through a registered app, that
// roles from the token's groups decide what they may use and read, and
// that each refusal has its status, code and audit event.
func TestUserAccessTokens(t *testing.T) {
	idp := newCorpIDP(t)
	e := newTestEnv(t, withUsers(t, idp))
	bearerOf := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	alice := idp.token(t, "alice", map[string]any{"azp": "spa-client", "name": "Alice"})
	bob := idp.token(t, "bob", map[string]any{"azp": "spa-client", "groups": []string{"hr", "staff"}})
	noApp := idp.token(t, "carol", map[string]any{"azp": "unregistered-client"})

	tests := []struct {
		name    string
		headers map[string]string
		model   string
		status  int
		code    string
	}{
		{"a user through a registered client id", bearerOf(alice), "echo", 200, ""},
		{"a role is needed for each agent", bearerOf(alice), "slow", 403, apperr.CodePermissionDenied},
		{"a group grants its role", bearerOf(bob), "slow", 200, ""},
		{"the app must reach the agent", bearerOf(bob), "down", 403, apperr.CodeAppNotAllowed},
		{"a token of an unregistered client", bearerOf(noApp), "echo", 403, apperr.CodeAppNotRegistered},
		{"an app secret names the app", map[string]string{"Authorization": "Bearer " + noApp, AppSecretHeader: webSecret}, "echo", 200, ""},
		{"a wrong app secret", map[string]string{"Authorization": "Bearer " + noApp, AppSecretHeader: "nope"}, "echo", 401, apperr.CodeInvalidCredential},
		{"an app secret that contradicts the token's client", map[string]string{"Authorization": "Bearer " + alice, AppSecretHeader: webSecret}, "echo", 401, apperr.CodeInvalidCredential},
		{"an app secret beside an app secret", map[string]string{"Authorization": "Bearer " + webSecret, AppSecretHeader: webSecret}, "echo", 400, apperr.CodeInvalidRequest},
		{"a token of another issuer", bearerOf(strings.Replace(alice, ".", ".x", 1)), "echo", 401, apperr.CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.chat(t, tt.headers, tt.model)
			if resp.StatusCode != tt.status || errorCode(body) != tt.code {
				t.Fatalf("status %d code %q, want %d %q: %v", resp.StatusCode, errorCode(body), tt.status, tt.code, body)
			}
			if tt.status != 200 {
				id, _ := body["error"].(map[string]any)["audit_event_id"].(string)
				if id == "" {
					t.Fatalf("refusal without an audit event id: %v", body)
				}
				ev, err := e.store.GetAuditEvent(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(ev.Data), tt.code) {
					t.Errorf("audit event %s does not record the code: %s", id, ev.Data)
				}
			}
		})
	}

	// The agent is told what the caller may read: bob (hr) may read
	// hr-confidential, alice may not.
	_, _ = e.chat(t, bearerOf(alice), "echo")
	req := e.echo.last.Load()
	if req == nil || req.Readable([]string{"hr-confidential"}) || !req.Readable(nil) {
		t.Errorf("alice's request may read hr-confidential or nothing at all")
	}
	if req.User != "corp:alice" {
		t.Errorf("agent request user = %q, want corp:alice", req.User)
	}
	_, _ = e.chat(t, bearerOf(bob), "echo")
	if req := e.echo.last.Load(); !req.Readable([]string{"hr-confidential"}) || req.Readable([]string{"hr-confidential", "board"}) {
		t.Errorf("bob (hr) may not read hr-confidential, or may read board")
	}
	// The denial records the reason and the roles held.
	resp, body := e.chat(t, bearerOf(alice), "slow")
	id := body["error"].(map[string]any)["audit_event_id"].(string)
	ev, err := e.store.GetAuditEvent(t.Context(), id)
	if err != nil || resp.StatusCode != 403 {
		t.Fatal(resp.StatusCode, err)
	}
	var data map[string]any
	_ = json.Unmarshal(ev.Data, &data)
	if data["reason"] != access.ReasonNoRole || !slices.Equal(toStrings(data["roles"]), []string{"employee"}) || ev.Actor != "corp:alice" || ev.App != "spa" {
		t.Errorf("denial event = actor %q app %q data %v", ev.Actor, ev.App, data)
	}
}

// Ensure /v1/models lists only the agents the caller's app reaches and its
// roles allow.
func TestUserListModels(t *testing.T) {
	idp := newCorpIDP(t)
	e := newTestEnv(t, withUsers(t, idp))
	for _, tc := range []struct {
		tok  string
		want []string
	}{
		{idp.token(t, "alice", map[string]any{"azp": "spa-client"}), []string{"echo"}},
		{idp.token(t, "bob", map[string]any{"azp": "spa-client", "groups": "hr"}), []string{"echo", "slow"}},
	} {
		resp, b := e.do(t, http.MethodGet, "/v1/models", tc.tok, "", "")
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		_ = json.Unmarshal(b, &list)
		var got []string
		for _, m := range list.Data {
			got = append(got, m.ID)
		}
		if resp.StatusCode != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("models = %d %v, want %v", resp.StatusCode, got, tc.want)
		}
	}
}

// Ensure a JWT that is not a Direct Line token is refused with
// invalid_token when no identity provider is configured.
func TestUserTokenWithoutIssuers(t *testing.T) {
	idp := newCorpIDP(t)
	e := newTestEnv(t)
	resp, body := e.chat(t, map[string]string{"Authorization": "Bearer " + idp.token(t, "alice", nil)}, "echo")
	if resp.StatusCode != 401 || errorCode(body) != apperr.CodeInvalidToken {
		t.Fatalf("status %d code %q", resp.StatusCode, errorCode(body))
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// Ensure conditional access refuses with policy_denied and the policy's
// message, asks for a step-up with an RFC 9470 challenge that an MFA
// sign-in satisfies, and restricts what the agent may read by location.
func TestConditionalAccess(t *testing.T) {
	idp := newCorpIDP(t)
	ca, err := conditional.New(conditional.Options{
		Locations: []conditional.Location{{Name: "office", CIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
		Policies: []conditional.Policy{
			{Name: "blocked", When: `user == "corp:mallory"`, Action: conditional.Deny, Message: "Your account is under review."},
			{Name: "hr-mfa", When: `"corp:hr" in groups && agent == "slow"`, Action: conditional.RequireMFA,
				ACRValues: []string{"urn:corp:mfa"}, MaxAuthAge: time.Hour},
			{Name: "off-network", When: `!("office" in locations)`, Action: conditional.Restrict,
				Restrict: conditional.Restriction{DenyLabels: []string{"hr-confidential"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, withUsers(t, idp), func(o *Options) {
		o.Conditions = ca
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	auth := func(tok string, xff string) map[string]string {
		h := map[string]string{"Authorization": "Bearer " + tok}
		if xff != "" {
			h["X-Forwarded-For"] = xff
		}
		return h
	}
	resp, body := e.chat(t, auth(idp.token(t, "mallory", map[string]any{"azp": "spa-client"}), ""), "echo")
	if resp.StatusCode != 403 || errorCode(body) != apperr.CodePolicyDenied || !strings.Contains(body["error"].(map[string]any)["message"].(string), "under review") {
		t.Errorf("blocked user: %d %v", resp.StatusCode, body)
	}
	hana := map[string]any{"azp": "spa-client", "groups": []string{"hr"}}
	resp, body = e.chat(t, auth(idp.token(t, "hana", hana), ""), "slow")
	want := `Bearer realm="palisade", error="insufficient_user_authentication", error_description="A multi-factor sign-in is required", acr_values="urn:corp:mfa", max_age="3600"`
	if resp.StatusCode != 401 || errorCode(body) != apperr.CodeMFARequired || resp.Header.Get("WWW-Authenticate") != want {
		t.Errorf("step-up: %d %v %q", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
	stepped := map[string]any{"azp": "spa-client", "groups": []string{"hr"}, "amr": []string{"pwd", "mfa"}, "acr": "urn:corp:mfa", "auth_time": time.Now().Unix()}
	if resp, body := e.chat(t, auth(idp.token(t, "hana", stepped), ""), "slow"); resp.StatusCode != 200 {
		t.Errorf("after step-up: %d %v", resp.StatusCode, body)
	} else {
		// The record names the policies that applied to the decision, and
		// how long the request and the agent took.
		ev, err := e.store.GetAuditEvent(context.Background(), resp.Header.Get("X-Palisade-Audit-Id"))
		if err != nil {
			t.Fatal(err)
		}
		var data map[string]any
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatal(err)
		}
		_, lat := data["latency_ms"].(float64)
		_, ag := data["agent_ms"].(float64)
		if !slices.Equal(toStrings(data["policies"]), []string{"hr-mfa", "off-network"}) || !lat || !ag {
			t.Errorf("chat.completion data: %v", data)
		}
	}
	stale := map[string]any{"azp": "spa-client", "groups": []string{"hr"}, "amr": []string{"mfa"}, "acr": "urn:corp:mfa", "auth_time": time.Now().Add(-2 * time.Hour).Unix()}
	if resp, _ := e.chat(t, auth(idp.token(t, "hana", stale), ""), "slow"); resp.StatusCode != 401 {
		t.Errorf("an MFA sign-in older than max_age: %d", resp.StatusCode)
	}
	// From the office (through the trusted proxy) hana may read
	// hr-confidential; from elsewhere the label is withheld.
	for _, tc := range []struct {
		xff  string
		read bool
	}{{"10.1.2.3", true}, {"203.0.113.5", false}, {"", false}} {
		if resp, body := e.chat(t, auth(idp.token(t, "hana", hana), tc.xff), "echo"); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", tc.xff, resp.StatusCode, body)
		}
		if got := e.echo.last.Load().Readable([]string{"hr-confidential"}); got != tc.read {
			t.Errorf("from %q: may read hr-confidential = %v, want %v", tc.xff, got, tc.read)
		}
	}
}

// Ensure the client address is the peer's unless the peer is a trusted
// proxy, and then the nearest untrusted X-Forwarded-For hop.
func TestClientIP(t *testing.T) {
	g := &Gateway{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	tests := []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.1:5000", []string{"10.1.1.1"}, "203.0.113.1"},                      // untrusted peer: header ignored
		{"10.0.0.2:5000", []string{"198.51.100.7"}, "198.51.100.7"},                    // one trusted proxy
		{"10.0.0.2:5000", []string{"6.6.6.6, 198.51.100.7, 10.0.0.9"}, "198.51.100.7"}, // spoofed left-most hop ignored
		{"10.0.0.2:5000", []string{"6.6.6.6", "198.51.100.7"}, "198.51.100.7"},         // several header lines
		{"10.0.0.2:5000", nil, "10.0.0.2"},
		{"10.0.0.2:5000", []string{"not-an-ip"}, "invalid IP"},
		{"[::1]:5000", []string{"::ffff:192.0.2.1"}, "192.0.2.1"},
		{"[::ffff:203.0.113.1]:5000", nil, "203.0.113.1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := g.clientIP(r).String(); got != tt.want {
			t.Errorf("%s %v: got %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

// Ensure the JWT attack classes are refused at the API with 401
// invalid_token and an audit event, and the gateway keeps serving.
func TestUserTokenAttacks(t *testing.T) {
	idp := newCorpIDP(t)
	e := newTestEnv(t, withUsers(t, idp))
	good := idp.token(t, "alice", map[string]any{"azp": "spa-client"})
	parts := strings.Split(good, ".")
	b64 := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	payload := parts[1]
	pubDER, _ := x509.MarshalPKIXPublicKey(idp.key.Public())
	hsSigner, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pubDER}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	confused, _ := hsSigner.Sign(mustDecode(t, payload))
	confusedTok, _ := confused.CompactSerialize()
	now := time.Now()
	attacks := map[string]string{
		"alg none":                 b64(map[string]any{"alg": "none", "kid": "k1"}) + "." + payload + ".",
		"alg NoNe":                 b64(map[string]any{"alg": "NoNe", "kid": "k1"}) + "." + payload + "." + parts[2],
		"RS256 to HS256":           confusedTok,
		"kid path traversal":       b64(map[string]any{"alg": "RS256", "kid": "../../../../etc/passwd"}) + "." + payload + "." + parts[2],
		"attacker jku":             b64(map[string]any{"alg": "RS256", "kid": "k1", "jku": "https://attacker.example/keys"}) + "." + payload + "." + parts[2],
		"swapped payload":          parts[0] + "." + b64(map[string]any{"iss": corpIssuer, "aud": corpAudience, "sub": "admin", "azp": "spa-client", "exp": now.Add(time.Hour).Unix()}) + "." + parts[2],
		"expired":                  idp.token(t, "alice", map[string]any{"azp": "spa-client", "exp": now.Add(-time.Hour).Unix()}),
		"not yet valid":            idp.token(t, "alice", map[string]any{"azp": "spa-client", "nbf": now.Add(time.Hour).Unix()}),
		"wrong audience":           idp.token(t, "alice", map[string]any{"azp": "spa-client", "aud": "another-api"}),
		"ID token as access token": idp.token(t, "alice", map[string]any{"azp": "spa-client", "nonce": "n-1"}),
	}
	for name, tok := range attacks {
		t.Run(name, func(t *testing.T) {
			resp, body := e.chat(t, map[string]string{"Authorization": "Bearer " + tok}, "echo")
			code := errorCode(body)
			if resp.StatusCode != 401 || (code != apperr.CodeInvalidToken && code != apperr.CodeTokenExpired && code != apperr.CodeInvalidCredential) {
				t.Fatalf("status %d code %q: %v", resp.StatusCode, code, body)
			}
			if id, _ := body["error"].(map[string]any)["audit_event_id"].(string); id == "" {
				t.Error("no audit event id")
			}
		})
	}
	if resp, _ := e.chat(t, map[string]string{"Authorization": "Bearer " + good}, "echo"); resp.StatusCode != 200 {
		t.Fatalf("the gateway stopped serving the genuine token: %d", resp.StatusCode)
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Ensure the sign-in history feeds the risk of conditional access: failed
// sign-ins and a country the user has not signed in from raise it, and a
// failure to read the history refuses the request (fail closed).
func TestRiskSignals(t *testing.T) {
	idp := newCorpIDP(t)
	ca, err := conditional.New(conditional.Options{
		GeoIP:    fixedCountry("DE"),
		Policies: []conditional.Policy{{Name: "risky", When: `risk != "low"`, Action: conditional.Deny, Message: "Unusual sign-in."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	history := map[string]struct {
		failed    int
		countries []string
		err       error
	}{
		"corp:calm":     {0, []string{"DE"}, nil},
		"corp:guessed":  {4, []string{"DE"}, nil},
		"corp:traveler": {0, []string{"GB"}, nil},
		"corp:broken":   {0, nil, errors.New("database down")},
	}
	e := newTestEnv(t, withUsers(t, idp), func(o *Options) {
		o.Conditions = ca
		o.Signals = func(_ context.Context, pr identity.Principal) (int, []string, error) {
			h := history[pr.User()]
			return h.failed, h.countries, h.err
		}
	})
	for user, want := range map[string]int{"calm": 200, "guessed": 403, "traveler": 403, "broken": 503} {
		resp, body := e.chat(t, map[string]string{"Authorization": "Bearer " + idp.token(t, user, map[string]any{"azp": "spa-client"})}, "echo")
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d: %v", user, resp.StatusCode, want, body)
		}
	}
}

// fixedCountry is a GeoIP that places every address in one country.
type fixedCountry string

func (f fixedCountry) Country(netip.Addr) (string, error) { return string(f), nil }
