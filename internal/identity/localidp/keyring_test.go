package localidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/palisade-gw/palisade/internal/store/sqlite"
)

// Ensure the signing keys rotate: the current period's key signs, the key
// set holds the previous, current and next keys, the next key is
// published a period before it signs, a token signed before a rotation
// still verifies after it, and two providers on one store (replicas) sign
// with the same key.
func TestSigningKeysRotate(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	newProvider := func() *Provider {
		p, err := New(Options{Issuer: "http://127.0.0.1:9/idp", Store: st, Clock: clock, KeyRotation: MinKeyRotation})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := newProvider(), newProvider()
	s := &storage{p: a}
	// Each ring is published separately: RS256 for ID tokens and users'
	// access tokens, ES256 for service principals' tokens.
	kidsOf := func(alg jose.SignatureAlgorithm) []string {
		ks, err := s.KeySet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range ks {
			if k.Algorithm() == alg {
				out = append(out, k.ID())
			}
		}
		return out
	}
	kids := func() []string { return kidsOf(jose.RS256) }
	workloadCtx := context.WithValue(ctx, tokenCallKey{}, &tokenCall{grant: "client_credentials"})
	signerIn := func(ctx context.Context, p *Provider) (string, jose.SignatureAlgorithm) {
		k, err := (&storage{p: p}).SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return k.ID(), k.SignatureAlgorithm()
	}
	signer := func(p *Provider) string {
		kid, alg := signerIn(ctx, p)
		if alg != jose.RS256 {
			t.Fatalf("ID tokens and users' tokens are signed %s, want RS256", alg)
		}
		return kid
	}
	before := kids()
	if len(before) != 3 || before[1] != signer(a) {
		t.Fatalf("key set %v, signer %s: want previous, current (signing) and next", before, signer(a))
	}
	if signer(a) != signer(b) {
		t.Fatal("two replicas sign with different keys")
	}
	wbefore := kidsOf(jose.ES256)
	wkid, walg := signerIn(workloadCtx, a)
	if walg != jose.ES256 || len(wbefore) != 3 || wbefore[1] != wkid {
		t.Fatalf("workload key set %v, signer %s (%s): want ES256 previous, current (signing) and next", wbefore, wkid, walg)
	}
	if other, _ := signerIn(workloadCtx, b); other != wkid {
		t.Fatal("two replicas sign service principals' tokens with different keys")
	}
	if ks, _ := s.KeySet(ctx); len(ks) != 6 {
		t.Fatalf("key set has %d keys, want 3 per ring", len(ks))
	}
	// A token signed now.
	k, _ := s.SigningKey(ctx)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: k.SignatureAlgorithm(), Key: k.Key()}, (&jose.SignerOptions{}).WithHeader("kid", k.ID()))
	if err != nil {
		t.Fatal(err)
	}
	jws, _ := sig.Sign([]byte(`{"sub":"alice"}`))
	token, _ := jws.CompactSerialize()

	now.Add(int64(MinKeyRotation))
	after := kids()
	if after[0] != before[1] || after[1] != before[2] || after[2] == before[2] {
		t.Fatalf("after a period the key set is %v (was %v): want the old current as previous and the old next signing", after, before)
	}
	if signer(a) != before[2] || signer(b) != before[2] {
		t.Errorf("after a period replicas sign with %s and %s, want the pre-published %s", signer(a), signer(b), before[2])
	}
	if got, _ := signerIn(workloadCtx, b); got != wbefore[2] {
		t.Errorf("after a period service principals' tokens are signed with %s, want the pre-published %s", got, wbefore[2])
	}
	// The JWKS served at /keys verifies the token signed before.
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/idp/keys")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parsed, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(before[1])
	if len(keys) != 1 {
		t.Fatalf("/keys lacks the previous key %s: %d keys", before[1], len(set.Keys))
	}
	if _, err := parsed.Verify(keys[0].Key); err != nil {
		t.Errorf("a token signed before the rotation does not verify: %v", err)
	}
	now.Add(2 * int64(MinKeyRotation))
	if got := kids(); got[0] == before[1] || got[1] == before[1] || got[2] == before[1] {
		t.Errorf("a key two periods old is still published: %v", got)
	}
	if _, err := New(Options{Issuer: "http://127.0.0.1:9/idp", Store: st, KeyRotation: time.Hour}); err == nil {
		t.Error("a rotation period shorter than the longest token was accepted")
	}
}
