package localidp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/oauth2"
)

// Login signs a user in through the provider at baseURL (its issuer) the
// way a browser does, and returns the tokens: it fetches the discovery
// document, opens the authorization endpoint with PKCE (S256), a state
// and a nonce, fills in the login form (and the TOTP step when totpCode
// is set and the user has TOTP), follows the redirects to redirectURI
// without calling it, checks the state and exchanges the code. clientID
// must be a public client registered with redirectURI. The ID token is in
// the token's Extra("id_token"); Login does not verify it.
//
// client carries the requests (nil for http.DefaultClient's transport);
// Login uses its own cookie jar and follows no redirect outside the flow.
// The scopes asked for are openid, profile, email, groups and
// offline_access.
func Login(ctx context.Context, client *http.Client, baseURL, clientID, redirectURI, username, password, totpCode string) (*oauth2.Token, error) {
	hc, err := loginClient(client)
	if err != nil {
		return nil, err
	}
	ep, err := discover(ctx, hc, baseURL)
	if err != nil {
		return nil, err
	}
	cfg := &oauth2.Config{
		ClientID: clientID, RedirectURL: redirectURI, Endpoint: ep,
		Scopes: []string{"openid", "profile", "email", ScopeGroups, "offline_access"},
	}
	verifier, state, nonce := oauth2.GenerateVerifier(), rand.Text(), rand.Text()
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce))
	cb, err := browserSignIn(ctx, hc, authURL, redirectURI, username, password, totpCode)
	if err != nil {
		return nil, err
	}
	q := cb.Query()
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("localidp: login: the provider refused: %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return nil, errors.New("localidp: login: the state came back changed")
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, hc), q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("localidp: login: exchange the code: %w", err)
	}
	return tok, nil
}

// loginClient copies client with a fresh cookie jar and no automatic
// redirects.
func loginClient(client *http.Client) (*http.Client, error) {
	var hc http.Client
	if client != nil {
		hc = *client
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc, nil
}

// discover reads the endpoints from the provider's discovery document.
func discover(ctx context.Context, hc *http.Client, baseURL string) (oauth2.Endpoint, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+"/.well-known/openid-configuration", nil)
	if err != nil {
		return oauth2.Endpoint{}, fmt.Errorf("localidp: login: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return oauth2.Endpoint{}, fmt.Errorf("localidp: login: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return oauth2.Endpoint{}, fmt.Errorf("localidp: login: discovery: %s", resp.Status)
	}
	var d struct {
		Auth  string `json:"authorization_endpoint"`
		Token string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil || d.Auth == "" || d.Token == "" {
		return oauth2.Endpoint{}, fmt.Errorf("localidp: login: discovery: a malformed document (%v)", err)
	}
	return oauth2.Endpoint{AuthURL: d.Auth, TokenURL: d.Token, AuthStyle: oauth2.AuthStyleInParams}, nil
}

// ErrLoginRefused is returned (wrapped, with the page's message) when the
// login form refuses the credentials or the request.
var ErrLoginRefused = errors.New("localidp: login refused")

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([A-Za-z]+)" value="([^"]*)">`)
	alertRE  = regexp.MustCompile(`<p class="err" role="alert">([^<]*)</p>`)
)

// browserSignIn plays the browser from authURL to the redirect to
// redirectURI, and returns that redirect's URL (with the code or the
// error). It follows at most a few redirects and form steps.
func browserSignIn(ctx context.Context, hc *http.Client, authURL, redirectURI, username, password, totpCode string) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	for range 12 {
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("localidp: login: %w", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
			next, err := resp.Request.URL.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("localidp: login: a bad redirect: %w", err)
			}
			if strings.HasPrefix(next.String(), redirectURI) {
				return next, nil
			}
			if req, err = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil); err != nil {
				return nil, err
			}
			continue
		}
		// The fields of the first form only: the page may have a second
		// one, for a passkey, which this client does not use.
		first := body
		if i := bytes.Index(body, []byte("</form>")); i >= 0 {
			first = body[:i]
		}
		fields := map[string]string{}
		for _, m := range hiddenRE.FindAllSubmatch(first, -1) {
			fields[string(m[1])] = html.UnescapeString(string(m[2]))
		}
		if fields["csrf"] == "" {
			msg := resp.Status
			if m := alertRE.FindSubmatch(body); m != nil {
				msg = html.UnescapeString(string(m[1]))
			}
			return nil, fmt.Errorf("%w: %s", ErrLoginRefused, msg)
		}
		if m := alertRE.FindSubmatch(body); m != nil {
			return nil, fmt.Errorf("%w: %s", ErrLoginRefused, html.UnescapeString(string(m[1])))
		}
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		switch fields["step"] {
		case stepPassword:
			form.Set("username", username)
			form.Set("password", password)
		case stepTOTP:
			if totpCode == "" {
				return nil, fmt.Errorf("%w: the user has TOTP and no code was given", ErrLoginRefused)
			}
			form.Set("code", totpCode)
			totpCode = "" // answer the step once
		}
		action, err := resp.Request.URL.Parse(fieldAction(body))
		if err != nil {
			return nil, err
		}
		if req, err = http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode())); err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return nil, errors.New("localidp: login: too many steps")
}

var actionRE = regexp.MustCompile(`<form method="post" action="([^"]*)">`)

// fieldAction returns the login form's action.
func fieldAction(body []byte) string {
	if m := actionRE.FindSubmatch(body); m != nil {
		return html.UnescapeString(string(m[1]))
	}
	return ""
}

// BrowserSignIn plays a browser through the provider's login form: it
// opens authURL (an authorization request made by any relying party),
// answers the password and TOTP steps, and returns the URL of the redirect
// that begins with stopAt (the relying party's callback, with its code and
// state). client must keep cookies and must not follow redirects itself.
// Tests and the demo use it to sign in through the real flow.
func BrowserSignIn(ctx context.Context, client *http.Client, authURL, stopAt, username, password, totpCode string) (*url.URL, error) {
	if client == nil || client.Jar == nil || client.CheckRedirect == nil {
		return nil, errors.New("localidp: browser sign-in needs a client with a cookie jar that does not follow redirects")
	}
	return browserSignIn(ctx, client, authURL, stopAt, username, password, totpCode)
}
