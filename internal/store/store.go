// Package store defines Palisade's storage interface and the records it
// keeps: conversations and their transcripts, audit events, named keys and
// the accounts of the built-in identity provider.
//
// The interface is implemented by store/sqlite (the embedded default) and
// store/postgres (the scale-out store); store/storetest is the conformance
// suite both must pass. Drivers hold no policy: they persist and return what
// the domain gives them.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Errors returned by every Store implementation; compare with errors.Is.
var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists means a record with the same identity exists.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrUnavailable wraps failures to reach the database, so that callers
	// can fail closed with a clear code.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrInvalid means a call's arguments are outside what it accepts
	// (an audit search limit out of range, a negative cursor).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrConflict means a compare-and-swap found the record changed since
	// the caller read it (a secret version re-wrapped meanwhile).
	ErrConflict = errors.New("store: conflict")
)

// Conversation is one conversation between a user, through an app, and an
// agent. Its transcript is the ordered list of its Messages.
type Conversation struct {
	ID          string
	Environment string
	Region      string
	Agent       string
	App         string
	User        string
	// Channel is the API the conversation arrived through ("openai" or
	// "directline").
	Channel   string
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt is when the transcript falls due for deletion under the
	// environment's retention policy. Zero means no deadline.
	ExpiresAt time.Time
}

// Message is one entry of a transcript. Seq numbers messages within a
// conversation from 1 upwards without gaps; Direct Line uses it as the
// watermark.
type Message struct {
	ConversationID string
	Seq            int64
	// ID is unique within the conversation (a Direct Line activity id).
	ID   string
	Role string // "user", "assistant", "system" or "event"
	From string
	Text string
	// Payload is the channel-specific JSON of the message (a Direct Line
	// activity's attachments, entities and channel data) as guarded.
	Payload   []byte
	CreatedAt time.Time
}

// ConversationFilter selects conversations. Zero fields match everything.
type ConversationFilter struct {
	Environment string
	Agent       string
	User        string
	// ExpiredBy selects conversations whose ExpiresAt is set and not after
	// this instant.
	ExpiredBy time.Time
	Limit     int
}

// AuditEvent is one stored audit record. Seq is assigned by the store,
// strictly increasing without gaps.
type AuditEvent struct {
	Seq       int64
	ID        string
	Time      time.Time
	Type      string
	RequestID string
	Outcome   string
	Actor     string
	App       string
	Agent     string
	// Data is the event's JSON body.
	Data []byte
}

// MaxAuditQueryLimit is the largest AuditQuery.Limit a store accepts.
const MaxAuditQueryLimit = 1000

// AuditQuery selects audit events for SearchAuditEvents. Every condition
// set must hold; a zero field places no condition.
type AuditQuery struct {
	// Since selects events whose Time is at or after it (inclusive);
	// Until, events whose Time is before it (exclusive). The zero time
	// leaves that end open. Times are compared to the microsecond, the
	// precision stored times keep: digits below it round up.
	Since, Until time.Time
	// Actor, App, Agent, Type and Outcome select events whose field is
	// exactly the value given (case-sensitive, no wildcards); "" matches
	// any value.
	Actor, App, Agent, Type, Outcome string
	// AfterSeq selects events with Seq > AfterSeq, BeforeSeq events with
	// Seq < BeforeSeq; 0 places no condition. They are the cursors that
	// page through a search: the Seq of the last event of one page is
	// the AfterSeq (ascending) or BeforeSeq (descending) of the next.
	AfterSeq, BeforeSeq int64
	// Desc orders the results newest first (descending Seq); the default
	// is oldest first.
	Desc bool
	// Limit is the most events returned: required, 1 to
	// MaxAuditQueryLimit.
	Limit int
}

// Normalize checks q and returns it with Since and Until rounded up to
// the microsecond, so that every store draws the bounds at the same
// instants. Returns an error wrapping ErrInvalid if Limit is outside 1 to
// MaxAuditQueryLimit or a cursor is negative.
func (q AuditQuery) Normalize() (AuditQuery, error) {
	if q.Limit < 1 || q.Limit > MaxAuditQueryLimit {
		return q, fmt.Errorf("audit query limit %d is outside 1..%d: %w", q.Limit, MaxAuditQueryLimit, ErrInvalid)
	}
	if q.AfterSeq < 0 || q.BeforeSeq < 0 {
		return q, fmt.Errorf("audit query cursors must not be negative (after %d, before %d): %w", q.AfterSeq, q.BeforeSeq, ErrInvalid)
	}
	q.Since, q.Until = ceilMicro(q.Since), ceilMicro(q.Until)
	return q, nil
}

// ceilMicro rounds t up to the microsecond; the zero time stays zero.
func ceilMicro(t time.Time) time.Time {
	if d := t.Truncate(time.Microsecond); !d.Equal(t) {
		return d.Add(time.Microsecond)
	}
	return t
}

// Conversations stores conversations.
type Conversations interface {
	// CreateConversation stores c. Returns ErrAlreadyExists if c.ID is taken.
	CreateConversation(ctx context.Context, c Conversation) error
	// GetConversation returns the conversation. Returns ErrNotFound if absent.
	GetConversation(ctx context.Context, id string) (Conversation, error)
	// UpdateConversation applies fn to the stored conversation inside one
	// transaction and stores the result. Returns ErrNotFound if absent, or
	// fn's error unchanged.
	UpdateConversation(ctx context.Context, id string, fn func(Conversation) (Conversation, error)) error
	// ListConversations returns matching conversations, oldest first.
	ListConversations(ctx context.Context, f ConversationFilter) ([]Conversation, error)
	// DeleteConversation removes a conversation and its whole transcript.
	// Returns ErrNotFound if absent.
	DeleteConversation(ctx context.Context, id string) error
}

// Messages stores transcripts.
type Messages interface {
	// AppendMessage adds m to its conversation's transcript, assigning the
	// next Seq, and returns the stored message. Concurrent appends to one
	// conversation get distinct, consecutive Seqs. Returns ErrNotFound if
	// the conversation does not exist, ErrAlreadyExists if m.ID is taken in
	// that conversation.
	AppendMessage(ctx context.Context, m Message) (Message, error)
	// ListMessages returns up to limit messages of the conversation with
	// Seq > afterSeq, in Seq order. limit <= 0 means no limit. Returns
	// ErrNotFound if the conversation does not exist.
	ListMessages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]Message, error)
}

// AuditEvents stores the audit log.
type AuditEvents interface {
	// AppendAuditEvents durably stores the events in order in one
	// transaction, assigning consecutive Seqs, and returns them with Seq
	// set. Returns ErrAlreadyExists if an ID is taken (and stores none).
	AppendAuditEvents(ctx context.Context, evs []AuditEvent) ([]AuditEvent, error)
	// ListAuditEvents returns up to limit events with Seq > afterSeq in Seq
	// order. limit <= 0 means no limit.
	ListAuditEvents(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error)
	// SearchAuditEvents returns up to q.Limit events matching q, in Seq
	// order (descending if q.Desc). Returns an error wrapping ErrInvalid
	// if q.Normalize refuses q.
	SearchAuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
	// GetAuditEvent returns the event with the given ID. Returns ErrNotFound
	// if absent.
	GetAuditEvent(ctx context.Context, id string) (AuditEvent, error)
}

// Keys stores named key material shared by every replica (for example the
// key that signs Direct Line tokens).
type Keys interface {
	// LoadOrCreateKey returns the key stored under name, storing value first
	// if there is none. Concurrent callers all get the same stored value.
	LoadOrCreateKey(ctx context.Context, name string, value []byte) ([]byte, error)
}

// User is an account of the built-in local identity provider. The store
// keeps what it is given: hashing, sealing and the lockout policy belong to
// internal/identity/localidp. String, GoString and LogValue leave out
// PasswordHash and TOTPSecret, so a User printed or logged by mistake does
// not leak them.
type User struct {
	// Username identifies the account; it is the key and never changes.
	Username    string
	DisplayName string
	Email       string
	Groups      []string
	// PasswordHash is the encoded password hash (PHC string format).
	PasswordHash string
	// TOTPSecret is the TOTP shared secret as sealed by the identity
	// provider; empty when the user has no TOTP.
	TOTPSecret string
	// TOTPLastStep is the time step of the last TOTP code accepted, so a
	// code cannot be used twice.
	TOTPLastStep int64
	// Passkeys are the user's WebAuthn credentials as the identity
	// provider encodes them (a JSON document: credential IDs, public
	// keys, sign counts); empty when the user has none. They hold no
	// secret, but String, GoString and LogValue leave them out too.
	Passkeys string
	Disabled bool
	// FailedAttempts counts failed sign-ins since the last success.
	FailedAttempts int
	// LockedUntil is when a lockout ends. Zero means not locked.
	LockedUntil time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// String describes the user without its secrets.
func (u User) String() string {
	return "store.User{Username:" + strconv.Quote(u.Username) + " Disabled:" + strconv.FormatBool(u.Disabled) +
		" FailedAttempts:" + strconv.Itoa(u.FailedAttempts) + " PasswordHash:[redacted] TOTPSecret:[redacted]}"
}

// GoString is String, so that %#v does not print the secrets either.
func (u User) GoString() string { return u.String() }

// LogValue logs the user without its secrets.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", u.Username), slog.Bool("disabled", u.Disabled),
		slog.Int("failed_attempts", u.FailedAttempts), slog.Time("locked_until", u.LockedUntil))
}

// Users stores the local identity provider's accounts.
type Users interface {
	// CreateUser stores u. Returns ErrAlreadyExists if u.Username is taken.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user. Returns ErrNotFound if absent.
	GetUser(ctx context.Context, username string) (User, error)
	// ListUsers returns every user, ordered by Username.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser applies fn to the stored user inside one transaction,
	// so concurrent updates of one user are serialised, and stores the
	// result. fn must not change the Username. Returns ErrNotFound if
	// absent, or fn's error unchanged (and then stores nothing).
	UpdateUser(ctx context.Context, username string, fn func(User) (User, error)) error
	// DeleteUser removes the user. Returns ErrNotFound if absent.
	DeleteUser(ctx context.Context, username string) error
}

// Record is what one exchange must leave behind, written atomically: an
// optional new conversation, transcript entries, and audit events.
type Record struct {
	// Conversation, when non-nil, is created first. Returns ErrAlreadyExists if its ID is taken.
	Conversation *Conversation
	// Messages are appended in order to their conversations (which may be the one created above), with Seqs assigned as AppendMessage does.
	Messages []Message
	// Events are appended to the audit log in order, with Seqs assigned as AppendAuditEvents does.
	Events []AuditEvent
}

// RecordError says which record of a batch failed. A failure of the
// transaction as a whole (beginning or committing it) names record 0.
type RecordError struct {
	// Index is the position of the failing record in the batch.
	Index int
	// Err is why it failed.
	Err error
}

// Error returns the index and the reason.
func (e *RecordError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return "record " + strconv.Itoa(e.Index) + ": " + msg
}

// Unwrap returns Err, so that errors.Is sees the store's errors through it.
func (e *RecordError) Unwrap() error { return e.Err }

// Journal writes records.
type Journal interface {
	// CommitRecords durably stores all records in ONE transaction, in order, and returns them with every Message.Seq and AuditEvent.Seq set (and zero CreatedAt/Time left as given). If any record fails, nothing is stored and the error is a *RecordError naming the first failing record, wrapping ErrNotFound (message for a missing conversation), ErrAlreadyExists (duplicate conversation, message or event id) or ErrUnavailable.
	CommitRecords(ctx context.Context, recs []Record) ([]Record, error)
}

// ExportCursors remember how far each SIEM export of the audit log has
// delivered (the Seq of the last event its sink acknowledged), so that an
// export resumes where it stopped after a restart instead of sending the
// whole log again or skipping events. Replicas exporting to one sink share
// its cursor.
type ExportCursors interface {
	// GetExportCursor returns the stored cursor of the sink: the Seq of
	// the last audit event delivered to it, 0 if none is stored. sink
	// must not be empty.
	GetExportCursor(ctx context.Context, sink string) (int64, error)
	// SetExportCursor stores seq as the sink's cursor, delivered at at.
	// The cursor never moves backwards: a seq lower than the one stored
	// is ignored (no error), so a slow replica cannot undo a faster one's
	// progress. Returns an error wrapping ErrInvalid if sink is empty or
	// seq negative.
	SetExportCursor(ctx context.Context, sink string, seq int64, at time.Time) error
}

// SecretVersion is one stored version of a named secret: the ciphertext of
// its value under its own data key, and that data key wrapped by a
// key-encryption key. The store never sees plaintext; encryption and the
// policy around it belong to internal/secrets.
type SecretVersion struct {
	// Name identifies the secret; Version counts from 1 per name.
	Name    string
	Version int
	// Ciphertext is the value encrypted under the data key (an AEAD whose
	// associated data binds name and version).
	Ciphertext []byte
	// WrappedKey is the data key encrypted by the key-encryption key.
	WrappedKey []byte
	// KEKID names the key-encryption key (and its key id) that wrapped
	// WrappedKey, so that rotation knows what to re-wrap.
	KEKID    string
	Disabled bool
	// CreatedAt is when the version was stored; DisabledAt when it was
	// first disabled (zero while enabled).
	CreatedAt  time.Time
	DisabledAt time.Time
	// CreatedBy is the actor who stored the version.
	CreatedBy string
}

// Secrets stores the encrypted versions of named secrets.
type Secrets interface {
	// PutSecretVersion stores v. Returns ErrAlreadyExists if (v.Name,
	// v.Version) is taken: of concurrent writers of the same version,
	// exactly one succeeds.
	PutSecretVersion(ctx context.Context, v SecretVersion) error
	// GetSecretVersion returns one version of a secret; version 0 means
	// the latest, enabled or not. Returns ErrNotFound if absent.
	GetSecretVersion(ctx context.Context, name string, version int) (SecretVersion, error)
	// ListSecretVersions returns every version of the named secret, or of
	// all secrets when name is "", ordered by name and version.
	ListSecretVersions(ctx context.Context, name string) ([]SecretVersion, error)
	// DisableSecretVersion marks a version disabled at the given time.
	// Disabling a disabled version is a no-op that keeps the first
	// DisabledAt. Returns ErrNotFound if absent.
	DisableSecretVersion(ctx context.Context, name string, version int, at time.Time) error
	// RewrapSecretVersion replaces a version's WrappedKey and KEKID, if
	// its KEKID is still oldKEKID. Returns ErrNotFound if absent and
	// ErrConflict if the KEKID has changed meanwhile (and then changes
	// nothing).
	RewrapSecretVersion(ctx context.Context, name string, version int, oldKEKID string, wrapped []byte, newKEKID string) error
}

// Store is everything Palisade persists.
type Store interface {
	Conversations
	Messages
	AuditEvents
	Checkpoints
	ExportCursors
	Journal
	Keys
	Users
	Sessions
	Tickets
	Revocations
	UserCountries
	Secrets
	ServicePrincipals
	// Ping reports whether the database answers; it wraps ErrUnavailable.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// FederatedIdentity is an identity of another OpenID provider that may act
// as a service principal: a token that provider issued with exactly this
// iss, sub and aud is exchanged for the service principal's access token.
type FederatedIdentity struct {
	Issuer   string `json:"issuer"`
	Subject  string `json:"subject"`
	Audience string `json:"audience"`
}

// ServicePrincipal is a non-human identity that gets short-lived access
// tokens from the built-in identity provider (client credentials or token
// exchange). The store keeps what it is given: hashing and key checks
// belong to internal/identity/localidp. String, GoString and LogValue
// leave out SecretHashes.
type ServicePrincipal struct {
	// Name identifies the service principal; it is the key and never
	// changes.
	Name        string
	Description string
	// SecretHashes are the hashes of its client secrets, newest first (at
	// most two, so a secret can be rotated without downtime).
	SecretHashes []string
	// PublicKeys is a JWKS (JSON) of the keys its client assertions
	// (private_key_jwt) may be signed with; empty for none.
	PublicKeys []byte
	// Federation are the external identities that may act as it.
	Federation []FederatedIdentity
	Disabled   bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// String describes the service principal without its secret hashes.
func (sp ServicePrincipal) String() string {
	return "store.ServicePrincipal{Name:" + strconv.Quote(sp.Name) + " Disabled:" + strconv.FormatBool(sp.Disabled) +
		" Secrets:" + strconv.Itoa(len(sp.SecretHashes)) + " SecretHashes:[redacted]}"
}

// GoString is String, so that %#v does not print the hashes either.
func (sp ServicePrincipal) GoString() string { return sp.String() }

// LogValue logs the service principal without its secret hashes.
func (sp ServicePrincipal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", sp.Name), slog.Bool("disabled", sp.Disabled),
		slog.Int("secrets", len(sp.SecretHashes)), slog.Int("federated_identities", len(sp.Federation)))
}

// ServicePrincipals stores service principals and the IDs of the client
// assertions they used, so that an assertion is accepted only once.
type ServicePrincipals interface {
	// CreateServicePrincipal stores sp. Returns ErrAlreadyExists if
	// sp.Name is taken.
	CreateServicePrincipal(ctx context.Context, sp ServicePrincipal) error
	// GetServicePrincipal returns the service principal. Returns
	// ErrNotFound if absent.
	GetServicePrincipal(ctx context.Context, name string) (ServicePrincipal, error)
	// ListServicePrincipals returns every service principal, ordered by
	// Name.
	ListServicePrincipals(ctx context.Context) ([]ServicePrincipal, error)
	// UpdateServicePrincipal replaces the stored record named sp.Name by
	// sp, if its UpdatedAt is still prevUpdatedAt (compared to the
	// microsecond). Returns ErrNotFound if absent and ErrConflict if it
	// changed meanwhile (and then changes nothing).
	UpdateServicePrincipal(ctx context.Context, sp ServicePrincipal, prevUpdatedAt time.Time) error
	// DeleteServicePrincipal removes the service principal. Returns
	// ErrNotFound if absent.
	DeleteServicePrincipal(ctx context.Context, name string) error
	// UseAssertionID records the ID of a client assertion, qualified by
	// its issuer (e.g. a hex digest of the client ID and the jti; valid
	// UTF-8 without NUL, at most 255 bytes), which may be used until
	// expires. Returns ErrAlreadyExists if id was recorded before and has
	// not expired; expired IDs may be purged by any call.
	UseAssertionID(ctx context.Context, id string, expires time.Time) error
}
