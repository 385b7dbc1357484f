package egress

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestNewPolicyValidation(t *testing.T) {
	corp := Zone{Name: "corp", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		name  string
		rules []Rule
		zones []Zone
		want  string
	}{
		{"no name", []Rule{{Host: "a.example.com"}}, nil, "no name"},
		{"duplicate name", []Rule{{Name: "a", Host: "a.example.com"}, {Name: "a", Host: "b.example.com"}}, nil, "used twice"},
		{"unknown zone", []Rule{{Name: "a", Host: "a.example.com", Zone: "nope"}}, nil, "unknown zone"},
		{"bad scheme", []Rule{{Name: "a", Host: "a.example.com", Schemes: []string{"ftp"}}}, nil, "scheme"},
		{"ws scheme", []Rule{{Name: "a", Host: "a.example.com", Schemes: []string{"wss"}}}, nil, "scheme"},
		{"bad port", []Rule{{Name: "a", Host: "a.example.com", Ports: []int{70000}}}, nil, "port"},
		{"empty host", []Rule{{Name: "a"}}, nil, "empty host"},
		{"bad char", []Rule{{Name: "a", Host: "a b.example.com"}}, nil, "not allowed"},
		{"mid wildcard", []Rule{{Name: "a", Host: "a.*.example.com"}}, nil, "not allowed"},
		{"bare wildcard", []Rule{{Name: "a", Host: "*"}}, nil, "not allowed"},
		{"tld wildcard", []Rule{{Name: "a", Host: "*.com"}}, nil, "too broad"},
		{"internal wildcard", []Rule{{Name: "a", Host: "*.corp.internal", Zone: "corp"}}, []Zone{corp}, "reserved"},
		{"internal without zone", []Rule{{Name: "a", Host: "db.corp.internal"}}, nil, "must name a zone"},
		{"localhost", []Rule{{Name: "a", Host: "localhost", Zone: "corp"}}, []Zone{corp}, "reserved"},
		{"sub.localhost", []Rule{{Name: "a", Host: "app.localhost"}}, nil, "reserved"},
		{"metadata", []Rule{{Name: "a", Host: "metadata.google.internal", Zone: "corp"}}, []Zone{corp}, "reserved"},
		{"non-canonical ip", []Rule{{Name: "a", Host: "127.1"}}, nil, "numeric"},
		{"octal ip", []Rule{{Name: "a", Host: "0177.0.0.1"}}, nil, "numeric"},
		{"non-canonical v6", []Rule{{Name: "a", Host: "2001:DB8:0::1"}}, nil, "canonical"},
		{"mapped v6", []Rule{{Name: "a", Host: "::ffff:8.8.8.8"}}, nil, "IPv4-mapped"},
		{"private ip without zone", []Rule{{Name: "a", Host: "10.1.2.3"}}, nil, "can never be reached"},
		{"relative prefix", []Rule{{Name: "a", Host: "a.example.com", PathPrefix: "api"}}, nil, "must start with /"},
		{"dot prefix", []Rule{{Name: "a", Host: "a.example.com", PathPrefix: "/api/../x"}}, nil, "dot segment"},
		{"zone no name", nil, []Zone{{Prefixes: corp.Prefixes}}, "no name"},
		{"zone dup", nil, []Zone{corp, corp}, "twice"},
		{"zone empty", nil, []Zone{{Name: "z"}}, "no prefixes"},
		{"zone everything", nil, []Zone{{Name: "z", Prefixes: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}}, "whole address space"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPolicy(tc.rules, tc.zones)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewPolicy error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// And some valid ones.
	if _, err := NewPolicy([]Rule{
		{Name: "ok1", Host: "API.Example.COM."},
		{Name: "ok2", Host: "*.example.org", Schemes: []string{"HTTP", "https"}, Ports: []int{8080}},
		{Name: "ok3", Host: "db.corp.internal", Zone: "corp"},
		{Name: "ok4", Host: "10.1.2.3", Zone: "corp"},
		{Name: "ok5", Host: "[2606:4700::1111]"},
	}, []Zone{corp}); err != nil {
		t.Fatalf("valid policy refused: %v", err)
	}
}

func testPolicy(t testing.TB) *Policy {
	corp := Zone{Name: "corp", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd12::/16")}}
	return mustPolicy(t, []Rule{
		{Name: "api", Host: "api.example.com", PathPrefix: "/v1/"},
		{Name: "api-admin", Host: "api.example.com", PathPrefix: "/v1/admin"},
		{Name: "wild", Host: "*.example.org", Schemes: []string{"http", "https"}, Ports: []int{443, 8443}},
		{Name: "plain", Host: "plain.example.net", Schemes: []string{"http"}},
		{Name: "db", Host: "db.corp.internal", Zone: "corp"},
		{Name: "ip", Host: "10.1.2.3", Zone: "corp", Schemes: []string{"http"}, Ports: []int{8080}},
		{Name: "pub-ip", Host: "8.8.8.8"},
		{Name: "v6", Host: "2606:4700::1111"},
	}, []Zone{corp})
}

func TestCheck(t *testing.T) {
	p := testPolicy(t)
	cases := []struct {
		url  string
		rule string // expected rule, or "" when refused
		code string
	}{
		{"https://api.example.com/v1", "api", ""},
		{"https://api.example.com/v1/chat?x=1", "api", ""},
		{"https://API.EXAMPLE.COM./v1/chat", "api", ""},
		{"https://api.example.com:443/v1/chat", "api", ""},
		{"https://api.example.com/v1/admin/users", "api-admin", ""},
		{"https://api.example.com/v1/administrator", "api", ""},
		{"https://api.example.com/v1x", "", CodeDestinationDenied},
		{"https://api.example.com/", "", CodeDestinationDenied},
		{"https://api.example.com:8443/v1/", "", CodeDestinationDenied},
		{"http://api.example.com/v1/", "", CodeSchemeDenied},
		{"https://api.example.com/v1/../admin", "", CodeBadURL},
		{"https://api.example.com/v1/./x", "", CodeBadURL},
		{"https://api.example.com/v1/..;/admin", "", CodeBadURL},
		{"https://api.example.com/v1/%2e%2e/admin", "", CodeBadURL},
		{"https://api.example.com/v1/a%2Fb", "", CodeBadURL},
		{"https://api.example.com/v1/a%5cb", "", CodeBadURL},
		{"https://api.example.com/v1/a%252fb", "", CodeBadURL},
		{"https://api.example.com:0443/v1/", "", CodeBadURL},
		{"https://api.example.com:/v1/", "", CodeBadURL},
		{"https://a.example.org/", "wild", ""},
		{"http://a.b.example.org:8443/x", "wild", ""},
		{"https://example.org/", "", CodeDestinationDenied},
		{"https://evilexample.org/", "", CodeDestinationDenied},
		{"https://a.example.org:8080/", "", CodeDestinationDenied},
		{"http://plain.example.net/", "plain", ""},
		{"https://plain.example.net/", "", CodeSchemeDenied},
		{"https://db.corp.internal/", "db", ""},
		{"https://other.corp.internal/", "", CodeDestinationDenied},
		{"http://10.1.2.3:8080/", "ip", ""},
		{"http://10.1.2.4:8080/", "", CodeAddressDenied},
		{"https://8.8.8.8/", "pub-ip", ""},
		{"https://8.8.4.4/", "", CodeDestinationDenied},
		{"https://[2606:4700::1111]/", "v6", ""},
		{"https://[2606:4700:0::1111]/", "v6", ""},
		{"https://[fd12::1]/", "", CodeAddressDenied},
		{"https://localhost/", "", CodeDestinationDenied},
		{"https://a.localhost/", "", CodeDestinationDenied},
		{"https://metadata/", "", CodeDestinationDenied},
		{"https://user@api.example.com/v1/", "", CodeBadURL},
		{"ftp://api.example.com/v1/", "", CodeSchemeDenied},
		{"https://1.2.3/", "", CodeBadURL},
		{"https://example.0x10/", "", CodeBadURL},
		{"https://[fe80::1%25eth0]/", "", CodeBadURL},
	}
	for _, tc := range cases {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatalf("parse %q: %v", tc.url, err)
		}
		r, err := p.Check(u)
		if tc.rule != "" {
			if err != nil || r == nil || r.Name != tc.rule {
				t.Errorf("Check(%s) = %v, %v; want rule %s", tc.url, r, err, tc.rule)
			}
			continue
		}
		if err == nil {
			t.Errorf("Check(%s) allowed by %s; want %s", tc.url, r.Name, tc.code)
			continue
		}
		if c := CodeOf(err); c != tc.code {
			t.Errorf("Check(%s) code = %s (%v); want %s", tc.url, c, err, tc.code)
		}
	}
	if _, err := p.Check(nil); CodeOf(err) != CodeBadURL {
		t.Errorf("Check(nil) = %v", err)
	}
}

func TestAddrDenied(t *testing.T) {
	corp := Zone{Name: "corp", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	mapped := Zone{Name: "mapped", Prefixes: []netip.Prefix{netip.MustParsePrefix("::ffff:192.168.1.0/120")}}
	pubz := Zone{Name: "pubz", Prefixes: []netip.Prefix{netip.MustParsePrefix("8.8.8.0/24")}}
	p := mustPolicy(t, []Rule{
		{Name: "none", Host: "none.example.com"},
		{Name: "corp", Host: "corp.example.com", Zone: "corp"},
		{Name: "mapped", Host: "mapped.example.com", Zone: "mapped"},
	}, []Zone{corp, mapped, pubz})
	none, corpR, mappedR := p.rules[0], p.rules[1], p.rules[2]

	deny := []string{
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.255.254",
		"169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.2.1", "192.88.99.1",
		"192.168.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.1", "203.0.113.1", "224.0.0.1",
		"239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
		"64:ff9b::7f00:1", "64:ff9b:1::1", "100::1", "2001::1", "2001:db8::1", "2002:7f00:1::1",
		"fc00::1", "fd00:ec2::254", "fe80::1", "fec0::1", "ff02::1",
		"8.8.8.8", // public, but reserved for zone pubz
	}
	for _, s := range deny {
		if why := p.addrDenied(none, netip.MustParseAddr(s)); why == "" {
			t.Errorf("%s allowed for a rule without zone", s)
		}
	}
	allow := []string{"1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"}
	for _, s := range allow {
		if why := p.addrDenied(none, netip.MustParseAddr(s)); why != "" {
			t.Errorf("%s denied: %s", s, why)
		}
	}
	// Zones: own zone allowed, including the mapped form; public still allowed.
	for _, s := range []string{"10.0.0.1", "::ffff:10.9.9.9", "1.1.1.1"} {
		if why := p.addrDenied(corpR, netip.MustParseAddr(s)); why != "" {
			t.Errorf("corp rule: %s denied: %s", s, why)
		}
	}
	if why := p.addrDenied(corpR, netip.MustParseAddr("127.0.0.1")); why == "" {
		t.Errorf("corp rule may dial loopback")
	}
	// A zone written as IPv4-mapped IPv6 matches plain IPv4 and mapped.
	for _, s := range []string{"192.168.1.7", "::ffff:192.168.1.7"} {
		if why := p.addrDenied(mappedR, netip.MustParseAddr(s)); why != "" {
			t.Errorf("mapped rule: %s denied: %s", s, why)
		}
	}
	if why := p.addrDenied(mappedR, netip.MustParseAddr("10.0.0.1")); !strings.Contains(why, `zone "corp"`) {
		t.Errorf("another zone's address: why = %q", why)
	}
	if why := p.addrDenied(none, netip.MustParseAddr("fe80::1%eth0")); why == "" {
		t.Errorf("zoned IPv6 allowed")
	}
}

func TestLooksNumeric(t *testing.T) {
	for _, s := range []string{"127.1", "0", "2130706433", "0x7f000001", "0177.0.0.1", "1.2.3", "0x7f.1", "a.0x", "foo.123"} {
		if err := validHostName(s); err == nil {
			t.Errorf("validHostName(%q) accepted", s)
		}
	}
	for _, s := range []string{"example.com", "1password.com", "0x.example", "a1b2.c3d4e", "123.example"} {
		if err := validHostName(s); err != nil {
			t.Errorf("validHostName(%q) = %v", s, err)
		}
	}
}
