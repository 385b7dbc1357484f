package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-gw/palisade/internal/apperr"
	"github.com/palisade-gw/palisade/internal/egress"
)

// Messages of the refusals this package returns. They are shown to the
// caller, so they say what went wrong without naming hosts or secrets.
const (
	msgUnavailable   = "the model server could not be reached"
	msgBroken        = "the connection to the model server broke during the answer"
	msgTLS           = "the model server's TLS certificate was not accepted"
	msgTimeout       = "the model server did not answer in time"
	msgRateLimited   = "the model server is rate limiting requests; try again later"
	msgCredentials   = "the model server refused Palisade's credentials"
	msgRedirect      = "the model server answered with a redirect to another host, which Palisade does not follow"
	msgRedirectLoop  = "the model server redirected Palisade too many times"
	msgTooLarge      = "the model server's answer is larger than Palisade accepts"
	msgLineTooLong   = "the model server sent a stream line longer than Palisade accepts"
	maxExcerptRunes  = 160
	redactedSentinel = "[redacted]"
)

// transportError maps a failure of http.Client.Do.
func (a *Agent) transportError(ctx context.Context, err error) error {
	if cerr := a.contextError(ctx, err); cerr != nil {
		return cerr
	}
	if ee, ok := errors.AsType[*egress.Error](err); ok {
		switch ee.Code {
		case egress.CodeTimeout:
			return a.wrap(err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout, msgTimeout)
		case egress.CodeUnreachable:
			return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamUnavail, msgUnavailable)
		case egress.CodeTLS:
			return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamUnavail, msgTLS)
		case egress.CodeResponseTooLarge:
			return a.badResponse(err, msgTooLarge)
		case egress.CodeCanceled:
			if cerr := a.contextError(ctx, context.Canceled); cerr != nil {
				return cerr
			}
		}
		return a.wrap(err, apperr.KindUpstream, apperr.CodeEgressDenied,
			"Palisade's egress policy refused the call to the model server (%s): %s", ee.Code, ee.Reason)
	}
	if errors.Is(err, errRedirect) {
		return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamError, msgRedirect)
	}
	if errors.Is(err, errRedirectLoop) {
		return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamError, msgRedirectLoop)
	}
	if isTimeout(err) {
		return a.wrap(err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout, msgTimeout)
	}
	if isTLSError(err) {
		return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamUnavail, msgTLS)
	}
	// Refused, reset, DNS failures, a closed connection before the answer,
	// and anything else about the transport: the server is unavailable.
	return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamUnavail, msgUnavailable)
}

// readError maps a failure while reading the response body.
func (a *Agent) readError(ctx context.Context, err error) error {
	if cerr := a.contextError(ctx, err); cerr != nil {
		return cerr
	}
	switch {
	case errors.Is(err, errTooLarge) || egress.HasCode(err, egress.CodeResponseTooLarge):
		return a.badResponse(err, msgTooLarge)
	case errors.Is(err, bufio.ErrTooLong):
		return a.badResponse(err, msgLineTooLong)
	case isTimeout(err):
		return a.wrap(err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout, msgTimeout)
	}
	return a.wrap(err, apperr.KindUpstream, apperr.CodeUpstreamUnavail, msgBroken)
}

// contextError returns the error for a done ctx, or nil while ctx is live.
// A deadline is the model server's slowness (upstream_timeout); a
// cancellation is the caller's doing and is returned as the context error,
// not as a refusal.
func (a *Agent) contextError(ctx context.Context, err error) error {
	switch ctx.Err() {
	case nil:
		return nil
	case context.DeadlineExceeded:
		return a.wrap(err, apperr.KindUpstreamTimeout, apperr.CodeUpstreamTimeout, msgTimeout)
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return fmt.Errorf("upstream agent %q: request canceled: %w (cause: %w)", a.name, ctx.Err(), cause)
	}
	return fmt.Errorf("upstream agent %q: request canceled: %w", a.name, ctx.Err())
}

// statusError maps a non-2xx response. It reads a bounded part of the body
// to quote the server's error message.
func (a *Agent) statusError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	var body errorBody
	var msg string
	if json.Unmarshal(data, &body) == nil && body.Error != nil {
		msg = a.excerpt(body.Error.Message)
	}
	cause := fmt.Errorf("status %d", resp.StatusCode)
	if msg != "" {
		cause = fmt.Errorf("status %d: %s", resp.StatusCode, msg)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		if ra := a.excerpt(resp.Header.Get("Retry-After")); ra != "" {
			cause = fmt.Errorf("%w (retry after %s)", cause, ra)
		}
		return a.wrap(cause, apperr.KindRateLimited, apperr.CodeUpstreamRateLimit, msgRateLimited)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamError, msgCredentials)
	case code >= 300 && code <= 399:
		// A redirect without a Location, or one the client gave up on.
		return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamError,
			"the model server answered with status %d, which Palisade does not follow", code)
	}
	if msg != "" {
		return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamError,
			"the model server answered with status %d: %s", resp.StatusCode, msg)
	}
	return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamError,
		"the model server answered with status %d", resp.StatusCode)
}

// apiError maps an "error" object found in a 2xx answer or a stream.
func (a *Agent) apiError(e *apiError) error {
	msg := a.excerpt(e.Message)
	cause := fmt.Errorf("error object in answer: %s", msg)
	if msg == "" {
		return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamError, "the model server reported an error")
	}
	return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamError, "the model server reported an error: %s", msg)
}

// streamError maps an "event: error" stream event.
func (a *Agent) streamError(data string) error {
	var body errorBody
	if json.Unmarshal([]byte(data), &body) == nil && body.Error != nil {
		return a.apiError(body.Error)
	}
	var e apiError
	if json.Unmarshal([]byte(data), &e) == nil && e.Message != "" {
		return a.apiError(&e)
	}
	return a.apiError(&apiError{})
}

// badResponse returns an upstream_bad_response refusal.
func (a *Agent) badResponse(cause error, msg string) error {
	return a.wrap(cause, apperr.KindUpstream, apperr.CodeUpstreamBadReply, "%s", msg)
}

// wrap returns a refusal whose cause names the agent.
func (a *Agent) wrap(cause error, kind apperr.Kind, code, format string, args ...any) error {
	return apperr.Wrap(fmt.Errorf("upstream agent %q: %w", a.name, cause), kind, code, format, args...)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLSError(err error) bool {
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		cerr x509.CertificateInvalidError
		rerr tls.RecordHeaderError
	)
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) ||
		errors.As(err, &cerr) || errors.As(err, &rerr)
}

// excerpt shortens a message quoted from the model server so that it can
// be shown: the API key and anything that looks like a credential are
// replaced, control characters dropped, whitespace collapsed, and the
// result cut to maxExcerptRunes.
func (a *Agent) excerpt(s string) string {
	if a.apiKey != "" {
		s = strings.ReplaceAll(s, a.apiKey, redactedSentinel)
	}
	if k := a.lastKey.Load(); k != nil && *k != "" {
		s = strings.ReplaceAll(s, *k, redactedSentinel)
	}
	s = strings.ToValidUTF8(s, "")
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	for i, w := range words {
		if looksSecret(w) {
			words[i] = redactedSentinel
		}
	}
	s = strings.Join(words, " ")
	if utf8.RuneCountInString(s) > maxExcerptRunes {
		r := []rune(s)
		s = string(r[:maxExcerptRunes-1]) + "…"
	}
	return s
}

// looksSecret reports whether a word looks like a credential: an
// "sk-"-style key, or a long run mixing upper case, lower case and digits
// (tokens, JWTs). Model names, which are lower case, are kept.
func looksSecret(w string) bool {
	w = strings.Trim(w, `"'.,;:()[]{}<>`)
	if len(w) >= 12 && strings.HasPrefix(w, "sk-") {
		return true
	}
	if len(w) < 24 {
		return false
	}
	var upper, lower, digit bool
	for _, r := range w {
		switch {
		case 'A' <= r && r <= 'Z':
			upper = true
		case 'a' <= r && r <= 'z':
			lower = true
		case '0' <= r && r <= '9':
			digit = true
		}
	}
	return upper && lower && digit
}
