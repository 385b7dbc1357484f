package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/palisade-gw/palisade/internal/egress"
)

// isTransportErr reports whether err comes from sending a request rather
// than from interpreting an answer.
func isTransportErr(ctx context.Context, err error) bool {
	var ue *url.Error
	var ne net.Error
	var ee *egress.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &ee) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, errRedirectRefused) || ctx.Err() != nil
}

// classifyTransport turns an error from sending a request to what (a
// description of the destination) into an *Error. The message is built from
// known-safe parts only: url.Error messages contain the URL with its query
// (argument values), and some causes quote response text.
func classifyTransport(ctx context.Context, tool, what string, timeout time.Duration, err error) *Error {
	if errors.Is(err, errRedirectRefused) {
		return newErr(ErrRefused, tool, what+" redirected to another origin; such redirects are not followed", err)
	}
	var ee *egress.Error
	if errors.As(err, &ee) {
		switch ee.Code {
		case egress.CodeBadURL, egress.CodeSchemeDenied, egress.CodeDestinationDenied,
			egress.CodeAddressDenied, egress.CodeRedirectDenied:
			return newErr(ErrRefused, tool, "the egress policy refused the request to "+what+": "+strings.TrimPrefix(ee.Error(), "egress: "), err)
		case egress.CodeResponseTooLarge:
			return newErr(ErrResponseTooLarge, tool, what+" sent a response larger than the egress limit", err)
		case egress.CodeCredentials:
			return newErr(ErrCredentials, tool, "the egress client could not attach credentials", err)
		case egress.CodeTimeout:
			return newErr(ErrUnavailable, tool, fmt.Sprintf("%s did not answer in time", what), err)
		case egress.CodeCanceled:
			return newErr(ErrUnavailable, tool, "the call was canceled", err)
		default:
			return newErr(ErrUnavailable, tool, "could not reach "+what+": "+strings.TrimPrefix(ee.Error(), "egress: "), err)
		}
	}
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return newErr(ErrUnavailable, tool, fmt.Sprintf("%s did not answer within %v", what, timeout), err)
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return newErr(ErrUnavailable, tool, "the call was canceled", err)
	}
	why := "the connection failed"
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		why = "connection reset"
	case errors.As(err, &dnsErr):
		why = "the host name could not be resolved"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		why = "the connection closed before the response was complete"
	}
	return newErr(ErrUnavailable, tool, "could not reach "+what+": "+why, err)
}

func isCtl(r rune) bool { return r < 0x20 || r == 0x7f }

// excerptMax is the longest excerpt of an error response shown in messages.
const excerptMax = 200

// excerpt reads the start of an error response and returns at most
// excerptMax bytes of it, with the secrets redacted, control and format
// characters replaced and whitespace collapsed.
func excerpt(r io.Reader, secrets []string) string {
	// Read enough that a secret starting within the first excerptMax bytes
	// is read whole (escaped forms can be 6x longer), so it is redacted
	// rather than cut in half.
	n := excerptMax + 64
	for _, s := range secrets {
		n = max(n, excerptMax+6*len(s)+64)
	}
	b, _ := io.ReadAll(io.LimitReader(r, int64(n)))
	var clean strings.Builder
	space := false
	for s := string(redactBytes(b, secrets)); len(s) > 0; {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			space = clean.Len() > 0
			continue
		}
		if space {
			clean.WriteByte(' ')
			space = false
		}
		clean.WriteRune(r)
	}
	s := clean.String()
	// A server may echo a credential in an escaped form the redaction does
	// not know ("\u002d" for '-', "%2D"): if decoding reveals one, show
	// nothing.
	for _, form := range []string{s, jsonUnescape(s), percentDecode(s)} {
		if containsAny(form, secrets) {
			return "(response body withheld: it contains credentials)"
		}
	}
	if len(s) <= excerptMax {
		return s
	}
	cut := excerptMax - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// jsonUnescape decodes JSON string escapes in s leniently (invalid ones are
// kept as they are).
func jsonUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; c {
		case '"', '\\', '/':
			b.WriteByte(c)
			i++
		case 'b', 'f', 'n', 'r', 't':
			b.WriteByte(' ')
			i++
		case 'u':
			if i+6 <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
					b.WriteRune(rune(v))
					i += 5
					continue
				}
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// percentDecode decodes %XX escapes in s leniently.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// redactBytes replaces occurrences of each secret (raw, JSON-escaped and
// URL-escaped) in b with "[REDACTED]". It returns b itself when nothing
// matched.
func redactBytes(b []byte, secrets []string) []byte {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range secretForms(s) {
			if bytes.Contains(b, []byte(form)) {
				b = bytes.ReplaceAll(b, []byte(form), []byte("[REDACTED]"))
			}
		}
	}
	return b
}

func secretForms(s string) []string {
	forms := []string{s}
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	if j, err := json.Marshal(s); err == nil {
		add(string(j[1 : len(j)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		j := bytes.TrimSpace(buf.Bytes())
		add(string(j[1 : len(j)-1]))
	}
	add(url.QueryEscape(s))
	add(url.PathEscape(s))
	return forms
}

var printer = message.NewPrinter(language.English)

// maxSchemaMessages is how many schema violations an error lists.
const maxSchemaMessages = 3

// describeValidation turns a schema validation error into at most
// maxSchemaMessages sentences such as "argument /year: must be integer, not
// string", sorted for stable output.
func describeValidation(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return "arguments: do not match the tool's schema"
	}
	var msgs []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			if m := leafMessage(e); !slices.Contains(msgs, m) {
				msgs = append(msgs, m)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(msgs) == 0 {
		return "arguments: do not match the tool's schema"
	}
	slices.Sort(msgs)
	extra := len(msgs) - maxSchemaMessages
	if extra > 0 {
		msgs = msgs[:maxSchemaMessages]
	}
	out := strings.Join(msgs, "; ")
	if extra > 0 {
		out += fmt.Sprintf(" (and %d more)", extra)
	}
	return out
}

func leafMessage(e *jsonschema.ValidationError) string {
	where := "arguments"
	if len(e.InstanceLocation) > 0 {
		var b strings.Builder
		for _, t := range e.InstanceLocation {
			b.WriteByte('/')
			b.WriteString(escapePtr(t))
		}
		where = "argument " + b.String()
	}
	var what string
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		what = fmt.Sprintf("must be %s, not %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Required:
		what = "missing required property " + quoteList(k.Missing)
	case *kind.AdditionalProperties:
		what = "property " + quoteList(k.Properties) + " is not allowed"
		if len(k.Properties) > 1 {
			what = "properties " + quoteList(k.Properties) + " are not allowed"
		}
	case *kind.FalseSchema:
		what = "is not allowed"
	default:
		what = e.ErrorKind.LocalizedString(printer)
	}
	msg := where + ": " + what
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > 160 {
		cut := 157
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "..."
	}
	return msg
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
