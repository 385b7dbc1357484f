package localidp

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/palisade-gw/palisade/internal/browsertest"
)

// virtualAuthenticator adds a platform authenticator to the page's tab
// through the DevTools protocol: CTAP2, internal transport, resident
// keys, user verification that succeeds, presence simulated.
func virtualAuthenticator(t *testing.T, pg *browsertest.Page) webauthn.AuthenticatorID {
	t.Helper()
	browsertest.Get(pg, "enable WebAuthn", func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{})
	})
	res := browsertest.Get(pg, "add a virtual authenticator", func(ctx context.Context, tg *chromedp.Target) (webauthn.AddVirtualAuthenticatorResult, error) {
		return cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
			},
		})
	})
	return res.AuthenticatorID
}

// authenticatorCredentials returns the credentials the virtual
// authenticator holds.
func authenticatorCredentials(t *testing.T, pg *browsertest.Page, id webauthn.AuthenticatorID) []*webauthn.Credential {
	t.Helper()
	return browsertest.Get(pg, "credentials", func(ctx context.Context, tg *chromedp.Target) (webauthn.GetCredentialsResult, error) {
		return cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	}).Credentials
}

// replaceCredential makes c the virtual authenticator's only credential.
func replaceCredential(t *testing.T, pg *browsertest.Page, id webauthn.AuthenticatorID, c *webauthn.Credential) {
	t.Helper()
	browsertest.Get(pg, "clear credentials", func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, webauthn.ClearCredentials, webauthn.ClearCredentialsParams{AuthenticatorID: id})
	})
	// Newer Chromium refuses any CMTG field, even false, when a
	// credential is added to this kind of authenticator; the command is
	// sent without them.
	cred := credentialWithoutCMTG{
		CredentialID: c.CredentialID, IsResidentCredential: c.IsResidentCredential, RpID: c.RpID,
		PrivateKey: c.PrivateKey, UserHandle: c.UserHandle, SignCount: c.SignCount,
		BackupEligibility: c.BackupEligibility, BackupState: c.BackupState, UserName: c.UserName, UserDisplayName: c.UserDisplayName,
	}
	browsertest.Get(pg, "add a credential", func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, addCredential, addCredentialParams{AuthenticatorID: id, Credential: cred})
	})
}

// credentialWithoutCMTG is webauthn.Credential without its CMTG fields.
type credentialWithoutCMTG struct {
	CredentialID         []byte  `json:"credentialId"`
	IsResidentCredential bool    `json:"isResidentCredential"`
	RpID                 string  `json:"rpId,omitempty"`
	PrivateKey           []byte  `json:"privateKey"`
	UserHandle           []byte  `json:"userHandle,omitempty"`
	SignCount            float64 `json:"signCount"`
	BackupEligibility    bool    `json:"backupEligibility"`
	BackupState          bool    `json:"backupState"`
	UserName             string  `json:"userName,omitempty"`
	UserDisplayName      string  `json:"userDisplayName,omitempty"`
}

// addCredentialParams are WebAuthn.addCredential's parameters.
type addCredentialParams struct {
	AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
	Credential      credentialWithoutCMTG    `json:"credential"`
}

// addCredential is WebAuthn.addCredential with addCredentialParams.
var addCredential = cdp.Command[addCredentialParams, cdp.Empty]{Method: webauthn.CommandAddCredential}

// Ensure, in Chromium with a virtual authenticator, that a user signs in
// with password and code, adds a passkey, and then, in the same browser,
// signs in with the passkey alone, getting a code whose tokens carry the
// multi-factor amr; and that an assertion naming another user, or of a
// removed passkey, shows the generic error and reaches no redirect.
func TestBrowserPasskey(t *testing.T) {
	start := time.Now()
	e := newTestEnvOn(t, nil, true)
	f := startBrowserFlow(t, e)
	authID := virtualAuthenticator(t, f.page)

	f.page.Fill("#username", "bob")
	f.page.Fill("#password", bobPassword)
	f.page.ClickAndWait("button[type=submit]")
	f.page.Fill("#code", e.bobCode(t, time.Now()))
	f.page.Click("#addPasskey")
	resp := f.page.ClickAndWait("button[type=submit]")
	if resp.Status != http.StatusOK || f.page.Count("#passkey-register") != 1 {
		t.Fatalf("after the code: %d at %s: %q", resp.Status, f.page.URL(), f.page.Text("main"))
	}
	checkPageHeaders(t, "registration step", resp, true)
	f.page.Fill("#passkey-name", "Virtual key")
	f.page.ClickAndWait("#passkey-register")
	if sub, amr := f.callback(t); sub != "bob" || !slices.Equal(amr, []string{"pwd", "otp"}) {
		t.Fatalf("registration sign-in: %q with amr %q", sub, amr)
	}
	creds := authenticatorCredentials(t, f.page, authID)
	if len(creds) != 1 || !creds[0].IsResidentCredential || string(creds[0].UserHandle) != "bob" || creds[0].RpID != "localhost" {
		t.Fatalf("authenticator credentials %+v: want one resident credential of bob for localhost", creds)
	}
	pks, err := e.p.Directory().Passkeys(context.Background(), "bob")
	if err != nil || len(pks) != 1 || pks[0].Name != "Virtual key" || pks[0].ID != b64u.EncodeToString(creds[0].CredentialID) {
		t.Fatalf("stored passkeys %+v, %v", pks, err)
	}
	f.checkNoCSPViolations(t)

	// The same browser, a new sign-in: the passkey alone.
	g := startBrowserFlowIn(t, e, f.page)
	if got := g.page.Text("#passkey-signin"); got != "Sign in with a passkey" {
		t.Errorf("passkey button %q", got)
	}
	g.page.ClickAndWait("#passkey-signin")
	if sub, amr := g.callback(t); sub != "bob" || !slices.Equal(amr, []string{"hwk", "user", "mfa"}) {
		t.Errorf("passkey sign-in: %q with amr %q, want bob with hwk+user+mfa", sub, amr)
	}
	g.checkNoCSPViolations(t)

	refused := func(what string) {
		t.Helper()
		h := startBrowserFlowIn(t, e, f.page)
		seen := len(h.page.Documents())
		resp := h.page.ClickAndWait("#passkey-signin")
		if resp.Status != http.StatusUnauthorized || !strings.HasPrefix(h.page.URL(), e.issuer+"/login") {
			t.Errorf("%s: %d at %s, want 401 on the login page", what, resp.Status, h.page.URL())
		}
		if got := h.page.Text("p.err[role=alert]"); got != msgPasskeyFailed {
			t.Errorf("%s: the page says %q, want %q", what, got, msgPasskeyFailed)
		}
		for _, d := range h.page.Documents()[seen:] {
			if strings.HasPrefix(d.URL, e.redirect) {
				t.Errorf("%s: the browser reached the redirect URI: %s", what, d.URL)
			}
		}
		h.checkNoCSPViolations(t)
	}

	// Bob's key, presented as alice's.
	bobs := *authenticatorCredentials(t, f.page, authID)[0]
	alices := bobs
	alices.UserHandle, alices.UserName = []byte("alice"), "alice"
	replaceCredential(t, f.page, authID, &alices)
	refused("another user's handle")

	// Bob's own key again, after the server removed it.
	bobs.SignCount += 10
	replaceCredential(t, f.page, authID, &bobs)
	if err := e.p.Directory().RemovePasskey(context.Background(), "bob", pks[0].ID); err != nil {
		t.Fatal(err)
	}
	refused("removed passkey")
	t.Logf("test took %v", time.Since(start))
}
