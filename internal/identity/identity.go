// Package identity answers "who is asking, through which app": it checks the
// credentials a request presents and returns a Principal.
//
// It knows three credentials: a registered app's secret, a Direct Line
// token that Palisade issued to an app for one user and one conversation,
// and an access token (a JWT) that a configured identity provider issued to
// a user (see AccessTokens).
package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/palisade-gw/palisade/internal/apperr"
)

// Principal kinds.
const (
	// KindApp is a caller that presented an app secret: the app is known,
	// the end user is only what the app says.
	KindApp = "app"
	// KindDirectLineToken is a caller holding a Direct Line token bound to
	// one user and one conversation.
	KindDirectLineToken = "directline_token"
	// KindUser is a user signed in with a configured identity provider,
	// holding its access token: the user is verified.
	KindUser = "user"
	// KindService is a service principal (a non-human identity) holding
	// an access token the built-in identity provider issued to it:
	// Subject is its name, Name its description, Issuer the provider's
	// configured name. It never has MFA, groups or provider roles.
	KindService = "service"
)

// Principal is the answer to "who is asking, through which app".
type Principal struct {
	Kind string
	// App is the registered app the request comes through.
	App string
	// Subject identifies the end user. For KindApp it is what the app
	// asserted (unverified) or empty.
	Subject string
	// Name is a display name, if known.
	Name string
	// ConversationID is set when the credential is bound to a conversation.
	ConversationID string

	// The fields below are set for KindUser only.

	// Issuer is the configured name of the identity provider.
	Issuer string
	// Groups and IdPRoles are the values of the provider's groups and
	// roles claims, qualified by Issuer ("corp:hr-staff").
	Groups   []string
	IdPRoles []string
	// ClientID is the OAuth client the token was issued to (azp or
	// client_id).
	ClientID string
	// MFA is true when the token's amr or acr proves multi-factor sign-in
	// by the issuer's configured rule. It is never taken from a request
	// parameter.
	MFA bool
	// ACR and AMR are the token's claims as issued.
	ACR string
	AMR []string
	// AuthTime is when the user last authenticated (auth_time), if known.
	AuthTime time.Time
	// DeviceCompliant is true when the issuer vouched, in its configured
	// device claim, that the device is managed and compliant, or the
	// request came with a client certificate from the configured device CA.
	DeviceCompliant bool
	// Device names the device certificate (its common name), if any.
	Device string
}

// Actor names the caller in audit events and transcripts: the
// issuer-qualified subject of a signed-in user, "sp:NAME" for a service
// principal, else the subject as the app asserted it.
func (p Principal) Actor() string {
	switch p.Kind {
	case KindUser:
		return p.User()
	case KindService:
		return p.ServicePrincipal()
	}
	return p.Subject
}

// ServicePrincipal returns "sp:NAME" for a service principal, the form
// its client ID, token subject and audit actor take; "" for other kinds.
func (p Principal) ServicePrincipal() string {
	if p.Kind != KindService {
		return ""
	}
	return servicePrefix + p.Subject
}

// servicePrefix starts a service principal's client ID and token subject
// (localidp.ServicePrincipalPrefix; not imported, to keep this package
// free of the provider).
const servicePrefix = "sp:"

// User returns the issuer-qualified subject of a signed-in user
// ("corp:alice"), the form role membership uses; "" for other kinds.
func (p Principal) User() string {
	if p.Kind != KindUser {
		return ""
	}
	return p.Issuer + ":" + p.Subject
}

// Apps recognises registered apps by their secrets. Secrets are kept only
// as SHA-256 digests (they are long random values, so a fast hash suffices)
// and compared in constant time.
type Apps struct {
	entries []appEntry
}

type appEntry struct {
	name   string
	digest [sha256.Size]byte
}

// NewApps indexes the secrets of each app (name → secrets).
func NewApps(secrets map[string][]string) *Apps {
	a := &Apps{}
	for name, ss := range secrets {
		for _, s := range ss {
			a.entries = append(a.entries, appEntry{name: name, digest: sha256.Sum256([]byte(s))})
		}
	}
	return a
}

// Authenticate returns the app whose secret is presented. It compares
// against every registered secret so timing does not reveal which app
// matched. Returns an invalid_credential refusal when none does.
func (a *Apps) Authenticate(_ context.Context, secret string) (string, error) {
	d := sha256.Sum256([]byte(secret))
	found := ""
	for _, e := range a.entries {
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
			found = e.name
		}
	}
	if found == "" {
		return "", ErrInvalidCredential
	}
	return found, nil
}

// BearerToken extracts the credential from an Authorization header value.
// Returns a missing_credential refusal if there is none, invalid_credential
// if the header is not a bearer credential.
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrMissingCredential
	}
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", apperr.New(apperr.KindUnauthenticated, apperr.CodeInvalidCredential,
			"The Authorization header must be \"Bearer <credential>\".")
	}
	return strings.TrimSpace(tok), nil
}

// Refusals returned by this package.
var (
	ErrMissingCredential = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeMissingCredential,
		Message: "This API needs a credential: send \"Authorization: Bearer <credential>\"."}
	ErrInvalidCredential = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeInvalidCredential,
		Message: "The credential is not valid."}
	ErrTokenExpired = &apperr.Error{Kind: apperr.KindUnauthenticated, Code: apperr.CodeTokenExpired,
		Message: "The token has expired; get a new one."}
)
