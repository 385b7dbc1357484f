package tools

import (
	"errors"
	"strconv"
	"strings"
)

// Stable error codes. The gateway, the audit log and agents match on these
// strings, so they never change once released.
const (
	// CodeUnknownTool: no tool has the requested name.
	CodeUnknownTool = "tool_unknown"
	// CodeInvalidArguments: the arguments are not a JSON object, are too
	// large, do not match the tool's schema, or cannot be placed in the
	// request (a path value with '/' or '..', an object in a query string).
	CodeInvalidArguments = "tool_invalid_arguments"
	// CodeCredentials: the tool's credentials could not be obtained (the
	// secret could not be read, the OAuth2 token endpoint refused the
	// client), so the request was not sent.
	CodeCredentials = "tool_credentials"
	// CodeDownstream: the downstream API answered with a non-2xx status.
	CodeDownstream = "tool_downstream_error"
	// CodeUnavailable: the downstream API (or its token endpoint) could not
	// be reached, or did not answer in time, or the call was canceled.
	CodeUnavailable = "tool_unavailable"
	// CodeResponseTooLarge: the response body exceeds the tool's
	// MaxResponseBytes.
	CodeResponseTooLarge = "tool_response_too_large"
	// CodeRefused: the request was refused before or while it was sent: the
	// egress policy does not allow the destination, or the API redirected
	// to another origin.
	CodeRefused = "tool_refused"
	// CodeBadTool: the tool definition is invalid (returned by NewExecutor).
	CodeBadTool = "tool_bad_config"
)

// Sentinel errors, one per class. Every *Error matches exactly one of them
// with errors.Is, so callers can branch on the class without string
// matching; Code returns the same information as a stable string.
var (
	// ErrUnknownTool is the class of calls naming a tool that does not exist.
	ErrUnknownTool = errors.New("unknown tool")
	// ErrInvalidArguments is the class of calls whose arguments are refused.
	ErrInvalidArguments = errors.New("invalid tool arguments")
	// ErrCredentials is the class of calls whose credentials could not be
	// obtained; the request was never sent.
	ErrCredentials = errors.New("tool credentials unavailable")
	// ErrDownstream is the class of calls the downstream API answered with a
	// non-2xx status; Status returns it.
	ErrDownstream = errors.New("downstream API error")
	// ErrUnavailable is the class of calls that could not reach the
	// downstream API, timed out or were canceled.
	ErrUnavailable = errors.New("tool unavailable")
	// ErrResponseTooLarge is the class of calls whose response exceeded the
	// tool's size limit.
	ErrResponseTooLarge = errors.New("tool response too large")
	// ErrRefused is the class of calls refused by the egress policy or by
	// the redirect rule (a redirect leaving the tool's origin).
	ErrRefused = errors.New("tool call refused")
	// ErrBadTool is the class of invalid tool definitions.
	ErrBadTool = errors.New("invalid tool definition")
)

var classCode = map[error]string{
	ErrUnknownTool:      CodeUnknownTool,
	ErrInvalidArguments: CodeInvalidArguments,
	ErrCredentials:      CodeCredentials,
	ErrDownstream:       CodeDownstream,
	ErrUnavailable:      CodeUnavailable,
	ErrResponseTooLarge: CodeResponseTooLarge,
	ErrRefused:          CodeRefused,
	ErrBadTool:          CodeBadTool,
}

// Error is the typed error of this package. Its message is written for a
// person (the operator or, relayed by the gateway, the agent) and never
// contains secret material: no API key, client secret, access token or
// assertion, and for downstream errors at most a short, sanitized, redacted
// excerpt of the response body. The wrapped cause (Unwrap) is kept for
// errors.Is/As and debugging; the message does not include its text because
// causes from HTTP and OAuth2 libraries may contain URLs or response bodies.
type Error struct {
	// Class is one of the Err* sentinels.
	Class error
	// Tool is the tool's name, if known.
	Tool string
	// Status is the downstream HTTP status for ErrDownstream, else 0.
	Status int
	// Reason explains what happened, safe to show and log.
	Reason string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns a sentence such as
//
//	tool "get_employee": the API answered HTTP 404 Not Found: {"error":"no such employee"}
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("tool")
	if e.Tool != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Tool))
	}
	b.WriteString(": ")
	if e.Reason != "" {
		b.WriteString(e.Reason)
	} else if e.Class != nil {
		b.WriteString(e.Class.Error())
	} else {
		b.WriteString("failed")
	}
	return b.String()
}

// Unwrap returns the class sentinel and the cause, so errors.Is matches both.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, 2)
	if e.Class != nil {
		out = append(out, e.Class)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Code returns the stable code of err's class (one of the Code* constants),
// or "" when err is nil or not an error of this package.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return classCode[e.Class]
	}
	return ""
}

// Status returns the downstream HTTP status carried by an ErrDownstream
// error, or 0.
func Status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func newErr(class error, tool, reason string, cause error) *Error {
	return &Error{Class: class, Tool: tool, Reason: reason, Err: cause}
}
