package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Resolver looks up the addresses of a host name. *net.Resolver implements
// it; tests inject fakes to simulate DNS rebinding.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configures a Client. Zero values mean the documented defaults.
type Options struct {
	// Policy is the allow-list every request and redirect is checked
	// against. Required.
	Policy *Policy
	// Timeout bounds a whole request including redirects and reading the
	// body. Default 30s; NoTimeout lifts the bound (for streamed answers,
	// which the caller bounds with its context instead).
	Timeout time.Duration
	// DialTimeout bounds name resolution plus connecting. Default 5s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default 10s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers after the
	// request is written. Default 30s.
	ResponseHeaderTimeout time.Duration
	// MaxResponseBytes caps the (decoded) response body; reading past it
	// fails with egress_response_too_large. Default 10 MiB.
	MaxResponseBytes int64
	// MaxRedirects caps the redirects followed. 0 means the default (5); a
	// negative value means redirects are not followed and the 3xx response
	// is returned as is.
	MaxRedirects int
	// Resolver resolves host names; default net.DefaultResolver.
	Resolver Resolver
	// OnRefuse, if set, is called once for every refusal so it can be
	// audited: every *Error except egress_timeout, egress_unreachable and
	// egress_canceled, which are ordinary failures. It must be fast and
	// safe for concurrent use.
	OnRefuse func(ctx context.Context, e *Error)
}

// Defaults used when the corresponding Options field is zero.
const (
	DefaultTimeout               = 30 * time.Second
	DefaultDialTimeout           = 5 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 30 * time.Second
	DefaultMaxResponseBytes      = 10 << 20
	DefaultMaxRedirects          = 5
)

// NoTimeout as Options.Timeout leaves a request without an overall time
// limit; dialing, the TLS handshake and the wait for response headers stay
// bounded.
const NoTimeout time.Duration = -1

// Client is the policy-enforcing outbound HTTP client. It is safe for
// concurrent use. Every request, and every redirect hop, is checked against
// the Policy; host names are resolved once, every address is checked, and
// the checked IP is dialled literally.
type Client struct {
	policy       *Policy
	opts         Options
	transports   map[*compiledRule]*http.Transport
	rt           *transport
	hc           *http.Client
	maxRedirects int // -1: do not follow

	// netDial connects to an already checked "ip:port". Tests replace it
	// to observe dialled addresses without touching the network.
	netDial func(ctx context.Context, cr *compiledRule, network, addr string) (net.Conn, error)
}

// New builds a Client from opts, applying defaults.
func New(opts Options) (*Client, error) {
	if opts.Policy == nil {
		return nil, errors.New("egress: Options.Policy is required")
	}
	for _, d := range []time.Duration{opts.DialTimeout, opts.TLSHandshakeTimeout, opts.ResponseHeaderTimeout} {
		if d < 0 {
			return nil, errors.New("egress: timeouts must not be negative")
		}
	}
	if opts.MaxResponseBytes < 0 {
		return nil, errors.New("egress: MaxResponseBytes must not be negative")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	switch {
	case opts.Timeout == NoTimeout:
		opts.Timeout = 0 // http.Client: no limit
	case opts.Timeout < 0:
		return nil, errors.New("egress: timeouts must not be negative (NoTimeout lifts the overall bound)")
	default:
		def(&opts.Timeout, DefaultTimeout)
	}
	def(&opts.DialTimeout, DefaultDialTimeout)
	def(&opts.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	def(&opts.ResponseHeaderTimeout, DefaultResponseHeaderTimeout)
	if opts.MaxResponseBytes == 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	c := &Client{policy: opts.Policy, opts: opts, transports: map[*compiledRule]*http.Transport{}}
	switch {
	case opts.MaxRedirects < 0:
		c.maxRedirects = -1
	case opts.MaxRedirects == 0:
		c.maxRedirects = DefaultMaxRedirects
	default:
		c.maxRedirects = opts.MaxRedirects
	}
	c.netDial = c.systemDial
	// One transport (and so one connection pool and TLS config) per rule:
	// a connection made under one rule's zone and roots is never reused
	// for another rule.
	for _, cr := range opts.Policy.rules {
		c.transports[cr] = c.newTransport(cr)
	}
	c.rt = &transport{c: c}
	c.hc = c.HTTPClient()
	return c, nil
}

// HTTPClient returns a plain *http.Client whose Transport and CheckRedirect
// enforce the policy, for libraries that want one (OAuth2, OIDC, SDKs).
// Each call returns a new *http.Client sharing the same connection pools.
// Its errors are *url.Error values wrapping *Error; url.Error's message
// includes the URL, so log the *Error (errors.As) rather than the whole
// error. Even if a caller replaces CheckRedirect, the Transport still checks
// every hop.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Transport: c.rt, CheckRedirect: c.checkRedirect, Timeout: c.opts.Timeout}
}

// Do sends req under the policy and returns the response, whose Body is
// limited to MaxResponseBytes. Any error is an *Error (never a *url.Error,
// whose message would include the query string).
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil || req.URL == nil {
		ctx := context.Background()
		if req != nil {
			ctx = req.Context()
		}
		return nil, c.refuse(ctx, &Error{Code: CodeBadURL, Reason: "no URL"})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, c.normalize(req, err)
	}
	return resp, nil
}

// CloseIdleConnections closes idle pooled connections of every rule.
func (c *Client) CloseIdleConnections() {
	for _, t := range c.transports {
		t.CloseIdleConnections()
	}
}

// normalize turns an error from http.Client.Do into an *Error.
func (c *Client) normalize(req *http.Request, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		if ue.Timeout() {
			return &Error{Code: CodeTimeout, Reason: "the request did not complete within the client timeout", URL: redact(req.URL), Err: err}
		}
	}
	e = classify(err)
	e.URL = redact(req.URL)
	if e.Code == CodeUnreachable && strings.HasPrefix(err.Error(), "failed to parse Location header") {
		e = &Error{Code: CodeRedirectDenied, Reason: "the redirect location is not a valid URL", URL: redact(req.URL), Err: err}
		return c.refuse(req.Context(), e)
	}
	return e
}

// refuse reports e to OnRefuse if it is a refusal, and returns it.
func (c *Client) refuse(ctx context.Context, e *Error) *Error {
	if c.opts.OnRefuse != nil && isRefusal(e.Code) {
		c.opts.OnRefuse(ctx, e)
	}
	return e
}

// checkRedirect is the http.Client CheckRedirect hook: hop limit and an
// early policy check of the redirect target.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.maxRedirects < 0 {
		return http.ErrUseLastResponse
	}
	if len(via) > c.maxRedirects {
		return c.refuse(req.Context(), &Error{
			Code:   CodeRedirectDenied,
			Reason: "more than " + strconv.Itoa(c.maxRedirects) + " redirects",
			URL:    redact(req.URL),
		})
	}
	if _, e := c.policy.check(req.URL); e != nil {
		return c.refuse(req.Context(), redirectDenied(req.URL, e))
	}
	return nil
}

func redirectDenied(u *url.URL, inner *Error) *Error {
	return &Error{Code: CodeRedirectDenied, Reason: "the redirect target was refused", Rule: inner.Rule, URL: redact(u), Err: inner}
}

// transport is the http.RoundTripper given to http.Client.
type transport struct{ c *Client }

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) { return t.c.roundTrip(req) }

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pools.
func (t *transport) CloseIdleConnections() { t.c.CloseIdleConnections() }

// sensitiveHeaders are removed when a redirect chain leaves the origin.
var sensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Www-Authenticate", "Referer"}

// secretish reports whether a header name looks like it carries a
// credential (X-Api-Key, X-Auth-Token, X-Session-Id...).
func secretish(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "session", "cookie", "signature", "password", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.URL == nil {
		closeReqBody(req)
		return nil, c.refuse(ctx, &Error{Code: CodeBadURL, Reason: "no URL"})
	}
	isRedirect := req.Response != nil
	fail := func(e *Error) (*http.Response, error) {
		closeReqBody(req)
		if isRedirect && e.Code != CodeRedirectDenied {
			e = redirectDenied(req.URL, e)
		}
		return nil, c.refuse(ctx, e)
	}
	t, e := parseTarget(req.URL)
	if e != nil {
		return fail(e)
	}
	cr, e := c.policy.match(req.URL, t)
	if e != nil {
		return fail(e)
	}
	if req.Host != "" && !strings.EqualFold(strings.TrimSuffix(req.Host, ":"), strings.TrimSuffix(req.URL.Host, ":")) {
		e := denied(CodeBadURL, "the Host header may not differ from the URL host", req.URL)
		e.Rule = cr.rule.Name
		return fail(e)
	}

	// Walk the redirect chain (http.Client links each hop to the response
	// that caused it) to enforce the hop limit and decide whether this hop
	// is still on the original origin and rule.
	crossOrigin := false
	hops := 0
	for r := req.Response; r != nil && r.Request != nil; r = r.Request.Response {
		hops++
		pt, pe := parseTarget(r.Request.URL)
		if pe != nil || pt.origin() != t.origin() {
			crossOrigin = true
		} else if pcr, pe := c.policy.match(r.Request.URL, pt); pe != nil || pcr != cr {
			crossOrigin = true
		}
	}
	if isRedirect && (c.maxRedirects < 0 || hops > c.maxRedirects) {
		return fail(&Error{Code: CodeRedirectDenied, Reason: "too many redirects", URL: redact(req.URL)})
	}

	out := req
	if crossOrigin {
		out = req.Clone(ctx)
		for _, h := range sensitiveHeaders {
			out.Header.Del(h)
		}
		for h := range out.Header {
			if secretish(h) {
				out.Header.Del(h)
			}
		}
	}
	if cr.rule.Inject != nil && !crossOrigin {
		if out == req {
			out = req.Clone(ctx)
		}
		if err := cr.rule.Inject(ctx, out); err != nil {
			return fail(&Error{Code: CodeCredentials, Reason: "the credential injector failed", Rule: cr.rule.Name, URL: redact(req.URL), Err: err})
		}
		// Inject may add query parameters, but must not move the request.
		if out.URL == nil || out.URL.Scheme != req.URL.Scheme || out.URL.Host != req.URL.Host || out.Host != req.Host {
			return fail(&Error{Code: CodeCredentials, Reason: "the credential injector changed the destination", Rule: cr.rule.Name, URL: redact(req.URL)})
		}
		if ncr, e := c.policy.check(out.URL); e != nil || ncr != cr {
			return fail(&Error{Code: CodeCredentials, Reason: "the credential injector changed the request to one the rule does not allow", Rule: cr.rule.Name, URL: redact(req.URL)})
		}
	}

	resp, err := c.transports[cr].RoundTrip(out)
	if err != nil {
		// The transport has closed the body.
		e := classify(err)
		if e.Rule == "" {
			e.Rule = cr.rule.Name
		}
		if e.URL == "" {
			e.URL = redact(req.URL)
		}
		if isRedirect && isPolicyCode(e.Code) {
			e = redirectDenied(req.URL, e)
		}
		return nil, c.refuse(ctx, e)
	}
	// Never hand the injected copy (with its credentials) back up.
	resp.Request = req
	limit := c.opts.MaxResponseBytes
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, c.refuse(ctx, &Error{
			Code:   CodeResponseTooLarge,
			Reason: "the response declares " + strconv.FormatInt(resp.ContentLength, 10) + " bytes; the limit is " + strconv.FormatInt(limit, 10),
			Rule:   cr.rule.Name, URL: redact(req.URL),
		})
	}
	resp.Body = &limitBody{rc: resp.Body, left: limit, limit: limit, c: c, ctx: ctx, rule: cr.rule.Name, url: req.URL}
	return resp, nil
}

func isPolicyCode(code string) bool {
	switch code {
	case CodeBadURL, CodeSchemeDenied, CodeDestinationDenied, CodeAddressDenied:
		return true
	}
	return false
}

// classify maps a transport or dial error to an *Error.
func classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return &Error{Code: CodeTimeout, Reason: safeReason(err), Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeCanceled, Reason: "the caller canceled the request", Err: err}
	case isTLSError(err):
		return &Error{Code: CodeTLS, Reason: safeReason(err), Err: err}
	}
	return &Error{Code: CodeUnreachable, Reason: safeReason(err), Err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLSError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		uae x509.UnknownAuthorityError
		he  x509.HostnameError
		cie x509.CertificateInvalidError
		rhe tls.RecordHeaderError
		ae  tls.AlertError
	)
	if errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &he) ||
		errors.As(err, &cie) || errors.As(err, &rhe) || errors.As(err, &ae) {
		return true
	}
	return strings.Contains(err.Error(), "tls: ")
}

// safeReason renders a transport-level cause for Error.Reason. These come
// from net, crypto/tls and net/http (never from a *url.Error, so they hold
// no query strings); they are truncated to stay readable.
func safeReason(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// newTransport builds the transport for one rule: its own TLS settings and
// a dialer that enforces its zone.
func (c *Client) newTransport(cr *compiledRule) *http.Transport {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: cr.rule.RootCAs}
	if get := cr.rule.ClientCert; get != nil {
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, err := get()
			if err != nil {
				return nil, err
			}
			if cert == nil {
				return &tls.Certificate{}, nil // no certificate to offer
			}
			return cert, nil
		}
	}
	return &http.Transport{
		Proxy: nil, // never from the environment
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return c.dial(ctx, cr, network, addr)
		},
		TLSClientConfig:        tc,
		TLSHandshakeTimeout:    c.opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout:  c.opts.ResponseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    128, // a gateway keeps many calls open to one model server; fewer means a new connection per call under load
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
}

// dial resolves addr's host once, refuses unless every address is allowed
// for the rule, then connects to the checked IPs literally, so a second
// (rebound) DNS answer can never be used.
func (c *Client) dial(ctx context.Context, cr *compiledRule, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &Error{Code: CodeBadURL, Reason: "invalid dial address", Rule: cr.rule.Name, Err: err}
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return nil, &Error{Code: CodeBadURL, Reason: "invalid port", Rule: cr.rule.Name, Err: err}
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = c.opts.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			e := classify(err)
			if e.Code == CodeUnreachable {
				e.Reason = "could not resolve " + host
			}
			e.Rule = cr.rule.Name
			return nil, e
		}
		if len(addrs) == 0 {
			return nil, &Error{Code: CodeUnreachable, Reason: "no addresses for " + host, Rule: cr.rule.Name}
		}
	}
	// Every answer must pass: a mixed public/private answer is an attack.
	for _, a := range addrs {
		if why := c.policy.addrDenied(cr, a); why != "" {
			if a.String() != host {
				why = host + " resolved to a restricted address: " + why
			}
			return nil, &Error{Code: CodeAddressDenied, Reason: why, Rule: cr.rule.Name}
		}
	}
	var firstErr error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(canonAddr(a), uint16(port))
		conn, err := c.netDial(ctx, cr, network, ap.String())
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		var e *Error
		if errors.As(err, &e) || ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// systemDial connects to a literal ip:port. The Control hook re-checks the
// exact address handed to connect(2), as a second line of defence.
func (c *Client) systemDial(ctx context.Context, cr *compiledRule, network, addr string) (net.Conn, error) {
	d := net.Dialer{
		Control: func(_, address string, _ syscall.RawConn) error {
			return c.controlCheck(cr, address)
		},
	}
	return d.DialContext(ctx, network, addr)
}

// controlCheck refuses a connect to address unless the rule allows it.
func (c *Client) controlCheck(cr *compiledRule, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &Error{Code: CodeAddressDenied, Reason: "connect to an unparsable address", Rule: cr.rule.Name, Err: err}
	}
	if why := c.policy.addrDenied(cr, ap.Addr()); why != "" {
		return &Error{Code: CodeAddressDenied, Reason: why, Rule: cr.rule.Name}
	}
	return nil
}

// limitBody fails reads past the response size limit.
type limitBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	err   error
	c     *Client
	ctx   context.Context
	rule  string
	url   *url.URL
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = b.c.refuse(b.ctx, &Error{
			Code:   CodeResponseTooLarge,
			Reason: "the response body exceeds the limit of " + strconv.FormatInt(b.limit, 10) + " bytes",
			Rule:   b.rule, URL: redact(b.url),
		})
		return n, b.err
	}
	b.left -= int64(n)
	return n, err
}

func (b *limitBody) Close() error { return b.rc.Close() }

// DialTCP opens a TCP connection to addr (host:port) for a protocol other
// than HTTP, such as syslog over TCP or TLS. It is allowed by the rule that
// allows the URL "https://addr/" and checked like an HTTP request's
// connection: host names are resolved once, every address is checked
// against the rule's zone, and the checked address is dialled. Any refusal
// is an *Error, reported to OnRefuse.
func (c *Client) DialTCP(ctx context.Context, addr string) (net.Conn, error) {
	u := &url.URL{Scheme: "https", Host: addr, Path: "/"}
	cr, e := c.policy.check(u)
	if e != nil {
		return nil, c.refuse(ctx, e)
	}
	conn, err := c.dial(ctx, cr, "tcp", addr)
	if err != nil {
		if ee, ok := errors.AsType[*Error](err); ok {
			return nil, c.refuse(ctx, ee)
		}
		e := classify(err)
		e.Rule = cr.rule.Name
		return nil, e
	}
	return conn, nil
}
