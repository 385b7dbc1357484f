package output

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// urlClass is what checkURL decided about one URL.
type urlClass uint8

const (
	// urlAllowed: relative, or every host it names is on the allow-list.
	urlAllowed urlClass = iota
	// urlDenied: a host outside the allow-list, a scheme other than
	// http, https or mailto, or a URL that does not parse.
	urlDenied
	// urlNone: not a URL at all (a scheme with nothing after it). Only
	// bare text uses this class; a link destination is never "none".
	urlNone
)

// checkURL classifies raw, a URL as a browser would receive it (markdown
// escapes and HTML entities already decoded by the caller).
//
// It follows the WHATWG URL parser where that matters for the host: ASCII
// tab and newline are removed anywhere, leading and trailing C0 controls
// and spaces are trimmed, a backslash counts as a slash for http(s), any
// run of slashes after "http:" or "https:" is skipped, and percent-escapes
// in the host are decoded. net/url then parses the rebuilt URL, and the
// host is compared exactly (lower case, trailing dot removed, IDN labels
// in punycode) with the allow-list.
func (f *LinkFilter) checkURL(raw string) urlClass {
	s := cleanURL(raw)
	scheme, rest, ok := splitScheme(s)
	if !ok {
		// No scheme: relative unless it starts with two slashes (in
		// either direction), which makes it protocol-relative.
		if len(s) >= 2 && isSlash(s[0]) && isSlash(s[1]) {
			return f.checkHTTP(s)
		}
		return urlAllowed
	}
	switch scheme {
	case "http", "https":
		return f.checkHTTP(rest)
	case "mailto":
		return f.checkMailto(rest)
	}
	return urlDenied
}

// checkHTTP checks the part of an http(s) URL after "scheme:".
func (f *LinkFilter) checkHTTP(rest string) urlClass {
	i := 0
	for i < len(rest) && isSlash(rest[i]) {
		i++
	}
	rest = rest[i:]
	if strings.IndexByte(rest, '\\') >= 0 {
		rest = strings.ReplaceAll(rest, `\`, "/")
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if authority == "" {
		return urlNone
	}
	userinfo, hostport := "", authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, hostport = authority[:at+1], authority[at+1:]
	}
	host, port := splitPort(hostport)
	if strings.IndexByte(host, '%') >= 0 {
		h, err := url.PathUnescape(host)
		if err != nil {
			return urlDenied
		}
		host = h
	}
	norm, ok := normHost(host)
	if !ok {
		return urlDenied
	}
	// Let net/url confirm the rebuilt URL is well formed. Userinfo and
	// the path do not change the host, so they are kept as written.
	u, err := url.Parse("https://" + userinfo + hostForParse(norm) + port + tail)
	if err != nil {
		return urlDenied
	}
	if h, ok := normHost(u.Hostname()); !ok || h != norm {
		return urlDenied
	}
	if f.hostAllowed(norm) {
		return urlAllowed
	}
	return urlDenied
}

// hostForParse brackets an IPv6 literal so net/url accepts it.
func hostForParse(h string) string {
	if strings.IndexByte(h, ':') >= 0 {
		return "[" + h + "]"
	}
	return h
}

// splitPort separates host and ":port" (IPv6 literals in brackets).
func splitPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") {
		if i := strings.IndexByte(hp, ']'); i >= 0 {
			return hp[1:i], hp[i+1:]
		}
		return hp, ""
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i:]
	}
	return hp, ""
}

// checkMailto allows a mailto URL when every recipient (in the address
// part and in to, cc and bcc parameters) has an allowed domain.
func (f *LinkFilter) checkMailto(rest string) urlClass {
	addrs, query, _ := strings.Cut(rest, "?")
	decoded, err := url.PathUnescape(addrs)
	if err != nil {
		return urlDenied
	}
	if !f.recipientsAllowed(decoded) {
		return urlDenied
	}
	if query == "" {
		return urlAllowed
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return urlDenied
	}
	for k, vs := range q {
		switch strings.ToLower(k) {
		case "to", "cc", "bcc":
			for _, v := range vs {
				if !f.recipientsAllowed(v) {
					return urlDenied
				}
			}
		}
	}
	return urlAllowed
}

// recipientsAllowed checks a comma-separated list of addresses.
func (f *LinkFilter) recipientsAllowed(list string) bool {
	for a := range strings.SplitSeq(list, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		at := strings.LastIndexByte(a, '@')
		if at < 0 {
			return false
		}
		h, ok := normHost(a[at+1:])
		if !ok || !f.hostAllowed(h) {
			return false
		}
	}
	return true
}

// hostAllowed compares a normalised host with the allow-list.
func (f *LinkFilter) hostAllowed(h string) bool {
	if _, ok := f.exact[h]; ok {
		return true
	}
	for _, suf := range f.suffixes {
		if len(h) > len(suf) && strings.HasSuffix(h, suf) {
			return true
		}
	}
	return false
}

// cleanURL removes ASCII tab and newline anywhere and trims leading and
// trailing C0 controls and spaces, as the WHATWG URL parser does. It
// allocates only when there is something to remove.
func cleanURL(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	s = s[i:j]
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
	}
	return s
}

// splitScheme returns the lower-cased scheme and what follows its colon.
// A scheme is an ASCII letter followed by letters, digits, '+', '-' or
// '.', ended by ':'.
func splitScheme(s string) (scheme, rest string, ok bool) {
	if s == "" || !isAlpha(s[0]) {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c), isDigit(c), c == '+', c == '-', c == '.':
		case c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// fullStops maps the ideographic full stops browsers read as '.'.
var fullStops = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".")

// normHost lower-cases a host, maps the ideographic full stops to '.',
// removes one trailing dot and writes non-ASCII labels in punycode. It
// reports false for an empty host or one holding characters no host name
// may contain.
func normHost(h string) (string, bool) {
	if h == "" {
		return "", false
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= utf8.RuneSelf {
			ascii = false
			continue
		}
		if c <= ' ' || c == 0x7f || strings.IndexByte(`"#%/<>?@[\]^|`+"`", c) >= 0 {
			return "", false
		}
	}
	if !ascii {
		if !utf8.ValidString(h) {
			return "", false
		}
		h = fullStops.Replace(h)
	}
	h = strings.ToLower(h)
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return "", false
	}
	if !ascii {
		labels := strings.Split(h, ".")
		for i, l := range labels {
			if !isASCII(l) {
				p, ok := punycode(l)
				if !ok {
					return "", false
				}
				labels[i] = "xn--" + p
			}
		}
		h = strings.Join(labels, ".")
	}
	return h, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// punycode encodes one label as RFC 3492 punycode (without "xn--").
func punycode(label string) (string, bool) {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := rune(initialN), 0, initialBias
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	for h < len(runes) {
		m := rune(0x7fffffff)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		if int(m-n) > (1<<31-1-delta)/(h+1) {
			return "", false
		}
		delta += int(m-n) * (h + 1)
		n = m
		for _, r := range runes {
			if r < n {
				delta++
			}
			if r == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), true
}
