package localidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"golang.org/x/oauth2"

	"github.com/palisade-gw/palisade/internal/store"
)

var b64u = base64.RawURLEncoding

// softAuthenticator is a passkey authenticator in software: one P-256
// credential, "none" attestation, a sign count, and flags the test sets.
type softAuthenticator struct {
	rpID, origin string
	key          *ecdsa.PrivateKey
	credID       []byte
	userHandle   []byte // set by create; a test may change it
	count        uint32
	noUV         bool
}

func newSoftAuthenticator(t *testing.T, e *testEnv) *softAuthenticator {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.issuer)
	return &softAuthenticator{rpID: u.Hostname(), origin: u.Scheme + "://" + u.Host, key: k, credID: randomBytes(32)}
}

func (a *softAuthenticator) flags(attested bool) byte {
	f := byte(0x01) // UP
	if !a.noUV {
		f |= 0x04
	}
	if attested {
		f |= 0x40
	}
	return f
}

func (a *softAuthenticator) clientData(t *testing.T, typ, challenge string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pubOptions decodes the options a page hands to navigator.credentials.
type pubOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"user"`
		UserVerification       string `json:"userVerification"`
		AuthenticatorSelection struct {
			ResidentKey      string `json:"residentKey"`
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		ExcludeCredentials []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
	} `json:"publicKey"`
}

func parseOptions(t *testing.T, raw string) pubOptions {
	t.Helper()
	var o pubOptions
	if err := json.Unmarshal([]byte(raw), &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("passkey options %q: %v", raw, err)
	}
	return o
}

// create answers navigator.credentials.create with the options.
func (a *softAuthenticator) create(t *testing.T, options string) string {
	t.Helper()
	o := parseOptions(t, options)
	handle, err := b64u.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		t.Fatalf("user.id %q: %v", o.PublicKey.User.ID, err)
	}
	a.userHandle = handle
	cd := a.clientData(t, "webauthn.create", o.PublicKey.Challenge)
	rpHash := sha256.Sum256([]byte(a.rpID))
	ad := append(rpHash[:], a.flags(true))
	ad = binary.BigEndian.AppendUint32(ad, a.count)
	ad = append(ad, make([]byte, 16)...) // AAGUID
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(a.credID)))
	ad = append(ad, a.credID...)
	pub, err := a.key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         1, XCoord: pub[1:33], YCoord: pub[33:],
	})
	if err != nil {
		t.Fatal(err)
	}
	ad = append(ad, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64u.EncodeToString(a.credID), "rawId": b64u.EncodeToString(a.credID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64u.EncodeToString(cd), "attestationObject": b64u.EncodeToString(att),
			"transports": []string{"internal"},
		},
	})
}

// get answers navigator.credentials.get with the options, counting one
// more use.
func (a *softAuthenticator) get(t *testing.T, options string) string {
	t.Helper()
	o := parseOptions(t, options)
	a.count++
	cd := a.clientData(t, "webauthn.get", o.PublicKey.Challenge)
	rpHash := sha256.Sum256([]byte(a.rpID))
	ad := append(rpHash[:], a.flags(false))
	ad = binary.BigEndian.AppendUint32(ad, a.count)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(slices.Clone(ad), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64u.EncodeToString(a.credID), "rawId": b64u.EncodeToString(a.credID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64u.EncodeToString(cd), "authenticatorData": b64u.EncodeToString(ad),
			"signature": b64u.EncodeToString(sig), "userHandle": b64u.EncodeToString(a.userHandle),
		},
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pkFlow is one authorization request of the public client, played by
// an HTTP client with a cookie jar.
type pkFlow struct {
	e        *testEnv
	r        *rp
	hc       *http.Client
	state    string
	nonce    string
	verifier string
	page     string // the last page's body
	resp     *http.Response
}

var (
	formRE    = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"([^>]*)>(.*?)</form>`)
	inputRE   = regexp.MustCompile(`<input type="hidden" name="([A-Za-z]+)" value="([^"]*)">`)
	optionsRE = regexp.MustCompile(`data-options="([^"]*)"`)
)

// startPKFlow opens the authorization URL and lands on the login page.
func startPKFlow(t *testing.T, e *testEnv) *pkFlow {
	t.Helper()
	hc, err := loginClient(e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	f := &pkFlow{e: e, r: newRP(t, e, publicClient, "", e.redirect), hc: hc,
		state: "st-" + newID(), nonce: "n-" + newID(), verifier: oauth2.GenerateVerifier()}
	f.do(t, http.MethodGet, f.r.cfg.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier), oidc.Nonce(f.nonce)), nil)
	if f.resp.StatusCode != http.StatusOK || !strings.Contains(f.page, `name="step" value="password"`) {
		t.Fatalf("authorize led to %d: %s", f.resp.StatusCode, f.page)
	}
	return f
}

// do sends a request and follows redirects up to the relying party's.
func (f *pkFlow) do(t *testing.T, method, u string, form url.Values) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", f.e.issuer[:strings.LastIndex(f.e.issuer, "/idp")])
	}
	for range 10 {
		resp, err := f.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		f.resp, f.page = resp, string(b)
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 || loc == "" {
			return
		}
		next, _ := resp.Request.URL.Parse(loc)
		if strings.HasPrefix(next.String(), f.e.redirect) {
			f.page = next.String()
			return
		}
		req, _ = http.NewRequest(http.MethodGet, next.String(), nil)
	}
	t.Fatal("too many redirects")
}

// form returns the fields of the page's form whose attributes contain
// attr ("" for the first form), and the options of its passkey button.
func (f *pkFlow) form(t *testing.T, attr string) (url.Values, string) {
	t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(f.page, -1) {
		if attr != "" && !strings.Contains(m[2], attr) {
			continue
		}
		v := url.Values{}
		for _, in := range inputRE.FindAllStringSubmatch(m[3], -1) {
			v.Set(in[1], html.UnescapeString(in[2]))
		}
		opts := ""
		if o := optionsRE.FindStringSubmatch(m[3]); o != nil {
			opts = html.UnescapeString(o[1])
		}
		return v, opts
	}
	t.Fatalf("no form %q on the page: %s", attr, f.page)
	return nil, ""
}

// post sends the form to the login endpoint.
func (f *pkFlow) post(t *testing.T, v url.Values) {
	t.Helper()
	f.do(t, http.MethodPost, f.e.issuer+loginPath, v)
}

// tokens checks the flow reached the redirect URI and exchanges its code,
// returning the ID token's subject and amr.
func (f *pkFlow) tokens(t *testing.T) (string, []string) {
	t.Helper()
	if !strings.HasPrefix(f.page, f.e.redirect+"?") {
		t.Fatalf("not at the redirect URI: %d %s", f.resp.StatusCode, f.page)
	}
	u, _ := url.Parse(f.page)
	if u.Query().Get("state") != f.state {
		t.Fatalf("state %q", u.Query().Get("state"))
	}
	tok, err := f.r.cfg.Exchange(f.r.ctx, u.Query().Get("code"), oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := f.r.provider.Verifier(&oidc.Config{ClientID: publicClient}).Verify(f.r.ctx, raw)
	if err != nil || idt.Nonce != f.nonce {
		t.Fatalf("ID token: %v", err)
	}
	var c struct {
		AMR []string `json:"amr"`
	}
	_ = idt.Claims(&c)
	at, _ := f.r.accessClaims(t, f.e, tok.AccessToken, publicClient)
	if got := strs(at["amr"]); !slices.Equal(got, c.AMR) {
		t.Errorf("access token amr %q, ID token amr %q", got, c.AMR)
	}
	return idt.Subject, c.AMR
}

// alert returns the page's error message.
func (f *pkFlow) alert() string {
	if m := alertRE.FindStringSubmatch(f.page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// registerBob signs bob in with password and code, asks to add a passkey
// and registers a's credential under name, returning the flow at the
// redirect URI.
func registerBob(t *testing.T, e *testEnv, a *softAuthenticator, name string) *pkFlow {
	t.Helper()
	f := startPKFlow(t, e)
	v, _ := f.form(t, "")
	v.Set("username", "bob")
	v.Set("password", bobPassword)
	f.post(t, v)
	if !strings.Contains(f.page, `name="addPasskey"`) {
		t.Fatalf("the code step offers no passkey: %s", f.page)
	}
	v, _ = f.form(t, "")
	v.Set("code", e.bobCode(t, time.Now()))
	v.Set("addPasskey", "1")
	f.post(t, v)
	if f.resp.StatusCode != http.StatusOK || !strings.Contains(f.page, `value="passkey-register"`) {
		t.Fatalf("after the code with addPasskey: %d %s", f.resp.StatusCode, f.page)
	}
	csp := f.resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("registration page CSP %q, want script-src 'self' only", csp)
	}
	v, opts := f.form(t, "")
	o := parseOptions(t, opts)
	if o.PublicKey.RP.ID != "localhost" || o.PublicKey.User.Name != "bob" ||
		o.PublicKey.AuthenticatorSelection.UserVerification != "required" || o.PublicKey.AuthenticatorSelection.ResidentKey != "preferred" {
		t.Errorf("creation options %+v: want rp localhost, user bob, UV required, resident key preferred", o.PublicKey)
	}
	v.Set("credential", a.create(t, opts))
	v.Set("name", name)
	f.post(t, v)
	return f
}

// Ensure a user who signed in with password and code can add a passkey
// and then sign in with it alone: user verification required, amr
// hwk+user+mfa, the sign count and last use stored.
func TestPasskeyRegisterAndSignIn(t *testing.T) {
	e := newTestEnvOn(t, nil, true)
	a := newSoftAuthenticator(t, e)
	f := registerBob(t, e, a, "  Bob's   laptop ")
	if sub, amr := f.tokens(t); sub != "bob" || !slices.Equal(amr, []string{"pwd", "otp"}) {
		t.Errorf("registration sign-in: %q with amr %q, want bob with pwd+otp", sub, amr)
	}
	pks, err := e.p.Directory().Passkeys(context.Background(), "bob")
	if err != nil || len(pks) != 1 {
		t.Fatalf("bob's passkeys: %+v, %v", pks, err)
	}
	if pks[0].Name != "Bob's laptop" || pks[0].ID != b64u.EncodeToString(a.credID) || !pks[0].LastUsedAt.IsZero() ||
		!slices.Equal(pks[0].Transports, []string{"internal"}) {
		t.Errorf("stored passkey %+v", pks[0])
	}
	if acct, _ := e.p.Directory().Account(context.Background(), "bob"); acct.Passkeys != 1 {
		t.Errorf("Account.Passkeys = %d, want 1", acct.Passkeys)
	}

	f = startPKFlow(t, e)
	csp := f.resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("login page CSP %q lacks script-src 'self'", csp)
	}
	if !strings.Contains(f.page, `<script src="/idp/passkey.js" defer></script>`) {
		t.Errorf("the login page does not load passkey.js")
	}
	v, opts := f.form(t, `id="passkey-form"`)
	if o := parseOptions(t, opts); o.PublicKey.RPID != "localhost" || o.PublicKey.UserVerification != "required" {
		t.Errorf("request options %+v: want rpId localhost, UV required", o.PublicKey)
	}
	v.Set("credential", a.get(t, opts))
	f.post(t, v)
	sub, amr := f.tokens(t)
	if sub != "bob" || !slices.Equal(amr, []string{"hwk", "user", "mfa"}) {
		t.Errorf("passkey sign-in: %q with amr %q, want bob with hwk+user+mfa", sub, amr)
	}
	pks, _ = e.p.Directory().Passkeys(context.Background(), "bob")
	if pks[0].SignCount != a.count || pks[0].LastUsedAt.IsZero() {
		t.Errorf("after the sign-in: sign count %d (want %d), last used %v", pks[0].SignCount, a.count, pks[0].LastUsedAt)
	}
	var last SignInEvent
	for len(e.events) > 0 {
		last = <-e.events
	}
	if last.Step != stepPasskey || !last.Success || last.Username != "bob" {
		t.Errorf("last event %+v, want bob's successful passkey step", last)
	}
}

// Ensure every refused passkey sign-in shows the one generic message and
// issues no code: a replayed assertion, a cloned authenticator (sign
// count not grown), no user verification, another user's handle, a
// removed credential, a disabled or locked user.
func TestPasskeyRefusals(t *testing.T) {
	e := newTestEnvOn(t, nil, true)
	a := newSoftAuthenticator(t, e)
	registerBob(t, e, a, "key").tokens(t)
	dir := e.p.Directory()
	ctx := context.Background()

	try := func(name string, prepare func(), answer func(opts string) string, wantReason string) {
		t.Helper()
		prepare()
		for len(e.events) > 0 {
			<-e.events
		}
		f := startPKFlow(t, e)
		v, opts := f.form(t, `id="passkey-form"`)
		v.Set("credential", answer(opts))
		f.post(t, v)
		if f.resp.StatusCode != http.StatusUnauthorized || f.alert() != msgPasskeyFailed {
			t.Errorf("%s: %d %q, want 401 and %q", name, f.resp.StatusCode, f.alert(), msgPasskeyFailed)
		}
		if strings.Contains(f.page, "code=") {
			t.Errorf("%s: a code was issued", name)
		}
		if ev := <-e.events; ev.Success || ev.Reason != wantReason || ev.Step != stepPasskey {
			t.Errorf("%s: event %+v, want reason %s", name, ev, wantReason)
		}
	}
	nothing := func() {}
	valid := func(opts string) string { return a.get(t, opts) }

	// A replay: an assertion for an earlier challenge.
	var old string
	{
		f := startPKFlow(t, e)
		_, opts := f.form(t, `id="passkey-form"`)
		old = a.get(t, opts)
	}
	try("replay", nothing, func(string) string { return old }, reasonBadPasskey)
	signIn := func() {
		t.Helper()
		f := startPKFlow(t, e)
		v, opts := f.form(t, `id="passkey-form"`)
		v.Set("credential", a.get(t, opts))
		f.post(t, v)
		if sub, _ := f.tokens(t); sub != "bob" {
			t.Fatalf("signed in %q", sub)
		}
	}
	// A clone answers with a count the original already used.
	try("clone", func() { signIn(); a.count-- }, valid, reasonPasskeyClone)
	try("no user verification", func() { a.noUV = true }, valid, reasonBadPasskey)
	a.noUV = false
	try("another user's handle", func() { a.userHandle = []byte("alice") }, valid, reasonBadPasskey)
	a.userHandle = []byte("bob")
	try("unknown user", func() { a.userHandle = []byte("nobody") }, valid, reasonUnknownUser)
	a.userHandle = []byte("bob")
	try("garbage", nothing, func(string) string { return `{"id":"x"}` }, reasonBadPasskey)
	try("disabled", func() { _ = dir.SetDisabled(ctx, "bob", true) }, valid, reasonDisabled)
	_ = dir.SetDisabled(ctx, "bob", false)
	try("locked", func() {
		_ = e.st.UpdateUser(ctx, "bob", func(u store.User) (store.User, error) {
			u.LockedUntil = time.Now().Add(time.Hour)
			return u, nil
		})
	}, valid, reasonLocked)
	_ = e.st.UpdateUser(ctx, "bob", func(u store.User) (store.User, error) { u.LockedUntil = time.Time{}; return u, nil })

	// The same authenticator still works...
	signIn()
	// ...until its passkey is removed.
	if err := dir.RemovePasskey(ctx, "bob", b64u.EncodeToString(a.credID)); err != nil {
		t.Fatalf("RemovePasskey: %v", err)
	}
	if err := dir.RemovePasskey(ctx, "bob", b64u.EncodeToString(a.credID)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemovePasskey again = %v, want ErrNotFound", err)
	}
	try("removed", nothing, valid, reasonBadPasskey)
}

// Ensure registration is offered only after the code step, needs user
// verification, takes each challenge once, and can be skipped; and that
// the passkey steps cannot be entered out of turn.
func TestPasskeyRegistrationRules(t *testing.T) {
	e := newTestEnvOn(t, nil, true)
	a := newSoftAuthenticator(t, e)

	// A password-only user is never offered a passkey: alice completes
	// with the password.
	f := startPKFlow(t, e)
	v, _ := f.form(t, "")
	v.Set("username", "alice")
	v.Set("password", alicePassword)
	v.Set("addPasskey", "1")
	f.post(t, v)
	if sub, amr := f.tokens(t); sub != "alice" || !slices.Equal(amr, []string{"pwd"}) {
		t.Errorf("alice: %q %q", sub, amr)
	}

	// The registration step cannot be posted without a sign-in.
	f = startPKFlow(t, e)
	v, _ = f.form(t, "")
	c, _ := url.Parse(e.issuer + "/")
	var browser string
	for _, ck := range f.hc.Jar.Cookies(c) {
		browser = ck.Value
	}
	v.Set("step", stepRegister)
	v.Set("csrf", e.p.formToken(stepRegister, v.Get(authRequestParam), browser))
	v.Set("credential", a.create(t, `{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","user":{"id":"Ym9i"}}}`))
	f.post(t, v)
	if f.resp.StatusCode != http.StatusBadRequest || f.alert() != msgExpired {
		t.Errorf("registration without sign-in: %d %q", f.resp.StatusCode, f.alert())
	}
	// Nor with the password form's CSRF token.
	f = startPKFlow(t, e)
	v, _ = f.form(t, "")
	v.Set("step", stepPasskey)
	f.post(t, v)
	if f.resp.StatusCode != http.StatusForbidden {
		t.Errorf("passkey step with the password form's token: %d", f.resp.StatusCode)
	}

	// Without user verification the passkey is refused; the challenge is
	// then spent, and a fresh one is issued; skipping completes.
	f = startPKFlow(t, e)
	v, _ = f.form(t, "")
	v.Set("username", "bob")
	v.Set("password", bobPassword)
	f.post(t, v)
	v, _ = f.form(t, "")
	v.Set("code", e.bobCode(t, time.Now()))
	v.Set("addPasskey", "1")
	f.post(t, v)
	v, opts := f.form(t, "")
	a.noUV = true
	v.Set("credential", a.create(t, opts))
	f.post(t, v)
	if f.resp.StatusCode != http.StatusUnauthorized || f.alert() != msgPasskeyAddFailed {
		t.Errorf("registration without UV: %d %q", f.resp.StatusCode, f.alert())
	}
	a.noUV = false
	v2, opts2 := f.form(t, "")
	if opts2 == opts || opts2 == "" {
		t.Error("no fresh challenge after a refused registration")
	}
	v.Set("credential", a.create(t, opts)) // the spent challenge
	f.post(t, v)
	if f.alert() != msgPasskeyAddFailed {
		t.Errorf("registration with a spent challenge: %d %q", f.resp.StatusCode, f.alert())
	}
	// Disabled meanwhile: neither the passkey nor a skip goes through.
	dir := e.p.Directory()
	_ = dir.SetDisabled(context.Background(), "bob", true)
	v2, opts2 = f.form(t, "")
	v2.Set("credential", a.create(t, opts2))
	f.post(t, v2)
	if f.alert() != msgPasskeyAddFailed {
		t.Errorf("registration of a disabled user: %d %q", f.resp.StatusCode, f.alert())
	}
	v2, _ = f.form(t, "")
	v2.Set("skip", "1")
	f.post(t, v2)
	if f.resp.StatusCode != http.StatusUnauthorized || strings.HasPrefix(f.page, e.redirect) {
		t.Errorf("skip by a disabled user: %d %q", f.resp.StatusCode, f.alert())
	}
	_ = dir.SetDisabled(context.Background(), "bob", false)
	v2, _ = f.form(t, "")
	v2.Set("skip", "1")
	f.post(t, v2)
	if sub, amr := f.tokens(t); sub != "bob" || !slices.Equal(amr, []string{"pwd", "otp"}) {
		t.Errorf("skip: %q %q", sub, amr)
	}
	if pks, _ := e.p.Directory().Passkeys(context.Background(), "bob"); len(pks) != 0 {
		t.Errorf("passkeys after refusals and a skip: %+v", pks)
	}
}

// Ensure passkey.js is served with its type, and that a provider on an IP
// address (no valid RP ID) offers no passkeys and no script.
func TestPasskeyScriptAndIPIssuer(t *testing.T) {
	e := newTestEnvOn(t, nil, true)
	resp, err := e.srv.Client().Get(e.issuer + passkeyScriptPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(string(body), "navigator.credentials.get") {
		t.Errorf("passkey.js: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	ip := newTestEnv(t, nil)
	if ip.p.wa != nil {
		t.Fatal("a provider on 127.0.0.1 has a WebAuthn relying party")
	}
	f := startPKFlow(t, ip)
	if strings.Contains(f.page, "passkey") || strings.Contains(f.resp.Header.Get("Content-Security-Policy"), "script-src") {
		t.Errorf("a provider on an IP address offers passkeys: %s", f.page)
	}
	if r, err := ip.srv.Client().Get(ip.issuer + passkeyScriptPath); err == nil {
		r.Body.Close()
		if r.StatusCode == http.StatusOK {
			t.Error("passkey.js served without passkeys")
		}
	}
}

// Ensure the stored form reads back, and that a broken record refuses
// the sign-in rather than failing open.
func TestPasskeyRecords(t *testing.T) {
	recs := []passkeyRecord{{ID: []byte{1, 2}, PublicKey: []byte{3}, SignCount: 9, BackupEligible: true, Name: "k",
		CreatedAt: time.Unix(100, 0).UTC(), AAGUID: make([]byte, 16), Transports: []string{"usb"}}}
	s, err := encodePasskeys(recs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodePasskeys(s)
	if err != nil || len(back) != 1 || back[0].SignCount != 9 || !back[0].BackupEligible || back[0].Name != "k" {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	c := back[0].credential()
	if !c.Flags.BackupEligible || c.Authenticator.SignCount != 9 || string(c.ID) != "\x01\x02" {
		t.Errorf("credential %+v", c)
	}
	if s, _ := encodePasskeys(nil); s != "" {
		t.Errorf("no passkeys encode as %q", s)
	}
	if _, err := decodePasskeys("{broken"); err == nil {
		t.Error("a broken record decodes")
	}
	if got := passkeyName(strings.Repeat("é", 100)); len([]rune(got)) != maxPasskeyName {
		t.Errorf("long name kept %d runes", len([]rune(got)))
	}
	if got := passkeyName(" \t"); got != "Passkey" {
		t.Errorf("empty name = %q", got)
	}
}
