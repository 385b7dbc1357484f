package egress

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
)

// Ensure DialTCP connects only under a rule for "https://host:port" whose
// zone holds the address, and reports each refusal.
func TestDialTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	zones := []Zone{{Name: "lo", Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
	pol, err := NewPolicy([]Rule{{Name: "syslog", Host: "127.0.0.1", Ports: []int{port}, Zone: "lo"}}, zones)
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	c, err := New(Options{Policy: pol, OnRefuse: func(_ context.Context, e *Error) { refused = append(refused, e.Code) }})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := c.DialTCP(t.Context(), ln.Addr().String())
	if err != nil {
		t.Fatalf("DialTCP to the allowed address: %v", err)
	}
	conn.Close()
	for addr, code := range map[string]string{
		"127.0.0.1:" + strconv.Itoa(port+1): CodeAddressDenied, // no rule for the port: the zone is not named
		"169.254.169.254:514":               CodeAddressDenied,
		"localhost:" + strconv.Itoa(port):   CodeDestinationDenied,
	} {
		if _, err := c.DialTCP(t.Context(), addr); CodeOf(err) != code {
			t.Errorf("DialTCP(%s) = %v, want %s", addr, err, code)
		}
	}
	if len(refused) != 3 {
		t.Errorf("OnRefuse calls = %v, want 3", refused)
	}
}
