// Package audit records what Palisade did and refused: every sign-in,
// decision, message and administrative action becomes an Event that is
// durably stored before the response it describes leaves the gateway.
//
// Recording fails closed: if an event cannot be stored, Record returns an
// audit_unavailable refusal and the caller must refuse the request.
package audit

import (
	"context"
	"encoding/json"
	"github.com/palisade-gw/palisade/internal/ids"
	"strings"
	"time"
	"unicode"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/store"
)

// Event types. They are part of the audit schema: never rename one.
const (
	TypeChatCompletion = "chat.completion"
	TypeChatStream     = "chat.stream"
	TypeRequestRefused = "request.refused"
	TypeTokenIssued    = "token.issued"
	TypeConversation   = "conversation.started"
	TypeActivity       = "conversation.activity"
	TypeServerStarted  = "server.started"
	TypeServerStopped  = "server.stopped"
	// TypeConfigChanged records that the server started with a
	// configuration other than the last one recorded: who started it and
	// which settings were added, removed or changed (never their values).
	TypeConfigChanged = "config.changed"
	// Sign-in: at Palisade's relying party (a browser session begins or
	// is refused), at the built-in identity provider's login form, and the
	// end of sessions.
	TypeSignIn         = "auth.signin"
	TypeSignInFailed   = "auth.signin_failed"
	TypeIdPLogin       = "auth.idp_login"
	TypeLogout         = "auth.logout"
	TypeSessionRevoked = "auth.session_revoked"
	TypeTokenRevoked   = "token.revoked"
	// TypeTokenRefused records a refused request for a service principal's
	// token at the built-in provider (token.issued records the granted
	// ones).
	TypeTokenRefused = "token.refused"
	// Secret store: every read of a value (with its purpose), every
	// change, and every refused access. Values never appear.
	TypeSecretRead    = "secret.read"
	TypeSecretPut     = "secret.put"
	TypeSecretRotate  = "secret.rotate"
	TypeSecretDisable = "secret.disable"
	TypeSecretRewrap  = "secret.rewrap"
	TypeSecretRefused = "secret.refused"
	// Administration of the built-in provider's accounts (palisade
	// users): the operator is the actor, the account is data.user.
	TypeUserAdded          = "user.added"
	TypeUserDisabled       = "user.disabled"
	TypeUserEnabled        = "user.enabled"
	TypeUserPasswordReset  = "user.password_reset"
	TypeUserPasskeyRemoved = "user.passkey_removed"
	// TypeToolCall records a tool call Palisade made for an agent (or
	// refused): the tool, the outcome and code, the sizes and duration;
	// never the arguments or the result.
	TypeToolCall = "tool.call"
	// TypeEgressRefused records an outbound call refused by the egress
	// policy (a destination not allowed, a private address, a redirect to
	// one).
	TypeEgressRefused = "egress.refused"
	// TypeAdminAuditSearch records a read of the audit log through the
	// admin API, with the filters used (never the events returned).
	TypeAdminAuditSearch = "admin.audit_search"
)

// Outcomes of audited actions.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeError   = "error"
	OutcomeStarted = "started"
)

// Event is one audit record. Content is never stored in plain text: Data
// holds sizes, codes, findings and references.
type Event struct {
	ID        string
	Time      time.Time
	Type      string
	RequestID string
	Outcome   string
	Actor     string
	App       string
	Agent     string
	// TraceID is the W3C trace id (32 hex digits) of the request the
	// event belongs to, which leads to its spans and operational log
	// lines. It is stored in Data as "trace_id".
	TraceID string
	// Data carries type-specific fields; it is stored as JSON.
	Data map[string]any
}

// Recorder records events. Record returns the stored event's id; it fails
// with an audit_unavailable refusal when the event could not be made
// durable. RecordWith stores the event atomically with the transcript
// writes it describes. *Journal is the implementation.
type Recorder interface {
	Record(ctx context.Context, ev Event) (string, error)
	RecordWith(ctx context.Context, ev Event, rec store.Record) (string, store.Record, error)
}

// stored returns the event's stored form: caller-supplied fields are
// cleaned so they cannot forge log lines, times are UTC, data is a JSON
// object
// (with the trace id as "trace_id", the caller's map left as it is).
func (ev Event) stored() (store.AuditEvent, error) {
	d := ev.Data
	if ev.TraceID != "" {
		d = make(map[string]any, len(ev.Data)+1)
		for k, v := range ev.Data {
			d[k] = v
		}
		d["trace_id"] = Clean(ev.TraceID)
	}
	if d == nil {
		// Data is always an object, so every reader (exports, the admin
		// API, the CLI) shows it byte for byte as stored.
		d = map[string]any{}
	}
	data, err := json.Marshal(d)
	if err != nil {
		return store.AuditEvent{}, apperr.Wrap(err, apperr.KindInternal, apperr.CodeInternal, "The audit event could not be encoded.")
	}
	return store.AuditEvent{
		ID:        ev.ID,
		Time:      ev.Time.UTC(),
		Type:      ev.Type,
		RequestID: Clean(ev.RequestID),
		Outcome:   ev.Outcome,
		Actor:     Clean(ev.Actor),
		App:       Clean(ev.App),
		Agent:     Clean(ev.Agent),
		Data:      data,
	}, nil
}

// NewID returns a new event id: "ev_" followed by 128 bits in hex (48 bits
// of milliseconds, then 80 random bits), so ids sort roughly by creation
// time.
func NewID() string { return ids.New("ev_") }

// Clean makes a caller-supplied value safe to store in a log field: control
// characters (line breaks included), line and paragraph separators and
// format characters (bidirectional overrides, zero-width and tag
// characters) are replaced by U+FFFD, so a value cannot forge a log line
// or disguise itself, and the length is bounded.
func Clean(s string) string {
	const max = 256
	if len(s) > max {
		s = s[:max]
	}
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// unsafeRune reports a character that could forge or disguise a log line:
// control characters, the Unicode line and paragraph separators, and
// format characters (bidirectional overrides and isolates, zero-width
// characters, tag characters), which can make a value display as another.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r)
}
