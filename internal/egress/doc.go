// Package egress is the single outbound HTTP client Palisade uses for
// everything it calls: model servers, tools, identity providers, webhooks.
// Its job is to make server-side request forgery (SSRF) impossible by
// construction: an agent, a prompt or a redirect can only make Palisade talk
// to destinations an operator allowed.
//
// # Rules
//
// A Policy is an allow-list of Rules. A Rule names one destination: an exact
// host ("api.openai.com"), a wildcard of its subdomains ("*.example.com",
// which does not match the apex), or a canonical IP literal; the schemes
// (https by default, plain http only when listed), the ports (the scheme's
// default when none are listed) and an optional path prefix matched on
// segment boundaries. A rule also says how to talk to the destination: which
// roots to trust (verification is always on, TLS 1.2 minimum), an optional
// client certificate for mutual TLS, and an optional Inject function that
// adds credentials. Inject runs only after the request passed the policy,
// on a private copy of the request, and only while a redirect chain stays on
// the original origin and rule; when a redirect leaves the origin,
// Authorization, Cookie, Proxy-Authorization, Referer and credential-looking
// headers are stripped and nothing is injected. Anything no rule allows is
// refused, as are URLs whose meaning servers disagree on: userinfo
// (http://allowed@evil/), numeric hosts that are not canonical dotted quads
// (127.1, 2130706433, 0x7f000001), dot segments and encoded slashes or dots
// in the path. Names for the local machine and cloud metadata (localhost,
// metadata.google.internal, ...) are refused before any DNS lookup, and a
// .internal host needs an exact rule with a zone.
//
// # Zones
//
// Even an allowed host name may resolve anywhere, so the address actually
// dialled is checked too. Loopback, private (RFC 1918, ULA), link-local
// (including the 169.254.169.254 metadata endpoint), CGNAT, NAT64, 6to4,
// documentation, multicast and other special ranges are denied. A Zone gives
// a name to address prefixes an operator does want reachable (a corporate
// network, or 127.0.0.1/32 for a sidecar); a rule that names the zone may dial
// addresses in it, and every other rule is refused them, even when they are
// public addresses. IPv4-mapped IPv6 addresses are checked as IPv4, so a zone
// written in IPv4 covers them too.
//
// # Resolve, check, then dial the IP
//
// Checking a host name and then letting the HTTP transport resolve it again
// is open to DNS rebinding: the first answer is public, the second is
// 127.0.0.1. This package therefore resolves each host exactly once per
// connection with the configured Resolver, refuses the connection if any
// answer is not allowed (a mixed public/private answer is an attack), and
// dials the checked IP literally. A net.Dialer Control hook re-checks the
// exact address handed to connect(2) as a second line of defence. TLS still
// verifies the certificate against the host name. Proxies from the
// environment are ignored, and each rule has its own connection pool so a
// connection made under one rule is never reused by another.
//
// # Errors
//
// Every refusal or failure is an *Error with a stable Code (egress_bad_url,
// egress_scheme_denied, egress_destination_denied, egress_address_denied,
// egress_redirect_denied, egress_response_too_large, egress_tls,
// egress_timeout, egress_unreachable, egress_credentials, egress_canceled)
// and a message that never contains userinfo or query strings. Refusals are
// also reported to Options.OnRefuse for the audit log.
package egress
