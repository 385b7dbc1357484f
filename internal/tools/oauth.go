package tools

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Token cache timing.
const (
	// tokenEarlyRefresh is how long before expiry a cached token is
	// replaced (at most half its lifetime).
	tokenEarlyRefresh = 30 * time.Second
	// tokenDefaultLifetime is assumed when the token endpoint sends no
	// expires_in.
	tokenDefaultLifetime = 5 * time.Minute
)

// tokenCache holds one tool's OAuth2 access token. sem serializes fetches
// (one token request at a time per tool) while letting waiters give up when
// their context ends.
type tokenCache struct {
	sem chan struct{}

	mu      sync.Mutex
	token   string
	refresh time.Time // Executor clock: fetch a new token from then on
}

func (tc *tokenCache) get(now time.Time) string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.token != "" && now.Before(tc.refresh) {
		return tc.token
	}
	return ""
}

// invalidate drops tok if it is still the cached token.
func (tc *tokenCache) invalidate(tok string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.token == tok {
		tc.token = ""
	}
}

var oauthErrorCodeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// token returns a valid access token for c, from the cache or from the token
// endpoint. secrets lists the secret values involved (client secret, token)
// for redaction, even on error.
func (e *Executor) token(ctx context.Context, c *compiled) (tok string, secrets []string, err error) {
	tc := c.oauth
	if t := tc.get(e.now()); t != "" {
		return t, []string{t}, nil
	}
	select {
	case tc.sem <- struct{}{}:
	case <-ctx.Done():
		return "", nil, classifyTransport(ctx, c.def.Name, "the OAuth2 token endpoint", c.def.Timeout, ctx.Err())
	}
	defer func() { <-tc.sem }()
	if t := tc.get(e.now()); t != "" { // fetched while we waited
		return t, []string{t}, nil
	}

	o := c.def.OAuth2
	secret, err := o.ClientSecret(ctx)
	if err != nil {
		return "", nil, newErr(ErrCredentials, c.def.Name, "could not read the OAuth2 client secret from the secret store", err)
	}
	if secret == "" {
		return "", nil, newErr(ErrCredentials, c.def.Name, "the OAuth2 client secret is empty", nil)
	}
	secrets = []string{secret}
	cfg := clientcredentials.Config{
		ClientID:     o.ClientID,
		ClientSecret: secret,
		TokenURL:     o.TokenURL,
		Scopes:       o.Scopes,
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	if o.SendInBody {
		cfg.AuthStyle = oauth2.AuthStyleInParams
	}
	if o.Audience != "" {
		cfg.EndpointParams = url.Values{"audience": {o.Audience}}
	}
	t, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, e.tokenClient))
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case errors.As(err, &re):
			reason := "the OAuth2 token endpoint refused the client credentials"
			if re.Response != nil {
				reason += fmt.Sprintf(" (HTTP %d", re.Response.StatusCode)
				if oauthErrorCodeRE.MatchString(re.ErrorCode) && !containsAny(re.ErrorCode, secrets) {
					reason += ", " + re.ErrorCode
				}
				reason += ")"
			}
			return "", secrets, newErr(ErrCredentials, c.def.Name, reason, err)
		case isTransportErr(ctx, err):
			return "", secrets, classifyTransport(ctx, c.def.Name, "the OAuth2 token endpoint", c.def.Timeout, err)
		default:
			return "", secrets, newErr(ErrCredentials, c.def.Name, "the OAuth2 token endpoint returned an unusable response", err)
		}
	}
	if typ := t.Type(); !strings.EqualFold(typ, "Bearer") {
		return "", append(secrets, t.AccessToken), newErr(ErrCredentials, c.def.Name, fmt.Sprintf("the OAuth2 token endpoint issued a %q token; only Bearer tokens are supported", oauthTokenType(typ)), nil)
	}
	if strings.ContainsFunc(t.AccessToken, isCtl) {
		return "", append(secrets, t.AccessToken), newErr(ErrCredentials, c.def.Name, "the OAuth2 access token contains control characters", nil)
	}
	life := tokenDefaultLifetime
	if !t.Expiry.IsZero() {
		life = time.Until(t.Expiry)
	}
	margin := min(tokenEarlyRefresh, life/2)
	tc.mu.Lock()
	tc.token = t.AccessToken
	tc.refresh = e.now().Add(life - margin)
	tc.mu.Unlock()
	return t.AccessToken, append(secrets, t.AccessToken), nil
}

func oauthTokenType(s string) string {
	if oauthErrorCodeRE.MatchString(s) {
		return s
	}
	return "unknown"
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}
