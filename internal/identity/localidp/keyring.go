package localidp

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Rotation of the signing keys kept in the store.
const (
	// DefaultKeyRotation is how long one signing key signs by default.
	DefaultKeyRotation = 30 * 24 * time.Hour
	// MinKeyRotation is the shortest rotation period: a period must
	// outlast the longest token (24 hours) so that the previous key,
	// still published, verifies every token it signed.
	MinKeyRotation = 25 * time.Hour
)

// ringKey is one signing key with its algorithm and key id.
type ringKey struct {
	signer crypto.Signer
	alg    jose.SignatureAlgorithm
	kid    string
}

// keyRing holds the provider's signing keys. Time is cut into periods;
// each period has its own key in the store, created by whichever replica
// needs it first, so that every replica signs with the same one. The
// current period's key signs; the key set published at /keys also holds
// the previous period's key, which verifies the tokens it signed until
// they expire, and the next period's, published a whole period ahead so
// that verifiers caching the key set know it before it signs.
type keyRing struct {
	// fixed is a configured key that never rotates.
	fixed *ringKey

	st     Store
	period time.Duration
	now    func() time.Time
	// name prefixes the store keys of this ring's periods.
	name string
	// generate makes a fresh key for a period nobody has created yet.
	generate func() (crypto.Signer, error)

	mu   sync.Mutex
	keys map[int64]*ringKey
}

// period returns the number of the period t falls in.
func (r *keyRing) periodOf(t time.Time) int64 { return t.UnixNano() / int64(r.period) }

// key returns the key of period n, loading or creating it in the store.
func (r *keyRing) key(ctx context.Context, n int64) (*ringKey, error) {
	r.mu.Lock()
	k, ok := r.keys[n]
	r.mu.Unlock()
	if ok {
		return k, nil
	}
	fresh, err := r.generate()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(fresh)
	if err != nil {
		return nil, err
	}
	stored, err := r.st.LoadOrCreateKey(ctx, r.name+"/"+strconv.FormatInt(n, 10), der)
	if err != nil {
		return nil, fmt.Errorf("localidp: load the signing key: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(stored)
	if err != nil {
		return nil, fmt.Errorf("localidp: the stored signing key: %w", err)
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("localidp: the stored signing key is a %T", parsed)
	}
	if k, err = newRingKey(signer); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for old := range r.keys {
		if old < n-1 {
			delete(r.keys, old) // no longer published
		}
	}
	r.keys[n] = k
	return k, nil
}

// current returns the key that signs now.
func (r *keyRing) current(ctx context.Context) (*ringKey, error) {
	if r.fixed != nil {
		return r.fixed, nil
	}
	return r.key(ctx, r.periodOf(r.now()))
}

// published returns the keys of the key set: the previous, current and
// next periods' keys.
func (r *keyRing) published(ctx context.Context) ([]*ringKey, error) {
	if r.fixed != nil {
		return []*ringKey{r.fixed}, nil
	}
	n := r.periodOf(r.now())
	out := make([]*ringKey, 0, 3)
	for _, i := range []int64{n - 1, n, n + 1} {
		k, err := r.key(ctx, i)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// generateRSA makes the RS256 keys that sign ID tokens and user access
// tokens: RS256 is the one algorithm every OpenID relying party must
// accept, and RSA verifies fastest, which matters to verifiers that check
// every request.
func generateRSA() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// generateP256 makes the ES256 keys that sign service principals' access
// tokens: workloads ask for tokens far more often than people sign in, and
// an ES256 signature costs a few tens of microseconds where an RSA-2048
// one costs over a millisecond.
func generateP256() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
