package bearer

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxJWKSBytes bounds a key set document; real ones are a few KiB.
const maxJWKSBytes = 1 << 20

// keySet is an issuer's JWKS, fetched from its jwks_uri and cached.
//
// Keys are refetched when the cache is older than its lifetime (the
// server's Cache-Control max-age, clamped to [minKeyLifetime, maxKeyLifetime])
// and when a token names a key id the cache does not hold, which is how a
// key rotation shows up. An unknown key id refetches at most once per
// cooldown, so a flood of tokens with made-up key ids cannot become a flood
// of requests to the identity provider. If a scheduled refresh fails, the
// cached keys stay in use for up to staleGrace, since refusing every caller
// because the IdP blipped is worse than honouring keys it published an
// hour ago; after that, verification fails closed.
type keySet struct {
	url      string
	client   *http.Client
	cooldown time.Duration
	now      func() time.Time

	// fetchMu serialises fetches; callers that waited on it look again
	// before fetching themselves.
	fetchMu sync.Mutex

	mu        sync.RWMutex
	keys      []jose.JSONWebKey
	fetchedAt time.Time // last successful fetch
	expiresAt time.Time // when the cached set should be refreshed
	triedAt   time.Time // last fetch attempt, successful or not
	lastErr   error     // the last attempt's error, nil if it succeeded
	// fetches counts fetch attempts, for tests and metrics.
	fetches int
}

const (
	minKeyLifetime = time.Minute
	maxKeyLifetime = 24 * time.Hour
	// defaultKeyLifetime applies when the server sends no max-age.
	defaultKeyLifetime = time.Hour
	// staleGrace is how long cached keys outlive a failed refresh.
	staleGrace = 24 * time.Hour
	// failBackoff is the least time between attempts after a failed fetch.
	failBackoff = 5 * time.Second
)

// errUnknownKey says no cached or refetched key matches the token.
var errUnknownKey = errors.New("no key in the issuer's key set matches the token's key id and algorithm")

// key returns the verification key for a token with key id kid (possibly
// empty) signed with alg.
func (k *keySet) key(ctx context.Context, kid string, alg jose.SignatureAlgorithm) (any, error) {
	now := k.now()
	k.mu.RLock()
	keys, fresh, loaded := k.keys, now.Before(k.expiresAt), !k.fetchedAt.IsZero()
	k.mu.RUnlock()

	if !loaded || !fresh {
		if err := k.refresh(ctx, now, false); err != nil && (!loaded || now.Sub(k.lastSuccess()) > staleGrace) {
			return nil, err
		}
		keys = k.snapshot()
	}
	if key, ok := pick(keys, kid, alg); ok {
		return key, nil
	}
	// Perhaps the issuer rotated its keys: look again, at most once per
	// cooldown.
	if err := k.refresh(ctx, now, true); err != nil {
		if errors.Is(err, errCooldown) {
			return nil, errUnknownKey
		}
		return nil, err
	}
	if key, ok := pick(k.snapshot(), kid, alg); ok {
		return key, nil
	}
	return nil, errUnknownKey
}

func (k *keySet) lastError() error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.lastErr
}

func (k *keySet) snapshot() []jose.JSONWebKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys
}

func (k *keySet) lastSuccess() time.Time {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.fetchedAt
}

// errCooldown says a refetch for an unknown key id was skipped because the
// last attempt is too recent.
var errCooldown = errors.New("key set fetched recently")

// refresh fetches the key set unless someone else did while this caller
// waited. For an unknown key id (forUnknownKid) it also respects the
// cooldown since the last attempt.
func (k *keySet) refresh(ctx context.Context, asOf time.Time, forUnknownKid bool) error {
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	k.mu.RLock()
	tried, fresh := k.triedAt, asOf.Before(k.expiresAt)
	k.mu.RUnlock()
	if tried.After(asOf) {
		// Fetched while we waited for the lock: use that result.
		return k.lastError()
	}
	if err := k.lastError(); err != nil && k.now().Sub(tried) < min(k.cooldown, failBackoff) {
		// The identity provider failed a moment ago: do not ask it again
		// for every request while it is down.
		return err
	}
	if forUnknownKid && !tried.IsZero() && k.now().Sub(tried) < k.cooldown {
		return errCooldown
	}
	if !forUnknownKid && fresh {
		return nil
	}
	keys, lifetime, err := k.fetch(ctx)
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fetches++
	k.triedAt, k.lastErr = now, err
	if err != nil {
		return err
	}
	k.keys, k.fetchedAt, k.expiresAt = keys, now, now.Add(lifetime)
	return nil
}

// fetch downloads and parses the key set, keeping only public signing keys.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch key set %s: %w", k.url, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch key set %s: %w", k.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("fetch key set %s: status %s", k.url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" && mt != "application/jwk-set+json" {
			return nil, 0, fmt.Errorf("fetch key set %s: content type %q is not JSON", k.url, ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("fetch key set %s: %w", k.url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, 0, fmt.Errorf("fetch key set %s: larger than %d bytes", k.url, maxJWKSBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, 0, fmt.Errorf("fetch key set %s: %w", k.url, err)
	}
	var keys []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		pub := key.Public() // drops private parts a misconfigured IdP might publish
		if !pub.Valid() {
			continue
		}
		switch pub.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			keys = append(keys, pub)
		}
	}
	if len(keys) == 0 {
		return nil, 0, fmt.Errorf("fetch key set %s: no public signing keys", k.url)
	}
	return keys, lifetime(resp.Header.Get("Cache-Control")), nil
}

// lifetime reads max-age from a Cache-Control header, clamped.
func lifetime(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(d), "=")
		if !ok || !strings.EqualFold(name, "max-age") {
			continue
		}
		secs, err := strconv.Atoi(strings.Trim(val, `"`))
		if err != nil || secs < 0 {
			break
		}
		return min(max(time.Duration(secs)*time.Second, minKeyLifetime), maxKeyLifetime)
	}
	return defaultKeyLifetime
}

// pick returns the key for kid whose type fits alg. With no kid, a key is
// used only if it is the single one of a fitting type, so that a token
// cannot choose among keys by leaving the kid out.
func pick(keys []jose.JSONWebKey, kid string, alg jose.SignatureAlgorithm) (any, bool) {
	var found any
	n := 0
	for _, key := range keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		if key.Algorithm != "" && key.Algorithm != string(alg) {
			continue
		}
		if !fits(key.Key, alg) {
			continue
		}
		found = key.Key
		n++
	}
	return found, n == 1
}

// fits reports whether a public key can verify alg, so that a key of one
// family is never used with another's algorithm (RS256 key, HS256 token).
func fits(key any, alg jose.SignatureAlgorithm) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
			return k.N.BitLen() >= 2048
		}
	case *ecdsa.PublicKey:
		switch alg {
		case jose.ES256:
			return k.Curve.Params().BitSize == 256
		case jose.ES384:
			return k.Curve.Params().BitSize == 384
		case jose.ES512:
			return k.Curve.Params().BitSize == 521
		}
	case ed25519.PublicKey:
		return alg == jose.EdDSA
	}
	return false
}
