// Package identity answers "who is asking, through which app": it checks the
// credentials a request presents and returns a Principal.
//
// At this stage it knows two credentials: a registered app's secret, and a
// Direct Line token that Palisade issued to an app for one user and one
// conversation. Sign-in with identity providers adds more behind the same
// Principal.
package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"

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
