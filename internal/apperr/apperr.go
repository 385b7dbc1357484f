// Package apperr holds Palisade's closed vocabulary of refusals.
//
// Every "no" that Palisade says is an *Error with a Kind (the class of
// refusal, which decides the HTTP status in exactly one place: the gateway's
// error writer) and a stable Code (a short snake_case string that clients,
// the audit log and the console can match on). Messages are written for a
// person and never contain secrets or raw user content.
package apperr

import (
	"errors"
	"fmt"
)

// Kind is the class of a refusal. The set is closed: add a Kind only when a
// new HTTP status is needed.
type Kind string

// The kinds of refusal Palisade knows.
const (
	// KindInvalid is a request the client must change (malformed JSON, a
	// missing field, an unknown parameter).
	KindInvalid Kind = "invalid"
	// KindUnauthenticated means Palisade could not tell who is asking.
	KindUnauthenticated Kind = "unauthenticated"
	// KindForbidden means the caller is known but may not do this.
	KindForbidden Kind = "forbidden"
	// KindMethodNotAllowed means the path exists but not with this method.
	KindMethodNotAllowed Kind = "method_not_allowed"
	// KindNotFound means the named thing does not exist, or the caller may
	// not know that it does.
	KindNotFound Kind = "not_found"
	// KindConflict means the request clashes with existing state.
	KindConflict Kind = "conflict"
	// KindTooLarge means the request body exceeds the configured limit.
	KindTooLarge Kind = "too_large"
	// KindUnsupportedMedia means the request has the wrong content type.
	KindUnsupportedMedia Kind = "unsupported_media"
	// KindRateLimited means the caller must slow down.
	KindRateLimited Kind = "rate_limited"
	// KindUnavailable means Palisade itself cannot serve the request now
	// (for example the audit log cannot be written): fail closed.
	KindUnavailable Kind = "unavailable"
	// KindUpstream means the model server or tool behind an agent failed.
	KindUpstream Kind = "upstream"
	// KindUpstreamTimeout means the model server did not answer in time.
	KindUpstreamTimeout Kind = "upstream_timeout"
	// KindInternal is a bug or an unexpected failure; details are logged,
	// never shown.
	KindInternal Kind = "internal"
)

// Error is a typed refusal. Code is stable and machine-readable; Message is
// for people. Err, when set, is the underlying cause; it is logged but never
// sent to a client.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, apperr.ErrAgentNotFound) works on wrapped refusals.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// New returns a refusal of the given kind and code.
func New(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns a refusal that keeps cause for the operator's logs.
func Wrap(cause error, kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// As returns the *Error inside err, or an internal error wrapping err when
// err is not a refusal. It never returns nil for a non-nil err.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Code: CodeInternal, Message: "An internal error occurred.", Err: err}
}

// KindOf returns the Kind of err, KindInternal for errors that are not
// refusals, and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	return As(err).Kind
}

// Stable codes. They are part of Palisade's API: never rename one.
const (
	CodeInvalidJSON         = "invalid_json"
	CodeInvalidRequest      = "invalid_request"
	CodeBodyTooLarge        = "body_too_large"
	CodeUnsupportedMedia    = "unsupported_media_type"
	CodeMissingCredential   = "missing_credential"
	CodeInvalidCredential   = "invalid_credential"
	CodeTokenExpired        = "token_expired"
	CodeInvalidToken        = "invalid_token"
	CodeAppNotAllowed       = "app_not_allowed"
	CodeAppNotRegistered    = "app_not_registered"
	CodePermissionDenied    = "permission_denied"
	CodePolicyDenied        = "policy_denied"
	CodeMFARequired         = "mfa_required"
	CodeSessionEnded        = "session_ended"
	CodeTokenRevoked        = "token_revoked"
	CodeLoginStateInvalid   = "login_state_invalid"
	CodeSignInFailed        = "signin_failed"
	CodeIdPUnavailable      = "idp_unavailable"
	CodeAgentNotFound       = "agent_not_found"
	CodeConversationGone    = "conversation_not_found"
	CodeNotFound            = "not_found"
	CodeMethodNotAllowed    = "method_not_allowed"
	CodeConflict            = "conflict"
	CodeAuditUnavailable    = "audit_unavailable"
	CodeStoreUnavailable    = "store_unavailable"
	CodeShuttingDown        = "shutting_down"
	CodeUpstreamUnavail     = "upstream_unavailable"
	CodeUpstreamError       = "upstream_error"
	CodeUpstreamBadReply    = "upstream_bad_response"
	CodeUpstreamTimeout     = "upstream_timeout"
	CodeUpstreamRateLimit   = "upstream_rate_limited"
	CodeContentBlocked      = "content_blocked"
	CodeContentTooLarge     = "content_too_large"
	CodeGuardUnavailable    = "guard_unavailable"
	CodeSecretUnavailable   = "secret_unavailable"
	CodeEgressDenied        = "egress_denied"
	CodeInternal            = "internal_error"
	CodeInvalidConfig       = "invalid_config"
	CodeStreamingForbidden  = "streaming_not_supported"
	CodeOriginNotAllowed    = "origin_not_allowed"
	CodeWrongConversation   = "conversation_forbidden"
	CodeUnsupportedActivity = "unsupported_activity"
)

// Sentinel refusals for errors.Is comparisons. Do not mutate them; return a
// fresh *Error with New when a specific message is needed.
var (
	ErrAgentNotFound = &Error{Kind: KindNotFound, Code: CodeAgentNotFound, Message: "No such agent."}
	ErrAuditDown     = &Error{Kind: KindUnavailable, Code: CodeAuditUnavailable, Message: "The audit log cannot be written, so the request was refused."}
)
