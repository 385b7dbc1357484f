package egress

import (
	"errors"
	"net/url"
	"strings"
)

// Stable error codes. Callers, the audit log and dashboards match on these
// strings, so they never change once released.
const (
	// CodeBadURL: the URL cannot be used safely (unparsable, userinfo,
	// non-canonical numeric host, dot segments or encoded slashes/dots).
	CodeBadURL = "egress_bad_url"
	// CodeSchemeDenied: the scheme is not http/https, or not listed by the
	// rule for this destination (plain http must be listed explicitly).
	CodeSchemeDenied = "egress_scheme_denied"
	// CodeDestinationDenied: no rule allows this host, port and path, or the
	// host name is reserved (localhost, cloud metadata, *.internal).
	CodeDestinationDenied = "egress_destination_denied"
	// CodeAddressDenied: a resolved or dialled address lies in a special
	// range (loopback, private, link-local, metadata...) that the rule's zone
	// does not contain, or in a zone the rule does not name.
	CodeAddressDenied = "egress_address_denied"
	// CodeRedirectDenied: a redirect was refused (its target failed a check,
	// which is wrapped, or there were too many hops).
	CodeRedirectDenied = "egress_redirect_denied"
	// CodeResponseTooLarge: the response body exceeds Options.MaxResponseBytes.
	CodeResponseTooLarge = "egress_response_too_large"
	// CodeTLS: the TLS handshake failed, usually certificate verification.
	CodeTLS = "egress_tls"
	// CodeTimeout: a dial, handshake, header or whole-request timeout fired.
	CodeTimeout = "egress_timeout"
	// CodeUnreachable: the destination could not be resolved or connected
	// to, or the connection failed before a response arrived.
	CodeUnreachable = "egress_unreachable"
	// CodeCredentials: the rule's Inject function failed, so the request was
	// not sent rather than sent without credentials.
	CodeCredentials = "egress_credentials"
	// CodeCanceled: the caller's context was canceled.
	CodeCanceled = "egress_canceled"
)

// Error is the typed error for every refused or failed outbound request. Use
// errors.As to get it, or CodeOf / HasCode to test the code. Its message is
// written for a person and never contains userinfo, query strings or
// credentials; Err keeps the underlying cause for logs and errors.Is.
type Error struct {
	// Code is one of the Code* constants.
	Code string
	// Reason is a short human explanation of why, safe to show and log.
	Reason string
	// Rule is the name of the matched rule, if any.
	Rule string
	// URL is the target, redacted: no userinfo, no query, no fragment.
	URL string
	// Err is the underlying cause, if any (for a redirect refusal, the
	// *Error that refused the redirect target).
	Err error
}

var codeText = map[string]string{
	CodeBadURL:            "refused an unsafe URL",
	CodeSchemeDenied:      "refused a scheme that is not allowed",
	CodeDestinationDenied: "refused a destination that no egress rule allows",
	CodeAddressDenied:     "refused to connect to a restricted network address",
	CodeRedirectDenied:    "refused to follow a redirect",
	CodeResponseTooLarge:  "stopped reading a response that is too large",
	CodeTLS:               "could not establish a trusted TLS connection",
	CodeTimeout:           "timed out",
	CodeUnreachable:       "could not reach the destination",
	CodeCredentials:       "could not attach credentials to the request",
	CodeCanceled:          "the request was canceled",
}

// Error returns a sentence such as:
//
//	egress: refused to connect to a restricted network address (rule "billing", https://api.example.com/v1): 127.0.0.1 is a loopback address
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("egress: ")
	if t, ok := codeText[e.Code]; ok {
		b.WriteString(t)
	} else {
		b.WriteString("request failed")
	}
	if e.Rule != "" || e.URL != "" {
		b.WriteString(" (")
		if e.Rule != "" {
			b.WriteString("rule ")
			b.WriteString(quote(e.Rule))
			if e.URL != "" {
				b.WriteString(", ")
			}
		}
		b.WriteString(e.URL)
		b.WriteString(")")
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	// A redirect refusal explains its inner cause, which is itself safe.
	var inner *Error
	if e.Code == CodeRedirectDenied && errors.As(e.Err, &inner) {
		b.WriteString("; ")
		b.WriteString(strings.TrimPrefix(inner.Error(), "egress: "))
	}
	return b.String()
}

// Unwrap returns the underlying cause so errors.Is and errors.As see it.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the code of the outermost *Error in err's chain, or "" if
// there is none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// HasCode reports whether any *Error in err's chain has the given code. A
// redirect refused because its target is a loopback address has both
// CodeRedirectDenied and CodeAddressDenied.
func HasCode(err error, code string) bool {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return false
		}
		if e.Code == code {
			return true
		}
		err = e.Err
	}
	return false
}

// isRefusal reports whether code is a policy refusal (reported to
// Options.OnRefuse) rather than an ordinary network failure.
func isRefusal(code string) bool {
	switch code {
	case CodeTimeout, CodeUnreachable, CodeCanceled:
		return false
	}
	return true
}

// redact renders u without userinfo, query or fragment, for errors and
// audit records.
func redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	if u.Opaque != "" {
		// Opaque URLs are refused; do not echo their content.
		r.Path, r.RawPath = "", ""
	}
	s := r.String()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// quote is a minimal %q that does not pull in fmt on the hot path.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
