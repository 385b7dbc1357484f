package conditional

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// testCountries are the networks of the generated GeoIP database.
var testCountries = map[string]string{
	"81.2.69.0/24":     "GB",
	"2.125.160.0/24":   "DE",
	"89.160.20.0/24":   "SE",
	"2a02:8000::/32":   "NL",
	"175.16.199.0/24":  "CN",
	"216.160.83.0/24":  "US",
	"202.196.224.0/20": "", // a record without a country
}

// writeMMDB builds a MaxMind country database in dir and returns its path.
func writeMMDB(t testing.TB, dir string) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "Test-Country", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, iso := range testCountries {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{"continent": mmdbtype.Map{"code": mmdbtype.String("XX")}}
		if iso != "" {
			rec["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(iso), "geoname_id": mmdbtype.Uint32(1)}
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatalf("insert %s: %v", cidr, err)
		}
	}
	path := filepath.Join(dir, "country.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func openTestMMDB(t testing.TB) *MMDB {
	t.Helper()
	db, err := OpenMMDB(writeMMDB(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mapGeo is a GeoIP from a map, with an error for one address.
type mapGeo struct {
	m   map[netip.Addr]string
	bad netip.Addr
}

func (g mapGeo) Country(ip netip.Addr) (string, error) {
	if ip == g.bad {
		return "", os.ErrInvalid
	}
	return g.m[ip], nil
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}
