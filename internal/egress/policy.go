package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Rule allows one destination: a host (or a wildcard of subdomains), the
// schemes and ports it may be reached on, an optional path prefix, and how to
// talk to it (trusted roots, client certificate, injected credentials).
// Everything not allowed by some rule is refused.
type Rule struct {
	// Name identifies the rule in errors and audit records. Required, unique.
	Name string
	// Schemes lists the allowed schemes: "https" and/or "http". Empty means
	// https only; plain http must be listed explicitly.
	Schemes []string
	// Host is an exact host name (case-insensitive, a trailing dot is
	// ignored), "*.example.com" (any subdomain, not the apex), or an IP
	// literal in canonical form ("10.0.0.5", "2001:db8::1").
	Host string
	// Ports lists the allowed ports. Empty means the scheme's default port
	// only (443 for https, 80 for http).
	Ports []int
	// PathPrefix restricts the path. "" or "/" allows any path; "/api"
	// allows /api and /api/..., not /apix.
	PathPrefix string
	// Zone names a Zone whose addresses this destination may connect to, in
	// addition to public addresses. "" means public addresses only.
	Zone string
	// RootCAs are the roots trusted for this destination; nil means the
	// system roots. Certificate verification is always on.
	RootCAs *x509.CertPool
	// ClientCert, if set, supplies the client certificate for mutual TLS.
	// It is called on every handshake that asks for one, so keys may rotate.
	ClientCert func() (*tls.Certificate, error)
	// Inject, if set, adds credentials to a request for this rule after the
	// policy check has passed. It receives a private copy of the request. It
	// is applied only while a redirect chain stays on the original origin
	// and rule; a redirect elsewhere gets no injected credentials.
	Inject func(ctx context.Context, req *http.Request) error
}

// Zone names a set of address prefixes (an internal network, or
// 127.0.0.1/32 for a loopback service) that are otherwise refused. Only rules
// that name the zone may connect to its addresses; to every other rule those
// addresses are denied, even if they are public.
type Zone struct {
	// Name is how rules refer to the zone. Required, unique.
	Name string
	// Prefixes are the addresses in the zone. An IPv4 prefix also matches
	// the IPv4-mapped IPv6 form of its addresses.
	Prefixes []netip.Prefix
}

// Policy is a compiled, immutable allow-list of rules and zones. It is safe
// for concurrent use and may be shared by several Clients.
type Policy struct {
	rules    []*compiledRule
	exact    map[string][]*compiledRule // host -> rules, most specific first
	wildcard map[string][]*compiledRule // ".example.com" -> rules
	zones    []*zone
}

type compiledRule struct {
	rule     Rule
	http     bool
	https    bool
	ports    []int // empty: scheme default
	prefix   string
	zone     *zone
	wildcard bool
	addr     netip.Addr // set when Host is an IP literal
	idx      int
}

// blockedNames are host names refused before resolution, whatever the rules
// say: they name the local machine or cloud metadata services.
var blockedNames = map[string]bool{
	"localhost":                true,
	"metadata.google.internal": true,
	"metadata.goog":            true,
	"metadata":                 true,
	"instance-data":            true,
}

// NewPolicy validates and compiles rules and zones. It fails on an empty or
// duplicate name, an unknown zone, a bad host pattern (non-canonical IP,
// reserved name, over-broad wildcard), a scheme other than http/https, a bad
// port or path prefix, or an IP-literal rule that no zone makes reachable.
func NewPolicy(rules []Rule, zones []Zone) (*Policy, error) {
	p := &Policy{
		exact:    map[string][]*compiledRule{},
		wildcard: map[string][]*compiledRule{},
	}
	zoneByName := map[string]*zone{}
	for _, z := range zones {
		if z.Name == "" {
			return nil, errors.New("egress: a zone has no name")
		}
		if zoneByName[z.Name] != nil {
			return nil, fmt.Errorf("egress: zone %q is defined twice", z.Name)
		}
		if len(z.Prefixes) == 0 {
			return nil, fmt.Errorf("egress: zone %q has no prefixes", z.Name)
		}
		cz := &zone{name: z.Name}
		for _, pr := range z.Prefixes {
			n, ok := normalizePrefix(pr)
			if !ok {
				return nil, fmt.Errorf("egress: zone %q: invalid prefix %v", z.Name, pr)
			}
			if n.Bits() == 0 {
				return nil, fmt.Errorf("egress: zone %q: prefix %v covers the whole address space", z.Name, pr)
			}
			cz.prefixes = append(cz.prefixes, n)
		}
		zoneByName[z.Name] = cz
		p.zones = append(p.zones, cz)
	}
	names := map[string]bool{}
	for i, r := range rules {
		cr, err := compileRule(r, zoneByName, p)
		if err != nil {
			name := r.Name
			if name == "" {
				name = "#" + strconv.Itoa(i+1)
			}
			return nil, fmt.Errorf("egress: rule %q: %w", name, err)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("egress: rule name %q is used twice", r.Name)
		}
		names[r.Name] = true
		cr.idx = i
		p.rules = append(p.rules, cr)
		host := strings.TrimPrefix(cr.rule.Host, "*")
		if cr.wildcard {
			p.wildcard[host] = append(p.wildcard[host], cr)
		} else {
			p.exact[host] = append(p.exact[host], cr)
		}
	}
	// Most specific path prefix first; ties keep configuration order.
	byPrefix := func(a, b *compiledRule) int {
		if len(a.prefix) != len(b.prefix) {
			return len(b.prefix) - len(a.prefix)
		}
		return a.idx - b.idx
	}
	for _, l := range p.exact {
		slices.SortStableFunc(l, byPrefix)
	}
	for _, l := range p.wildcard {
		slices.SortStableFunc(l, byPrefix)
	}
	return p, nil
}

func compileRule(r Rule, zones map[string]*zone, p *Policy) (*compiledRule, error) {
	if r.Name == "" {
		return nil, errors.New("a rule has no name")
	}
	cr := &compiledRule{rule: r}
	schemes := r.Schemes
	if len(schemes) == 0 {
		schemes = []string{"https"}
	}
	for _, s := range schemes {
		switch strings.ToLower(s) {
		case "https":
			cr.https = true
		case "http":
			cr.http = true
		default:
			return nil, fmt.Errorf("scheme %q is not allowed (only http and https)", s)
		}
	}
	for _, port := range r.Ports {
		if port < 1 || port > 65535 {
			return nil, fmt.Errorf("port %d is out of range", port)
		}
	}
	cr.ports = slices.Clone(r.Ports)
	if r.Zone != "" {
		cr.zone = zones[r.Zone]
		if cr.zone == nil {
			return nil, fmt.Errorf("unknown zone %q", r.Zone)
		}
	}
	// Host.
	host := strings.ToLower(r.Host)
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" || a.String() != host {
			return nil, fmt.Errorf("IP host %q is not in canonical form (want %q)", r.Host, a.WithZone("").String())
		}
		if a.Is4In6() {
			return nil, fmt.Errorf("IP host %q is IPv4-mapped; use %q", r.Host, a.Unmap().String())
		}
		cr.addr = a
		if why := p.addrDenied(cr, a); why != "" {
			return nil, fmt.Errorf("host %s can never be reached: %s (add it to the rule's zone)", host, why)
		}
	} else {
		host = strings.TrimSuffix(host, ".")
		if strings.HasPrefix(host, "*.") {
			cr.wildcard = true
			suffix := host[2:]
			if err := validHostName(suffix); err != nil {
				return nil, fmt.Errorf("host pattern %q: %w", r.Host, err)
			}
			if !strings.Contains(suffix, ".") {
				return nil, fmt.Errorf("host pattern %q is too broad; name at least two labels (*.example.com)", r.Host)
			}
			if suffix == "internal" || strings.HasSuffix(suffix, ".internal") || suffix == "localhost" || strings.HasSuffix(suffix, ".localhost") {
				return nil, fmt.Errorf("host pattern %q covers reserved internal names; name each host exactly with a zone", r.Host)
			}
			host = "*." + suffix
		} else {
			if err := validHostName(host); err != nil {
				return nil, fmt.Errorf("host %q: %w", r.Host, err)
			}
			if blockedHost(host) {
				return nil, fmt.Errorf("host %q is reserved (local machine or cloud metadata) and can never be allowed", r.Host)
			}
			if strings.HasSuffix(host, ".internal") && cr.zone == nil {
				return nil, fmt.Errorf("host %q ends in .internal; such a rule must name a zone", r.Host)
			}
		}
	}
	cr.rule.Host = host
	// Path prefix.
	pp := r.PathPrefix
	if pp == "/" {
		pp = ""
	}
	if pp != "" {
		if !strings.HasPrefix(pp, "/") {
			return nil, fmt.Errorf("path prefix %q must start with /", r.PathPrefix)
		}
		if why := unsafePath(pp, pp); why != "" {
			return nil, fmt.Errorf("path prefix %q: %s", r.PathPrefix, why)
		}
		pp = strings.TrimRight(pp, "/")
	}
	cr.prefix = pp
	cr.rule.PathPrefix = pp
	cr.rule.Schemes = slices.Clone(schemes)
	return cr, nil
}

// validHostName checks s (lower case, no trailing dot) is a syntactically
// valid DNS name made of ASCII letters, digits, '-' and '_', and is not
// numeric in a way a C resolver would read as an IPv4 address.
func validHostName(s string) error {
	if s == "" {
		return errors.New("empty host")
	}
	if len(s) > 253 {
		return errors.New("host name too long")
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			label++
			if label > 63 {
				return errors.New("host label too long")
			}
		case c == '.':
			if label == 0 {
				return errors.New("empty label in host name")
			}
			label = 0
		default:
			return errors.New("host name contains a character that is not allowed")
		}
	}
	if label == 0 {
		return errors.New("empty label in host name")
	}
	if looksNumeric(s) {
		return errors.New("numeric host is not a canonical dotted-quad IPv4 address")
	}
	return nil
}

// looksNumeric reports whether the last label of s is a number (decimal
// digits, or 0x followed by hex digits). Such hosts are read as IPv4
// addresses by inet_aton and browsers (127.1, 2130706433, 0x7f.1), so unless
// they are canonical dotted quads they are refused as ambiguous.
func looksNumeric(s string) bool {
	last := s[strings.LastIndexByte(s, '.')+1:]
	if last == "" {
		return false
	}
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		for i := 2; i < len(last); i++ {
			if !isHex(last[i]) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// blockedHost reports whether host (lower case, no trailing dot) names the
// local machine or a metadata service.
func blockedHost(host string) bool {
	return blockedNames[host] || strings.HasSuffix(host, ".localhost")
}

// unsafePath returns why a request path is refused, or "". decoded is
// url.URL.Path, raw its escaped form. Dot segments (also "..;" as some
// servers read it), backslashes, control characters and encoded slashes,
// dots or backslashes are refused because servers and proxies disagree
// about them, which lets a path escape its prefix.
func unsafePath(decoded, raw string) string {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) {
			switch {
			case raw[i+1] == '2' && (raw[i+2] == 'f' || raw[i+2] == 'F' || raw[i+2] == 'e' || raw[i+2] == 'E'),
				raw[i+1] == '5' && (raw[i+2] == 'c' || raw[i+2] == 'C'),
				raw[i+1] == '2' && raw[i+2] == '5': // double encoding
				return "the path contains an encoded slash, dot, backslash or percent sign"
			}
		}
	}
	for i := 0; i < len(decoded); i++ {
		c := decoded[i]
		if c == '\\' {
			return "the path contains a backslash"
		}
		if c < 0x20 || c == 0x7f {
			return "the path contains a control character"
		}
	}
	start := 0
	for i := 0; i <= len(decoded); i++ {
		if i == len(decoded) || decoded[i] == '/' {
			seg := decoded[start:i]
			if j := strings.IndexByte(seg, ';'); j >= 0 {
				seg = seg[:j]
			}
			if seg == "." || seg == ".." {
				return "the path contains a dot segment"
			}
			start = i + 1
		}
	}
	return ""
}

// Check decides whether u may be requested, without any I/O. It returns the
// matching rule (owned by the Policy; do not modify it) or an *Error with
// code egress_bad_url, egress_scheme_denied, egress_destination_denied or
// egress_address_denied. The address check done here covers IP-literal
// hosts only; host names are checked again after resolution when dialling.
func (p *Policy) Check(u *url.URL) (*Rule, error) {
	cr, err := p.check(u)
	if err != nil {
		return nil, err
	}
	return &cr.rule, nil
}

// target is a parsed, validated request destination.
type target struct {
	scheme string
	host   string     // lower case, no trailing dot, no brackets
	addr   netip.Addr // valid if host is an IP literal
	port   int
}

func (t target) origin() string { return t.scheme + "://" + t.host + ":" + strconv.Itoa(t.port) }

func denied(code, reason string, u *url.URL) *Error {
	return &Error{Code: code, Reason: reason, URL: redact(u)}
}

// parseTarget validates the URL's shape (everything that does not depend on
// the rules).
func parseTarget(u *url.URL) (target, *Error) {
	var t target
	if u == nil {
		return t, &Error{Code: CodeBadURL, Reason: "no URL"}
	}
	switch u.Scheme {
	case "https":
		t.port = 443
	case "http":
		t.port = 80
	default:
		s := strings.ToLower(u.Scheme)
		if s == "http" || s == "https" {
			return t, denied(CodeBadURL, "the scheme is not in canonical lower case", u)
		}
		if s == "" {
			return t, denied(CodeBadURL, "the URL is not absolute", u)
		}
		return t, &Error{Code: CodeSchemeDenied, Reason: "only http and https are allowed", URL: s + ":"}
	}
	t.scheme = u.Scheme
	if u.User != nil {
		return t, denied(CodeBadURL, "the URL contains userinfo (user@host)", &url.URL{Scheme: u.Scheme, Host: u.Host})
	}
	if u.Opaque != "" {
		return t, denied(CodeBadURL, "the URL is opaque", u)
	}
	hostport := u.Host
	if hostport == "" {
		return t, denied(CodeBadURL, "the URL has no host", u)
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return t, denied(CodeBadURL, "the IPv6 host is malformed", u)
		}
		host = hostport[1:end]
		rest := hostport[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return t, denied(CodeBadURL, "the IPv6 host is malformed", u)
			}
			port = rest[1:]
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return t, denied(CodeBadURL, "the IPv6 host is malformed", u)
		}
		if a.Zone() != "" {
			return t, denied(CodeBadURL, "IPv6 zones are not allowed in URLs", u)
		}
		t.addr = a
		t.host = a.String()
	} else {
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			host, port = hostport[:i], hostport[i+1:]
		}
		host = strings.ToLower(host)
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			t.addr = a
			t.host = host // ParseAddr accepts only canonical dotted quads
		} else {
			host = strings.TrimSuffix(host, ".")
			if err := validHostName(host); err != nil {
				return t, denied(CodeBadURL, err.Error(), u)
			}
			t.host = host
		}
	}
	if port != "" || strings.HasSuffix(hostport, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return t, denied(CodeBadURL, "the port is invalid", u)
		}
		t.port = n
	}
	raw := u.RawPath
	if raw == "" {
		raw = u.Path
	}
	if why := unsafePath(u.Path, raw); why != "" {
		return t, denied(CodeBadURL, why, u)
	}
	return t, nil
}

func (p *Policy) check(u *url.URL) (*compiledRule, *Error) {
	t, e := parseTarget(u)
	if e != nil {
		return nil, e
	}
	return p.match(u, t)
}

func (p *Policy) match(u *url.URL, t target) (*compiledRule, *Error) {
	if !t.addr.IsValid() && blockedHost(t.host) {
		return nil, denied(CodeDestinationDenied, "the host name is reserved for the local machine or a metadata service", u)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	schemeMiss := false
	try := func(l []*compiledRule) *compiledRule {
		for _, cr := range l {
			if !cr.pathOK(path) || !cr.portOK(t) {
				continue
			}
			if (t.scheme == "https" && !cr.https) || (t.scheme == "http" && !cr.http) {
				schemeMiss = true
				continue
			}
			return cr
		}
		return nil
	}
	cr := try(p.exact[t.host])
	if cr == nil && !t.addr.IsValid() {
		// *.example.com: try each proper suffix, longest first.
		for i := strings.IndexByte(t.host, '.'); i >= 0 && cr == nil; {
			cr = try(p.wildcard[t.host[i:]])
			j := strings.IndexByte(t.host[i+1:], '.')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	if cr == nil {
		if schemeMiss {
			return nil, denied(CodeSchemeDenied, "the rule for this destination does not allow "+t.scheme, u)
		}
		if t.addr.IsValid() {
			if why := p.addrDenied(nil, t.addr); why != "" {
				return nil, denied(CodeAddressDenied, why, u)
			}
		}
		return nil, denied(CodeDestinationDenied, "no egress rule allows this host, port and path", u)
	}
	if strings.HasSuffix(t.host, ".internal") && (cr.wildcard || cr.zone == nil) {
		// Unreachable with rules built by NewPolicy; kept as a guard.
		return nil, denied(CodeDestinationDenied, ".internal hosts need an exact rule with a zone", u)
	}
	if t.addr.IsValid() {
		if why := p.addrDenied(cr, t.addr); why != "" {
			e := denied(CodeAddressDenied, why, u)
			e.Rule = cr.rule.Name
			return nil, e
		}
	}
	return cr, nil
}

func (cr *compiledRule) pathOK(path string) bool {
	if cr.prefix == "" {
		return true
	}
	return strings.HasPrefix(path, cr.prefix) && (len(path) == len(cr.prefix) || path[len(cr.prefix)] == '/')
}

func (cr *compiledRule) portOK(t target) bool {
	if len(cr.ports) == 0 {
		return (t.scheme == "https" && t.port == 443) || (t.scheme == "http" && t.port == 80)
	}
	return slices.Contains(cr.ports, t.port)
}
