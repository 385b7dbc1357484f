package store

import (
	"context"
	"time"
)

// Session is a browser sign-in session. The store keeps it as given: the
// identity layer decides what the opaque Data and Sealed hold (the signed-in
// user as JSON; the provider's tokens, encrypted) and when a session is
// valid.
type Session struct {
	// ID is the SHA-256 of the secret in the session cookie (hex), so the
	// database never holds a usable cookie value.
	ID string
	// Issuer is the configured name of the identity provider.
	Issuer string
	// Subject is the provider's sub for the user.
	Subject string
	// SID is the provider's session id (the ID token's sid), for
	// back-channel logout; may be empty.
	SID string
	// Data describes the signed-in user (opaque to the store).
	Data []byte
	// Sealed holds the provider's tokens, encrypted (opaque to the store).
	Sealed []byte
	// TokenExpiry is when the provider's access token expires; after it
	// the identity layer refreshes the session's tokens.
	TokenExpiry time.Time
	CreatedAt   time.Time
	LastSeenAt  time.Time
	// ExpiresAt is the absolute end of the session.
	ExpiresAt time.Time
	// RevokedAt is when the session was revoked; zero while it is not.
	RevokedAt time.Time
}

// SessionFilter selects sessions to revoke: by ID alone, or by Issuer with
// Subject, SID or both.
type SessionFilter struct {
	ID      string
	Issuer  string
	Subject string
	SID     string
}

// Sessions stores browser sign-in sessions, shared by every replica so
// that a session revoked on one is refused by all.
type Sessions interface {
	// CreateSession stores s. Returns ErrAlreadyExists if the ID is taken.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns the session. Returns ErrNotFound if absent.
	GetSession(ctx context.Context, id string) (Session, error)
	// UpdateSession applies fn to the stored session in one transaction
	// and stores the result; fn must not change the ID. Returns
	// ErrNotFound if absent, or fn's error unchanged.
	UpdateSession(ctx context.Context, id string, fn func(Session) (Session, error)) error
	// RevokeSessions sets RevokedAt to at on every session matching f that
	// is not already revoked, and returns how many it revoked. A filter
	// without ID needs Issuer and at least one of Subject and SID; an
	// empty filter is an error, never "all".
	RevokeSessions(ctx context.Context, f SessionFilter, at time.Time) (int, error)
	// DeleteExpiredSessions removes sessions whose ExpiresAt is before t.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error)
}

// Tickets are short-lived single-use values shared by every replica, such
// as the state of a sign-in in progress: whoever takes a ticket first gets
// it, and nobody gets it twice.
type Tickets interface {
	// PutTicket stores data under id until expires. Returns
	// ErrAlreadyExists if id is taken.
	PutTicket(ctx context.Context, id string, data []byte, expires time.Time) error
	// TakeTicket removes the ticket and returns its data. Returns
	// ErrNotFound if there is none, or it expired before now (an expired
	// ticket is removed too).
	TakeTicket(ctx context.Context, id string, now time.Time) ([]byte, error)
	// DeleteExpiredTickets removes tickets that expired before t.
	DeleteExpiredTickets(ctx context.Context, t time.Time) (int, error)
}

// ValidFilter reports whether f selects sessions precisely enough to
// revoke them.
func (f SessionFilter) ValidFilter() bool {
	if f.ID != "" {
		return true
	}
	return f.Issuer != "" && (f.Subject != "" || f.SID != "")
}

// Revocations refuse tokens that Palisade issued before a point in time,
// for a key such as one user of one app, or one conversation: tokens carry
// no server state, so revoking them means remembering, until they would
// have expired anyway, that those issued earlier no longer count.
type Revocations interface {
	// RevokeTokens records that tokens for key issued before before are
	// refused; the record is kept until expires. A later call for the
	// same key keeps the later times.
	RevokeTokens(ctx context.Context, key string, before, expires time.Time) error
	// TokensRevokedBefore returns the latest revocation time among keys,
	// or the zero time when none of them is revoked.
	TokensRevokedBefore(ctx context.Context, keys ...string) (time.Time, error)
	// DeleteExpiredRevocations removes records that expired before t.
	DeleteExpiredRevocations(ctx context.Context, t time.Time) (int, error)
}

// UserCountries remembers the countries each user has signed in from, so
// that a request from a new country raises the sign-in risk.
type UserCountries interface {
	// NoteCountry records that user (issuer-qualified, e.g. local:alice)
	// signed in from country (ISO 3166-1 alpha-2) at at.
	NoteCountry(ctx context.Context, user, country string, at time.Time) error
	// KnownCountries returns the countries user has signed in from,
	// sorted.
	KnownCountries(ctx context.Context, user string) ([]string, error)
}
