package localidp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TokenEvent describes one request for a service principal's token at the
// token endpoint (the client credentials and token exchange grants).
type TokenEvent struct {
	Time time.Time
	// Grant is the grant_type asked for.
	Grant string
	// Success says whether a token was issued.
	Success bool
	// ClientID is the service principal's client ID ("sp:NAME"): on
	// success the authenticated one; on refusal the one the request
	// claimed, when it has a service principal's form (it is not
	// verified then), else empty.
	ClientID string
	// TokenID is the issued access token's jti; ExpiresAt its expiry.
	TokenID   string
	ExpiresAt time.Time
	// FederatedIssuer and FederatedSubject name the external identity a
	// token exchange accepted.
	FederatedIssuer, FederatedSubject string
	// Error is the OAuth error code of a refusal (invalid_client,
	// invalid_grant, ...); the description is not passed on, as it may
	// quote the request.
	Error      string
	RemoteAddr string
}

// bufferedResponse holds a response until it may be released.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// recordToken runs the token endpoint for a service principal's grant
// with its answer held back, reports the outcome to OnToken, and releases
// the answer only when that succeeded: a token is never handed out
// without its record (fail closed).
func (p *Provider) recordToken(w http.ResponseWriter, r *http.Request, call *tokenCall, next http.Handler) {
	buf := &bufferedResponse{header: http.Header{}}
	next.ServeHTTP(buf, r)
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	ev := TokenEvent{Time: p.now().UTC(), Grant: call.grant, Success: buf.status == http.StatusOK, RemoteAddr: remoteHost(r)}
	if ev.Success {
		switch {
		case call.tokenID != "" && call.client != nil:
			// Client credentials: the storage saw everything.
			ev.ClientID, ev.TokenID, ev.ExpiresAt = call.client.id, call.tokenID, call.expiresAt.UTC().Truncate(time.Second)
		default:
			var resp struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal(buf.body.Bytes(), &resp)
			claims := unverifiedClaims(resp.AccessToken)
			ev.ClientID, ev.TokenID = claims.ClientID, claims.ID
			if claims.Expiry > 0 {
				ev.ExpiresAt = time.Unix(claims.Expiry, 0).UTC()
			}
		}
		if fs := call.subjectVerified; fs != nil {
			ev.FederatedIssuer, ev.FederatedSubject = fs.issuer, fs.sub
		}
	} else {
		var resp struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(buf.body.Bytes(), &resp)
		ev.Error = resp.Error
		ev.ClientID = claimedClientID(r, call)
	}
	if err := p.onToken(r.Context(), ev); err != nil {
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable",
			"the token request could not be recorded; try again later")
		return
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
}

// tokenClaims are the claims of an issued token that its record names.
type tokenClaims struct {
	ID       string `json:"jti"`
	ClientID string `json:"client_id"`
	Expiry   int64  `json:"exp"`
}

// unverifiedClaims reads the claims of a JWT the provider has just signed
// itself (no verification needed: it never left the process).
func unverifiedClaims(token string) tokenClaims {
	var c tokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		_ = json.Unmarshal(payload, &c)
	}
	return c
}

// claimedClientID is the client ID a refused request named, when it has a
// service principal's form: a value of any other form may be a secret
// typed into the wrong field and is not recorded.
func claimedClientID(r *http.Request, call *tokenCall) string {
	id := call.formClientID
	if u, _, ok := r.BasicAuth(); ok {
		if un, err := url.QueryUnescape(u); err == nil {
			id = un
		}
	}
	if call.client != nil {
		id = call.client.id
	}
	if _, ok := ServicePrincipalName(id); !ok {
		return ""
	}
	return id
}
