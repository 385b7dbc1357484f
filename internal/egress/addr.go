package egress

import (
	"net/netip"
)

// special lists the address ranges that are never dialled unless a rule's
// zone explicitly contains the address. Each entry says why, for errors.
var special = func() []specialRange {
	list := []struct{ cidr, why string }{
		{"0.0.0.0/8", "a 'this network' address"},
		{"10.0.0.0/8", "a private address"},
		{"100.64.0.0/10", "a carrier-grade NAT address"},
		{"127.0.0.0/8", "a loopback address"},
		{"169.254.0.0/16", "a link-local address (cloud metadata lives here)"},
		{"172.16.0.0/12", "a private address"},
		{"192.0.0.0/24", "an IETF protocol assignment address"},
		{"192.0.2.0/24", "a documentation address"},
		{"192.88.99.0/24", "a 6to4 relay address"},
		{"192.168.0.0/16", "a private address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved address"},
		{"255.255.255.255/32", "the broadcast address"},
		{"::/128", "the unspecified address"},
		{"::1/128", "a loopback address"},
		{"::/96", "an IPv4-compatible address"},
		{"64:ff9b::/96", "a NAT64 address"},
		{"64:ff9b:1::/48", "a NAT64 address"},
		{"100::/64", "a discard-only address"},
		{"2001::/23", "an IETF protocol assignment address"},
		{"2001:db8::/32", "a documentation address"},
		{"2002::/16", "a 6to4 address"},
		{"3fff::/20", "a documentation address"},
		{"fc00::/7", "a unique local (private) address"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	}
	out := make([]specialRange, len(list))
	for i, s := range list {
		out[i] = specialRange{netip.MustParsePrefix(s.cidr), s.why}
	}
	return out
}()

type specialRange struct {
	prefix netip.Prefix
	why    string
}

// canonAddr returns the form of a used for every check: no IPv6 zone, and
// IPv4-mapped IPv6 addresses unmapped to IPv4.
func canonAddr(a netip.Addr) netip.Addr {
	return a.WithZone("").Unmap()
}

// specialWhy returns why a (already canonical) is special, or "".
func specialWhy(a netip.Addr) string {
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.why
		}
	}
	return ""
}

// zone is a compiled Zone.
type zone struct {
	name     string
	prefixes []netip.Prefix // canonical: masked, mapped IPv4 prefixes unmapped
}

func (z *zone) contains(a netip.Addr) bool {
	for _, p := range z.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrDenied returns "" if rule r may connect to a, or a human reason why not.
// The order matters: the rule's own zone wins, then any other zone is
// reserved for the rules that name it, then the special ranges are denied,
// and everything else is public and allowed.
func (p *Policy) addrDenied(r *compiledRule, a netip.Addr) string {
	if !a.IsValid() {
		return "the address is invalid"
	}
	if a.Zone() != "" {
		return "IPv6 addresses with a zone are not allowed"
	}
	a = canonAddr(a)
	if r != nil && r.zone != nil && r.zone.contains(a) {
		return ""
	}
	for _, z := range p.zones {
		if z.contains(a) {
			return a.String() + " belongs to zone " + quote(z.name) + ", which this rule does not name"
		}
	}
	if why := specialWhy(a); why != "" {
		return a.String() + " is " + why
	}
	return ""
}

// normalizePrefix masks p and rewrites an IPv4-mapped IPv6 prefix
// (::ffff:10.0.0.0/104) as its IPv4 form so that it matches unmapped
// addresses.
func normalizePrefix(p netip.Prefix) (netip.Prefix, bool) {
	if !p.IsValid() || p.Addr().Zone() != "" {
		return netip.Prefix{}, false
	}
	p = p.Masked()
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p, true
}
