package conditional

import (
	"net/netip"
	"path/filepath"
	"testing"
)

func TestMMDBCountry(t *testing.T) {
	db := openTestMMDB(t)
	tests := []struct {
		ip   string
		want string
	}{
		{"81.2.69.142", "GB"},
		{"2.125.160.216", "DE"},
		{"::ffff:89.160.20.112", "SE"}, // IPv4-mapped IPv6 is looked up as IPv4
		{"2a02:8000::1", "NL"},
		{"202.196.224.1", ""}, // record without a country
		{"8.8.8.8", ""},       // no record
		{"2001:db8::1", ""},   // no record
	}
	for _, tt := range tests {
		got, err := db.Country(netip.MustParseAddr(tt.ip))
		if err != nil {
			t.Errorf("Country(%s): %v", tt.ip, err)
		}
		if got != tt.want {
			t.Errorf("Country(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
	if got, err := db.Country(netip.Addr{}); got != "" || err != nil {
		t.Errorf("Country(invalid) = %q, %v; want \"\", nil", got, err)
	}
}

func TestMMDBClose(t *testing.T) {
	db, err := OpenMMDB(writeMMDB(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := db.Country(addr("81.2.69.142")); err == nil {
		t.Error("Country after Close: no error")
	}
}

func TestOpenMMDBErrors(t *testing.T) {
	if _, err := OpenMMDB(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil {
		t.Error("missing file: no error")
	}
}

// A lookup failure leaves the country unknown, and a policy written to fail
// closed denies.
func TestGeoIPFailClosed(t *testing.T) {
	bad := addr("198.51.100.9")
	e, err := New(Options{
		GeoIP: mapGeo{m: map[netip.Addr]string{addr("192.0.2.1"): "DE"}, bad: bad},
		Policies: []Policy{{
			Name: "eu-only", When: `!(country in ["DE", "FR"])`, Action: Deny, Message: "EU only",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]string{"192.0.2.1": Allow, "198.51.100.9": Deny, "203.0.113.5": Deny} {
		d := e.Evaluate(Input{IP: addr(ip)})
		if d.Outcome != want {
			t.Errorf("%s: outcome %s (country %q), want %s", ip, d.Outcome, d.Signals.Country, want)
		}
	}
	if d := e.Evaluate(Input{}); d.Outcome != Deny || d.Signals.Country != "" {
		t.Errorf("no IP: %s country %q, want deny and unknown country", d.Outcome, d.Signals.Country)
	}
}

func TestEvaluateWithMMDB(t *testing.T) {
	e, err := New(Options{
		GeoIP: openTestMMDB(t),
		Policies: []Policy{
			{Name: "block-cn", When: `country == "CN"`, Action: Deny},
			{Name: "unknown-country-mfa", When: `country == ""`, Action: RequireMFA},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip, country, outcome string
	}{
		{"175.16.199.10", "CN", Deny},
		{"::ffff:175.16.199.10", "CN", Deny},
		{"81.2.69.142", "GB", Allow},
		{"8.8.8.8", "", RequireMFA},
		{"202.196.224.1", "", RequireMFA},
	}
	for _, tt := range tests {
		d := e.Evaluate(Input{IP: addr(tt.ip)})
		if d.Signals.Country != tt.country || d.Outcome != tt.outcome {
			t.Errorf("%s: country %q outcome %s, want %q %s", tt.ip, d.Signals.Country, d.Outcome, tt.country, tt.outcome)
		}
	}
}
