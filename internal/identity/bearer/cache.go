package bearer

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Verified tokens are remembered for a short while, so that a client that
// sends the same access token with every request pays for the signature
// check (tens of microseconds for RSA and ECDSA) once per cacheTTL rather
// than every time.
const (
	// cacheTTL bounds how long a verified token is trusted without
	// checking its signature again. It also bounds how long a token
	// signed with a key that the issuer has since withdrawn keeps working.
	cacheTTL = 60 * time.Second
	// cacheSize bounds the memory the cache may take (entries).
	cacheSize = 10000
)

// verifiedCache maps the SHA-256 of a token to its verified claims.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedClaims
}

type cachedClaims struct {
	claims *Claims
	// until is when the entry must be verified again: cacheTTL after it
	// was, or the token's expiry, whichever is first.
	until time.Time
}

func newVerifiedCache() *verifiedCache {
	return &verifiedCache{m: make(map[[sha256.Size]byte]cachedClaims)}
}

// get returns the claims of a token verified less than cacheTTL ago and
// not yet expired at now.
func (c *verifiedCache) get(key [sha256.Size]byte, now time.Time) (*Claims, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.until) {
		delete(c.m, key)
		return nil, false
	}
	return e.claims, true
}

// put remembers verified claims until the earlier of now+cacheTTL and the
// token's expiry. When full it drops expired entries, and then arbitrary
// ones, so an attacker sending many valid tokens cannot grow it.
func (c *verifiedCache) put(key [sha256.Size]byte, cl *Claims, now time.Time) {
	until := now.Add(cacheTTL)
	if !cl.Expiry.IsZero() && cl.Expiry.Before(until) {
		until = cl.Expiry
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= cacheSize {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < cacheSize {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = cachedClaims{claims: cl, until: until}
}
