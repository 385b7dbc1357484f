package conditional

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// GeoIP finds the country of an address.
type GeoIP interface {
	// Country returns the ISO 3166-1 alpha-2 code of the country ip is in,
	// or "" when the database has no country for it. An error means the
	// lookup itself failed; the engine then treats the country as "".
	Country(ip netip.Addr) (string, error)
}

// MMDB is a GeoIP backed by a MaxMind DB file with country records: GeoIP2
// or GeoLite2 Country or City, or a compatible database (the value at
// country.iso_code is used). It is safe for concurrent use.
type MMDB struct {
	mu sync.RWMutex
	r  *maxminddb.Reader
}

// OpenMMDB opens the MaxMind DB file at path.
func OpenMMDB(path string) (*MMDB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("conditional: open GeoIP database: %w", err)
	}
	return &MMDB{r: r}, nil
}

// errClosed is returned by lookups after Close.
var errClosed = errors.New("conditional: GeoIP database is closed")

// Country returns the ISO country code recorded for ip, upper-cased, or ""
// with a nil error when the database has no record or the record has no
// country. IPv4-mapped IPv6 addresses are looked up as IPv4.
func (m *MMDB) Country(ip netip.Addr) (string, error) {
	if !ip.IsValid() {
		return "", nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.r == nil {
		return "", errClosed
	}
	res := m.r.Lookup(ip.Unmap())
	if err := res.Err(); err != nil {
		return "", fmt.Errorf("conditional: GeoIP lookup %s: %w", ip, err)
	}
	if !res.Found() {
		return "", nil
	}
	var iso string
	if err := res.DecodePath(&iso, "country", "iso_code"); err != nil {
		return "", fmt.Errorf("conditional: GeoIP record for %s: %w", ip, err)
	}
	return strings.ToUpper(iso), nil
}

// Close releases the database. Lookups after Close return an error.
func (m *MMDB) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.r == nil {
		return nil
	}
	err := m.r.Close()
	m.r = nil
	if err != nil {
		return fmt.Errorf("conditional: close GeoIP database: %w", err)
	}
	return nil
}
